package screening

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paycompliance/console/internal/fixtures"
)

// Threshold is the score at which a name is a hit (the console's default).
const testThreshold = DefaultThreshold

func loadList(t testing.TB, name string) []Entry {
	t.Helper()
	f, err := os.Open(fixtures.Path(t, "ofac/"+name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, err := Parse(Files{SDN: f})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// labelled is a query and the entry it must find ("" for a decoy, which
// must find nothing).
type labelled struct {
	query Query
	want  string
	how   string
}

// transliterations are spellings of one name that screening must treat as
// the same (applied to make true variants; the matcher knows none of them).
var transliterations = [][2]string{
	{"MUHAMMAD", "Mohammed"}, {"MOHAMMED", "Muhammad"}, {"MOHAMMAD", "Mohamed"}, {"AHMAD", "Ahmed"}, {"AHMED", "Ahmad"},
	{"HUSSEIN", "Husein"}, {"HUSAYN", "Hussain"}, {"YUSUF", "Yousef"}, {"ABDUL", "Abdoul"}, {"OMAR", "Umar"}, {"ALI", "Aly"},
	{"SERGEY", "Sergei"}, {"SERGEI", "Sergey"}, {"ALEKSANDR", "Alexander"}, {"ALEXANDER", "Aleksandr"}, {"YURIY", "Yuri"},
	{"DMITRIY", "Dmitry"}, {"DMITRY", "Dmitri"}, {"ANDREY", "Andrei"}, {"NIKOLAY", "Nikolai"}, {"EVGENIY", "Yevgeny"},
	{"KH", "H"}, {"OU", "U"}, {"II", "I"},
}

// decoySurnames occur in no name on the list (checked by the test).
var decoySurnames = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Thompson",
	"Moore", "Jackson", "Martin", "Lee", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
	"Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans",
	"Turner", "Parker", "Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson",
	"Bailey", "Reed", "Kelly", "Howard", "Cox", "Ward", "Richardson", "Watson", "Brooks", "Wood", "Bennett", "Gray", "Hughes"}

// wellKnown decoys: famous people and companies that are not designated,
// including the classic trap of a shared first name (George Bush against
// George Habbash). Names that are on the list word for word, whoever bears
// them (Muhammad Yunus, Mohamed Salah, Maria ... Garcia), are hits by
// design and so are not here.
var wellKnown = []Query{
	{Name: "George Bush", Type: Individual}, {Name: "George W. Bush", Type: Individual}, {Name: "Barack Obama", Type: Individual},
	{Name: "John Smith", Type: Individual}, {Name: "James Williams", Type: Individual},
	{Name: "Elizabeth Taylor", Type: Individual}, {Name: "Michael Jordan", Type: Individual}, {Name: "Angela Merkel", Type: Individual},
	{Name: "Emmanuel Macron", Type: Individual}, {Name: "Taylor Swift", Type: Individual},
	{Name: "Ahmed Zewail", Type: Individual}, {Name: "Sergey Brin", Type: Individual},
	{Name: "Apple Inc.", Type: Business}, {Name: "Microsoft Corporation", Type: Business}, {Name: "Toyota Motor Corporation", Type: Business},
	{Name: "Deutsche Bank AG", Type: Business}, {Name: "Acme Widgets LLC", Type: Business}, {Name: "Nestle S.A.", Type: Business},
	{Name: "Siemens AG", Type: Business}, {Name: "Unilever PLC", Type: Business}, {Name: "Starbucks Coffee Company", Type: Business},
}

// labelledSet builds the test set from the real list: true variants of
// designated names (reordered, a middle name missing, transliterated,
// misspelt once, accented, an alias, a company without its legal form)
// and decoys (a designated person's given names with an unrelated surname,
// and well-known names that are not designated).
func labelledSet(t testing.TB, entries []Entry) []labelled {
	onList := map[string]bool{}
	for _, e := range entries {
		for _, n := range append([]string{e.Name}, e.Aliases...) {
			for _, w := range strings.Fields(normalize(n, false)) {
				onList[w] = true
			}
		}
	}
	// A decoy surname is on no list name, nor one letter from one (Adams
	// is a plausible misspelling of Adam, so a hit on it is no error).
	var surnames []string
	for _, s := range decoySurnames {
		near := false
		for w := range onList {
			if jaroWinkler(strings.ToLower(s), w) >= 0.93 {
				near = true
				break
			}
		}
		if !near {
			surnames = append(surnames, s)
		}
	}
	if len(surnames) < 20 {
		t.Fatalf("only %d decoy surnames are off the list", len(surnames))
	}
	var set []labelled
	people, companies := 0, 0
	for i, e := range entries {
		surname, given, ok := strings.Cut(e.Name, ", ")
		switch {
		case e.Type == Individual && ok && len(strings.Fields(given)) >= 1 && i%41 == 0 && people < 130:
			people++
			q := func(name, how string) {
				set = append(set, labelled{Query{Name: name, Type: Individual}, e.ID, how})
			}
			q(given+" "+surname, "reordered")
			if words := strings.Fields(given); len(words) >= 2 {
				q(strings.Join(words[:len(words)-1], " ")+" "+surname, "middle name missing")
			}
			if v, ok := transliterate(e.Name); ok {
				q(v, "transliterated")
			} else {
				q(typo(given)+" "+surname, "misspelt")
			}
			q(strings.ReplaceAll(strings.ToUpper(given), "E", "É")+" "+strings.ToLower(surname), "case and accents")
			if len(e.Aliases) > 0 {
				q(e.Aliases[0], "alias")
			}
			set = append(set, labelled{Query{Name: strings.Fields(given)[0] + " " + surnames[people%len(surnames)], Type: Individual}, "", "given names, other surname"})
		case e.Type == Business && len(strings.Fields(normalize(e.Name, false))) >= 2 && i%97 == 0 && companies < 45:
			companies++
			set = append(set, labelled{Query{Name: strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(e.Name), "."), ", ltd"), Type: Business}, e.ID, "company"})
		}
	}
	for _, q := range wellKnown {
		set = append(set, labelled{q, "", "well known"})
	}
	return set
}

func transliterate(name string) (string, bool) {
	for _, tr := range transliterations {
		if strings.Contains(name, tr[0]) {
			return strings.Replace(name, tr[0], strings.ToUpper(tr[1]), 1), true
		}
	}
	return name, false
}

// typo swaps two letters in the middle of the first word.
func typo(s string) string {
	b := []byte(s)
	if i := len(strings.Fields(s)[0]) / 2; i > 0 && i+1 < len(b) {
		b[i], b[i+1] = b[i+1], b[i]
	}
	return string(b)
}

// On the labelled set from the real list: recall of true variants at
// least 0.98, and at most 1 % of decoys hitting anything.
func TestMatching_PrecisionAndRecall(t *testing.T) {
	entries := loadList(t, "sdn-2024-05-03.csv")
	ix := NewIndex(entries)
	set := labelledSet(t, entries)
	var variants, found, decoys, falseHits int
	byHow := map[string][2]int{}
	for _, l := range set {
		matches := ix.Search(l.query, testThreshold)
		c := byHow[l.how]
		if l.want == "" {
			decoys++
			c[0]++
			if len(matches) > 0 {
				falseHits++
				c[1]++
				t.Logf("decoy %q hit %q (%s) at %.3f", l.query.Name, matches[0].Matched, matches[0].Entry.ID, matches[0].Score)
			}
		} else {
			variants++
			c[0]++
			if slices.ContainsFunc(matches, func(m Match) bool { return m.Entry.ID == l.want }) {
				found++
				c[1]++
			} else {
				var got []string
				for _, m := range ix.Search(l.query, 0.5) {
					if m.Entry.ID == l.want {
						got = append(got, m.Entry.Name+" "+strconv.FormatFloat(m.Score, 'f', 3, 64))
					}
				}
				t.Logf("missed %q (%s): %s %v", l.query.Name, l.how, l.want, got)
			}
		}
		byHow[l.how] = c
	}
	recall, fpr := float64(found)/float64(variants), float64(falseHits)/float64(decoys)
	t.Logf("%d queries: %d true variants, recall %.3f; %d decoys, false-positive rate %.3f", len(set), variants, recall, decoys, fpr)
	for how, c := range byHow {
		t.Logf("  %-28s %3d queries, %3d hit", how, c[0], c[1])
	}
	if len(set) < 200 {
		t.Fatalf("the labelled set has %d queries, want at least 200", len(set))
	}
	if recall < 0.98 || fpr > 0.01 {
		t.Fatalf("recall %.3f (want ≥ 0.98), false-positive rate %.3f (want ≤ 0.01)", recall, fpr)
	}
}

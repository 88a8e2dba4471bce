package screening

import (
	"math/bits"
	"slices"
	"strings"
	"sync"
)

// Index is a list prepared for searching: every name and alias normalised
// and split into words once, and an inverted index from how words sound to
// the names holding them, so a query scores only the names that share a
// word with it, not the whole list.
type Index struct {
	entries  []Entry
	variants []variant
	keys     map[string][]int32 // sound key → variants
	seen     sync.Pool          // of *visited, one per search at a time
}

// visited marks the variants a search has scored, by generation, so that
// a search neither allocates nor clears a set of its own.
type visited struct {
	gen   uint32
	marks []uint32
	words []uint32 // which query words found the variant, this generation
}

func (ix *Index) seenSet() *visited {
	s, _ := ix.seen.Get().(*visited)
	if s == nil {
		s = &visited{marks: make([]uint32, len(ix.variants)), words: make([]uint32, len(ix.variants))}
	}
	if s.gen++; s.gen == 0 { // wrapped: start afresh
		clear(s.marks)
		s.gen = 1
	}
	return s
}

// visit marks v and reports whether it was marked already this search.
func (s *visited) visit(v int32) bool {
	if s.marks[v] == s.gen {
		return true
	}
	s.marks[v], s.words[v] = s.gen, 0
	return false
}

// variant is one name of an entry (its own or an alias), prepared.
type variant struct {
	entry  int32
	name   string
	toks   []token
	joined string // the words run together: "alzawahiri" meets "al zawahiri"
}

// NewIndex prepares entries for searching.
func NewIndex(entries []Entry) *Index {
	ix := &Index{entries: entries, keys: map[string][]int32{}}
	for i := range entries {
		e := &entries[i]
		for _, name := range append([]string{e.Name}, e.Aliases...) {
			toks := tokens(normalize(name, e.Type == Individual))
			if len(toks) == 0 {
				continue
			}
			v := int32(len(ix.variants))
			ix.variants = append(ix.variants, variant{entry: int32(i), name: name, toks: toks, joined: joined(toks)})
			for _, k := range keysOf(toks) {
				if list := ix.keys[k]; len(list) == 0 || list[len(list)-1] != v {
					ix.keys[k] = append(list, v)
				}
			}
		}
	}
	return ix
}

// Len is the number of entries.
func (ix *Index) Len() int { return len(ix.entries) }

// Entries returns the indexed entries.
func (ix *Index) Entries() []Entry { return ix.entries }

// keysOf are a name's lookup keys: the first three sounds of each word
// that is not a particle, and the three after its first letter (Qaddafi
// and Gaddafi differ only there).
func keysOf(toks []token) []string {
	var keys []string
	for _, t := range toks {
		if t.minor || len(t.sound) < 2 {
			continue
		}
		keys = append(keys, "a"+t.sound[:min(3, len(t.sound))])
		if len(t.sound) > 3 {
			keys = append(keys, "b"+t.sound[1:min(4, len(t.sound))])
		}
	}
	return keys
}

func joined(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.text)
	}
	return b.String()
}

// DefaultThreshold is the score from which a match is a hit, chosen on the
// labelled set built from the real list (see labelled_test.go).
const DefaultThreshold = 0.90

// commonWord is how many names a query word may open before it counts as
// common; rare marks, among a variant's words found, one that is not.
const (
	commonWord = 300
	rare       = uint32(1) << 31
)

// Query is a name to screen, with what else is known of the party.
type Query struct {
	Name    string
	Type    EntityType // "" when not known
	DOBYear int        // 0 when not known
	Country string     // lower case; "" when not known
}

// Match is a list entry a query matched, by which of its names, how well.
type Match struct {
	Entry   *Entry
	Matched string
	Score   float64 // 0 to 1
}

// Search returns the entries whose best name scores at least threshold,
// best first.
func (ix *Index) Search(q Query, threshold float64) []Match {
	qt := tokens(normalize(q.Name, q.Type == Individual || q.Type == ""))
	if len(qt) == 0 {
		return nil
	}
	qj := joined(qt)
	// Gather the names sharing a sound key with the query, noting which of
	// its words each shares one with. A name found only through a common
	// word ("Muhammad" opens thousands) is scored only if it shares another
	// of the query's significant words too: meeting one word of several,
	// and a common one, it cannot reach a threshold. A name found through a
	// rarer word is always scored, so a misspelling elsewhere is forgiven.
	seen := ix.seenSet()
	defer ix.seen.Put(seen)
	var touched []int32
	significant := 0
	for i, t := range qt {
		if t.minor || len(t.sound) < 2 {
			continue
		}
		significant++
		keys := keysOf(qt[i : i+1])
		postings := 0
		for _, k := range keys {
			postings += len(ix.keys[k])
		}
		bit := uint32(1) << min(i, 30)
		if postings <= commonWord {
			bit |= rare
		}
		for _, k := range keys {
			for _, v := range ix.keys[k] {
				if !seen.visit(v) {
					touched = append(touched, v)
				}
				seen.words[v] |= bit
			}
		}
	}
	best := map[int32]Match{}
	for _, v := range touched {
		if w := seen.words[v]; significant > 1 && w&rare == 0 && bits.OnesCount32(w) < 2 {
			continue
		}
		va := &ix.variants[v]
		e := &ix.entries[va.entry]
		if !compatible(q.Type, e.Type) {
			continue
		}
		s := adjust(nameScore(qt, va.toks, qj, va.joined), q, e)
		if s >= threshold && s > best[va.entry].Score {
			best[va.entry] = Match{Entry: e, Matched: va.name, Score: s}
		}
	}
	out := make([]Match, 0, len(best))
	for _, m := range best {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Match) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Entry.ID, b.Entry.ID)
	})
	return out
}

// compatible reports whether a party of type q can be an entry of type e:
// a person is not a ship.
func compatible(q, e EntityType) bool {
	switch q {
	case "":
		return true
	case Individual:
		return e == Individual
	case Vessel, Aircraft:
		return e == q
	}
	return e != Individual
}

// nameScore compares two names word by word. Each word of the query is
// paired with its most similar word of the entry (by spelling, or by
// sound) and the pairs are averaged, weighted by length. A query word with
// no counterpart at all (George Bush against George Habbash) pulls the
// score well below any threshold; of the entry's words left unmatched the
// first (a missing middle name) costs little and each further one more.
func nameScore(q, c []token, qj, cj string) float64 {
	s, worst, _ := coverage(q, c)
	if worst < 0.8 {
		s *= 0.85
	}
	if _, _, unmatched := coverage(c, q); unmatched > 0 {
		s *= 0.96
		for ; unmatched > 1; unmatched-- {
			s *= 0.93
		}
	}
	if len(q) == 1 && len(c) > 1 || len(c) == 1 && len(q) > 1 {
		s *= 0.92 // one word against several: "Ali" is not "Ali Hassan"
	}
	if j := jaroWinkler(qj, cj); len(qj) >= 6 && j > 0.97 {
		s = max(s, j*0.97)
	}
	return s
}

// coverage is how well the words of a are found in b (weighted by
// length), the worst found of a's significant words, and how many of them
// found nothing like them. A significant word is not matched by a minor
// one: "Allen" is not "al".
func coverage(a, b []token) (score, worst float64, unmatched int) {
	var sum, weight float64
	worst = 1.0
	for _, x := range a {
		bestSim := 0.0
		for _, y := range b {
			if y.minor && !x.minor {
				continue
			}
			bestSim = max(bestSim, similarity(x, y))
		}
		sum += bestSim * x.weight
		weight += x.weight
		if !x.minor {
			worst = min(worst, bestSim)
			if bestSim < 0.8 {
				unmatched++
			}
		}
	}
	return sum / weight, worst, unmatched
}

// similarity of two words, from 0 to 1. Spelling similarity is stretched
// so that near misses count for less (Moore is not Moreno); one slip of
// the keyboard (Ail for Ali; one letter off in a longer word) and words
// that sound the same, long enough for that to mean something (Mohammed,
// Muhammad), count nearly as the same word.
func similarity(x, y token) float64 {
	s := jaroWinkler(x.text, y.text)
	switch {
	case s >= 0.97:
		return s
	case len(x.text) >= 3 && swapped(x.text, y.text):
		return 0.95
	case len(x.sound) >= 4 && x.sound == y.sound && s >= 0.7:
		return 0.97
	case len(x.text) >= 5 && oneEdit(x.text, y.text):
		return 0.92
	}
	return max(0, (s-0.75)/0.22) * 0.97
}

// swapped reports whether b is a with two neighbouring letters exchanged.
func swapped(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
}

// oneEdit reports whether b is a with one letter changed, added or removed.
func oneEdit(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		return a[i+1:] == b[i+1:]
	}
	return a[i:] == b[i+1:]
}

// adjust raises or lowers a name's score by what else is known: a year of
// birth (within a year: the list's are often "circa") or a country that
// agrees, or one that does not. Disagreement lowers a score by at most
// maxPenalty, so it tips a near match below the threshold but never hides
// a name that is the list's own.
func adjust(s float64, q Query, e *Entry) float64 {
	penalty := 0.0
	if q.DOBYear != 0 && len(e.DOBYears) > 0 {
		if slices.ContainsFunc(e.DOBYears, func(y int) bool { return y >= q.DOBYear-1 && y <= q.DOBYear+1 }) {
			s += 0.03
		} else {
			penalty += 0.06
		}
	}
	if q.Country != "" && len(e.Countries) > 0 {
		if slices.Contains(e.Countries, q.Country) {
			s += 0.02
		} else {
			penalty += 0.04
		}
	}
	return min(max(s-min(penalty, maxPenalty), 0), 1)
}

// maxPenalty keeps an exact name (1.0) above DefaultThreshold (0.90).
const maxPenalty = 0.08

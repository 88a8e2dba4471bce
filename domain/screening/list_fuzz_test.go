package screening

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/internal/fixtures"
)

// maxFuzzList caps each fuzzed file: a few dozen lines, so each run stays
// cheap (the whole published list is parsed by the benchmarks).
const maxFuzzList = 8 << 10

// Parse never panics; what it refuses it refuses as EINVALID; every entry
// it reads has a list-prefixed number of its own and a name, and names,
// aliases, countries and addresses are trimmed and non-empty. Seeds: a
// slice of each real SDN list (its first lines and its first
// individuals: the whole files are 4 MB), and the hand-made small list.
func FuzzParse(f *testing.F) {
	alt, add := []byte("10,100,\"aka\",\"HABASH, Jurj\",-0- \r\n"), []byte("10,200,\"Hay Nazal\",\"Amman\",\"Jordan\",-0- \r\n")
	f.Add([]byte(smallList), alt, add)
	f.Add([]byte("1,\"X\",-0- \r\n"), []byte{}, []byte{})
	f.Add([]byte("7,\"  SPACED  \",\"individual\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"a.k.a. ' PADDED '; a.k.a. '  '.\"\r\n"), alt, add)
	if dir, ok := fixtures.Dir(); ok {
		names, _ := filepath.Glob(filepath.Join(dir, "ofac", "sdn-*.csv"))
		for _, name := range names {
			head, individuals := sdnSlice(f, name, 20)
			f.Add(head, alt, add)
			f.Add(individuals, []byte{}, []byte{})
		}
	} else {
		f.Log("fixtures not found (../shared/fixtures, or FIXTURES_DIR): fuzzing from the hand-made list only")
	}
	f.Fuzz(func(t *testing.T, sdn, alt, add []byte) {
		if len(sdn) > maxFuzzList || len(alt) > maxFuzzList || len(add) > maxFuzzList {
			return
		}
		entries, err := Parse(Files{SDN: bytes.NewReader(sdn), Alt: bytes.NewReader(alt), Add: bytes.NewReader(add)})
		if err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("refused with %v (code %q), want EINVALID", err, domain.ErrorCode(err))
			}
			return
		}
		seen := map[string]bool{}
		for _, e := range entries {
			if !strings.HasPrefix(e.ID, "sdn:") || seen[e.ID] {
				t.Fatalf("entry id %q: not sdn: or seen twice", e.ID)
			}
			seen[e.ID] = true
			if !trimmed(e.Name) {
				t.Fatalf("%s: name %q is empty or not trimmed", e.ID, e.Name)
			}
			for _, list := range [][]string{e.Aliases, e.Countries, e.Addresses, e.Programs} {
				for i, s := range list {
					if !trimmed(s) || slices.Contains(list[:i], s) {
						t.Fatalf("%s: %q in %q is empty, not trimmed or listed twice", e.ID, s, list)
					}
				}
			}
		}
	})
}

func trimmed(s string) bool { return s != "" && s == strings.TrimSpace(s) }

// sdnSlice reads the first n lines of a published list, and its first n
// individuals (whose remarks carry birth dates, nationalities, aliases).
func sdnSlice(t testing.TB, path string, n int) (head, individuals []byte) {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	s := bufio.NewScanner(file)
	s.Buffer(nil, 1<<20)
	var lines, people int
	for s.Scan() && (lines < n || people < n) {
		line := append(s.Bytes(), '\n')
		if lines < n {
			head = append(head, line...)
			lines++
		}
		if people < n && bytes.Contains(line, []byte(`,"individual",`)) {
			individuals = append(individuals, line...)
			people++
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return head, individuals
}

// An alias quoted in the remarks with spaces inside the quotes is kept
// trimmed, and one of spaces only is not kept, as alt.csv's are.
func TestParse_RemarkAliasesTrimmed(t *testing.T) {
	entries, err := Parse(Files{SDN: strings.NewReader("7,\"SPACED\",\"individual\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ," +
		"\"a.k.a. ' PADDED '; a.k.a. 'PADDED'; f.k.a. '  '; n.k.a. 'PLAIN'.\"\r\n")})
	if err != nil {
		t.Fatal(err)
	}
	if got := entries[0].Aliases; !slices.Equal(got, []string{"PADDED", "PLAIN"}) {
		t.Fatalf("aliases %q, want [PADDED PLAIN]", got)
	}
}

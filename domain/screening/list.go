// Package screening is sanctions screening (OFAC): lists and their
// versions, name matching over a precomputed index, the screening of
// parties before money moves (failing closed), hits and their disposition
// with whitelists bound to a party and a list entry, and re-screening when
// a list changes. Storage and HTTP are adapters' business.
package screening

import (
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/paycompliance/console/domain"
)

// EntityType is what a list entry names.
type EntityType string

const (
	Individual EntityType = "individual"
	Business   EntityType = "entity" // companies, organisations: the list's "-0-"
	Vessel     EntityType = "vessel"
	Aircraft   EntityType = "aircraft"
)

// Entry is one designation on a list.
type Entry struct {
	ID        string // the list's ent_num, prefixed with its list ("sdn:306")
	Name      string
	Type      EntityType
	Programs  []string
	Title     string
	Remarks   string
	Aliases   []string
	DOBYears  []int    // years of birth found in the remarks
	Countries []string // nationality, citizenship and address countries, lower case
	Addresses []string
	Extra     map[string]string // call sign, vessel type, tonnage, flag, owner: as the list gives them
}

// Fingerprint identifies the entry's content: a changed designation has
// another one.
func (e Entry) Fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%v\x00%s\x00%s\x00%v\x00%v\x00%v", e.ID, e.Name, e.Type, e.Programs, e.Title, e.Remarks, e.Aliases, e.Addresses, e.Extra)
	return fmt.Sprintf("%x", h.Sum(nil))[:32]
}

// Files are the published files of one list load. SDN is required; the
// rest are read when present.
type Files struct {
	SDN, Alt, Add io.Reader   // sdn.csv, alt.csv, add.csv
	Cons          []io.Reader // consolidated (non-SDN) lists in the same format (cons_prim.csv), with cons_alt/cons_add folded in
	ConsAlt       io.Reader
	ConsAdd       io.Reader
}

// empty is the list's mark for an empty field.
const empty = "-0-"

var (
	// An alias is quoted, and may hold quotes itself (ABU SA'ID): it ends
	// at a quote followed by the remark's punctuation.
	akaPattern = regexp.MustCompile(`(?:a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s*'(.+?)'(?:[;.,)]|$)`)
	dobPattern = regexp.MustCompile(`\bDOB\s+((?:\d{1,2}\s+)?(?:[A-Z][a-z]{2}\s+)?(?:circa\s+)?(\d{4})(?:\s+to\s+(\d{4}))?)`)
	natPattern = regexp.MustCompile(`\b(?:nationality|citizen|Nationality of Registration)\s+([A-Z][A-Za-z .'-]+?)(?:;|\.$|$)`)
)

// Parse reads one load's files into entries, in list order. A file that is
// not in the published format is refused with the line it failed at;
// nothing is half-read.
func Parse(f Files) ([]Entry, error) {
	if f.SDN == nil {
		return nil, domain.Errorf(domain.EINVALID, "The list needs its sdn.csv.")
	}
	entries, err := parseMain(f.SDN, "sdn")
	if err != nil {
		return nil, fmt.Errorf("sdn.csv: %w", err)
	}
	if err := foldAliases(entries, f.Alt, "sdn"); err != nil {
		return nil, fmt.Errorf("alt.csv: %w", err)
	}
	if err := foldAddresses(entries, f.Add, "sdn"); err != nil {
		return nil, fmt.Errorf("add.csv: %w", err)
	}
	for i, r := range f.Cons {
		cons, err := parseMain(r, "cons")
		if err != nil {
			return nil, fmt.Errorf("consolidated list %d: %w", i+1, err)
		}
		if err := foldAliases(cons, f.ConsAlt, "cons"); err != nil {
			return nil, fmt.Errorf("cons_alt.csv: %w", err)
		}
		if err := foldAddresses(cons, f.ConsAdd, "cons"); err != nil {
			return nil, fmt.Errorf("cons_add.csv: %w", err)
		}
		entries = append(entries, cons...)
	}
	return entries, nil
}

// records reads a published CSV: no header, "-0-" for empty, CRLF, and a
// DOS end-of-file mark after the last line.
func records(r io.Reader, fields int) ([][]string, error) {
	c := csv.NewReader(r)
	c.LazyQuotes = true
	c.FieldsPerRecord = -1
	var out [][]string
	for line := 1; ; line++ {
		rec, err := c.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, domain.Errorf(domain.EINVALID, "line %d is not CSV: %v", line, err)
		}
		if len(rec) == 1 && strings.Trim(rec[0], "\x1a \r\n") == "" {
			continue // the end-of-file mark
		}
		if len(rec) != fields {
			return nil, domain.Errorf(domain.EINVALID, "line %d has %d fields, want %d", line, len(rec), fields)
		}
		for i := range rec {
			if rec[i] = strings.TrimSpace(rec[i]); rec[i] == empty {
				rec[i] = ""
			}
		}
		out = append(out, rec)
	}
}

// parseMain reads sdn.csv's columns: ent_num, SDN_Name, SDN_Type, Program,
// Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks.
func parseMain(r io.Reader, list string) ([]Entry, error) {
	recs, err := records(r, 12)
	if err != nil {
		return nil, err
	}
	entries := make([]Entry, 0, len(recs))
	seen := make(map[string]bool, len(recs))
	for i, rec := range recs {
		if _, err := strconv.Atoi(rec[0]); err != nil || rec[1] == "" {
			return nil, domain.Errorf(domain.EINVALID, "line %d: an entry needs a number and a name", i+1)
		}
		id := list + ":" + rec[0]
		if seen[id] {
			return nil, domain.Errorf(domain.EINVALID, "line %d: entry %s appears twice", i+1, rec[0])
		}
		seen[id] = true
		e := Entry{ID: id, Name: rec[1], Type: entityType(rec[2]), Programs: programs(rec[3]), Title: rec[4], Remarks: rec[11]}
		for j, k := range []string{"call_sign", "vessel_type", "tonnage", "grt", "vessel_flag", "vessel_owner"} {
			if v := rec[5+j]; v != "" {
				if e.Extra == nil {
					e.Extra = map[string]string{}
				}
				e.Extra[k] = v
			}
		}
		for _, m := range akaPattern.FindAllStringSubmatch(e.Remarks, -1) {
			if alias := strings.TrimSpace(m[1]); alias != "" {
				e.Aliases = appendNew(e.Aliases, alias)
			}
		}
		for _, m := range dobPattern.FindAllStringSubmatch(e.Remarks, -1) {
			from, _ := strconv.Atoi(m[2])
			to := from
			if m[3] != "" {
				to, _ = strconv.Atoi(m[3])
			}
			for y := from; y <= to && y-from < 20; y++ {
				e.DOBYears = append(e.DOBYears, y)
			}
		}
		for _, m := range natPattern.FindAllStringSubmatch(e.Remarks, -1) {
			e.Countries = appendNew(e.Countries, strings.ToLower(strings.TrimSpace(m[1])))
		}
		if flag := e.Extra["vessel_flag"]; flag != "" {
			e.Countries = appendNew(e.Countries, strings.ToLower(flag))
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// foldAliases adds alt.csv's names (ent_num, alt_num, alt_type, alt_name,
// alt_remarks) to their entries.
func foldAliases(entries []Entry, r io.Reader, list string) error {
	if r == nil {
		return nil
	}
	recs, err := records(r, 5)
	if err != nil {
		return err
	}
	byID := index(entries)
	for _, rec := range recs {
		if e, ok := byID[list+":"+rec[0]]; ok && rec[3] != "" {
			e.Aliases = appendNew(e.Aliases, rec[3])
		}
	}
	return nil
}

// foldAddresses adds add.csv's addresses (ent_num, add_num, address,
// city/state/postal code, country, add_remarks) and countries.
func foldAddresses(entries []Entry, r io.Reader, list string) error {
	if r == nil {
		return nil
	}
	recs, err := records(r, 6)
	if err != nil {
		return err
	}
	byID := index(entries)
	for _, rec := range recs {
		e, ok := byID[list+":"+rec[0]]
		if !ok {
			continue
		}
		if addr := strings.Trim(strings.Join([]string{rec[2], rec[3], rec[4]}, ", "), ", "); addr != "" {
			e.Addresses = appendNew(e.Addresses, addr)
		}
		if rec[4] != "" {
			e.Countries = appendNew(e.Countries, strings.ToLower(rec[4]))
		}
	}
	return nil
}

func index(entries []Entry) map[string]*Entry {
	m := make(map[string]*Entry, len(entries))
	for i := range entries {
		m[entries[i].ID] = &entries[i]
	}
	return m
}

func entityType(s string) EntityType {
	switch strings.ToLower(s) {
	case "individual":
		return Individual
	case "vessel":
		return Vessel
	case "aircraft":
		return Aircraft
	}
	return Business
}

// programs splits "SDGT] [IRGC" (the list's way of naming several).
func programs(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == '[' || r == ']' || r == ' ' }) {
		out = appendNew(out, p)
	}
	return out
}

func appendNew(list []string, s string) []string {
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}

// Diff is what changed between two versions of a list.
type Diff struct {
	Added, Removed, Changed []Entry // Changed holds the new content
}

// Compare lists what newer adds, drops and changes against older.
func Compare(older, newer []Entry) Diff {
	before := make(map[string]string, len(older))
	byID := make(map[string]Entry, len(older))
	for _, e := range older {
		before[e.ID], byID[e.ID] = e.Fingerprint(), e
	}
	var d Diff
	for _, e := range newer {
		fp, ok := before[e.ID]
		switch {
		case !ok:
			d.Added = append(d.Added, e)
		case fp != e.Fingerprint():
			d.Changed = append(d.Changed, e)
		}
		delete(byID, e.ID)
	}
	for _, e := range older {
		if _, gone := byID[e.ID]; gone {
			d.Removed = append(d.Removed, e)
		}
	}
	return d
}

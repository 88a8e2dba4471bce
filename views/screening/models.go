// Package screening renders sanctions screening for compliance officers:
// the list versions and what each changed, the ad-hoc search, and a
// party's screening history.
package screening

import (
	"fmt"
	"strconv"

	"github.com/paycompliance/console/domain/screening"
)

// ListsView is the screening page.
type ListsView struct {
	Versions  screening.Versions
	Search    SearchForm
	CanSearch bool
	CanLoad   bool
	Notice    string
	Error     string
}

// SearchForm is the ad-hoc search: what was asked and what it found.
type SearchForm struct {
	Name, Type, DOB, Country string
	Searched                 bool
	Matches                  []screening.Match
	Version                  screening.Version
	Error                    string
}

// ChangesView is one version's changes, a page of each kind at most.
type ChangesView struct {
	Changes screening.Changes
	Shown   int // how many of each kind are listed
}

// PartyView is a party's screening history.
type PartyView struct {
	Party   screening.Record
	Results []screening.Result
}

// VersionURL is a list version's changes.
func VersionURL(id int64) string { return "/screening/versions/" + strconv.FormatInt(id, 10) }

func caseURL(id int64) string { return "/cases/" + strconv.FormatInt(id, 10) }

func itoa(n int) string { return strconv.Itoa(n) }

func score(s float64) string { return fmt.Sprintf("%.2f", s) }

func first(entries []screening.Entry, n int) []screening.Entry { return entries[:min(n, len(entries))] }

func statusClass(s screening.Status) string {
	switch s {
	case screening.Clear:
		return "ok"
	case screening.Blocked:
		return "bad"
	}
	return "warn"
}

var typeOptions = []struct{ Value, Label string }{
	{"", "Any"}, {string(screening.Individual), "Individual"}, {string(screening.Business), "Company or organisation"},
	{string(screening.Vessel), "Vessel"}, {string(screening.Aircraft), "Aircraft"},
}

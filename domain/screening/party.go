package screening

import (
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/pan"
)

// Party is someone money moves to or from: a bank account's holder, an
// escrow's payee, a payment's customer.
type Party struct {
	Ref     string // unique: "bank_account:ba_…", "escrow_payee:…"
	Name    string
	Type    EntityType // Individual or Business; "" when not known
	DOBYear int
	Country string // lower case
}

// Validate reports what is wrong with p, as EINVALID.
func (p Party) Validate() error {
	switch {
	case p.Ref == "" || len(p.Ref) > 200:
		return domain.Errorf(domain.EINVALID, "A party needs a reference.")
	case strings.TrimSpace(p.Name) == "" || len(p.Name) > 200:
		return domain.Errorf(domain.EINVALID, "A name to screen is 1 to 200 characters.")
	case p.DOBYear != 0 && (p.DOBYear < 1900 || p.DOBYear > 2100):
		return domain.Errorf(domain.EINVALID, "The year of birth %d is not plausible.", p.DOBYear)
	}
	if _, found := pan.Find(p.Name); found {
		return domain.Errorf(domain.EINVALID, "The name holds what looks like a card number.")
	}
	return nil
}

func (p Party) query() Query {
	return Query{Name: p.Name, Type: p.Type, DOBYear: p.DOBYear, Country: p.Country}
}

// Status is a party's standing.
type Status string

const (
	Clear   Status = "clear"
	Held    Status = "held"    // a hit waits for a compliance officer
	Blocked Status = "blocked" // a confirmed match: nothing moves, ever
)

// Label is the status as people say it.
func (s Status) Label() string { return strings.ToUpper(string(s[:1])) + string(s[1:]) }

// Hit is a list entry a party's name matched.
type Hit struct {
	EntryID     string
	EntryName   string
	Matched     string // which of the entry's names
	Score       float64
	Fingerprint string // the entry's content when it matched
	Whitelisted bool   // a compliance officer cleared this pair, and the entry is unchanged
}

// Result is one screening of a party.
type Result struct {
	ID       int64
	PartyRef string
	Version  int64 // the list version screened against
	Status   Status
	Hits     []Hit
	CaseID   int64 // the hit's case, when held
	Trigger  string
	At       time.Time
}

// Open reports the hits not whitelisted.
func (r Result) Open() []Hit {
	var out []Hit
	for _, h := range r.Hits {
		if !h.Whitelisted {
			out = append(out, h)
		}
	}
	return out
}

// Record is a party as screened last.
type Record struct {
	Party
	Status     Status
	ScreenedAt time.Time
	Version    int64
}

// Whitelist clears one party against one list entry, as a compliance
// officer decided: it holds until Until, and only while the entry's
// content is what it was (a changed designation is screened again).
type Whitelist struct {
	PartyRef    string
	EntryID     string
	Fingerprint string
	Reason      string
	By          string
	Until       time.Time
	CaseID      int64
}

// Suppresses reports whether w clears h at now.
func (w Whitelist) Suppresses(h Hit, now time.Time) bool {
	return w.EntryID == h.EntryID && w.Fingerprint == h.Fingerprint && now.Before(w.Until)
}

// Triggers: why a party was screened.
const (
	TriggerCreated    = "created"
	TriggerChanged    = "changed"
	TriggerBeforeMove = "before moving money"
	TriggerListUpdate = "list update"
)

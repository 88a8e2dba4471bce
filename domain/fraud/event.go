// Package fraud is the console's own risk engine and the fraud reviewers'
// queue. Every payment, ACH transfer and escrow release (and whatever
// another system sends to the scoring API) is an Event; the rules of the
// published RuleSet score it 0-1000 from Features its history gives, the
// score's level picks a decision (allow, review, block), and the Decision
// is kept with everything it was made from, so it can be explained and
// replayed. Review and block decisions open a Case that a reviewer
// claims and closes; dispositions, chargebacks and unauthorized ACH
// returns label decisions as fraud or not, which the statistics measure.
package fraud

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/pan"
)

// The rails the console scores by itself; a decline stops what they asked.
const (
	RailPayment       = "payment"
	RailACHTransfer   = "ach_transfer"
	RailEscrowRelease = "escrow_release"
)

// Event is one thing to score: who asks to move how much, with what.
type Event struct {
	Type            string // payment, ach_transfer, escrow_release, or the caller's own
	Ref             string // its id where it lives (pay_…); one decision per type and ref
	Amount          money.Amount
	Customer        string
	AccountToken    string // a bank account's token
	CardFingerprint string // the processor's token for a card number
	IP              string
	DeviceID        string
	Email           string
	Country         string // where the IP is
	CardCountry     string // the card's BIN country, or the bank's
	RadarScore      int    // Stripe Radar's 0-99; -1 when none
	// AccountChangedAt is when the customer's password or MFA was last
	// reset: a new device soon after is how account takeovers look.
	AccountChangedAt time.Time
	CustomerSince    time.Time // when the customer's account was opened
	OccurredAt       time.Time
}

// Keys are the identifiers velocity and reuse are counted by.
type Key string

const (
	KeyCard    Key = "card"
	KeyAccount Key = "account"
	KeyIP      Key = "ip"
	KeyDevice  Key = "device"
	KeyEmail   Key = "email"
)

// AllKeys lists them in the order screens show them.
var AllKeys = []Key{KeyCard, KeyAccount, KeyIP, KeyDevice, KeyEmail}

// Value is the event's identifier of kind k, "" when it has none.
func (e Event) Value(k Key) string {
	switch k {
	case KeyCard:
		return e.CardFingerprint
	case KeyAccount:
		return e.AccountToken
	case KeyIP:
		return e.IP
	case KeyDevice:
		return e.DeviceID
	case KeyEmail:
		return e.Email
	}
	return ""
}

// Subject names the event as "type:ref".
func (e Event) Subject() string { return e.Type + ":" + e.Ref }

var (
	typePattern    = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	countryPattern = regexp.MustCompile(`^([A-Z]{2})?$`)
)

// maxField bounds every identifier: they are keys, not documents.
const maxField = 200

// maxSkew is how far in the future an event's time may be.
const maxSkew = 5 * time.Minute

// Normalize cleans what callers send (case, spaces) and checks it; now
// fills a missing time.
func (e *Event) Normalize(now time.Time) error {
	e.Type, e.Ref, e.Customer = strings.TrimSpace(e.Type), strings.TrimSpace(e.Ref), strings.TrimSpace(e.Customer)
	e.Email = strings.ToLower(strings.TrimSpace(e.Email))
	e.Country, e.CardCountry = strings.ToUpper(strings.TrimSpace(e.Country)), strings.ToUpper(strings.TrimSpace(e.CardCountry))
	if e.Amount.Minor > 0 || e.Amount.Currency != "" {
		c, err := money.ParseCurrency(string(e.Amount.Currency))
		if err != nil {
			return err
		}
		e.Amount.Currency = c
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = now
	}
	e.OccurredAt = e.OccurredAt.UTC()
	switch {
	case !typePattern.MatchString(e.Type):
		return domain.Errorf(domain.EINVALID, "The type must be lower-case letters, digits and underscores, such as payment.")
	case e.Ref == "":
		return domain.Errorf(domain.EINVALID, "The ref names the event where it lives; it is required.")
	case e.Customer == "":
		return domain.Errorf(domain.EINVALID, "The customer is required: history is counted per customer.")
	case e.Amount.Minor < 0:
		return domain.Errorf(domain.EINVALID, "The amount cannot be negative.")
	case !countryPattern.MatchString(e.Country) || !countryPattern.MatchString(e.CardCountry):
		return domain.Errorf(domain.EINVALID, "Countries are ISO 3166-1 alpha-2 codes, such as US.")
	case e.RadarScore < -1 || e.RadarScore > 99:
		return domain.Errorf(domain.EINVALID, "The Radar score is 0 to 99, or -1 when there is none.")
	case e.OccurredAt.After(now.Add(maxSkew)):
		return domain.Errorf(domain.EINVALID, "The event's time is in the future.")
	}
	for name, v := range map[string]string{"ref": e.Ref, "customer": e.Customer, "account_token": e.AccountToken,
		"card_fingerprint": e.CardFingerprint, "ip": e.IP, "device_id": e.DeviceID, "email": e.Email} {
		if len(v) > maxField || !utf8.ValidString(v) || strings.ContainsFunc(v, isControl) {
			return domain.Errorf(domain.EINVALID, "The %s is at most %d plain characters.", name, maxField)
		}
		if _, found := pan.Find(v); found {
			return domain.Errorf(domain.EINVALID, "The %s holds what looks like a card number: send the processor's fingerprint, never the number.", name)
		}
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// Package audit is the tamper-evident audit trail (PCI DSS requirement 10):
// what an event holds, the rules it must meet, how entries are chained and
// signed, and how a chain is verified. Storage is an adapter's job.
package audit

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/pan"
)

// Outcome is whether the recorded action succeeded.
type Outcome string

const (
	Success Outcome = "success"
	Failure Outcome = "failure"
)

// ActorType says who acted.
type ActorType string

const (
	ActorUser   ActorType = "user"
	ActorAPIKey ActorType = "api_key"
	ActorSystem ActorType = "system"
	// ActorAnonymous is a request from nobody signed in: a login attempt,
	// a payer's page.
	ActorAnonymous ActorType = "anonymous"
)

// Actor is who acted, with the roles they held at the time (10.2.2).
type Actor struct {
	Type  ActorType `json:"type"`
	ID    string    `json:"id"`
	Roles []string  `json:"roles,omitempty"`
}

// System is the actor for what the console does by itself (jobs, the sequencer).
var System = Actor{Type: ActorSystem, ID: "system"}

// Origin is where the request came from.
type Origin struct {
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
}

// Target is what the action was done to.
type Target struct {
	Type string `json:"type,omitempty"`
	ID   string `json:"id,omitempty"`
}

// Event is one audit record as the caller describes it. The log adds the
// time, the sequence number and the chain.
type Event struct {
	Actor     Actor             `json:"actor"`
	Action    Action            `json:"action"`
	Outcome   Outcome           `json:"outcome"`
	Origin    Origin            `json:"origin"`
	Target    Target            `json:"target"`
	RequestID string            `json:"request_id,omitempty"`
	Detail    map[string]string `json:"detail,omitempty"`
}

// Limits keep an entry small: the log is for who did what, not for payloads.
const (
	maxDetailKeys   = 16
	maxDetailValue  = 256
	maxFieldLength  = 256
	maxUserAgentLen = 512
)

// secretWords and secretPairs name detail keys whose values never belong in
// a log (PCI DSS 3.3, 8.3.2, 10.2.2). Keys are split into words, so that
// "company" or "return_code" pass while "card_number" and "totp" do not.
var (
	secretWords = map[string]bool{"password": true, "passwd": true, "passphrase": true, "secret": true,
		"token": true, "totp": true, "otp": true, "cvv": true, "cvc": true, "cvv2": true, "pin": true, "pan": true,
		"cardnumber": true, "accountnumber": true, "apikey": true, "privatekey": true, "recoverycode": true, "mfacode": true}
	secretPairs = map[string]bool{"card number": true, "account number": true, "api key": true,
		"private key": true, "recovery code": true, "mfa code": true}
	wordSplit = regexp.MustCompile(`[^a-z0-9]+`)
)

func secretKey(k string) bool {
	words := strings.Fields(wordSplit.ReplaceAllString(strings.ToLower(k), " "))
	for i, w := range words {
		if secretWords[w] || i > 0 && secretPairs[words[i-1]+" "+w] {
			return true
		}
	}
	return false
}

// Validate reports the first way e breaks the rules, as an EINVALID error:
// an unknown action, a missing actor, an oversized field, or a detail that
// looks like a secret or a card number. The log refuses such an event rather
// than storing it: fixing the caller beats scrubbing the log.
func (e Event) Validate() error {
	switch {
	case !Known(e.Action):
		return domain.Errorf(domain.EINVALID, "audit: unknown action %q", e.Action)
	case e.Actor.ID == "" || !slices.Contains([]ActorType{ActorUser, ActorAPIKey, ActorSystem, ActorAnonymous}, e.Actor.Type):
		return domain.Errorf(domain.EINVALID, "audit: actor must be a user, an API key, the system or anonymous, with an id")
	case e.Outcome != Success && e.Outcome != Failure:
		return domain.Errorf(domain.EINVALID, "audit: outcome must be success or failure")
	case len(e.Detail) > maxDetailKeys:
		return domain.Errorf(domain.EINVALID, "audit: at most %d detail fields", maxDetailKeys)
	case len(e.Origin.UserAgent) > maxUserAgentLen:
		return domain.Errorf(domain.EINVALID, "audit: user agent over %d bytes", maxUserAgentLen)
	}
	if e.Origin.IP != "" {
		if _, err := netip.ParseAddr(e.Origin.IP); err != nil {
			return domain.Errorf(domain.EINVALID, "audit: origin IP %q is not an address", e.Origin.IP)
		}
	}
	for _, f := range []string{e.Actor.ID, e.Target.Type, e.Target.ID, e.RequestID} {
		if len(f) > maxFieldLength {
			return domain.Errorf(domain.EINVALID, "audit: a field is over %d bytes", maxFieldLength)
		}
	}
	for k, v := range e.Detail {
		if secretKey(k) {
			return domain.Errorf(domain.EINVALID, "audit: detail field %q names a secret; log a masked form under another name", k)
		}
		if len(v) > maxDetailValue {
			return domain.Errorf(domain.EINVALID, "audit: detail %q over %d bytes", k, maxDetailValue)
		}
		if _, found := pan.Find(v); found {
			return domain.Errorf(domain.EINVALID, "audit: detail %q holds what looks like a card number", k)
		}
	}
	return nil
}

// Canonical returns the event's canonical bytes: JSON with fields in a fixed
// order and detail keys sorted (encoding/json's behaviour for structs and
// maps), so the same event always gives the same bytes. They are stored and
// hashed exactly as returned.
func (e Event) Canonical() ([]byte, error) {
	return json.Marshal(e)
}

// ParseEntry decodes stored canonical bytes back into an Event.
func ParseEntry(entry []byte) (Event, error) {
	var e Event
	if err := json.Unmarshal(entry, &e); err != nil {
		return e, fmt.Errorf("audit: entry is not an event: %w", err)
	}
	return e, nil
}

// Now is the time an event is stamped with: UTC, at the microsecond
// precision PostgreSQL stores, so the hashed time is the stored time.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

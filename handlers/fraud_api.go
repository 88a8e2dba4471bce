package handlers

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/money"
)

// FraudAPI is /api/v1/risk/assessments: other systems score their events
// with the console's rules. The decision is kept like the console's own,
// and a review or block opens a case for the fraud reviewers. One event
// (type and ref) is scored once: a retry gets the first decision back.
type FraudAPI struct {
	Fraud *fraud.Service
}

type apiAssessmentIn struct {
	Type             string     `json:"type"`
	Ref              string     `json:"ref"`
	Amount           int64      `json:"amount"`
	Currency         string     `json:"currency"`
	Customer         string     `json:"customer"`
	AccountToken     string     `json:"account_token"`
	CardFingerprint  string     `json:"card_fingerprint"`
	IP               string     `json:"ip"`
	DeviceID         string     `json:"device_id"`
	Email            string     `json:"email"`
	Country          string     `json:"country"`
	CardCountry      string     `json:"card_country"`
	RadarScore       *int       `json:"radar_score"`
	AccountChangedAt *time.Time `json:"account_changed_at"`
	CustomerSince    *time.Time `json:"customer_since"`
	OccurredAt       *time.Time `json:"occurred_at"`
}

type apiContribution struct {
	Rule   string `json:"rule"`
	Points int    `json:"points"`
	Reason string `json:"reason"`
}

type apiAssessment struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Type          string            `json:"type"`
	Ref           string            `json:"ref"`
	Score         int               `json:"score"`
	Level         fraud.Level       `json:"level"`
	Decision      fraud.Verdict     `json:"decision"`
	Contributions []apiContribution `json:"contributions"`
	RuleVersion   int               `json:"rule_version"`
	Case          *int64            `json:"case"`
	Label         fraud.Label       `json:"label,omitempty"`
	Created       time.Time         `json:"created"`
}

func assessmentToAPI(d fraud.Decision) apiAssessment {
	out := apiAssessment{ID: strconv.FormatInt(d.ID, 10), Object: "risk_assessment", Type: d.Event.Type, Ref: d.Event.Ref,
		Score: d.Assessment.Score, Level: d.Assessment.Level, Decision: d.Assessment.Verdict, RuleVersion: d.RuleVersion,
		Label: d.Label, Created: d.At, Contributions: []apiContribution{}}
	for _, c := range d.Assessment.Contributions {
		out.Contributions = append(out.Contributions, apiContribution{Rule: c.Rule, Points: c.Points, Reason: c.Why})
	}
	if d.CaseID != 0 {
		out.Case = &d.CaseID
	}
	return out
}

func zeroIfNil(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// Assess scores one event.
func (h *FraudAPI) Assess(w http.ResponseWriter, r *http.Request) error {
	var in apiAssessmentIn
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if slices.Contains([]string{fraud.RailPayment, fraud.RailACHTransfer, fraud.RailEscrowRelease}, in.Type) {
		return domain.Errorf(domain.EINVALID, "The console scores its own %ss itself; name your event another type, such as card_payment.", in.Type)
	}
	radar := -1
	if in.RadarScore != nil {
		radar = *in.RadarScore
	}
	d, err := h.Fraud.Assess(r.Context(), fraud.Event{Type: in.Type, Ref: in.Ref, Amount: money.Amount{Minor: in.Amount, Currency: money.Currency(in.Currency)},
		Customer: in.Customer, AccountToken: in.AccountToken, CardFingerprint: in.CardFingerprint, IP: in.IP, DeviceID: in.DeviceID,
		Email: in.Email, Country: in.Country, CardCountry: in.CardCountry, RadarScore: radar, AccountChangedAt: zeroIfNil(in.AccountChangedAt),
		CustomerSince: zeroIfNil(in.CustomerSince), OccurredAt: zeroIfNil(in.OccurredAt)})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, assessmentToAPI(d))
}

// Assessment returns one decision by id.
func (h *FraudAPI) Assessment(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return domain.Errorf(domain.ENOTFOUND, "There is no such assessment.")
	}
	d, err := h.Fraud.Decision(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, assessmentToAPI(d))
}

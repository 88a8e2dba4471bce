package handlers

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/identity"
	fraudview "github.com/paycompliance/console/views/fraud"
	"github.com/paycompliance/console/web/render"
)

var rulesNotices = map[string]string{
	"started":    "A draft was started from the version scoring now. Change it, backtest it, and ask another reviewer to publish it.",
	"saved":      "The draft was saved. Backtest it before it can be published.",
	"backtested": "The backtest ran: what the draft would have changed is below.",
	"published":  "The draft was published: every event from now on is scored by it.",
	"discarded":  "The draft was discarded.",
}

// Rules shows the rules scoring now, the draft and the versions.
func (h *Fraud) Rules(w http.ResponseWriter, r *http.Request) error {
	p, err := h.rulesPage(r)
	if err != nil {
		return err
	}
	p.Notice = rulesNotices[r.URL.Query().Get("notice")]
	return h.renderRules(w, r, http.StatusOK, p)
}

func (h *Fraud) renderRules(w http.ResponseWriter, r *http.Request, status int, p fraudview.RulesPage) error {
	return render.Page(w, r, status, "Fraud rules", fraudview.QueuePath, fraudview.Rules(p))
}

func (h *Fraud) rulesPage(r *http.Request) (fraudview.RulesPage, error) {
	ctx := r.Context()
	v, err := h.Fraud.Rules(ctx)
	if err != nil {
		return fraudview.RulesPage{}, err
	}
	caller, _ := identity.CallerFrom(ctx)
	p := fraudview.RulesPage{Rules: v, CanEdit: caller.Can(identity.PermFraudRules), Viewer: caller.Actor.ID}
	if v.Draft == nil || v.Draft.Backtest == nil {
		return p, nil
	}
	// The examples name decisions; those that opened a case link to it.
	p.CaseOf = map[int64]int64{}
	for _, e := range v.Draft.Backtest.Examples {
		d, err := h.Fraud.Decision(ctx, e.DecisionID)
		if err != nil {
			return p, err
		}
		if d.CaseID != 0 {
			p.CaseOf[e.DecisionID] = d.CaseID
		}
	}
	return p, nil
}

// rulesProblem shows a refusal on the rules page; a refused draft keeps
// what was typed.
func (h *Fraud) rulesProblem(w http.ResponseWriter, r *http.Request, err error, typed url.Values) error {
	if !actionable(err) {
		return err
	}
	p, perr := h.rulesPage(r)
	if perr != nil {
		return perr
	}
	p.Error, p.Form = domain.ErrorMessage(err), typed
	return h.renderRules(w, r, refusalStatus(err), p)
}

// StartDraft opens a draft that is a copy of the version scoring now.
func (h *Fraud) StartDraft(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v, err := h.Fraud.Rules(ctx)
	if err == nil && v.Draft != nil {
		err = domain.Errorf(domain.ECONFLICT, "Draft %d is open already: change it, or discard it first.", v.Draft.Version)
	}
	if err == nil {
		_, err = h.Fraud.SaveDraft(ctx, v.Current, "from version "+strconv.Itoa(v.Current.Version))
	}
	if err != nil {
		return h.rulesProblem(w, r, err, nil)
	}
	return SeeOther(w, r, fraudview.RulesPath+"?notice=started#rules-draft")
}

// SaveDraft replaces the draft with the form's numbers; any number that
// is not one, or a rule set that does not hold together, is refused with
// what to fix and nothing saved.
func (h *Fraud) SaveDraft(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		return domain.Errorf(domain.EINVALID, "The form could not be read.")
	}
	rs, err := ruleSetFromForm(r.PostForm)
	if err == nil {
		_, err = h.Fraud.SaveDraft(ctx, rs, strings.TrimSpace(r.PostFormValue(fraudview.FieldNote)))
	}
	if err != nil {
		return h.rulesProblem(w, r, err, r.PostForm)
	}
	return SeeOther(w, r, fraudview.RulesPath+"?notice=saved#rules-draft")
}

// ruleSetFromForm is the catalogue's rules with the form's numbers: the
// rules themselves (what each looks at) are code, only their numbers are
// data.
func ruleSetFromForm(v url.Values) (fraud.RuleSet, error) {
	rs := fraud.DefaultRuleSet()
	var err error
	cuts := []struct {
		into  *int
		field string
		name  string
	}{{&rs.Cuts.Medium, fraudview.FieldCutMedium, "medium"}, {&rs.Cuts.High, fraudview.FieldCutHigh, "high"},
		{&rs.Cuts.Critical, fraudview.FieldCutCritical, "critical"}}
	for _, c := range cuts {
		if *c.into, err = strconv.Atoi(strings.TrimSpace(v.Get(c.field))); err != nil {
			return rs, domain.Errorf(domain.EINVALID, "The %s cut point must be a whole number of points, 1 to %d.", c.name, fraud.MaxScore)
		}
	}
	rs.ReviewFrom, rs.BlockFrom = fraud.Level(v.Get(fraudview.FieldReviewFrom)), fraud.Level(v.Get(fraudview.FieldBlockFrom))
	for i := range rs.Rules {
		rule := &rs.Rules[i]
		rule.Enabled = v.Get(fraudview.EnabledField(rule.ID)) != ""
		threshold, points := fraudview.Tunable(*rule)
		if threshold {
			t, err := strconv.ParseFloat(strings.TrimSpace(v.Get(fraudview.ThresholdField(rule.ID))), 64)
			if err != nil || math.IsNaN(t) || math.IsInf(t, 0) {
				return rs, domain.Errorf(domain.EINVALID, "Rule %s: the threshold must be a number (%s).", rule.ID, rule.Unit())
			}
			rule.Threshold = t
		}
		if points {
			if rule.Points, err = strconv.Atoi(strings.TrimSpace(v.Get(fraudview.PointsField(rule.ID)))); err != nil {
				return rs, domain.Errorf(domain.EINVALID, "Rule %s: the points must be a whole number, 0 to %d.", rule.ID, fraud.MaxScore)
			}
		}
	}
	return rs, nil
}

// Backtest replays the last days of decisions under the draft.
func (h *Fraud) Backtest(w http.ResponseWriter, r *http.Request) error {
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
	if err != nil || days < 1 { // the service reads 0 as its default; a form that says 0 is a mistake
		err = domain.Errorf(domain.EINVALID, "Give the days to replay as a whole number, 1 to %d.", fraud.MaxBacktestDays)
	} else {
		_, err = h.Fraud.BacktestDraft(r.Context(), days)
	}
	if err != nil {
		return h.rulesProblem(w, r, err, nil)
	}
	return SeeOther(w, r, fraudview.RulesPath+"?notice=backtested#backtest")
}

// Publish makes the draft the rules every new event is scored by; its
// maker is refused (another reviewer publishes it).
func (h *Fraud) Publish(w http.ResponseWriter, r *http.Request) error {
	return h.closeDraft(w, r, "published", h.Fraud.Publish)
}

// Discard drops the draft.
func (h *Fraud) Discard(w http.ResponseWriter, r *http.Request) error {
	return h.closeDraft(w, r, "discarded", h.Fraud.Discard)
}

func (h *Fraud) closeDraft(w http.ResponseWriter, r *http.Request, notice string, decide func(context.Context, int) (fraud.Version, error)) error {
	version, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		return domain.Errorf(domain.ENOTFOUND, "There is no such rules version.")
	}
	if _, err := decide(r.Context(), version); err != nil {
		return h.rulesProblem(w, r, err, nil)
	}
	return SeeOther(w, r, fraudview.RulesPath+"?notice="+notice)
}

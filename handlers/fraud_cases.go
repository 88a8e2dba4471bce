package handlers

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/identity"
	fraudview "github.com/paycompliance/console/views/fraud"
	"github.com/paycompliance/console/views/timeline"
	"github.com/paycompliance/console/web/render"
)

var fraudCaseNotices = map[string]string{
	"claimed":   "The case is yours.",
	"released":  "The case is back in the queue.",
	"assigned":  "The case was assigned.",
	"note":      "The note was filed.",
	"escalated": "The case was escalated: it waits for a senior reviewer to claim it.",
	"approved":  "The case was approved and closed: the event goes on, labelled genuine.",
	"declined":  "The case was declined and closed: the event is labelled fraud, and stopping it is under way.",
}

// Case shows one case.
func (h *Fraud) Case(w http.ResponseWriter, r *http.Request) error {
	p, err := h.casePage(r)
	if err != nil {
		return err
	}
	p.Notice = fraudCaseNotices[r.URL.Query().Get("notice")]
	return h.renderCase(w, r, http.StatusOK, p)
}

func (h *Fraud) renderCase(w http.ResponseWriter, r *http.Request, status int, p fraudview.CasePage) error {
	return render.Page(w, r, status, "Fraud case "+strconv.FormatInt(p.View.Case.ID, 10), fraudview.QueuePath, fraudview.Case(p))
}

func (h *Fraud) casePage(r *http.Request) (fraudview.CasePage, error) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return fraudview.CasePage{}, err
	}
	v, err := h.Fraud.View(ctx, id)
	if err != nil {
		return fraudview.CasePage{}, err
	}
	caller, _ := identity.CallerFrom(ctx)
	p := fraudview.CasePage{View: v, Viewer: caller.Actor.ID, CanReview: caller.Can(identity.PermFraudReview), Now: time.Now()}
	// The case's opening is its decision's own record.
	c := v.Case
	opened := timeline.Item{At: c.OpenedAt, Kind: "engine",
		Text: "opened: scored " + strconv.Itoa(c.Score) + " (" + string(c.Level) + "), " + string(c.Verdict)}
	if p.Timeline, err = history(ctx, h.Audit, audit.Filter{TargetType: "fraud_case", TargetID: strconv.FormatInt(id, 10)},
		[]timeline.Item{opened}, v.Timeline); err != nil {
		return p, err
	}
	if v.Case.Rail() == fraud.RailPayment && caller.Can(identity.PermPaymentsRead) {
		p.Radar, err = h.radar(ctx, v.Case.Ref())
	}
	return p, err
}

// radar is Radar's view of the case's payment; nil when the console
// does not hold that payment (an event another system sent as one).
func (h *Fraud) radar(ctx context.Context, ref string) (*fraudview.Radar, error) {
	d, err := h.Payments.Detail(ctx, ref)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r := &fraudview.Radar{Payment: d.Payment.PublicID, Risk: d.Payment.Risk}
	for _, rv := range d.Reviews {
		if rv.Open {
			r.Open = append(r.Open, rv)
		}
	}
	return r, nil
}

// Claim, Unclaim, Assign, AddNote, Escalate: a
// reviewer's work on a case. A claim someone else won says who has it.
func (h *Fraud) Claim(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "claimed", func(id int64) error { _, err := h.Fraud.Claim(r.Context(), id); return err })
}

func (h *Fraud) Unclaim(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "released", func(id int64) error { _, err := h.Fraud.Unclaim(r.Context(), id); return err })
}

func (h *Fraud) Assign(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "assigned", func(id int64) error {
		_, err := h.Fraud.Assign(r.Context(), id, r.PostFormValue("username"), h.Colleagues)
		return err
	})
}

func (h *Fraud) AddNote(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "note", func(id int64) error { _, err := h.Fraud.AddNote(r.Context(), id, r.PostFormValue("body")); return err })
}

func (h *Fraud) Escalate(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "escalated", func(id int64) error {
		_, err := h.Fraud.Escalate(r.Context(), id, r.PostFormValue("reason"), r.PostFormValue("note"))
		return err
	})
}

// act runs one change to the case; a refusal the reviewer can act on
// shows on the case's page, with the status saying what kind it is.
func (h *Fraud) act(w http.ResponseWriter, r *http.Request, notice string, fn func(id int64) error) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := fn(id); err != nil {
		return h.caseProblem(w, r, err, fraudview.DecideForm{})
	}
	return SeeOther(w, r, fraudview.CaseURL(id)+"?notice="+notice)
}

func (h *Fraud) caseProblem(w http.ResponseWriter, r *http.Request, err error, typed fraudview.DecideForm) error {
	if !actionable(err) {
		return err
	}
	p, verr := h.casePage(r)
	if verr != nil {
		return verr
	}
	p.Error, p.Decide = domain.ErrorMessage(err), typed
	p.Decide.Confirm = false
	return h.renderCase(w, r, refusalStatus(err), p)
}

// decision reads a decision form; a decline is confirmed before it is
// made, so its reason is checked before the confirmation is shown.
func decision(r *http.Request) (fraudview.DecideForm, error) {
	f := fraudview.DecideForm{Disposition: fraud.Disposition(r.PostFormValue("disposition")), Reason: r.PostFormValue("reason"),
		Note: r.PostFormValue("note")}
	switch {
	case f.Disposition != fraud.Approved && f.Disposition != fraud.Declined:
		return f, domain.Errorf(domain.EINVALID, "Approve or decline.")
	case !fraud.ValidReason(string(f.Disposition), f.Reason):
		return f, domain.Errorf(domain.EINVALID, "Pick a reason code for the %s from the list.",
			map[fraud.Disposition]string{fraud.Approved: "approval", fraud.Declined: "decline"}[f.Disposition])
	}
	f.Confirm = f.Disposition == fraud.Declined && r.PostFormValue("confirmed") != "yes"
	return f, nil
}

// Decide approves or declines the case; a decline is first shown back
// saying what it will stop.
func (h *Fraud) Decide(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := decision(r)
	if err != nil {
		return h.caseProblem(w, r, err, f)
	}
	if f.Confirm {
		return h.confirm(w, r, f)
	}
	if _, err := h.Fraud.Decide(r.Context(), id, f.Disposition, f.Reason, f.Note); err != nil {
		return h.caseProblem(w, r, err, f)
	}
	return SeeOther(w, r, fraudview.CaseURL(id)+"?notice="+string(f.Disposition))
}

func (h *Fraud) confirm(w http.ResponseWriter, r *http.Request, f fraudview.DecideForm) error {
	p, err := h.casePage(r)
	if err != nil {
		return err
	}
	p.Decide = f
	return h.renderCase(w, r, http.StatusOK, p)
}

// DecideSimilar decides the chosen linked cases the same way, each on its
// own: what was decided, and what was left and why, shows on the case.
func (h *Fraud) DecideSimilar(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := decision(r)
	if err == nil {
		f.Similar, err = similarIDs(r)
	}
	if err != nil {
		return h.caseProblem(w, r, err, f)
	}
	if f.Confirm {
		return h.confirm(w, r, f)
	}
	res, err := h.Fraud.DecideSimilar(r.Context(), id, f.Similar, f.Disposition, f.Reason, f.Note)
	if err != nil {
		return h.caseProblem(w, r, err, f)
	}
	p, err := h.casePage(r)
	if err != nil {
		return err
	}
	p.Bulk = &res
	return h.renderCase(w, r, http.StatusOK, p)
}

func similarIDs(r *http.Request) ([]int64, error) {
	var ids []int64
	for _, s := range r.PostForm["similar"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return nil, domain.Errorf(domain.EINVALID, "%q is not a case number.", truncateInput(s))
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, domain.Errorf(domain.EINVALID, "Tick the linked cases to decide.")
	}
	return ids, nil
}

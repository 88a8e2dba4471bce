package handlers

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/cases"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/screening"
	casesview "github.com/paycompliance/console/views/cases"
	"github.com/paycompliance/console/views/timeline"
	"github.com/paycompliance/console/web/render"
)

// Cases is the compliance officer's inbox and case pages.
type Cases struct {
	Cases     *cases.Service
	Screening *screening.Service
	Audit     *audit.Browser
}

var caseNotices = map[string]string{
	"claimed":   "The case is yours.",
	"assigned":  "The case was assigned.",
	"note":      "The note was filed.",
	"attached":  "The document was attached.",
	"escalated": "The case was escalated.",
	"decided":   "The case was decided and closed.",
}

// Queue lists cases, the nearest deadline first.
func (h *Cases) Queue(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	after, err := optionalID(v.Get("after"))
	if err != nil {
		return err
	}
	q := cases.Query{Status: cases.Status(v.Get("status")), Kind: cases.Kind(v.Get("kind")), After: after, Limit: 50}
	caller, _ := identity.CallerFrom(r.Context())
	if v.Get("mine") == "1" {
		q.Assignee = caller.Actor.ID
	}
	list, more, err := h.Cases.Queue(r.Context(), q)
	if err != nil {
		return err
	}
	view := casesview.QueueView{Cases: list, Query: keep(v, "status", "kind", "mine"), After: after, Now: time.Now()}
	if more {
		view.Next = list[len(list)-1].ID
	}
	return render.Page(w, r, http.StatusOK, "Cases", "/cases", casesview.Queue(view))
}

// Case shows one case.
func (h *Cases) Case(w http.ResponseWriter, r *http.Request) error {
	v, err := h.caseView(r, false)
	if err != nil {
		return err
	}
	v.Notice = caseNotices[r.URL.Query().Get("notice")]
	return h.render(w, r, http.StatusOK, v)
}

func (h *Cases) render(w http.ResponseWriter, r *http.Request, status int, v casesview.CaseView) error {
	return render.Page(w, r, status, "Case "+strconv.FormatInt(v.Detail.Case.ID, 10), "/cases", casesview.Case(v))
}

// caseView gathers a case with its evidence; export takes it as the
// case file (recorded).
func (h *Cases) caseView(r *http.Request, export bool) (casesview.CaseView, error) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return casesview.CaseView{}, err
	}
	get := h.Cases.View
	if export {
		get = h.Cases.Export
	}
	d, err := get(ctx, id)
	if err != nil {
		return casesview.CaseView{}, err
	}
	caller, _ := identity.CallerFrom(ctx)
	v := casesview.CaseView{Detail: d, CanWork: caller.Can(identity.PermCasesWork), Viewer: caller.Actor.ID, Now: time.Now(),
		Decide: casesview.DecideForm{Until: time.Now().UTC().AddDate(0, 6, 0).Format(time.DateOnly)}}
	if d.Case.Kind == cases.ScreeningHit {
		review, err := h.Screening.Review(ctx, d.Case.Subject)
		if err != nil {
			return v, err
		}
		v.Review = &review
	}
	if d.Case.ParentID != 0 {
		parent, err := h.Cases.Get(ctx, d.Case.ParentID)
		if err != nil {
			return v, err
		}
		v.Parent = &parent.Case
	}
	for _, e := range d.Events {
		v.Timeline = append(v.Timeline, timeline.Item{At: e.At, Kind: e.Actor, Text: e.Action + " " + e.Detail})
	}
	if caller.Can(identity.PermAuditRead) {
		// The case's own entries, and for a hit its party's (the hit
		// opened, its disposition).
		targets := []audit.Filter{{TargetType: "case", TargetID: strconv.FormatInt(id, 10)}}
		if d.Case.Kind == cases.ScreeningHit {
			targets = append(targets, audit.Filter{TargetType: "party", TargetID: d.Case.Subject})
		}
		entries, err := auditItems(ctx, h.Audit, targets...)
		if err != nil {
			return v, err
		}
		v.Timeline = append(v.Timeline, entries...)
	}
	v.Timeline = timeline.Sorted(v.Timeline)
	return v, nil
}

// Export is the print-ready case file.
func (h *Cases) Export(w http.ResponseWriter, r *http.Request) error {
	v, err := h.caseView(r, true)
	if err != nil {
		return err
	}
	return render.Component(w, r, http.StatusOK, casesview.Export(v))
}

// Claim, Assign, AddNote, Escalate: the officer's work on a case.
func (h *Cases) Claim(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "claimed", func(id int64) error { _, err := h.Cases.Claim(r.Context(), id); return err })
}

func (h *Cases) Assign(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "assigned", func(id int64) error {
		_, err := h.Cases.Assign(r.Context(), id, r.PostFormValue("username"))
		return err
	})
}

func (h *Cases) AddNote(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "note", func(id int64) error { _, err := h.Cases.AddNote(r.Context(), id, r.PostFormValue("body")); return err })
}

func (h *Cases) Escalate(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "escalated", func(id int64) error {
		_, err := h.Cases.Escalate(r.Context(), id, r.PostFormValue("reason"))
		return err
	})
}

// Attach files an uploaded document with the case.
func (h *Cases) Attach(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "attached", func(id int64) error {
		file, header, err := r.FormFile("file")
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return domain.Errorf(domain.ETOOLARGE, "An attachment may be at most %d MiB.", cases.MaxAttachment>>20)
			}
			return domain.Errorf(domain.EINVALID, "Choose a file to attach.")
		}
		defer file.Close()
		data, err := io.ReadAll(io.LimitReader(file, cases.MaxAttachment+1))
		if err != nil {
			return err
		}
		_, err = h.Cases.Attach(r.Context(), id, header.Filename, header.Header.Get("Content-Type"), data)
		return err
	})
}

// act runs one change to the case; a refusal the officer can fix shows on
// the case's page.
func (h *Cases) act(w http.ResponseWriter, r *http.Request, notice string, fn func(id int64) error) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := fn(id); err != nil {
		return h.problem(w, r, err, casesview.DecideForm{})
	}
	return SeeOther(w, r, casesview.URL(id)+"?notice="+notice)
}

func (h *Cases) problem(w http.ResponseWriter, r *http.Request, err error, form casesview.DecideForm) error {
	switch domain.ErrorCode(err) {
	case domain.EINVALID, domain.ECONFLICT, domain.ETOOLARGE:
		v, verr := h.caseView(r, false)
		if verr != nil {
			return verr
		}
		v.Error = domain.ErrorMessage(err)
		if form.Decision != "" {
			v.Decide = form
		}
		return h.render(w, r, http.StatusUnprocessableEntity, v)
	}
	return err
}

// Decide decides the case in two steps: the form's answer is a
// confirmation saying what the decision will do; confirmed, it is made.
func (h *Cases) Decide(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	form := casesview.DecideForm{Decision: cases.Decision(r.PostFormValue("decision")), Reason: r.PostFormValue("reason"),
		Until: r.PostFormValue("until"), Reference: r.PostFormValue("reference"), Reviewed: r.PostFormValue("reviewed")}
	in := cases.DecisionInput{Decision: form.Decision, Reason: form.Reason, Reference: form.Reference}
	in.Reviewed, _ = strconv.ParseInt(form.Reviewed, 10, 64)
	if form.Decision != cases.FalsePositive {
		form.Until = ""
	} else if in.Until, err = time.Parse(time.DateOnly, form.Until); err != nil {
		return h.problem(w, r, domain.Errorf(domain.EINVALID, "Give the date the false positive is cleared until."), form)
	} else {
		in.Until = in.Until.Add(24*time.Hour - time.Second) // to the end of that day
		if err := screening.ValidUntil(in.Until, time.Now()); err != nil {
			return h.problem(w, r, err, form)
		}
	}
	if r.PostFormValue("confirmed") != "yes" {
		v, err := h.caseView(r, false)
		if err != nil {
			return err
		}
		if !v.Detail.Case.Kind.Valid(form.Decision) {
			return h.problem(w, r, domain.Errorf(domain.EINVALID, "Choose a decision."), form)
		}
		v.Decide, v.Confirm = form, true
		return h.render(w, r, http.StatusOK, v)
	}
	if _, err := h.Cases.Decide(r.Context(), id, in); err != nil {
		return h.problem(w, r, err, form)
	}
	return SeeOther(w, r, casesview.URL(id)+"?notice=decided")
}

// Attachment downloads a filed document (recorded).
func (h *Cases) Attachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	aid, err := strconv.ParseInt(r.PathValue("attachment"), 10, 64)
	if err != nil {
		return domain.Errorf(domain.ENOTFOUND, "There is no such attachment.")
	}
	a, data, err := h.Cases.Attachment(r.Context(), id, aid)
	if err != nil {
		return err
	}
	// Served as a download of opaque bytes, never rendered by the browser:
	// what someone uploaded must not run as this site.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, err = w.Write(data)
	return err
}

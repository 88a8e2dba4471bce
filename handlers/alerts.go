package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/alerts"
	"github.com/paycompliance/console/domain/identity"
	alertsview "github.com/paycompliance/console/views/alerts"
	"github.com/paycompliance/console/views/home"
	"github.com/paycompliance/console/web/render"
)

// Alerts is the security alert centre: the alerts, open first and most
// severe first, live; acknowledging and resolving them.
type Alerts struct {
	Alerts   *alerts.Service
	Changed  Subscriber // a notification (the alert id) each time an alert is raised or changes
	Sessions SessionResumer
}

var alertNotices = map[string]string{
	"acknowledged": "The alert is acknowledged: it stays in the centre until it is resolved.",
	"resolved":     "The alert is resolved.",
}

// Centre lists a page of alerts; ?resolve= opens an alert's resolution
// above them.
func (h *Alerts) Centre(w http.ResponseWriter, r *http.Request) error {
	v, err := h.centre(r)
	if err != nil {
		return err
	}
	v.Notice = alertNotices[r.URL.Query().Get("notice")]
	if s := r.URL.Query().Get("resolve"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return domain.Errorf(domain.ENOTFOUND, "There is no such alert.")
		}
		if err := h.resolving(r.Context(), &v, id); err != nil {
			return err
		}
	}
	return h.render(w, r, http.StatusOK, v)
}

func (h *Alerts) render(w http.ResponseWriter, r *http.Request, status int, v alertsview.CentreView) error {
	return render.Page(w, r, status, "Security alerts", alertsview.Path, alertsview.Centre(v))
}

func (h *Alerts) centre(r *http.Request) (alertsview.CentreView, error) {
	ctx := r.Context()
	q := r.URL.Query()
	caller, _ := identity.CallerFrom(ctx)
	v := alertsview.CentreView{Query: keep(q, "status", "severity"), CanManage: caller.Can(identity.PermAlertsManage), Now: time.Now()}
	query := alerts.Query{Status: alerts.Status(q.Get("status")), Severity: alerts.Severity(q.Get("severity"))}
	after, err := optionalID(q.Get("after"))
	if err != nil {
		return v, err
	}
	if after > 0 {
		v.After = &alerts.Alert{ID: after, Status: alerts.Status(q.Get("after_status")), Severity: alerts.Severity(q.Get("after_severity"))}
		if !v.After.Status.Valid() || !v.After.Severity.Valid() {
			return v, domain.Errorf(domain.EINVALID, "The page's position is incomplete: follow the centre's own Next page link.")
		}
		query.After = v.After
	}
	list, more, err := h.Alerts.List(ctx, query)
	if err != nil {
		return v, err
	}
	v.Alerts = list
	if more {
		v.Next = &list[len(list)-1]
	}
	v.Summary, err = h.Alerts.Summary(ctx)
	return v, err
}

// resolving puts alert id's resolution on v, unless it is resolved.
func (h *Alerts) resolving(ctx context.Context, v *alertsview.CentreView, id int64) error {
	a, err := h.Alerts.Get(ctx, id)
	if err != nil {
		return err
	}
	if a.Status != alerts.Resolved && v.CanManage {
		v.Resolving = &a
	}
	return nil
}

// Acknowledge says the caller is on an alert.
func (h *Alerts) Acknowledge(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := h.Alerts.Acknowledge(r.Context(), id); err != nil {
		return h.problem(w, r, err, 0, "")
	}
	return SeeOther(w, r, alertsview.Path+"?notice=acknowledged")
}

// Resolve resolves an alert with a note, once confirmed: the note is
// checked, then shown back with what resolving means, and resolved when
// sent again confirmed.
func (h *Alerts) Resolve(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	if err := alerts.ValidNote(note); err != nil {
		return h.problem(w, r, err, id, note)
	}
	if r.PostFormValue("confirmed") != "yes" {
		v, err := h.centre(r)
		if err != nil {
			return err
		}
		if err := h.resolving(r.Context(), &v, id); err != nil {
			return err
		}
		v.Note, v.Confirm = note, v.Resolving != nil
		return h.render(w, r, http.StatusOK, v)
	}
	if _, err := h.Alerts.Resolve(r.Context(), id, note); err != nil {
		return h.problem(w, r, err, id, note)
	}
	return SeeOther(w, r, alertsview.Path+"?notice=resolved")
}

// problem shows a refusal the user can act on over the centre (with the
// resolution being written, if any), with the status saying what kind.
func (h *Alerts) problem(w http.ResponseWriter, r *http.Request, err error, resolving int64, note string) error {
	if !actionable(err) {
		return err
	}
	v, verr := h.centre(r)
	if verr != nil {
		return verr
	}
	if resolving > 0 {
		if verr := h.resolving(r.Context(), &v, resolving); verr != nil {
			return verr
		}
		v.Note = note
	}
	v.Error = domain.ErrorMessage(err)
	return h.render(w, r, refusalStatus(err), v)
}

// Stream tells the centre each time an alert is raised or changes.
func (h *Alerts) Stream(w http.ResponseWriter, r *http.Request) error {
	reload := func(stream *render.EventStream) error { return stream.SendData("alerts", "") }
	return liveStream(w, r, h.Changed, h.Sessions, reload,
		func(_ context.Context, stream *render.EventStream, _ string) error { return reload(stream) })
}

// AlertsStatus is the overview's widget for those who read alerts: the
// open critical alerts and warnings.
type AlertsStatus struct {
	Alerts *alerts.Service
}

// Widget implements Widget.
func (a *AlertsStatus) Widget(ctx context.Context) (templ.Component, error) {
	s, err := a.Alerts.Summary(ctx)
	if err != nil {
		return nil, err
	}
	return home.Alerts(s), nil
}

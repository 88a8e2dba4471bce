package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/incidents"
	incidentview "github.com/paycompliance/console/views/incidents"
	"github.com/paycompliance/console/web/render"
)

// Incidents is the security incident log: the list (live), opening one
// by hand or from an alert, and an incident's page with the forms that
// run it.
type Incidents struct {
	Incidents *incidents.Service
	Audit     *audit.Browser // an incident's audit entries, for those who read the trail
	Changed   Subscriber     // a notification (the incident's id) each time one opens or changes
	Sessions  SessionResumer
}

// List lists incidents, active first, then by priority, then newest, a
// page at a time.
func (h *Incidents) List(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := r.URL.Query()
	caller, _ := identity.CallerFrom(ctx)
	view := incidentview.ListView{Query: keep(v, "status", "priority", "mine"), CanManage: caller.Can(identity.PermAlertsManage), Now: time.Now()}
	q := incidents.Query{Status: incidents.Status(v.Get("status")), Priority: incidents.Priority(v.Get("priority"))}
	if q.Status == "active" {
		q.Status, q.Active = "", true
	}
	if v.Get("mine") == "1" {
		q.Owner = caller.Actor.ID
	}
	var err error
	if q.After, err = optionalID(v.Get("after")); err != nil {
		return err
	}
	view.After = q.After
	list, more, err := h.Incidents.List(ctx, q)
	if err != nil {
		return err
	}
	view.Incidents = list
	if more {
		view.Next = list[len(list)-1].ID
	}
	if view.Counts, err = h.Incidents.Counts(ctx); err != nil {
		return err
	}
	return render.Page(w, r, http.StatusOK, "Incidents", incidentview.ListPath, incidentview.List(view))
}

// New shows the form that opens an incident; with ?alert= it starts
// from that alert.
func (h *Incidents) New(w http.ResponseWriter, r *http.Request) error {
	f := incidentview.NewForm{Values: url.Values{}}
	if a := r.URL.Query().Get("alert"); a != "" {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return domain.Errorf(domain.ENOTFOUND, "There is no such alert.")
		}
		n, err := h.Incidents.FromAlert(r.Context(), id)
		if err != nil {
			return err
		}
		f.Values = url.Values{"title": {n.Title}, "priority": {string(n.Priority)}, "alert": {a}}
	}
	return h.renderNew(w, r, http.StatusOK, f)
}

func (h *Incidents) renderNew(w http.ResponseWriter, r *http.Request, status int, f incidentview.NewForm) error {
	return render.Page(w, r, status, "Open an incident", incidentview.ListPath, incidentview.New(f))
}

// Open opens the incident the form describes, from the alert it names
// (?alert= or a field) if any; a refusal shows the form again as it was
// typed.
func (h *Incidents) Open(w http.ResponseWriter, r *http.Request) error {
	n := incidents.NewIncident{Title: r.PostFormValue("title"), Priority: incidents.Priority(r.PostFormValue("priority")),
		Summary: r.PostFormValue("summary"), Owner: r.PostFormValue("owner")}
	f := incidentview.NewForm{Values: keep(r.PostForm, "title", "priority", "summary", "owner")}
	var err error
	if a := r.FormValue("alert"); a != "" { // the form's field, or ?alert= on the address
		f.Values.Set("alert", a)
		if n.AlertID, err = strconv.ParseInt(a, 10, 64); err != nil || n.AlertID <= 0 {
			err = domain.Errorf(domain.EINVALID, "The alert to open the incident from is not an alert's id.")
		}
	}
	var inc incidents.Incident
	if err == nil {
		inc, err = h.Incidents.Open(r.Context(), n)
	}
	if err != nil {
		if !actionable(err) {
			return err
		}
		f.Error = domain.ErrorMessage(err)
		return h.renderNew(w, r, refusalStatus(err), f)
	}
	return SeeOther(w, r, incidentview.URL(inc.ID)+"?notice=opened")
}

var incidentNotices = map[string]string{
	"opened":        "The incident is open.",
	"investigating": "The incident is being investigated.",
	"contained":     "The incident is contained.",
	"resolved":      "The incident is resolved: its post-incident review is next.",
	"reviewed":      "The post-incident review is recorded: the incident is closed.",
	"owner":         "The incident has a new owner.",
	"note":          "The note was filed.",
	"link":          "The link was added.",
	"acknowledged":  "You acknowledged the incident.",
}

// Incident shows one incident.
func (h *Incidents) Incident(w http.ResponseWriter, r *http.Request) error {
	p, err := h.page(r)
	if err != nil {
		return err
	}
	p.Notice = incidentNotices[r.URL.Query().Get("notice")]
	return h.renderIncident(w, r, http.StatusOK, p)
}

func (h *Incidents) renderIncident(w http.ResponseWriter, r *http.Request, status int, p incidentview.Page) error {
	return render.Page(w, r, status, "Incident "+strconv.FormatInt(p.View.Incident.ID, 10), incidentview.ListPath, incidentview.Incident(p))
}

func (h *Incidents) page(r *http.Request) (incidentview.Page, error) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return incidentview.Page{}, err
	}
	v, err := h.Incidents.View(ctx, id)
	if err != nil {
		return incidentview.Page{}, err
	}
	caller, _ := identity.CallerFrom(ctx)
	p := incidentview.Page{View: v, Viewer: caller.Actor.ID, CanManage: caller.Can(identity.PermAlertsManage), Now: time.Now()}
	p.Timeline, err = history(ctx, h.Audit, audit.Filter{TargetType: "incident", TargetID: strconv.FormatInt(id, 10)}, nil, v.Timeline)
	return p, err
}

// Status, Owner, AddNote, AddLink, Acknowledge: running an incident.
func (h *Incidents) Status(w http.ResponseWriter, r *http.Request) error {
	to := incidents.Status(r.PostFormValue("status"))
	return h.act(w, r, string(to), func(id int64) error {
		_, err := h.Incidents.SetStatus(r.Context(), id, to, r.PostFormValue("text"))
		return err
	})
}

func (h *Incidents) Owner(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "owner", func(id int64) error {
		_, err := h.Incidents.Assign(r.Context(), id, r.PostFormValue("username"))
		return err
	})
}

func (h *Incidents) AddNote(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "note", func(id int64) error {
		_, err := h.Incidents.AddNote(r.Context(), id, r.PostFormValue("body"))
		return err
	})
}

func (h *Incidents) AddLink(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "link", func(id int64) error {
		_, err := h.Incidents.AddLink(r.Context(), id, r.PostFormValue("kind"), r.PostFormValue("ref"))
		return err
	})
}

// Acknowledge acknowledges the incident for the caller; from the
// overview's widget it goes back to the overview.
func (h *Incidents) Acknowledge(w http.ResponseWriter, r *http.Request) error {
	notice := "acknowledged"
	if r.PostFormValue("back") == "home" {
		notice = ""
	}
	return h.act(w, r, notice, func(id int64) error { _, err := h.Incidents.Acknowledge(r.Context(), id); return err })
}

// act runs one change to the incident, then shows it with notice (with
// none, the overview: where the widget's acknowledgements come from). A
// refusal the officer can act on shows on its page with the form as
// typed, the status saying what kind of refusal it is.
func (h *Incidents) act(w http.ResponseWriter, r *http.Request, notice string, fn func(id int64) error) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := fn(id); err != nil {
		if !actionable(err) {
			return err
		}
		p, verr := h.page(r)
		if verr != nil {
			return verr
		}
		p.Error, p.Typed = domain.ErrorMessage(err), r.PostForm
		return h.renderIncident(w, r, refusalStatus(err), p)
	}
	if notice == "" {
		return SeeOther(w, r, "/")
	}
	return SeeOther(w, r, incidentview.URL(id)+"?notice="+url.QueryEscape(notice))
}

// Stream tells the list each time any incident opens or changes
// ("incident"); for one incident (?id=) it tells its page each time it
// changes ("incident"), and "actions" when what can be done with it (its
// status or owner) changes, so its forms reload then and only then.
func (h *Incidents) Stream(w http.ResponseWriter, r *http.Request) error {
	only := r.URL.Query().Get("id")
	var actions string
	var id int64
	if only != "" {
		var err error
		if id, err = strconv.ParseInt(only, 10, 64); err != nil {
			return domain.Errorf(domain.ENOTFOUND, "There is no such incident.")
		}
		v, err := h.Incidents.View(r.Context(), id)
		if err != nil {
			return err
		}
		actions = incidentview.ActionsKey(v.Incident)
	}
	// On connecting, the page reloads once: a change between its rendering
	// and this subscription would otherwise go unseen until the next one.
	connected := func(stream *render.EventStream) error { return stream.SendData("incident", only) }
	return liveStream(w, r, h.Changed, h.Sessions, connected, func(ctx context.Context, stream *render.EventStream, changed string) error {
		if only != "" && changed != only {
			return nil
		}
		if err := stream.SendData("incident", changed); err != nil || only == "" {
			return err
		}
		v, err := h.Incidents.View(ctx, id)
		if err != nil || incidentview.ActionsKey(v.Incident) == actions {
			return nil
		}
		actions = incidentview.ActionsKey(v.Incident)
		return stream.SendData("actions", only)
	})
}

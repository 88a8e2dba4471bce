package handlers

import (
	"net/http"
	"strings"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/identity"
	fraudview "github.com/paycompliance/console/views/fraud"
	"github.com/paycompliance/console/web/render"
)

var listNotices = map[string]string{
	"added":   "The identifier is on the list: events are scored with it from now on.",
	"removed": "The entry was removed: events are scored without it from now on.",
}

// Lists shows the block and allow lists a page at a time.
func (h *Fraud) Lists(w http.ResponseWriter, r *http.Request) error {
	p, err := h.listsPage(r)
	if err != nil {
		return err
	}
	p.Notice = listNotices[r.URL.Query().Get("notice")]
	return h.renderLists(w, r, http.StatusOK, p)
}

func (h *Fraud) renderLists(w http.ResponseWriter, r *http.Request, status int, p fraudview.ListsPage) error {
	return render.Page(w, r, status, "Fraud lists", fraudview.QueuePath, fraudview.Lists(p))
}

func (h *Fraud) listsPage(r *http.Request) (fraudview.ListsPage, error) {
	ctx := r.Context()
	after, err := optionalID(r.URL.Query().Get("after"))
	if err != nil {
		return fraudview.ListsPage{}, err
	}
	list, more, err := h.Fraud.Lists(ctx, after)
	if err != nil {
		return fraudview.ListsPage{}, err
	}
	caller, _ := identity.CallerFrom(ctx)
	p := fraudview.ListsPage{Entries: list, After: after, CanEdit: caller.Can(identity.PermFraudReview)}
	if more {
		p.Next = list[len(list)-1].ID
	}
	return p, nil
}

// AddToList puts an identifier on the block or allow list; a refusal
// shows the form as typed with what to fix.
func (h *Fraud) AddToList(w http.ResponseWriter, r *http.Request) error {
	e := fraud.ListEntry{List: r.PostFormValue("list"), Key: fraud.Key(r.PostFormValue("key")), Value: strings.TrimSpace(r.PostFormValue("value")),
		Note: strings.TrimSpace(r.PostFormValue("note"))}
	if _, err := h.Fraud.AddToList(r.Context(), e); err != nil {
		if !actionable(err) {
			return err
		}
		p, perr := h.listsPage(r)
		if perr != nil {
			return perr
		}
		p.Error, p.Form = domain.ErrorMessage(err), r.PostForm
		return h.renderLists(w, r, refusalStatus(err), p)
	}
	return SeeOther(w, r, fraudview.ListsPath+"?notice=added")
}

// RemoveFromList takes an entry off its list (the page confirms first).
func (h *Fraud) RemoveFromList(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := h.Fraud.RemoveFromList(r.Context(), id); err != nil {
		return err
	}
	return SeeOther(w, r, fraudview.ListsPath+"?notice=removed")
}

package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/screening"
	screeningview "github.com/paycompliance/console/views/screening"
	"github.com/paycompliance/console/web/render"
)

// Screening is the sanctions lists page, the ad-hoc search and a party's
// screening history.
type Screening struct {
	Screening *screening.Service
	Source    screening.Source
}

// diffShown is how many entries of each kind a version's page lists.
const diffShown = 500

// Lists shows the versions, the alert and the search.
func (h *Screening) Lists(w http.ResponseWriter, r *http.Request) error {
	return h.renderLists(w, r, http.StatusOK, "", "")
}

func (h *Screening) renderLists(w http.ResponseWriter, r *http.Request, status int, notice, problem string) error {
	versions, err := h.Screening.Versions(r.Context(), 100)
	if err != nil {
		return err
	}
	caller, _ := identity.CallerFrom(r.Context())
	v := screeningview.ListsView{Versions: versions, CanSearch: caller.Can(identity.PermScreeningSearch),
		CanLoad: caller.Can(identity.PermCasesWork), Notice: notice, Error: problem}
	return render.Page(w, r, status, "Sanctions screening", "/screening", screeningview.Lists(v))
}

// Search screens a name ad hoc (recorded) and answers with the panel.
func (h *Screening) Search(w http.ResponseWriter, r *http.Request) error {
	f := screeningview.SearchForm{Name: r.PostFormValue("name"), Type: r.PostFormValue("type"), DOB: strings.TrimSpace(r.PostFormValue("dob")),
		Country: strings.TrimSpace(r.PostFormValue("country")), Searched: true}
	q := screening.Query{Name: f.Name, Type: screening.EntityType(f.Type), Country: strings.ToLower(f.Country)}
	var err error
	if f.DOB != "" {
		if q.DOBYear, err = strconv.Atoi(f.DOB); err != nil {
			err = domain.Errorf(domain.EINVALID, "The year of birth is four digits.")
		}
	}
	if err == nil {
		f.Matches, f.Version, err = h.Screening.Search(r.Context(), q, 0)
	}
	status := http.StatusOK
	switch domain.ErrorCode(err) {
	case "":
	case domain.EINVALID, domain.EUNAVAILABLE:
		f.Error, status = domain.ErrorMessage(err), http.StatusUnprocessableEntity
	default:
		return err
	}
	return render.Component(w, r, status, screeningview.SearchPanel(f))
}

// Load loads the lists now, from the configured source.
func (h *Screening) Load(w http.ResponseWriter, r *http.Request) error {
	v, loaded, err := h.Screening.LoadNow(r.Context(), h.Source)
	switch {
	case domain.ErrorCode(err) == domain.EFORBIDDEN:
		return err
	case err != nil:
		return h.renderLists(w, r, http.StatusUnprocessableEntity, "", "The lists were not loaded: "+domain.ErrorMessage(err))
	case !loaded:
		return h.renderLists(w, r, http.StatusOK, "The lists are unchanged since version "+strconv.FormatInt(v.ID, 10)+".", "")
	}
	return h.renderLists(w, r, http.StatusOK, "Loaded version "+strconv.FormatInt(v.ID, 10)+": "+strconv.Itoa(v.Entries)+
		" entries; every party is screened again against what it added or changed.", "")
}

// Version shows what a version changed.
func (h *Screening) Version(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := h.Screening.VersionChanges(r.Context(), id)
	if err != nil {
		return err
	}
	return render.Page(w, r, http.StatusOK, "List version "+strconv.FormatInt(id, 10), "/screening",
		screeningview.Changes(screeningview.ChangesView{Changes: c, Shown: diffShown}))
}

// Party shows a party's screening history.
func (h *Screening) Party(w http.ResponseWriter, r *http.Request) error {
	rec, results, err := h.Screening.History(r.Context(), r.URL.Query().Get("ref"))
	if err != nil {
		return err
	}
	return render.Page(w, r, http.StatusOK, "Screening of "+rec.Name, "/screening", screeningview.Party(screeningview.PartyView{Party: rec, Results: results}))
}

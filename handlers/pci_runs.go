package handlers

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	pciview "github.com/paycompliance/console/views/pci"
	"github.com/paycompliance/console/web/render"
)

// pciRunsPage is how many runs the history shows at a time.
const pciRunsPage = 25

// Runs shows the history a page at a time, newest first (?before=), and
// the daily score over the last 7, 30 (the default), 90 or 365 days.
func (h *PCI) Runs(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	v := pciview.RunsView{Days: 30}
	if s := q.Get("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || !slices.Contains(pciview.RunsDays, n) {
			return domain.Errorf(domain.EINVALID, "Show the last 7, 30, 90 or 365 days.")
		}
		v.Days = n
	}
	var err error
	if v.Before, err = optionalID(q.Get("before")); err != nil {
		return err
	}
	runs, err := h.PCI.Runs(ctx, v.Before, pciRunsPage+1)
	if err != nil {
		return err
	}
	if len(runs) > pciRunsPage {
		runs = runs[:pciRunsPage]
		v.Next = runs[len(runs)-1].ID
	}
	v.Runs = runs
	points, err := h.PCI.Trend(ctx, v.Days)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1-v.Days)
	v.Chart = pciview.NewTrendChart(points, from, v.Days)
	return render.Page(w, r, http.StatusOK, pciTitle+" runs", pciview.ScorecardPath, pciview.Runs(v))
}

// Compare lists what changed from one run (?from=) to another (?to=).
func (h *PCI) Compare(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	from, errFrom := strconv.ParseInt(q.Get("from"), 10, 64)
	to, errTo := strconv.ParseInt(q.Get("to"), 10, 64)
	if errFrom != nil || errTo != nil || from <= 0 || to <= 0 {
		return domain.Errorf(domain.EINVALID, "Name the two runs to compare by their numbers.")
	}
	a, b, changes, err := h.PCI.Compare(r.Context(), from, to)
	if err != nil {
		return err
	}
	v := pciview.CompareView{From: a, To: b, Changes: changes}
	return render.Page(w, r, http.StatusOK, pciTitle+" runs compared", pciview.ScorecardPath, pciview.Compare(v))
}

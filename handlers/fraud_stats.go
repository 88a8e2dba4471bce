package handlers

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/paycompliance/console/domain"
	fraudview "github.com/paycompliance/console/views/fraud"
	"github.com/paycompliance/console/web/render"
)

// Stats shows the engine's and the reviewers' numbers over the last 7,
// 30 (the default) or 90 days.
func (h *Fraud) Stats(w http.ResponseWriter, r *http.Request) error {
	days := 30
	if s := r.URL.Query().Get("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || !slices.Contains(fraudview.StatsDays, n) {
			return domain.Errorf(domain.EINVALID, "Show the last 7, 30 or 90 days.")
		}
		days = n
	}
	s, err := h.Fraud.Stats(r.Context(), days)
	if err != nil {
		return err
	}
	return render.Page(w, r, http.StatusOK, "Fraud statistics", fraudview.QueuePath, fraudview.Stats(fraudview.NewStatsPage(s, days)))
}

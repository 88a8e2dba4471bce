package handlers

import (
	"context"
	"net/http"
	"strconv"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/pci"
	pciview "github.com/paycompliance/console/views/pci"
	"github.com/paycompliance/console/web/render"
)

// PCI is the PCI DSS scorecard: the latest run's (live), any run's with
// its exports, the history and trend, comparisons, sub-requirements with
// their attestations, and the recorded dependency scans.
type PCI struct {
	PCI      *pci.Service
	Changed  Subscriber // a notification (the run id) each time a run finishes
	Sessions SessionResumer
}

const pciTitle = "PCI DSS"

// Scorecard shows the latest run's scorecard, with what changed since the
// run before; after "Run now" (?ran=) it says how that run scored.
func (h *PCI) Scorecard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sc, found, err := h.PCI.Latest(ctx)
	if err != nil {
		return err
	}
	v := pciview.ScorecardView{Empty: !found}
	if found {
		if v, err = h.scorecardView(ctx, sc, sc.Previous); err != nil {
			return err
		}
	}
	v.Latest, v.CanManage = true, canManagePCI(ctx)
	if ran, _ := strconv.ParseInt(r.URL.Query().Get("ran"), 10, 64); ran > 0 {
		if v.Notice, err = h.ranNotice(ctx, sc, ran); err != nil {
			return err
		}
	}
	return render.Page(w, r, http.StatusOK, pciTitle+" scorecard", pciview.ScorecardPath, pciview.Scorecard(v))
}

// Run shows one run's scorecard, with what changed since the run before it.
func (h *PCI) Run(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return err
	}
	sc, err := h.PCI.Scorecard(ctx, id)
	if err != nil {
		return err
	}
	before, err := h.PCI.Runs(ctx, id, 1)
	if err != nil {
		return err
	}
	var previous *pci.Run
	if len(before) > 0 {
		previous = &before[0]
	}
	v, err := h.scorecardView(ctx, sc, previous)
	if err != nil {
		return err
	}
	v.CanManage = canManagePCI(ctx)
	return render.Page(w, r, http.StatusOK, pciTitle+" run #"+strconv.FormatInt(id, 10), pciview.ScorecardPath, pciview.Scorecard(v))
}

// RunNow runs an assessment at once and shows the scorecard saying how it
// scored.
func (h *PCI) RunNow(w http.ResponseWriter, r *http.Request) error {
	run, err := h.PCI.Run(r.Context())
	if err != nil {
		return err
	}
	return SeeOther(w, r, pciview.ScorecardPath+"?ran="+strconv.FormatInt(run.ID, 10))
}

func (h *PCI) scorecardView(ctx context.Context, sc pci.Scorecard, previous *pci.Run) (pciview.ScorecardView, error) {
	var changes []pci.Change
	if previous != nil {
		before, err := h.PCI.Scorecard(ctx, previous.ID)
		if err != nil {
			return pciview.ScorecardView{}, err
		}
		changes = pci.Diff(before.Results, sc.Results)
	}
	return pciview.NewScorecard(sc, previous, changes), nil
}

// ranNotice says how the run someone started scored.
func (h *PCI) ranNotice(ctx context.Context, latest pci.Scorecard, id int64) (string, error) {
	run := latest.Run
	if run.ID != id {
		sc, err := h.PCI.Scorecard(ctx, id)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		run = sc.Run
	}
	notice := "Run #" + strconv.FormatInt(run.ID, 10) + " finished: " + pciview.Percent(run.Score) + " (" +
		strconv.Itoa(run.Score.Passed) + " passed, " + strconv.Itoa(run.Score.Failed) + " failed)."
	if run.ID != latest.Run.ID {
		notice += " A newer run has finished since; this is the newest."
	}
	return notice, nil
}

func canManagePCI(ctx context.Context) bool {
	caller, _ := identity.CallerFrom(ctx)
	return caller.Can(identity.PermPCIManage)
}

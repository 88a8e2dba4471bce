package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
	pciview "github.com/paycompliance/console/views/pci"
	"github.com/paycompliance/console/web/render"
)

// pciScansShown is how many recorded scans the page lists.
const pciScansShown = 50

var scanNotices = map[string]string{"recorded": "The scan was recorded: the next run judges 6.3.3 by it."}

// Scans lists the recorded dependency scans, with the form recording one
// for those who may.
func (h *PCI) Scans(w http.ResponseWriter, r *http.Request) error {
	return h.renderScans(w, r, http.StatusOK, pciview.ScanForm{}, scanNotices[r.URL.Query().Get("notice")], "")
}

func (h *PCI) renderScans(w http.ResponseWriter, r *http.Request, status int, form pciview.ScanForm, notice, problem string) error {
	list, err := h.PCI.Scans(r.Context(), pciScansShown)
	if err != nil {
		return err
	}
	p := pciview.ScansPage{Scans: list, CanManage: canManagePCI(r.Context()), Form: form, Notice: notice, Error: problem}
	return render.Page(w, r, status, pciTitle+" dependency scans", pciview.ScorecardPath, pciview.Scans(p))
}

// RecordScan records a scan typed in by an operator; what is refused
// shows with the form as typed, and nothing is kept.
func (h *PCI) RecordScan(w http.ResponseWriter, r *http.Request) error {
	form := pciview.ScanForm{Tool: r.PostFormValue("tool"), Findings: r.PostFormValue("findings"), Report: r.PostFormValue("report")}
	findings, err := strconv.Atoi(strings.TrimSpace(form.Findings))
	if err != nil {
		err = domain.Errorf(domain.EINVALID, "Say how many vulnerabilities the scan found, as a whole number (0 for none).")
	} else {
		_, err = h.PCI.RecordScan(r.Context(), form.Tool, time.Time{}, findings, form.Report)
	}
	switch domain.ErrorCode(err) {
	case "":
		return SeeOther(w, r, pciview.ScansPath+"?notice=recorded")
	case domain.EINVALID:
		return h.renderScans(w, r, http.StatusUnprocessableEntity, form, "", domain.ErrorMessage(err))
	}
	return err
}

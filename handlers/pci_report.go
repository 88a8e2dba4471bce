package handlers

import (
	"bytes"
	"encoding/csv"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/pci"
	pciview "github.com/paycompliance/console/views/pci"
	"github.com/paycompliance/console/web/render"
)

// ReportFile downloads a run's signed report, exactly as signed: the file
// `console pci verify-report` checks. Issuing it is recorded.
func (h *PCI) ReportFile(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.report(r)
	if err != nil {
		return err
	}
	return download(w, "application/json", pciview.ReportFilename(rep.Run), rep.Encode())
}

// ReportPage shows a run's report ready to print, with the key that signs
// its file and how to verify it. Issuing it is recorded.
func (h *PCI) ReportPage(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.report(r)
	if err != nil {
		return err
	}
	_, verified := pci.VerifyReport(rep.Encode())
	return render.Page(w, r, http.StatusOK, pciTitle+" report, run #"+strconv.FormatInt(rep.Run, 10), pciview.ScorecardPath,
		pciview.Report(pciview.ReportPage{Report: rep, Verified: verified}))
}

// report issues the signed report of the run in the path.
func (h *PCI) report(r *http.Request) (pci.Report, error) {
	id, err := pathID(r)
	if err != nil {
		return pci.Report{}, err
	}
	return h.PCI.Report(r.Context(), id)
}

// pciCSVHeader names the CSV report's columns.
var pciCSVHeader = []string{"requirement", "sub", "check", "status", "summary", "evidence", "remediation"}

// ReportCSV downloads a run's results for spreadsheets, one row each. It
// is for reading, not evidence (that is the signed file): cells a
// spreadsheet would run as a formula are defused.
func (h *PCI) ReportCSV(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	sc, err := h.PCI.Scorecard(r.Context(), id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	out := csv.NewWriter(&buf)
	out.Write(pciCSVHeader)
	for _, res := range sc.Results {
		row := []string{res.Requirement, res.Sub, res.Check, string(res.Status), res.Summary, evidenceCell(res.Evidence), res.Remediation}
		for i := range row {
			row[i] = audit.Defuse(row[i])
		}
		out.Write(row)
	}
	out.Flush()
	if err := out.Error(); err != nil {
		return err
	}
	return download(w, "text/csv; charset=utf-8", "pci-report-"+strconv.FormatInt(id, 10)+".csv", buf.Bytes())
}

// evidenceCell is a result's evidence in one cell: "label: value (link)",
// separated by "; ", each value defused on its own.
func evidenceCell(list []pci.Evidence) string {
	parts := make([]string, len(list))
	for i, e := range list {
		parts[i] = e.Label + ": " + audit.Defuse(e.Value)
		if e.Link != "" {
			parts[i] += " (" + e.Link + ")"
		}
	}
	return strings.Join(parts, "; ")
}

// download answers with data as a file to save, never to render.
func download(w http.ResponseWriter, contentType, filename string, data []byte) error {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("X-Content-Type-Options", "nosniff")
	_, err := w.Write(data)
	return err
}

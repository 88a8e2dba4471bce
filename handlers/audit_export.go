package handlers

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/paycompliance/console/domain/audit"
)

// Export downloads the filtered range, as CSV or as an evidence bundle.
func (h *AuditLog) ExportCSV(w http.ResponseWriter, r *http.Request) error {
	return h.export(w, r, "text/csv; charset=utf-8", "csv", h.Exporter.CSV)
}

// ExportBundle downloads an evidence bundle an auditor can verify offline.
func (h *AuditLog) ExportBundle(w http.ResponseWriter, r *http.Request) error {
	return h.export(w, r, "application/x-ndjson", "jsonl", h.Exporter.Bundle)
}

func (h *AuditLog) export(w http.ResponseWriter, r *http.Request, contentType, ext string,
	write func(context.Context, audit.Filter, io.Writer) error) error {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		return err
	}
	// A large export outlasts the server's write timeout.
	http.NewResponseController(w).SetWriteDeadline(time.Time{})
	out := &startedWriter{w: w, header: func() {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Disposition", `attachment; filename="audit-`+time.Now().UTC().Format("20060102-150405")+"."+ext+`"`)
	}}
	if err := write(r.Context(), f, out); err != nil {
		if out.started {
			// Half a file must not pass for a whole one: break the download.
			panic(http.ErrAbortHandler)
		}
		return err
	}
	return nil
}

// startedWriter sets the download headers on the first write, so an error
// before any byte still gets a proper error page.
type startedWriter struct {
	w       http.ResponseWriter
	header  func()
	started bool
}

func (s *startedWriter) Write(p []byte) (int, error) {
	if !s.started {
		s.header()
		s.started = true
	}
	return s.w.Write(p)
}

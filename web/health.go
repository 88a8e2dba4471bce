package web

import (
	"encoding/json"
	"net/http"
)

// healthz answers as long as the process serves HTTP: a liveness check.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz answers 200 only when this instance can do its work (database
// reachable, schema current, job queue running), else 503, so a load
// balancer sends traffic elsewhere. The public address says only that;
// what fails, and the version, are for the admin address.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	s.readiness(w, r, false)
}

func (s *Server) readyzDetailed(w http.ResponseWriter, r *http.Request) {
	s.readiness(w, r, true)
}

func (s *Server) readiness(w http.ResponseWriter, r *http.Request, detailed bool) {
	report := s.deps.Health.Report(r.Context())
	status := http.StatusOK
	if !report.OK() {
		status = http.StatusServiceUnavailable
	}
	type check struct {
		Name   string `json:"name"`
		OK     bool   `json:"ok"`
		Detail string `json:"detail"`
	}
	body := struct {
		OK      bool    `json:"ok"`
		Version string  `json:"version,omitempty"`
		Checks  []check `json:"checks,omitempty"`
	}{OK: report.OK()}
	if detailed {
		body.Version = report.Version
		for _, c := range report.Checks {
			body.Checks = append(body.Checks, check{c.Name, c.OK, c.Detail})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

package web

import (
	"net/http"

	"github.com/paycompliance/console/static"
)

type route struct {
	pattern string
	handler http.Handler
}

// routes is the route table: every path the console answers.
func (s *Server) routes() []route {
	return []route{
		{"GET /static/", static.Handler()},
		{"GET /healthz", http.HandlerFunc(s.healthz)},
		{"GET /readyz", http.HandlerFunc(s.readyz)},
		{"GET /{$}", s.handle(s.deps.Home.Show)},
		{"GET /widgets/system", s.handle(s.deps.System.Show)},
		{"GET /audit", s.handle(s.deps.Audit.List)},
		{"GET /audit/entries/{seq}", s.handle(s.deps.Audit.Entry)},
		{"POST /audit/entries/{seq}/verify", s.handle(s.deps.Audit.Verify)},
		{"GET /audit/stream", s.handle(s.deps.Audit.Stream)},
		{"GET /audit/export.csv", s.handle(s.deps.Audit.ExportCSV)},
		{"GET /audit/export.jsonl", s.handle(s.deps.Audit.ExportBundle)},
		{"/", s.handle(s.notFound)},
	}
}

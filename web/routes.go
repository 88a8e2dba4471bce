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
		{"/", s.handle(s.notFound)},
	}
}

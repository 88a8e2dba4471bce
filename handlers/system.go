package handlers

import (
	"context"
	"net/http"

	"github.com/a-h/templ"

	"github.com/paycompliance/console/domain/health"
	"github.com/paycompliance/console/views/home"
	"github.com/paycompliance/console/web/render"
)

// SystemStatus is the system widget: version, database, migrations, jobs.
type SystemStatus struct {
	Health *health.Service
}

// Widget implements Widget.
func (s *SystemStatus) Widget(ctx context.Context) (templ.Component, error) {
	return home.SystemStatus(s.Health.Report(ctx)), nil
}

// Show renders the widget alone, for its periodic htmx refresh.
func (s *SystemStatus) Show(w http.ResponseWriter, r *http.Request) error {
	return render.Component(w, r, http.StatusOK, home.SystemStatus(s.Health.Report(r.Context())))
}

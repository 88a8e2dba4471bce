package handlers

import (
	"context"

	"github.com/a-h/templ"

	"github.com/paycompliance/console/domain/incidents"
	"github.com/paycompliance/console/views/home"
)

// IncidentsWaiting is the overview's widget for compliance officers:
// every active P1 and P2 incident they have not acknowledged, until they
// do.
type IncidentsWaiting struct {
	Incidents *incidents.Service
}

// Widget implements Widget.
func (i *IncidentsWaiting) Widget(ctx context.Context) (templ.Component, error) {
	waiting, err := i.Incidents.Unacknowledged(ctx)
	if err != nil {
		return nil, err
	}
	var counts incidents.Counts
	if len(waiting) == 0 {
		if counts, err = i.Incidents.Counts(ctx); err != nil {
			return nil, err
		}
	}
	return home.Incidents(waiting, counts), nil
}

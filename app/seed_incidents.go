package app

import (
	"context"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/incidents"
)

// demoIncidents are `make run`'s incident log: a P1 being investigated,
// which waits on the demo compliance officer's overview until she
// acknowledges it, and a P2 worked through to its post-incident review.
// Each is a status path after opening, with its texts.
var demoIncidents = []struct {
	open  incidents.NewIncident
	note  string
	moves [][2]string // status, text
}{
	{open: incidents.NewIncident{Title: "Card number typed into a compliance case note", Priority: incidents.P2, Owner: "amelia.ortiz",
		Summary: "The database scan found a Luhn-valid number in a case note written before input checks covered notes."},
		note: "The note's author confirmed it was a customer's card read out on a call.",
		moves: [][2]string{{"investigating", ""}, {"contained", "The note is redacted; the card's issuer was told."},
			{"resolved", "Notes now refuse card numbers like every other input; the scan is clean."},
			{"reviewed", "Every free-text field goes through the same card-number check; the scan runs daily and alerts."}}},
	{open: incidents.NewIncident{Title: "Repeated failed sign-ins on an administrator account", Priority: incidents.P1, Owner: "amelia.ortiz",
		Summary: "Forty failed sign-ins in ten minutes from two addresses abroad; the account locked as designed."},
		note:  "The administrator was not travelling; their sessions were ended and the password reset is under way.",
		moves: [][2]string{{"investigating", ""}}},
}

// seedIncidents opens the demo incidents, as the console, into an empty
// incident log only.
func seedIncidents(ctx context.Context, env seedEnv) (int, error) {
	var n int
	if err := env.db.QueryRow(ctx, `SELECT count(*) FROM incidents`).Scan(&n); err != nil || n > 0 {
		return 0, err
	}
	svc := newIncidents(env.db, env.trail.log, env.identity, nil)
	ctx = identity.WithServiceCaller(ctx, audit.System, identity.PermAlertsRead, identity.PermAlertsManage)
	for _, d := range demoIncidents {
		inc, err := svc.Open(ctx, d.open)
		if err != nil {
			return n, err
		}
		if _, err := svc.AddNote(ctx, inc.ID, d.note); err != nil {
			return n, err
		}
		for _, m := range d.moves {
			if _, err := svc.SetStatus(ctx, inc.ID, incidents.Status(m[0]), m[1]); err != nil {
				return n, err
			}
		}
		n++
	}
	return n, nil
}

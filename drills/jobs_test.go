package drills

import (
	"context"
	"testing"
	"time"
)

// With two instances running, a periodic job is enqueued once per tick (only
// River's elected leader runs the periodic enqueuer) and each job is worked
// once (River fetches with FOR UPDATE SKIP LOCKED): the PCI assessment every
// 2 s leaves one scheduled run per job, never two per tick.
func TestInstances_JobsRunOnce(t *testing.T) {
	t.Parallel()
	const every = 2 * time.Second
	cl := NewCluster(t)
	cl.Env = []string{"PCI_ASSESS_EVERY=" + every.String()}
	a, b := cl.Start(t), cl.Start(t)
	ctx := context.Background()

	waitFor(t, "four scheduled assessments", func() bool {
		var n int
		err := cl.DB.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'pci.assess' AND state = 'completed'`).Scan(&n)
		return err == nil && n >= 4
	})
	// Stopping drains the workers, so every job that ran has finished.
	a.Stop(t)
	b.Stop(t)

	rows, err := cl.DB.Query(ctx, `SELECT scheduled_at, state, attempt, cardinality(attempted_by)
		FROM river_job WHERE kind = 'pci.assess' ORDER BY scheduled_at`)
	if err != nil {
		t.Fatal(err)
	}
	var completed int
	var last time.Time
	for rows.Next() {
		var at time.Time
		var state string
		var attempt, workers int
		if err := rows.Scan(&at, &state, &attempt, &workers); err != nil {
			t.Fatal(err)
		}
		if state == "completed" {
			completed++
			if attempt != 1 || workers != 1 {
				t.Errorf("the assessment scheduled at %s ran %d times on %d clients", at, attempt, workers)
			}
		}
		if !last.IsZero() && at.Sub(last) < every*3/4 {
			t.Errorf("assessments enqueued %s apart (at %s and %s): more than one enqueuer", at.Sub(last), last, at)
		}
		last = at
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var runs int
	if err := cl.DB.QueryRow(ctx, `SELECT count(*) FROM pci_runs WHERE trigger = 'scheduled'`).Scan(&runs); err != nil {
		t.Fatal(err)
	}
	if runs != completed {
		t.Errorf("%d scheduled assessment runs recorded for %d completed jobs", runs, completed)
	}
}

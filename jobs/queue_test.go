package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/postgres/pgtest"
)

// The queue starts, actually works a job (the heartbeat runs on start), is
// reported healthy while it runs, unhealthy when jobs stop being worked
// anywhere (a stale heartbeat) and once stopped.
func TestQueue_RunsJobsAndReportsItsState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.NewDB(t)
	q, err := jobs.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	probe := jobs.Probe{Queue: q, DB: db}
	if c := probe.Check(ctx); c.OK {
		t.Fatalf("before Start: %+v, want not OK", c)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(20 * time.Second) // leader election, then the first periodic run
	for {
		at, beats, err := jobs.LastHeartbeat(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if !at.IsZero() && beats >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no heartbeat 20 s after Start: jobs are not being worked")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if c := probe.Check(ctx); !c.OK {
		t.Fatalf("running with a fresh heartbeat: %+v, want OK", c)
	}
	// As if no instance had worked a job for an hour (the next periodic run
	// is a minute away, so nothing refreshes it during the check).
	if _, err := db.Exec(ctx, `UPDATE system_heartbeat SET beat_at = now() - interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	if c := probe.Check(ctx); c.OK {
		t.Fatalf("heartbeat an hour old: %+v, want not OK", c)
	}

	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := q.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the Stopped channel is observed asynchronously
	if c := probe.Check(ctx); c.OK || q.Running() {
		t.Fatalf("after Stop: %+v running=%v, want not OK", c, q.Running())
	}
}

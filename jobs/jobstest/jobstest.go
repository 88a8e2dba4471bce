// Package jobstest runs a real job queue in a test, retrying failed jobs
// at once rather than after River's backoff.
package jobstest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/rivertype"

	"github.com/paycompliance/console/jobs"
)

// quickRetries retries a failed job after 100 ms.
type quickRetries struct{}

func (quickRetries) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(100 * time.Millisecond)
}

// Start runs a queue on db with what opts registers, until the test ends.
func Start(t testing.TB, db *pgxpool.Pool, opts jobs.Options) *jobs.Queue {
	t.Helper()
	opts.RetryPolicy = quickRetries{}
	q, err := jobs.New(db, slog.New(slog.DiscardHandler), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Stop(context.Background()) })
	return q
}

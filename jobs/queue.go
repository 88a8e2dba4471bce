// Package jobs runs background work on River, a job queue kept in
// PostgreSQL: jobs are enqueued in the same transaction as the state that
// needs them, and any instance may work them.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// Queue is the River client and whether it is running.
type Queue struct {
	Client  *river.Client[pgx.Tx]
	running atomic.Bool
}

// Options are what the areas contribute: workers to register (with
// river.AddWorker) and periodic jobs.
type Options struct {
	Workers    *river.Workers
	Periodic   []*river.PeriodicJob
	MaxWorkers int // concurrent jobs on this instance; default 10
	// RetryPolicy spaces out a failed job's retries; nil for River's
	// (attempts^4 seconds). Tests use a quick one.
	RetryPolicy river.ClientRetryPolicy
	// JobTimeout cancels a job's context after this long, unless its
	// worker sets its own Timeout; 0 for River's (1 minute).
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before River takes it
	// for abandoned (its process died) and retries it; 0 for 5 minutes. A
	// kind whose worker sets a longer Timeout is rescued only after that.
	// It must be at least JobTimeout.
	RescueAfter time.Duration
}

// DefaultRescueAfter is how long a job a dead process held waits to be
// retried: River's own default is an hour.
const DefaultRescueAfter = 5 * time.Minute

// New builds the queue with the heartbeat job plus what opts add.
func New(db *pgxpool.Pool, logger *slog.Logger, opts Options) (*Queue, error) {
	if opts.Workers == nil {
		opts.Workers = river.NewWorkers()
	}
	if opts.MaxWorkers <= 0 {
		opts.MaxWorkers = 10
	}
	if opts.RescueAfter <= 0 {
		opts.RescueAfter = max(DefaultRescueAfter, opts.JobTimeout)
	}
	river.AddWorker(opts.Workers, &heartbeatWorker{db: db})
	client, err := river.NewClient(riverpgxv5.New(db), &river.Config{
		Logger:       logger,
		Queues:       map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.MaxWorkers}},
		Workers:      opts.Workers,
		PeriodicJobs: append(opts.Periodic, heartbeatJob()),
		RetryPolicy:  opts.RetryPolicy,
		JobTimeout:   opts.JobTimeout,
		// River's rescuer retries a job left running this long (and past
		// its worker's Timeout): how a job survives its process being
		// killed. Every job here is safe to run again.
		RescueStuckJobsAfter: opts.RescueAfter,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &Queue{Client: client}, nil
}

// Start begins working jobs.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.Client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	q.running.Store(true)
	go func() {
		<-q.Client.Stopped()
		q.running.Store(false)
	}()
	return nil
}

// Stop lets running jobs finish until ctx ends, then cancels what is left;
// cancelled jobs are retried later, by this or another instance.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.Client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return q.Client.StopAndCancel(context.WithoutCancel(ctx))
	}
	return err
}

// Running reports whether this instance is working jobs.
func (q *Queue) Running() bool { return q.running.Load() }

// Migrate applies River's own schema migrations.
func Migrate(ctx context.Context, db *pgxpool.Pool) error {
	m, err := rivermigrate.New(riverpgxv5.New(db), nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/postgres"
)

// Escrow's jobs: executing each approved release (queued in the
// transaction of its last approval, at its time lock), and each minute,
// ending the requests whose time ran out.
type (
	releaseArgs struct {
		ReleaseID int64 `json:"release_id"`
	}
	expireArgs struct{}
)

func (releaseArgs) Kind() string { return "escrow.release" }
func (expireArgs) Kind() string  { return "escrow.expire" }

// A release is retried with River's backoff for about three weeks: every
// attempt is safe, the payout finding a transfer made under its key (by
// transfer group, kept by Stripe for good) before it makes one.
const releaseJobAttempts = 25

type releaseWorker struct {
	river.WorkerDefaults[releaseArgs]
	escrow *escrow.Service
}

func (w *releaseWorker) Work(ctx context.Context, job *river.Job[releaseArgs]) error {
	err := w.escrow.Execute(ctx, job.Args.ReleaseID)
	var early escrow.ErrTooEarly
	if errors.As(err, &early) {
		return river.JobSnooze(max(time.Until(early.Until), time.Second))
	}
	return err
}

type expireWorker struct {
	river.WorkerDefaults[expireArgs]
	escrow *escrow.Service
}

func (w *expireWorker) Work(ctx context.Context, _ *river.Job[expireArgs]) error {
	_, err := w.escrow.ExpireDue(ctx)
	return err
}

// AddEscrowJobs registers escrow's jobs on opts.
func AddEscrowJobs(opts *Options, svc *escrow.Service) {
	if opts.Workers == nil {
		opts.Workers = river.NewWorkers()
	}
	river.AddWorker(opts.Workers, &releaseWorker{escrow: svc})
	river.AddWorker(opts.Workers, &expireWorker{escrow: svc})
	opts.Periodic = append(opts.Periodic, river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return expireArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true, ID: "escrow.expire"}))
}

var _ escrow.Jobs = (*Inserter)(nil)

// ExecuteLater implements escrow.Jobs.
func (i *Inserter) ExecuteLater(ctx context.Context, releaseID int64, at time.Time) error {
	tx, ok := postgres.TxFrom(ctx)
	if !ok {
		return errNoTx
	}
	_, err := i.client.InsertTx(ctx, tx, releaseArgs{ReleaseID: releaseID}, &river.InsertOpts{MaxAttempts: releaseJobAttempts, ScheduledAt: at})
	return err
}

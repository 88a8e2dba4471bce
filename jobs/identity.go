package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/paycompliance/console/domain/identity"
)

// Identity's scheduled work: disabling accounts unused for 90 days (PCI DSS
// 8.2.6), daily; and clearing expired sessions and idempotency records,
// hourly.
type (
	inactivityArgs    struct{}
	identityPurgeArgs struct{}
)

func (inactivityArgs) Kind() string    { return "identity.inactivity" }
func (identityPurgeArgs) Kind() string { return "identity.purge" }

// Purger clears API idempotency records past their day.
type Purger interface {
	Purge(ctx context.Context) (int64, error)
}

type inactivityWorker struct {
	river.WorkerDefaults[inactivityArgs]
	identity *identity.Service
}

func (w *inactivityWorker) Work(ctx context.Context, _ *river.Job[inactivityArgs]) error {
	_, err := w.identity.DisableInactive(ctx)
	return err
}

type identityPurgeWorker struct {
	river.WorkerDefaults[identityPurgeArgs]
	identity    *identity.Service
	idempotency Purger
}

func (w *identityPurgeWorker) Work(ctx context.Context, _ *river.Job[identityPurgeArgs]) error {
	if _, err := w.identity.PurgeSessions(ctx); err != nil {
		return err
	}
	_, err := w.idempotency.Purge(ctx)
	return err
}

// AddIdentityJobs registers identity's jobs on opts, each also once at start.
func AddIdentityJobs(opts *Options, svc *identity.Service, idempotency Purger) {
	if opts.Workers == nil {
		opts.Workers = river.NewWorkers()
	}
	river.AddWorker(opts.Workers, &inactivityWorker{identity: svc})
	river.AddWorker(opts.Workers, &identityPurgeWorker{identity: svc, idempotency: idempotency})
	opts.Periodic = append(opts.Periodic,
		river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return inactivityArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true, ID: "identity.inactivity"}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return identityPurgeArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true, ID: "identity.purge"}),
	)
}

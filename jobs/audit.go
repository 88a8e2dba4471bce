package jobs

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/paycompliance/console/domain/audit"
)

// The audit trail's scheduled work: verifying the chain (its outcome is
// recorded and alerts on failure), and daily partition upkeep: creating next
// months' partitions before they are needed and dropping expired ones.
type (
	auditVerifyArgs     struct{}
	auditPartitionsArgs struct{}
)

func (auditVerifyArgs) Kind() string     { return "audit.verify" }
func (auditPartitionsArgs) Kind() string { return "audit.partitions" }

type auditVerifyWorker struct {
	river.WorkerDefaults[auditVerifyArgs]
	monitor *audit.Monitor
}

func (w *auditVerifyWorker) Work(ctx context.Context, _ *river.Job[auditVerifyArgs]) error {
	_, err := w.monitor.Verify(ctx, 0) // a broken chain is recorded, not retried
	return err
}

type auditPartitionsWorker struct {
	river.WorkerDefaults[auditPartitionsArgs]
	db        *pgxpool.Pool
	retention *audit.Retention
}

func (w *auditPartitionsWorker) Work(ctx context.Context, _ *river.Job[auditPartitionsArgs]) error {
	if _, err := w.db.Exec(ctx, `SELECT audit_ensure_partitions(2)`); err != nil {
		return err
	}
	_, err := w.retention.Enforce(ctx)
	return err
}

// AddAuditJobs registers the audit jobs on opts: verification every
// verifyEvery, partition upkeep daily, both also once at start.
func AddAuditJobs(opts *Options, monitor *audit.Monitor, retention *audit.Retention, db *pgxpool.Pool, verifyEvery time.Duration) {
	if opts.Workers == nil {
		opts.Workers = river.NewWorkers()
	}
	river.AddWorker(opts.Workers, &auditVerifyWorker{monitor: monitor})
	river.AddWorker(opts.Workers, &auditPartitionsWorker{db: db, retention: retention})
	opts.Periodic = append(opts.Periodic,
		river.NewPeriodicJob(river.PeriodicInterval(verifyEvery),
			func() (river.JobArgs, *river.InsertOpts) { return auditVerifyArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true, ID: "audit.verify"}),
		river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return auditPartitionsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true, ID: "audit.partitions"}),
	)
}

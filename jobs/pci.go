package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/pci"
)

// The scheduled PCI DSS assessment: one run of every check, at start and
// then every interval.
type assessArgs struct{}

func (assessArgs) Kind() string { return "pci.assess" }

type assessWorker struct {
	river.WorkerDefaults[assessArgs]
	pci *pci.Service
}

func (w *assessWorker) Work(ctx context.Context, _ *river.Job[assessArgs]) error {
	_, _, err := w.pci.RunAssessment(audit.WithActor(ctx, audit.System), "scheduled")
	return err
}

// Timeout bounds a run: its slowest part, the card-number scan, reads a
// bounded batch per table.
func (w *assessWorker) Timeout(*river.Job[assessArgs]) time.Duration { return 5 * time.Minute }

// AddPCIJobs registers the scheduled assessment on opts.
func AddPCIJobs(opts *Options, svc *pci.Service, every time.Duration) {
	if opts.Workers == nil {
		opts.Workers = river.NewWorkers()
	}
	river.AddWorker(opts.Workers, &assessWorker{pci: svc})
	opts.Periodic = append(opts.Periodic, river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return assessArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true, ID: "pci.assess"}))
}

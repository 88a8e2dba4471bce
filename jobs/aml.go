package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/paycompliance/console/domain/aml"
)

// amlArgs is AML monitoring's run: hourly, so a day's findings come the
// same day (each is raised once, however often the rules run).
type amlArgs struct{}

func (amlArgs) Kind() string { return "aml.monitor" }

type amlWorker struct {
	river.WorkerDefaults[amlArgs]
	aml *aml.Service
}

func (w *amlWorker) Work(ctx context.Context, _ *river.Job[amlArgs]) error {
	_, err := w.aml.Monitor(ctx)
	return err
}

// AddAMLJobs registers AML monitoring on opts.
func AddAMLJobs(opts *Options, svc *aml.Service) {
	if opts.Workers == nil {
		opts.Workers = river.NewWorkers()
	}
	river.AddWorker(opts.Workers, &amlWorker{aml: svc})
	opts.Periodic = append(opts.Periodic, river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return amlArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true, ID: "aml.monitor"}))
}

package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/paycompliance/console/domain/screening"
)

// Screening's jobs: loading the lists on a schedule (and once at start),
// and re-screening every party after a new version, against what it added
// or changed.
type (
	listRefreshArgs struct{}
	rescreenArgs    struct {
		From int64 `json:"from"`
		To   int64 `json:"to"`
	}
)

func (listRefreshArgs) Kind() string { return "screening.refresh" }
func (rescreenArgs) Kind() string    { return "screening.rescreen" }

type listRefreshWorker struct {
	river.WorkerDefaults[listRefreshArgs]
	screening *screening.Service
	source    screening.Source
}

// Work loads the lists. A refused load is recorded and alerted by the
// service, and is not retried before the next run: the active version
// stays in force meanwhile. Any other failure (the database) is retried.
func (w *listRefreshWorker) Work(ctx context.Context, _ *river.Job[listRefreshArgs]) error {
	if _, _, err := w.screening.Load(ctx, w.source); err != nil && !screening.Refused(err) {
		return err
	}
	return nil
}

type rescreenWorker struct {
	river.WorkerDefaults[rescreenArgs]
	screening *screening.Service
}

func (w *rescreenWorker) Work(ctx context.Context, job *river.Job[rescreenArgs]) error {
	_, err := w.screening.Rescreen(ctx, job.Args.From, job.Args.To)
	return err
}

// Timeout lets a re-screening of many parties run its course.
func (w *rescreenWorker) Timeout(*river.Job[rescreenArgs]) time.Duration { return 30 * time.Minute }

// AddScreeningJobs registers screening's jobs on opts: the lists loaded
// every `every` from source (none without a source: the lists are loaded
// on demand), and re-screening.
func AddScreeningJobs(opts *Options, svc *screening.Service, source screening.Source, every time.Duration) {
	if opts.Workers == nil {
		opts.Workers = river.NewWorkers()
	}
	river.AddWorker(opts.Workers, &rescreenWorker{screening: svc})
	if source == nil {
		return
	}
	river.AddWorker(opts.Workers, &listRefreshWorker{screening: svc, source: source})
	opts.Periodic = append(opts.Periodic, river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return listRefreshArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "screening.refresh"}))
}

var _ screening.Jobs = (*Inserter)(nil)

// RescreenLater implements screening.Jobs.
func (i *Inserter) RescreenLater(ctx context.Context, from, to int64) error {
	return i.insert(ctx, rescreenArgs{From: from, To: to}, 10)
}

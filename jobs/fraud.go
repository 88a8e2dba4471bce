package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/postgres"
)

// Fraud's jobs: stopping a declined or blocked event (queued with the
// decision that stops it), and draining the feed the rails fill, every few
// seconds in case no instance heard the feed's notification.
type (
	stopArgs struct {
		CaseID int64 `json:"case_id"`
	}
	feedArgs struct{}
)

func (stopArgs) Kind() string { return "fraud.stop" }
func (feedArgs) Kind() string { return "fraud.feed" }

// FeedEvery is how often the feed is drained without a notification.
const FeedEvery = 15 * time.Second

type stopWorker struct {
	river.WorkerDefaults[stopArgs]
	fraud *fraud.Service
}

func (w *stopWorker) Work(ctx context.Context, job *river.Job[stopArgs]) error {
	return w.fraud.Stop(ctx, job.Args.CaseID)
}

type feedWorker struct {
	river.WorkerDefaults[feedArgs]
	fraud *fraud.Service
}

func (w *feedWorker) Work(ctx context.Context, _ *river.Job[feedArgs]) error {
	_, err := w.fraud.DrainFeed(ctx)
	return err
}

// AddFraudJobs registers fraud's jobs on opts.
func AddFraudJobs(opts *Options, svc *fraud.Service) {
	if opts.Workers == nil {
		opts.Workers = river.NewWorkers()
	}
	river.AddWorker(opts.Workers, &stopWorker{fraud: svc})
	river.AddWorker(opts.Workers, &feedWorker{fraud: svc})
	opts.Periodic = append(opts.Periodic, river.NewPeriodicJob(river.PeriodicInterval(FeedEvery),
		func() (river.JobArgs, *river.InsertOpts) { return feedArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true, ID: "fraud.feed"}))
}

var _ fraud.Jobs = (*Inserter)(nil)

// StopLater implements fraud.Jobs.
func (i *Inserter) StopLater(ctx context.Context, caseID int64) error {
	tx, ok := postgres.TxFrom(ctx)
	if !ok {
		return errNoTx
	}
	_, err := i.client.InsertTx(ctx, tx, stopArgs{CaseID: caseID}, nil)
	return err
}

package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/paycompliance/console/domain/ach"
)

// ACH's jobs: each minute, the cutoff if one is due and the inbound files
// waiting; hourly, settlement; and delivering each file made.
type (
	cutoffArgs  struct{}
	inboundArgs struct{}
	settleArgs  struct{}
	deliverArgs struct {
		FileID int64 `json:"file_id"`
	}
)

func (cutoffArgs) Kind() string  { return "ach.cutoff" }
func (inboundArgs) Kind() string { return "ach.inbound" }
func (settleArgs) Kind() string  { return "ach.settle" }
func (deliverArgs) Kind() string { return "ach.deliver" }

type cutoffWorker struct {
	river.WorkerDefaults[cutoffArgs]
	ach *ach.Service
}

func (w *cutoffWorker) Work(ctx context.Context, _ *river.Job[cutoffArgs]) error {
	_, _, err := w.ach.CutoffDue(ctx)
	return err
}

type inboundWorker struct {
	river.WorkerDefaults[inboundArgs]
	ach     *ach.Service
	inboxes map[string]ach.Inbox // source name → inbox
}

func (w *inboundWorker) Work(ctx context.Context, _ *river.Job[inboundArgs]) error {
	for source, in := range w.inboxes {
		if _, err := w.ach.PollInbox(ctx, in, source); err != nil {
			return err
		}
	}
	return nil
}

type settleWorker struct {
	river.WorkerDefaults[settleArgs]
	ach *ach.Service
}

func (w *settleWorker) Work(ctx context.Context, _ *river.Job[settleArgs]) error {
	_, err := w.ach.SettleDue(ctx)
	return err
}

type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	ach *ach.Service
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	return w.ach.DeliverFile(ctx, job.Args.FileID)
}

// AddACHJobs registers ACH's jobs on opts; inboxes are polled for returns.
func AddACHJobs(opts *Options, svc *ach.Service, inboxes map[string]ach.Inbox) {
	if opts.Workers == nil {
		opts.Workers = river.NewWorkers()
	}
	river.AddWorker(opts.Workers, &cutoffWorker{ach: svc})
	river.AddWorker(opts.Workers, &inboundWorker{ach: svc, inboxes: inboxes})
	river.AddWorker(opts.Workers, &settleWorker{ach: svc})
	river.AddWorker(opts.Workers, &deliverWorker{ach: svc})
	every := func(d time.Duration, id string, args river.JobArgs) *river.PeriodicJob {
		return river.NewPeriodicJob(river.PeriodicInterval(d), func() (river.JobArgs, *river.InsertOpts) { return args, nil },
			&river.PeriodicJobOpts{RunOnStart: true, ID: id})
	}
	opts.Periodic = append(opts.Periodic,
		every(time.Minute, "ach.cutoff", cutoffArgs{}),
		every(time.Minute, "ach.inbound", inboundArgs{}),
		every(time.Hour, "ach.settle", settleArgs{}))
}

var _ ach.Jobs = (*Inserter)(nil)

// DeliverFileLater implements ach.Jobs.
func (i *Inserter) DeliverFileLater(ctx context.Context, fileID int64) error {
	return i.insert(ctx, deliverArgs{FileID: fileID}, 25)
}

package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/paycompliance/console/domain/alerts"
)

// The alert centre's jobs: evaluating the alert rules every minute (and
// once at start), and delivering each new alert to the outbound webhook,
// queued with the alert and retried with River's backoff (attempt⁴
// seconds: 10 attempts span about 4 hours) before the failure is
// recorded.
type (
	alertRulesArgs   struct{}
	alertDeliverArgs struct {
		AlertID int64 `json:"alert_id"`
	}
)

func (alertRulesArgs) Kind() string   { return "alerts.evaluate" }
func (alertDeliverArgs) Kind() string { return "alerts.deliver" }

// AlertRulesEvery is how often the alert rules are evaluated.
const AlertRulesEvery = time.Minute

const alertDeliverAttempts = 10

type alertRulesWorker struct {
	river.WorkerDefaults[alertRulesArgs]
	rules *alerts.Rules
}

func (w *alertRulesWorker) Work(ctx context.Context, _ *river.Job[alertRulesArgs]) error {
	_, err := w.rules.Evaluate(ctx)
	return err
}

type alertDeliverWorker struct {
	river.WorkerDefaults[alertDeliverArgs]
	alerts *alerts.Service
}

func (w *alertDeliverWorker) Work(ctx context.Context, job *river.Job[alertDeliverArgs]) error {
	return w.alerts.Deliver(ctx, job.Args.AlertID, job.Attempt, job.Attempt >= job.MaxAttempts)
}

// AddAlertJobs registers the alert centre's jobs on opts.
func AddAlertJobs(opts *Options, svc *alerts.Service, rules *alerts.Rules) {
	if opts.Workers == nil {
		opts.Workers = river.NewWorkers()
	}
	river.AddWorker(opts.Workers, &alertRulesWorker{rules: rules})
	river.AddWorker(opts.Workers, &alertDeliverWorker{alerts: svc})
	opts.Periodic = append(opts.Periodic, river.NewPeriodicJob(river.PeriodicInterval(AlertRulesEvery),
		func() (river.JobArgs, *river.InsertOpts) { return alertRulesArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "alerts.evaluate"}))
}

var _ alerts.Jobs = (*Inserter)(nil)

// DeliverLater implements alerts.Jobs.
func (i *Inserter) DeliverLater(ctx context.Context, id int64) error {
	return i.insert(ctx, alertDeliverArgs{AlertID: id}, alertDeliverAttempts)
}

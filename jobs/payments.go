package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/internal/failpoint"
	"github.com/paycompliance/console/postgres"
)

// Payments' jobs: applying a received webhook event, and sending a refund
// to the processor. Both are queued in the transaction that needs them and
// retried with River's backoff until they succeed; both are safe to run
// more than once (the event is applied once, the refund sent under one
// idempotency key).
type (
	webhookArgs struct {
		EventID string `json:"event_id"`
	}
	refundArgs struct {
		RefundID int64 `json:"refund_id"`
	}
	catchUpArgs struct{}
)

func (webhookArgs) Kind() string { return "payments.webhook" }
func (refundArgs) Kind() string  { return "payments.refund" }
func (catchUpArgs) Kind() string { return "payments.catch_up" }

// River retries a job after attempt⁴ seconds. A refund's attempts stop
// within Stripe's 24 hours of idempotency-key memory (12 attempts, 11 waits:
// about 11 hours), so that no retry can make a second refund; an event's go on
// for days (20 attempts: about 6.5), as nothing is sent with them.
const (
	refundJobAttempts  = 12
	webhookJobAttempts = 20
)

type webhookWorker struct {
	river.WorkerDefaults[webhookArgs]
	payments *payments.Service
}

func (w *webhookWorker) Work(ctx context.Context, job *river.Job[webhookArgs]) error {
	if err := w.payments.ApplyEvent(ctx, job.Args.EventID); err != nil {
		return err
	}
	// Applied and committed, and the job not yet completed: it runs again.
	failpoint.Hit("webhook.after-apply")
	return nil
}

type refundWorker struct {
	river.WorkerDefaults[refundArgs]
	payments *payments.Service
}

func (w *refundWorker) Work(ctx context.Context, job *river.Job[refundArgs]) error {
	err := w.payments.ExecuteRefund(ctx, job.Args.RefundID)
	if err != nil && job.Attempt >= job.MaxAttempts {
		return errors.Join(err, w.payments.RefundUnreached(ctx, job.Args.RefundID))
	}
	return err
}

// catchUpWorker lists the processor's events for any no webhook brought.
type catchUpWorker struct {
	river.WorkerDefaults[catchUpArgs]
	payments *payments.Service
}

func (w *catchUpWorker) Work(ctx context.Context, _ *river.Job[catchUpArgs]) error {
	_, err := w.payments.CatchUpEvents(ctx)
	return err
}

// AddPaymentJobs registers payments' workers on opts, and the events
// catch-up every catchUpEvery (at start too; 0: never).
func AddPaymentJobs(opts *Options, svc *payments.Service, catchUpEvery time.Duration) {
	if opts.Workers == nil {
		opts.Workers = river.NewWorkers()
	}
	river.AddWorker(opts.Workers, &webhookWorker{payments: svc})
	river.AddWorker(opts.Workers, &refundWorker{payments: svc})
	river.AddWorker(opts.Workers, &catchUpWorker{payments: svc})
	if catchUpEvery > 0 {
		opts.Periodic = append(opts.Periodic, river.NewPeriodicJob(river.PeriodicInterval(catchUpEvery),
			func() (river.JobArgs, *river.InsertOpts) { return catchUpArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true, ID: "payments.catch_up"}))
	}
}

// Inserter queues jobs inside the caller's transaction; services hold it
// (it implements their Jobs ports), while the workers live in the Queue.
type Inserter struct {
	client *river.Client[pgx.Tx]
}

var _ payments.Jobs = (*Inserter)(nil)

// NewInserter returns an insert-only River client on db.
func NewInserter(db *pgxpool.Pool) (*Inserter, error) {
	c, err := river.NewClient(riverpgxv5.New(db), &river.Config{})
	if err != nil {
		return nil, err
	}
	return &Inserter{client: c}, nil
}

var errNoTx = errors.New("jobs: a job is queued inside the transaction that needs it, and ctx carries none")

func (i *Inserter) insert(ctx context.Context, args river.JobArgs, attempts int) error {
	tx, ok := postgres.TxFrom(ctx)
	if !ok {
		return errNoTx
	}
	_, err := i.client.InsertTx(ctx, tx, args, &river.InsertOpts{MaxAttempts: attempts})
	return err
}

// ApplyEventLater implements payments.Jobs.
func (i *Inserter) ApplyEventLater(ctx context.Context, eventID string) error {
	return i.insert(ctx, webhookArgs{EventID: eventID}, webhookJobAttempts)
}

// ExecuteRefundLater implements payments.Jobs.
func (i *Inserter) ExecuteRefundLater(ctx context.Context, refundID int64) error {
	return i.insert(ctx, refundArgs{RefundID: refundID}, refundJobAttempts)
}

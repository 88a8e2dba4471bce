package audit

import (
	"context"
	"fmt"
	"time"
)

// Outbox stores an event's canonical bytes in the transaction that ctx
// carries (or alone, outside one). The sequencer chains it after commit.
type Outbox interface {
	Enqueue(ctx context.Context, at time.Time, entry []byte) error
}

// Log is the one append API every area calls. Call Record inside the
// transaction of the change being recorded: the change and its record then
// commit or roll back together, and an error from Record must abort the
// change (fail closed: nothing happens without its record).
type Log struct {
	outbox Outbox
	now    func() time.Time
}

// NewLog returns a Log writing to outbox.
func NewLog(outbox Outbox) *Log { return &Log{outbox: outbox, now: Now} }

// Record validates e and appends it, taking the actor, origin and request
// id from ctx (WithRequest) where e leaves them blank.
func (l *Log) Record(ctx context.Context, e Event) error {
	e.fillFrom(ctx)
	if err := e.Validate(); err != nil {
		return err
	}
	entry, err := e.Canonical()
	if err != nil {
		return fmt.Errorf("audit: encode %s: %w", e.Action, err)
	}
	if err := l.outbox.Enqueue(ctx, l.now(), entry); err != nil {
		return fmt.Errorf("audit: append %s: %w", e.Action, err)
	}
	return nil
}

package postgres

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Listener fans out the notifications of one PostgreSQL channel to
// subscribers in this process, over a single LISTEN connection. Every
// instance runs its own, so live updates reach users on any instance.
type Listener struct {
	DB      *pgxpool.Pool
	Channel string
	Log     *slog.Logger

	mu   sync.Mutex
	subs map[chan string]struct{}
}

// Subscribe returns a channel of payloads and a function to unsubscribe.
// A slow subscriber misses intermediate payloads, never the latest one.
func (l *Listener) Subscribe() (<-chan string, func()) {
	ch := make(chan string, 1)
	l.mu.Lock()
	if l.subs == nil {
		l.subs = map[chan string]struct{}{}
	}
	l.subs[ch] = struct{}{}
	l.mu.Unlock()
	return ch, func() {
		l.mu.Lock()
		delete(l.subs, ch)
		l.mu.Unlock()
	}
}

// Run listens until ctx ends, reconnecting after failures.
func (l *Listener) Run(ctx context.Context) {
	for ctx.Err() == nil {
		if err := l.listen(ctx); err != nil && ctx.Err() == nil {
			l.Log.Warn("listen", "channel", l.Channel, "error", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (l *Listener) listen(ctx context.Context) error {
	conn, err := l.DB.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.Channel}.Sanitize()); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "UNLISTEN "+pgx.Identifier{l.Channel}.Sanitize())
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return err
		}
		l.broadcast(n.Payload)
	}
}

func (l *Listener) broadcast(payload string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ch := range l.subs {
		select {
		case <-ch: // drop the stale payload: only the newest matters
		default:
		}
		ch <- payload
	}
}

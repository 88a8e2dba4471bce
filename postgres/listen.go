package postgres

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strings"
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
	listen(ctx, l.DB, l.Log, map[string]*Listener{l.Channel: l})
}

// Hub listens to several channels over one connection (each LISTEN
// otherwise holds a connection of the pool for good). Take the channels'
// listeners with Channel before Run.
type Hub struct {
	DB  *pgxpool.Pool
	Log *slog.Logger

	channels map[string]*Listener
}

// Channel returns the listener of one channel, to subscribe to.
func (h *Hub) Channel(name string) *Listener {
	if h.channels == nil {
		h.channels = map[string]*Listener{}
	}
	if l, ok := h.channels[name]; ok {
		return l
	}
	l := &Listener{DB: h.DB, Channel: name, Log: h.Log}
	h.channels[name] = l
	return l
}

// Run listens to every channel taken until ctx ends, reconnecting after
// failures.
func (h *Hub) Run(ctx context.Context) { listen(ctx, h.DB, h.Log, h.channels) }

// listen delivers the notifications of channels to their listeners.
func listen(ctx context.Context, db *pgxpool.Pool, log *slog.Logger, channels map[string]*Listener) {
	for ctx.Err() == nil {
		if err := listenOnce(ctx, db, channels); err != nil && ctx.Err() == nil {
			log.Warn("listen", "channels", len(channels), "error", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func listenOnce(ctx context.Context, db *pgxpool.Pool, channels map[string]*Listener) error {
	conn, err := db.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	// One statement for all, so the connection shows every channel it
	// listens to (pg_stat_activity keeps the last statement).
	var listens []string
	for _, name := range slices.Sorted(maps.Keys(channels)) {
		listens = append(listens, "LISTEN "+pgx.Identifier{name}.Sanitize())
	}
	if _, err := conn.Exec(ctx, strings.Join(listens, "; ")); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "UNLISTEN *")
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if l := channels[n.Channel]; l != nil {
			l.broadcast(n.Payload)
		}
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

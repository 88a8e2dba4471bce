package postgres_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// One connection carries every channel of a hub, and each notification
// reaches the subscribers of its own channel only.
func TestHub_ChannelsShareOneConnection(t *testing.T) {
	t.Parallel()
	db, _ := pgtest.NewDB(t)
	hub := &postgres.Hub{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	a, b := hub.Channel("hub_test_a"), hub.Channel("hub_test_b")
	if hub.Channel("hub_test_a") != a {
		t.Fatal("a channel taken twice gave two listeners")
	}
	fromA, stopA := a.Subscribe()
	defer stopA()
	fromB, stopB := b.Subscribe()
	defer stopB()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go hub.Run(ctx)
	// Notify until the hub is listening (its LISTENs race the first ones).
	receive := func(channel string, from, other <-chan string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
			db.Exec(ctx, `SELECT pg_notify($1, $1)`, channel)
			select {
			case p := <-from:
				if p != channel {
					t.Fatalf("%s's subscriber got %q", channel, p)
				}
				return
			case p := <-other:
				t.Fatalf("%s's notification %q went to the other channel", channel, p)
			case <-time.After(100 * time.Millisecond):
			}
		}
		t.Fatalf("%s's notification never came", channel)
	}
	receive("hub_test_b", fromB, fromA)
	receive("hub_test_a", fromA, fromB)
	var listening int
	db.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`).Scan(&listening)
	if listening != 1 {
		t.Fatalf("%d connections listen, want one", listening)
	}
}

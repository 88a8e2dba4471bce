package postgres_test

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// TestUnavailable: a refused connection and a connection the server ended
// mean "the database is unavailable"; a wrong query or a broken constraint
// on a live connection do not, so they are not answered as "try again".
func TestUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, url := pgtest.NewDB(t)

	if _, err := db.Exec(ctx, `SELECT * FROM no_such_table`); err == nil || postgres.Unavailable(err) {
		t.Fatalf("an undefined table: %v, want an error that is not unavailability", err)
	}
	if _, err := db.Exec(ctx, `SELECT 1/0`); err == nil || postgres.Unavailable(err) {
		t.Fatalf("a division by zero: %v, want an error that is not unavailability", err)
	}

	// A port nobody listens on: the connection is refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	if _, err := pgx.Connect(ctx, "postgres://postgres@"+closed+"/postgres?sslmode=disable&connect_timeout=2"); !postgres.Unavailable(err) {
		t.Fatalf("a refused connection: %v, want unavailable", err)
	}

	// The server ends a session (as it does to every one when it shuts down).
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := db.Exec(ctx, `SELECT pg_terminate_backend($1)`, conn.PgConn().PID()); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `SELECT 1`); !postgres.Unavailable(err) {
		t.Fatalf("a query on a connection the server ended: %v, want unavailable", err)
	}
	if postgres.Unavailable(context.DeadlineExceeded) || postgres.Unavailable(io.ErrUnexpectedEOF) {
		t.Fatal("a request's deadline or a bare EOF is not the database's absence")
	}
	if postgres.Unavailable(nil) {
		t.Fatal("no error is not unavailability")
	}
}

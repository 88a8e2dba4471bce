package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain"
)

// DBTX is what queries run on: the pool or a transaction.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type txKey struct{}

// Conn returns the transaction ctx carries, or the pool outside one, so an
// adapter method joins its caller's transaction without knowing about it.
func Conn(ctx context.Context, db *pgxpool.Pool) DBTX {
	if tx, ok := ctx.Value(txKey{}).(pgx.Tx); ok {
		return tx
	}
	return db
}

// Transactor implements domain.Transactor on a pool.
type Transactor struct {
	DB *pgxpool.Pool
}

var _ domain.Transactor = Transactor{}

// InTx runs fn in a transaction carried by its ctx, retried as a whole on
// serialization failures (Transact). Inside an open transaction it joins it.
func (t Transactor) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(pgx.Tx); ok {
		return fn(ctx)
	}
	return Transact(ctx, t.DB, pgx.TxOptions{}, func(tx pgx.Tx) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
}

// TxFrom returns the transaction ctx carries, for adapters that must work
// inside it with a client of their own (the job queue's inserts).
func TxFrom(ctx context.Context) (pgx.Tx, bool) {
	tx, ok := ctx.Value(txKey{}).(pgx.Tx)
	return tx, ok
}

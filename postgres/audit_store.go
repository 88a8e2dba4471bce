package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/keys"
)

// AuditStore reads the chained log for verification and display.
type AuditStore struct {
	DB *pgxpool.Pool
}

// Records calls fn for each entry after seq `after`, in sequence order, in
// one streaming query: memory stays flat over millions of rows.
func (s AuditStore) Records(ctx context.Context, after int64, fn func(audit.Record) error) error {
	rows, err := s.DB.Query(ctx, `SELECT seq, occurred_at, prev_hash, hash, entry FROM audit_log
		WHERE seq > $1 ORDER BY seq`, after)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r audit.Record
	var prev, hash []byte
	for rows.Next() {
		if err := rows.Scan(&r.Seq, &r.Time, &prev, &hash, &r.Entry); err != nil {
			return err
		}
		r.PrevHash, r.Hash = toHash(prev), toHash(hash)
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Checkpoints returns every stored checkpoint in sequence order.
func (s AuditStore) Checkpoints(ctx context.Context) ([]audit.Checkpoint, error) {
	conn, err := s.DB.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	return auditCheckpoints(ctx, conn.Conn(), `ORDER BY seq`)
}

// Head returns the sequencer's head.
func (s AuditStore) Head(ctx context.Context) (seq int64, hash audit.Hash, err error) {
	var h []byte
	err = s.DB.QueryRow(ctx, `SELECT seq, hash FROM audit_head`).Scan(&seq, &h)
	return seq, toHash(h), err
}

func auditCheckpoints(ctx context.Context, conn *pgx.Conn, order string) ([]audit.Checkpoint, error) {
	rows, err := conn.Query(ctx, `SELECT seq, head_hash, signed_at, statement, key_id, algorithm, signature
		FROM audit_checkpoints `+order)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (audit.Checkpoint, error) {
		var c audit.Checkpoint
		var head []byte
		var at time.Time
		var alg string
		err := r.Scan(&c.Seq, &head, &at, &c.Statement, &c.Signature.KeyID, &alg, &c.Signature.Value)
		c.HeadHash, c.SignedAt, c.Signature.Algorithm = toHash(head), at.UTC(), keys.Algorithm(alg)
		return c, err
	})
}

// toHash copies a stored hash; a wrong length (a tampered row) becomes a
// hash that cannot match, so verification reports it rather than panicking.
func toHash(b []byte) audit.Hash {
	var h audit.Hash
	if len(b) == audit.HashSize {
		copy(h[:], b)
	} else {
		h[0] = ^h[0]
	}
	return h
}

// LatestCheckpoint returns the newest checkpoint, if any.
func (s AuditStore) LatestCheckpoint(ctx context.Context) (audit.Checkpoint, bool, error) {
	conn, err := s.DB.Acquire(ctx)
	if err != nil {
		return audit.Checkpoint{}, false, err
	}
	defer conn.Release()
	cs, err := auditCheckpoints(ctx, conn.Conn(), `ORDER BY seq DESC LIMIT 1`)
	if err != nil || len(cs) == 0 {
		return audit.Checkpoint{}, false, err
	}
	return cs[0], true, nil
}

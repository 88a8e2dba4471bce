package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/audit"
)

// AuditChannel is the NOTIFY channel that carries the new head sequence
// number after each batch.
const AuditChannel = "audit_appended"

// auditLeaderLock is held, as a session advisory lock, by the one sequencer
// that chains entries. Other instances wait to take over when it dies.
const auditLeaderLock = 7_262_003

// AuditSequencer moves committed events from the outbox into the chained
// log, in batches, and signs checkpoints. Exactly one runs at a time across
// all instances; sequence numbers are assigned here, so sequence order is
// chain order whatever order callers committed in.
type AuditSequencer struct {
	DB              *pgxpool.Pool
	Signer          audit.Signer
	Sink            audit.CheckpointSink // optional external copy of each checkpoint
	Log             *slog.Logger
	BatchSize       int           // events per transaction; default 2000
	Idle            time.Duration // wait when the outbox is empty; default 25ms
	CheckpointEvery time.Duration // default 1 minute
	Standby         time.Duration // how often a standby tries to lead; default 1s
}

// The settings, with their defaults for what is unset. They are read, not
// written back: Run, Drain and Checkpoint run side by side on one
// sequencer, and filling the fields in from each was a data race.
func (s *AuditSequencer) batchSize() int      { return positiveOr(s.BatchSize, 2000) }
func (s *AuditSequencer) idle() time.Duration { return positiveOr(s.Idle, 25*time.Millisecond) }
func (s *AuditSequencer) checkpointEvery() time.Duration {
	return positiveOr(s.CheckpointEvery, time.Minute)
}
func (s *AuditSequencer) standby() time.Duration { return positiveOr(s.Standby, time.Second) }

func positiveOr[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Run sequences until ctx ends: it becomes leader when it can, and goes
// back to standby if its connection (and so its lock) is lost.
func (s *AuditSequencer) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		if err := s.lead(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("audit sequencer", "error", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(s.standby()):
		}
	}
	return nil
}

// lead takes the leader lock on a dedicated connection and sequences while
// it holds it. It returns when it cannot lead or something fails.
func (s *AuditSequencer) lead(ctx context.Context) error {
	conn, err := s.DB.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	var leader bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, auditLeaderLock).Scan(&leader); err != nil || !leader {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, auditLeaderLock)
	s.Log.Info("audit sequencer leading")

	lastCheckpoint := time.Now()
	for ctx.Err() == nil {
		n, err := s.drain(ctx, conn.Conn())
		if err != nil {
			return err
		}
		if time.Since(lastCheckpoint) >= s.checkpointEvery() {
			if _, err := s.checkpoint(ctx, conn.Conn()); err != nil {
				return err
			}
			lastCheckpoint = time.Now()
		}
		if n < s.batchSize() {
			select {
			case <-ctx.Done():
			case <-time.After(s.idle()):
			}
		}
	}
	return nil
}

// Drain sequences everything committed to the outbox so far, for callers
// that need the log current now. It may run beside a leader: every append
// locks the head row first, so concurrent appenders take turns and the
// chain stays whole (the leader lock only keeps one instance polling).
func (s *AuditSequencer) Drain(ctx context.Context) error {
	return s.withConn(ctx, func(conn *pgx.Conn) error {
		for {
			n, err := s.drain(ctx, conn)
			if err != nil || n < s.batchSize() {
				return err
			}
		}
	})
}

// Checkpoint drains and then signs a checkpoint at the head, on demand.
func (s *AuditSequencer) Checkpoint(ctx context.Context) (audit.Checkpoint, error) {
	var c audit.Checkpoint
	err := s.withConn(ctx, func(conn *pgx.Conn) error {
		if _, err := s.drain(ctx, conn); err != nil {
			return err
		}
		var err error
		c, err = s.checkpoint(ctx, conn)
		return err
	})
	return c, err
}

func (s *AuditSequencer) withConn(ctx context.Context, fn func(*pgx.Conn) error) error {
	conn, err := s.DB.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	return fn(conn.Conn())
}

type outboxRow struct {
	id    int64
	at    time.Time
	entry []byte
}

// drain chains one batch in one transaction: take rows from the outbox,
// link them onto the head, append them, move the head.
func (s *AuditSequencer) drain(ctx context.Context, conn *pgx.Conn) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `DELETE FROM audit_outbox WHERE id IN
			(SELECT id FROM audit_outbox ORDER BY id LIMIT $1) RETURNING id, occurred_at, entry`, s.batchSize())
		if err != nil {
			return err
		}
		batch, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (outboxRow, error) {
			var o outboxRow
			return o, r.Scan(&o.id, &o.at, &o.entry)
		})
		if err != nil || len(batch) == 0 {
			return err
		}
		slices.SortFunc(batch, func(a, b outboxRow) int { return int(a.id - b.id) })
		times, entries := make([]time.Time, len(batch)), make([][]byte, len(batch))
		for i, o := range batch {
			times[i], entries[i] = o.at, o.entry
		}
		last, err := appendChained(ctx, tx, times, entries)
		if err != nil {
			return err
		}
		// Live tails on every instance learn of the batch when it commits.
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, AuditChannel, strconv.FormatInt(last, 10)); err != nil {
			return err
		}
		n = len(batch)
		return nil
	})
	return n, err
}

// appendChained links entries onto the head, appends them with COPY and
// moves the head, in tx; it returns the new head's sequence number. The
// head row is locked first, so whoever appends, appends in order.
func appendChained(ctx context.Context, tx pgx.Tx, times []time.Time, entries [][]byte) (int64, error) {
	var headSeq int64
	var headHash []byte
	if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_head FOR UPDATE`).Scan(&headSeq, &headHash); err != nil {
		return 0, fmt.Errorf("read head: %w", err)
	}
	records := audit.Chain(headSeq, toHash(headHash), times, entries)
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_log"},
		[]string{"seq", "occurred_at", "prev_hash", "hash", "entry"},
		pgx.CopyFromSlice(len(records), func(i int) ([]any, error) {
			r := records[i]
			return []any{r.Seq, r.Time, r.PrevHash[:], r.Hash[:], r.Entry}, nil
		})); err != nil {
		return 0, fmt.Errorf("append: %w", err)
	}
	last := records[len(records)-1]
	_, err := tx.Exec(ctx, `UPDATE audit_head SET seq = $1, hash = $2`, last.Seq, last.Hash[:])
	return last.Seq, err
}

// checkpoint signs the current head, if it moved since the last checkpoint,
// stores it and hands it to the sink.
func (s *AuditSequencer) checkpoint(ctx context.Context, conn *pgx.Conn) (audit.Checkpoint, error) {
	var seq int64
	var head []byte
	var at time.Time
	err := conn.QueryRow(ctx, `SELECT h.seq, h.hash, clock_timestamp() FROM audit_head h
		WHERE h.seq > coalesce((SELECT max(seq) FROM audit_checkpoints), 0)`).Scan(&seq, &head, &at)
	if errors.Is(err, pgx.ErrNoRows) { // the head has not moved: the newest checkpoint stands
		cs, err := auditCheckpoints(ctx, conn, `ORDER BY seq DESC LIMIT 1`)
		if err != nil || len(cs) == 0 {
			return audit.Checkpoint{}, err
		}
		return cs[0], nil
	}
	if err != nil {
		return audit.Checkpoint{}, err
	}
	c, err := audit.SignCheckpoint(ctx, s.Signer, seq, toHash(head), at.UTC().Truncate(time.Microsecond))
	if err != nil {
		return c, err
	}
	tag, err := conn.Exec(ctx, `INSERT INTO audit_checkpoints (seq, head_hash, signed_at, statement, key_id, algorithm, signature)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (seq) DO NOTHING`, c.Seq, c.HeadHash[:], c.SignedAt, c.Statement,
		c.Signature.KeyID, string(c.Signature.Algorithm), c.Signature.Value)
	if err != nil {
		return c, fmt.Errorf("store checkpoint: %w", err)
	}
	if tag.RowsAffected() == 0 { // another caller signed this head first: theirs stands
		cs, err := auditCheckpoints(ctx, conn, `WHERE seq = `+strconv.FormatInt(c.Seq, 10))
		if err != nil || len(cs) == 0 {
			return c, fmt.Errorf("store checkpoint: %w", err)
		}
		return cs[0], nil
	}
	if s.Sink != nil {
		if err := s.Sink.Put(ctx, c); err != nil {
			return c, fmt.Errorf("checkpoint sink: %w", err)
		}
	}
	return c, nil
}

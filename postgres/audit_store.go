package postgres

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
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

// Records calls fn for each entry after seq `after`, in sequence order.
func (s AuditStore) Records(ctx context.Context, after int64, fn func(audit.Record) error) error {
	return s.Range(ctx, after, math.MaxInt64, fn)
}

// Range calls fn for each entry after `after` through `through`, in
// sequence order, in one streaming query: memory stays flat over millions.
func (s AuditStore) Range(ctx context.Context, after, through int64, fn func(audit.Record) error) error {
	rows, err := s.DB.Query(ctx, `SELECT `+recordColumns+` FROM audit_log
		WHERE seq > $1 AND seq <= $2 ORDER BY seq`, after, through)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Get returns entry seq.
func (s AuditStore) Get(ctx context.Context, seq int64) (audit.Record, bool, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+recordColumns+` FROM audit_log WHERE seq = $1`, seq)
	if err != nil {
		return audit.Record{}, false, err
	}
	recs, err := pgx.CollectRows(rows, scanRecord)
	if err != nil || len(recs) == 0 {
		return audit.Record{}, false, err
	}
	return recs[0], true, nil
}

// Search returns a page of entries matching f. Only the filter's set fields
// become predicates, so each query has a plan that uses its index (an
// "$1 = ” OR ..." query would defeat them at ten million rows).
func (s AuditStore) Search(ctx context.Context, f audit.Filter, p audit.Page) ([]audit.Record, error) {
	// A time-filtered view is ordered, and paged, by (time, seq): the time
	// indexes then return its rows already in order, where sorting by seq
	// alone would fetch and sort every match in the range first.
	byTime := !f.From.IsZero() || !f.To.IsZero()
	// Otherwise, when the filter fixes the fields an index (…, seq) leads
	// with, the query orders by them too and writes them as a range of one
	// value: the same rows in the same order, but only that index gives the
	// order, so the planner walks it. With "=", it drops them from the order
	// and may walk the seq index instead, filtering row by row, which is
	// what it picks when matches are common but the newest rows hold none
	// (0.2 s a page at ten million entries; 3 ms on the right index).
	var lead []string
	if !byTime || p.Tail {
		lead = indexLead(f)
	}
	w := where{}
	equal := func(set bool, expr, value string) {
		if slices.Contains(lead, expr) {
			w.addIf(set, expr+" >= ? AND "+expr+" <= ?", value)
		} else {
			w.addIf(set, expr+" = ?", value)
		}
	}
	w.addIf(!f.From.IsZero(), "occurred_at >= ?", f.From)
	w.addIf(!f.To.IsZero(), "occurred_at < ?", f.To)
	equal(f.ActorID != "", actorField, f.ActorID)
	equal(f.Action != "", actionField, string(f.Action))
	// The outcome is written into the query, not passed: the partial
	// indexes of failures serve only a query whose text says 'failure'.
	w.onlyIf(f.Outcome != "", "audit_field(entry, '{outcome}') = "+quoteLiteral(string(f.Outcome)))
	equal(f.TargetType != "", targetTypeField, f.TargetType)
	equal(f.TargetID != "", targetIDField, f.TargetID)
	w.addIf(f.Text != "", `convert_from(entry, 'UTF8') ILIKE ? ESCAPE '\'`, "%"+likeEscaper.Replace(f.Text)+"%")
	w.addIf(p.MaxSeq > 0, "seq <= ?", p.MaxSeq)
	switch {
	case p.Tail:
		w.add("seq > ?", p.After)
	case p.Before > 0 && byTime:
		w.add("(occurred_at, seq) < (SELECT occurred_at, seq FROM audit_log WHERE seq = ?)", p.Before)
	case p.Before > 0:
		w.add("seq < ?", p.Before)
	}
	dir := " DESC"
	if p.Tail || p.Oldest {
		dir = " ASC"
	}
	order := "seq" + dir
	switch {
	case byTime && !p.Tail:
		order = "occurred_at" + dir + ", seq" + dir
	case lead != nil:
		order = strings.Join(lead, dir+", ") + dir + ", seq" + dir
	}
	sql := `SELECT ` + recordColumns + ` FROM audit_log` + w.sql() + ` ORDER BY ` + order + w.limit(p.Limit)
	// The page is read with a generic plan. A custom plan of a query over
	// audit_log's partitions (one a month) costs 1-3 ms to make, more than
	// the page takes to read, and the planner makes one for every page: it
	// prices the generic plan of a filter or a LIMIT it cannot see above it,
	// though the plan is the same. The setting is set and reset in the
	// query's own batch, one round trip and one implicit transaction, so a
	// failed query rolls it back with it: the connection goes back as it came.
	b := &pgx.Batch{}
	b.Queue(`SET plan_cache_mode = force_generic_plan`)
	var recs []audit.Record
	b.Queue(sql, w.args...).Query(func(rows pgx.Rows) (err error) {
		recs, err = pgx.CollectRows(rows, scanRecord)
		return err
	})
	b.Queue(`RESET plan_cache_mode`)
	return recs, s.DB.SendBatch(ctx, b).Close()
}

// quoteLiteral writes s as an SQL escape-string literal, which reads the
// same whatever standard_conforming_strings says.
func quoteLiteral(s string) string {
	return "E'" + literalEscaper.Replace(s) + "'"
}

var literalEscaper = strings.NewReplacer(`\`, `\\`, `'`, `''`)

// The entry's fields the audit_log indexes are built on.
const (
	actorField      = "audit_field(entry, '{actor,id}')"
	actionField     = "audit_field(entry, '{action}')"
	targetTypeField = "audit_field(entry, '{target,type}')"
	targetIDField   = "audit_field(entry, '{target,id}')"
)

// indexLead returns the fields an index (…, seq) leads with when f fixes
// every one of them: target, actor or action, in that order of preference.
func indexLead(f audit.Filter) []string {
	switch {
	case f.TargetType != "" && f.TargetID != "":
		return []string{targetTypeField, targetIDField}
	case f.ActorID != "":
		return []string{actorField}
	case f.Action != "":
		return []string{actionField}
	}
	return nil
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

const recordColumns = `seq, occurred_at, prev_hash, hash, entry`

func scanRecord(row pgx.CollectableRow) (audit.Record, error) {
	var r audit.Record
	var prev, hash []byte
	err := row.Scan(&r.Seq, &r.Time, &prev, &hash, &r.Entry)
	r.PrevHash, r.Hash, r.Time = toHash(prev), toHash(hash), r.Time.UTC()
	return r, err
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

// RetentionAnchor implements audit.Store: the newest retention drop.
func (s AuditStore) RetentionAnchor(ctx context.Context) (int64, audit.Hash, bool, error) {
	var seq int64
	var hash []byte
	err := s.DB.QueryRow(ctx, `SELECT through_seq, through_hash FROM audit_retention ORDER BY through_seq DESC LIMIT 1`).Scan(&seq, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, audit.Hash{}, false, nil
	}
	return seq, toHash(hash), err == nil, err
}

// DropExpired implements audit.Partitions.
func (s AuditStore) DropExpired(ctx context.Context, keepMonths int) ([]audit.Dropped, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT partition, through_seq, through_hash, entries FROM audit_drop_expired($1)`, keepMonths)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (audit.Dropped, error) {
		var d audit.Dropped
		var hash []byte
		err := r.Scan(&d.Partition, &d.ThroughSeq, &hash, &d.Entries)
		d.ThroughHash = toHash(hash)
		return d, err
	})
}

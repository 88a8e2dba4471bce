package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/alerts"
	"github.com/paycompliance/console/domain/audit"
)

// AlertSources implements alerts.Sources: each read a bounded scan of an
// index, after the rule's cursor.
type AlertSources struct {
	DB *pgxpool.Pool
}

var _ alerts.Sources = AlertSources{}

// FailedSignIns implements alerts.Sources over the audit log's partial
// index of failures by time (0006): only failures from `from` on are
// read, whatever the log holds.
func (s AlertSources) FailedSignIns(ctx context.Context, from time.Time, window time.Duration, over int) ([]alerts.SignInCount, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT date_bin(make_interval(secs => $2), occurred_at, timestamptz '2000-01-01 00:00:00+00') w,
			count(*), count(DISTINCT coalesce(audit_field(entry, '{target,id}'), audit_field(entry, '{detail,username}'), ''))
		FROM audit_log
		WHERE audit_field(entry, '{outcome}') = 'failure' AND occurred_at >= $1
			AND audit_field(entry, '{action}') IN ($4, $5)
		GROUP BY w HAVING count(*) > $3 ORDER BY w`, from, window.Seconds(), over, string(audit.LoginFailed), string(audit.MFAFailed))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (alerts.SignInCount, error) {
		var w alerts.SignInCount
		err := r.Scan(&w.Start, &w.Failed, &w.Users)
		w.Start = w.Start.UTC()
		return w, err
	})
}

// Lockouts implements alerts.Sources over the audit log's index of
// actions by sequence number (0003), up to the chain's head read first:
// the sequencer moves the head in the transaction that appends, so every
// entry up to it is visible to the read that follows.
func (s AlertSources) Lockouts(ctx context.Context, after int64, since time.Time, limit int) ([]alerts.Lockout, int64, error) {
	var head int64
	if err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT seq FROM audit_head`).Scan(&head); err != nil {
		return nil, 0, err
	}
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT seq, occurred_at, coalesce(audit_field(entry, '{target,id}'), ''),
			coalesce(audit_field(entry, '{detail,until}'), ''), coalesce(audit_field(entry, '{detail,failed_attempts}'), '')
		FROM audit_log
		WHERE audit_field(entry, '{action}') = $1 AND seq > $2 AND seq <= $3 AND occurred_at >= $4
		ORDER BY seq LIMIT $5`, string(audit.AccountLocked), after, head, since, limit)
	if err != nil {
		return nil, 0, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[alerts.Lockout])
	return list, head, err
}

// LatestVerification implements alerts.Sources.
func (s AlertSources) LatestVerification(ctx context.Context) (alerts.Verification, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `SELECT id, verified_at, ok, entries, first_break FROM audit_verifications
		ORDER BY verified_at DESC, id DESC LIMIT 1`, pgx.RowToStructByPos[alerts.Verification])
}

// CriticalDecisions implements alerts.Sources over the index of critical
// decisions (0017).
func (s AlertSources) CriticalDecisions(ctx context.Context, after int64, since time.Time, limit int) ([]alerts.FraudDecision, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT d.id, d.decided_at, d.customer, d.event_type || ':' || d.event_ref, d.score, d.verdict,
			coalesce(c.id, 0)
		FROM fraud_decisions d LEFT JOIN fraud_cases c ON c.decision_id = d.id
		WHERE d.level = 'critical' AND d.id > $1 AND d.decided_at >= $2 ORDER BY d.id LIMIT $3`, after, since, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[alerts.FraudDecision])
}

// DebitReturns implements alerts.Sources: returns are stamped when their
// file was received (ach_returns.received_at, 0011), and matched to the
// transfer they return.
func (s AlertSources) DebitReturns(ctx context.Context, codes []string, after int64, since time.Time, limit int) ([]alerts.DebitReturn, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT r.id, r.received_at, t.public_id, t.customer_ref, r.code, r.reason, t.amount
		FROM ach_returns r JOIN ach_transfers t ON t.id = r.transfer_id
		WHERE r.id > $1 AND r.received_at >= $2 AND r.kind = 'return' AND r.code = ANY($3) AND t.direction = 'debit'
		ORDER BY r.id LIMIT $4`, after, since, codes, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[alerts.DebitReturn])
}

// LoadFailures implements alerts.Sources.
func (s AlertSources) LoadFailures(ctx context.Context, after int64, since time.Time, limit int) ([]alerts.LoadFailure, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT id, at, source, reason FROM screening_load_failures
		WHERE id > $1 AND at >= $2 ORDER BY id LIMIT $3`, after, since, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[alerts.LoadFailure])
}

package postgres

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/money"
)

const fraudCaseColumns = `id, decision_id, subject, customer, amount, currency, score, level, verdict, status, assignee, claimed_at,
	opened_at, due_at, disposition, reason_code, decided_by, decided_at, effect,
	coalesce(card, ''), coalesce(device, ''), coalesce(account, ''), coalesce(email, '')`

func scanFraudCase(row pgx.CollectableRow) (fraud.Case, error) {
	var c fraud.Case
	var currency string
	var claimed, decided *time.Time
	err := row.Scan(&c.ID, &c.DecisionID, &c.Subject, &c.Customer, &c.Amount.Minor, &currency, &c.Score, &c.Level, &c.Verdict,
		&c.Status, &c.Assignee, &claimed, &c.OpenedAt, &c.DueAt, &c.Disposition, &c.ReasonCode, &c.DecidedBy, &decided, &c.Effect,
		&c.Card, &c.Device, &c.Account, &c.Email)
	c.Amount.Currency, c.ClaimedAt, c.DecidedAt = money.Currency(currency), deref(claimed), deref(decided)
	return c, err
}

// InsertCase implements fraud.Store.
func (s FraudStore) InsertCase(ctx context.Context, c *fraud.Case) error {
	return Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO fraud_cases (decision_id, subject, customer, amount, currency, score, level,
		verdict, status, opened_at, due_at, card, device, account, email) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		RETURNING id`, c.DecisionID, c.Subject, c.Customer, c.Amount.Minor, string(c.Amount.Currency), c.Score, string(c.Level),
		string(c.Verdict), string(c.Status), c.OpenedAt, c.DueAt, nullable(c.Card), nullable(c.Device), nullable(c.Account),
		nullable(c.Email)).Scan(&c.ID)
}

// Case implements fraud.Store.
func (s FraudStore) Case(ctx context.Context, id int64, lock bool) (fraud.Case, bool, error) {
	return one(ctx, Conn(ctx, s.DB), lockIf(`SELECT `+fraudCaseColumns+` FROM fraud_cases WHERE id = $1`, lock), scanFraudCase, id)
}

// ClaimNext implements fraud.Store.
func (s FraudStore) ClaimNext(ctx context.Context, who string, at time.Time) (int64, error) {
	id, _, err := one(ctx, Conn(ctx, s.DB), `UPDATE fraud_cases SET assignee = $1, status = 'in_review', claimed_at = $2
		WHERE id = (SELECT id FROM fraud_cases WHERE status IN ('open', 'escalated') ORDER BY -score, id LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING id`, pgx.RowTo[int64], who, at)
	return id, err
}

// UpdateCase implements fraud.Store.
func (s FraudStore) UpdateCase(ctx context.Context, c fraud.Case) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE fraud_cases SET status = $2, assignee = $3, claimed_at = $4, disposition = $5,
		reason_code = $6, decided_by = $7, decided_at = $8, effect = $9 WHERE id = $1`, c.ID, string(c.Status), c.Assignee,
		optional(c.ClaimedAt), string(c.Disposition), c.ReasonCode, c.DecidedBy, optional(c.DecidedAt), c.Effect)
	return err
}

// Cases implements fraud.Store: each filter walks an index in the queue's
// order, so a page costs the same with a million cases.
func (s FraudStore) Cases(ctx context.Context, q fraud.CaseQuery) ([]fraud.Case, error) {
	w := where{}
	switch {
	case q.Status != "":
		w.add("status = ?", string(q.Status))
	case q.Assignee != "":
		w.onlyIf(true, "status = 'in_review'")
	default:
		w.onlyIf(true, "status <> 'closed'")
	}
	w.addIf(q.Assignee != "", "assignee = ?", q.Assignee)
	w.addIf(q.Level != "", "level = ?", string(q.Level))
	if q.AfterID > 0 {
		w.args = append(w.args, -q.AfterScore, q.AfterID)
		n := strconv.Itoa(len(w.args))
		w.conds = append(w.conds, "(-score, id) > ($"+strconv.Itoa(len(w.args)-1)+"::smallint, $"+n+"::bigint)")
	}
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+fraudCaseColumns+` FROM fraud_cases`+w.sql()+
		` ORDER BY -score, id`+w.limit(q.Limit), w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanFraudCase)
}

// Linked implements fraud.Store.
func (s FraudStore) Linked(ctx context.Context, c fraud.Case, limit int) ([]fraud.Case, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+fraudCaseColumns+` FROM fraud_cases WHERE id IN (
			(SELECT id FROM fraud_cases WHERE customer = $2 ORDER BY id DESC LIMIT $7)
			UNION (SELECT id FROM fraud_cases WHERE card = $3 ORDER BY id DESC LIMIT $7)
			UNION (SELECT id FROM fraud_cases WHERE device = $4 ORDER BY id DESC LIMIT $7)
			UNION (SELECT id FROM fraud_cases WHERE account = $5 ORDER BY id DESC LIMIT $7)
			UNION (SELECT id FROM fraud_cases WHERE email = $6 ORDER BY id DESC LIMIT $7))
		AND id <> $1 ORDER BY id DESC LIMIT $7`, c.ID, c.Customer, nullable(c.Card), nullable(c.Device), nullable(c.Account),
		nullable(c.Email), limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanFraudCase)
}

// AddCaseEvent implements fraud.Store.
func (s FraudStore) AddCaseEvent(ctx context.Context, caseID int64, e fraud.CaseEvent) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO fraud_case_events (case_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)`,
		caseID, e.At, e.Actor, e.Action, e.Detail)
	return err
}

// CaseEvents implements fraud.Store.
func (s FraudStore) CaseEvents(ctx context.Context, caseID int64) ([]fraud.CaseEvent, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT at, actor, action, detail FROM fraud_case_events WHERE case_id = $1 ORDER BY id`, caseID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[fraud.CaseEvent])
}

// QueueSummary implements fraud.Store.
func (s FraudStore) QueueSummary(ctx context.Context, who string) (fraud.QueueSummary, error) {
	var sum fraud.QueueSummary
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT
		(SELECT count(*) FROM (SELECT FROM fraud_cases WHERE status <> 'closed' LIMIT $2) n),
		(SELECT count(*) FROM (SELECT FROM fraud_cases WHERE status = 'escalated' LIMIT $2) n),
		(SELECT count(*) FROM (SELECT FROM fraud_cases WHERE status = 'in_review' AND assignee = $1 LIMIT $2) n),
		(SELECT count(*) FROM (SELECT FROM fraud_cases WHERE status <> 'closed' AND due_at < now() LIMIT $2) n)`,
		who, fraud.SummaryCap+1).Scan(&sum.Open, &sum.Escalated, &sum.Mine, &sum.Overdue)
	return sum, err
}

// Changed implements fraud.Store.
func (s FraudStore) Changed(ctx context.Context, caseID int64) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `SELECT pg_notify($1, $2)`, FraudChannel, strconv.FormatInt(caseID, 10))
	return err
}

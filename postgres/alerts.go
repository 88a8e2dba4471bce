package postgres

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/alerts"
)

// AlertsChannel is notified (with the alert's id) when an alert is raised,
// bumped, acknowledged or resolved.
const AlertsChannel = "alerts_changed"

// AlertStore implements alerts.Store.
type AlertStore struct {
	DB *pgxpool.Pool
}

var _ alerts.Store = AlertStore{}

const alertColumns = `id, rule, severity, title, detail, source, link, coalesce(dedup_key, ''), status, count, first_seen, last_seen,
	acknowledged_by, acknowledged_at, resolved_by, resolved_at, resolution`

func scanAlert(row pgx.CollectableRow) (alerts.Alert, error) { return scanAlertAnd(row) }

// scanAlertAnd scans an alert's columns, then extra.
func scanAlertAnd(row pgx.CollectableRow, extra ...any) (alerts.Alert, error) {
	var a alerts.Alert
	var acked, resolved *time.Time
	err := row.Scan(append([]any{&a.ID, &a.Rule, &a.Severity, &a.Title, &a.Detail, &a.Source, &a.Link, &a.DedupKey, &a.Status, &a.Count,
		&a.FirstSeen, &a.LastSeen, &a.AcknowledgedBy, &acked, &a.ResolvedBy, &resolved, &a.Resolution}, extra...)...)
	a.FirstSeen, a.LastSeen, a.AcknowledgedAt, a.ResolvedAt = a.FirstSeen.UTC(), a.LastSeen.UTC(), deref(acked).UTC(), deref(resolved).UTC()
	return a, err
}

// Raise implements alerts.Store: one statement, so two raises of a key
// racing make one alert (the partial unique index decides) and the other
// bumps it.
func (s AlertStore) Raise(ctx context.Context, a *alerts.Alert) (bool, error) {
	var created bool
	row, err := Conn(ctx, s.DB).Query(ctx, `INSERT INTO alerts (rule, severity, title, detail, source, link, dedup_key, status, count,
			first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', 1, $8, $8)
		ON CONFLICT (dedup_key) WHERE status <> 'resolved' DO UPDATE SET count = alerts.count + 1,
			last_seen = greatest(alerts.last_seen, excluded.last_seen), detail = excluded.detail, link = excluded.link
		RETURNING `+alertColumns+`, xmax = 0`, a.Rule, string(a.Severity), a.Title, a.Detail, a.Source, a.Link, nullable(a.DedupKey), a.FirstSeen)
	if err != nil {
		return false, err
	}
	*a, err = pgx.CollectExactlyOneRow(row, func(r pgx.CollectableRow) (alerts.Alert, error) { return scanAlertAnd(r, &created) })
	return created, err
}

// Alert implements alerts.Store.
func (s AlertStore) Alert(ctx context.Context, id int64, lock bool) (alerts.Alert, bool, error) {
	return one(ctx, Conn(ctx, s.DB), lockIf(`SELECT `+alertColumns+` FROM alerts WHERE id = $1`, lock), scanAlert, id)
}

// Update implements alerts.Store.
func (s AlertStore) Update(ctx context.Context, a alerts.Alert) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE alerts SET status = $2, acknowledged_by = $3, acknowledged_at = $4, resolved_by = $5,
		resolved_at = $6, resolution = $7 WHERE id = $1`, a.ID, string(a.Status), a.AcknowledgedBy, optional(a.AcknowledgedAt),
		a.ResolvedBy, optional(a.ResolvedAt), a.Resolution)
	return err
}

// priorities are the stored priorities (see 0017_alerts.sql) a filter
// selects, highest first.
func priorities(st alerts.Status, sev alerts.Severity) []int {
	statusRank := map[alerts.Status]int{alerts.Open: 6, alerts.Acknowledged: 3, alerts.Resolved: 0}
	severityRank := map[alerts.Severity]int{alerts.Critical: 2, alerts.Warning: 1, alerts.Info: 0}
	var out []int
	for _, s := range alerts.Statuses {
		for _, v := range alerts.Severities {
			if (st == "" || st == s) && (sev == "" || sev == v) {
				out = append(out, statusRank[s]+severityRank[v])
			}
		}
	}
	return out
}

// List implements alerts.Store: the centre's order is the index's
// (priority, id) read backwards, and a status filter is a range of it, so
// a page costs the same however many alerts are kept.
func (s AlertStore) List(ctx context.Context, q alerts.Query) ([]alerts.Alert, error) {
	ps := priorities(q.Status, q.Severity)
	w := where{}
	if q.Severity == "" { // a range of the index
		w.add("priority >= ?", ps[len(ps)-1])
		w.add("priority <= ?", ps[0])
	} else {
		w.add("priority = ANY(?)", ps)
	}
	if q.After != nil {
		w.args = append(w.args, priorities(q.After.Status, q.After.Severity)[0], q.After.ID)
		n := strconv.Itoa(len(w.args))
		w.conds = append(w.conds, "(priority, id) < ($"+strconv.Itoa(len(w.args)-1)+", $"+n+")")
	}
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+alertColumns+` FROM alerts`+w.sql()+` ORDER BY priority DESC, id DESC`+w.limit(q.Limit), w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanAlert)
}

// Summary implements alerts.Store: each count an index-only scan of one
// priority, capped.
func (s AlertStore) Summary(ctx context.Context) (alerts.Summary, error) {
	sum := alerts.Summary{Open: map[alerts.Severity]int{}, Acknowledged: map[alerts.Severity]int{}}
	var counts [6]int
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT
		(SELECT count(*) FROM (SELECT FROM alerts WHERE priority = 8 LIMIT $1) n),
		(SELECT count(*) FROM (SELECT FROM alerts WHERE priority = 7 LIMIT $1) n),
		(SELECT count(*) FROM (SELECT FROM alerts WHERE priority = 6 LIMIT $1) n),
		(SELECT count(*) FROM (SELECT FROM alerts WHERE priority = 5 LIMIT $1) n),
		(SELECT count(*) FROM (SELECT FROM alerts WHERE priority = 4 LIMIT $1) n),
		(SELECT count(*) FROM (SELECT FROM alerts WHERE priority = 3 LIMIT $1) n)`, alerts.SummaryCap+1).
		Scan(&counts[0], &counts[1], &counts[2], &counts[3], &counts[4], &counts[5])
	for i, sev := range alerts.Severities {
		sum.Open[sev], sum.Acknowledged[sev] = counts[i], counts[3+i]
	}
	return sum, err
}

// Changed implements alerts.Store.
func (s AlertStore) Changed(ctx context.Context, id int64) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `SELECT pg_notify($1, $2)`, AlertsChannel, strconv.FormatInt(id, 10))
	return err
}

// Cursor implements alerts.Store.
func (s AlertStore) Cursor(ctx context.Context, rule string) (alerts.Cursor, error) {
	db := Conn(ctx, s.DB)
	if _, err := db.Exec(ctx, `INSERT INTO alert_cursors (rule) VALUES ($1) ON CONFLICT (rule) DO NOTHING`, rule); err != nil {
		return alerts.Cursor{}, err
	}
	c := alerts.Cursor{Rule: rule}
	var since, at *time.Time
	err := db.QueryRow(ctx, `SELECT position, seen, since, evaluated_at FROM alert_cursors WHERE rule = $1 FOR UPDATE`, rule).
		Scan(&c.Position, &c.Seen, &since, &at)
	c.Since, c.EvaluatedAt = deref(since).UTC(), deref(at).UTC()
	return c, err
}

// SaveCursor implements alerts.Store.
func (s AlertStore) SaveCursor(ctx context.Context, c alerts.Cursor) error {
	if c.Seen == nil {
		c.Seen = []int64{}
	}
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE alert_cursors SET position = $2, seen = $3, since = $4, evaluated_at = $5
		WHERE rule = $1`, c.Rule, c.Position, c.Seen, optional(c.Since), optional(c.EvaluatedAt))
	return err
}

// Evaluated implements alerts.Store.
func (s AlertStore) Evaluated(ctx context.Context) (map[string]time.Time, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT rule, evaluated_at FROM alert_cursors WHERE evaluated_at IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	at := map[string]time.Time{}
	var rule string
	var t time.Time
	_, err = pgx.ForEachRow(rows, []any{&rule, &t}, func() error { at[rule] = t.UTC(); return nil })
	return at, err
}

package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/domain/fraud"
)

// Rule versions, lists and statistics.

const ruleVersionColumns = `version, rules, status, note, drafted_by, drafted_at, decided_by, decided_at, backtest`

func scanVersion(row pgx.CollectableRow) (fraud.Version, error) {
	var v fraud.Version
	var rules, backtest []byte
	var decided *time.Time
	if err := row.Scan(&v.Version, &rules, &v.Status, &v.Note, &v.DraftedBy, &v.DraftedAt, &v.DecidedBy, &decided, &backtest); err != nil {
		return v, err
	}
	v.DecidedAt = deref(decided)
	if backtest != nil {
		v.Backtest = &fraud.Backtest{}
		if err := json.Unmarshal(backtest, v.Backtest); err != nil {
			return v, err
		}
	}
	version := v.Version
	err := json.Unmarshal(rules, &v.RuleSet)
	v.Version = version
	return v, err
}

// RuleSet implements fraud.Store.
func (s FraudStore) RuleSet(ctx context.Context, version int) (fraud.RuleSet, bool, error) {
	v, found, err := one(ctx, Conn(ctx, s.DB), `SELECT `+ruleVersionColumns+` FROM fraud_rule_versions WHERE version = $1`, scanVersion, version)
	return v.RuleSet, found, err
}

// Versions implements fraud.Store.
func (s FraudStore) Versions(ctx context.Context, limit int) ([]fraud.Version, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+ruleVersionColumns+` FROM fraud_rule_versions ORDER BY version DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanVersion)
}

// InsertVersion implements fraud.Store: a new version takes the next
// number, unless it names its own (the first, published by the console),
// which is then inserted once however many instances try.
func (s FraudStore) InsertVersion(ctx context.Context, v *fraud.Version) error {
	rules, err := json.Marshal(v.RuleSet)
	if err != nil {
		return err
	}
	err = Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO fraud_rule_versions (version, rules, status, note, drafted_by, drafted_at, decided_by, decided_at)
		VALUES (coalesce(nullif($1, 0), (SELECT coalesce(max(version), 0) + 1 FROM fraud_rule_versions)), $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (version) DO NOTHING RETURNING version`, v.Version, rules, string(v.Status), v.Note, v.DraftedBy, v.DraftedAt,
		v.DecidedBy, optional(v.DecidedAt)).Scan(&v.Version)
	if err == pgx.ErrNoRows && v.Version > 0 {
		return nil
	}
	return err
}

// Draft implements fraud.Store.
func (s FraudStore) Draft(ctx context.Context, lock bool) (fraud.Version, bool, error) {
	return one(ctx, Conn(ctx, s.DB), lockIf(`SELECT `+ruleVersionColumns+` FROM fraud_rule_versions WHERE status = 'draft'`, lock), scanVersion)
}

// UpdateVersion implements fraud.Store (a trigger refuses any change to
// a version that is no longer a draft).
func (s FraudStore) UpdateVersion(ctx context.Context, v fraud.Version) error {
	rules, err := json.Marshal(v.RuleSet)
	if err != nil {
		return err
	}
	var backtest []byte
	if v.Backtest != nil {
		if backtest, err = json.Marshal(v.Backtest); err != nil {
			return err
		}
	}
	_, err = Conn(ctx, s.DB).Exec(ctx, `UPDATE fraud_rule_versions SET rules = $2, status = $3, note = $4, drafted_by = $5,
		drafted_at = $6, decided_by = $7, decided_at = $8, backtest = $9 WHERE version = $1`, v.Version, rules, string(v.Status),
		v.Note, v.DraftedBy, v.DraftedAt, v.DecidedBy, optional(v.DecidedAt), backtest)
	return err
}

const listColumns = `id, list, key, value, note, added_by, added_at`

// ListEntries implements fraud.Store.
func (s FraudStore) ListEntries(ctx context.Context, after int64, limit int) ([]fraud.ListEntry, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+listColumns+` FROM fraud_list_entries WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[fraud.ListEntry])
}

// AddListEntry implements fraud.Store; false when the value is listed.
func (s FraudStore) AddListEntry(ctx context.Context, e *fraud.ListEntry) (bool, error) {
	_, found, err := one(ctx, Conn(ctx, s.DB), `INSERT INTO fraud_list_entries (list, key, value, note, added_by, added_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key, value) DO NOTHING RETURNING id`, func(row pgx.CollectableRow) (int64, error) {
		return e.ID, row.Scan(&e.ID)
	}, e.List, string(e.Key), e.Value, e.Note, e.AddedBy, e.AddedAt)
	return found, err
}

// RemoveListEntry implements fraud.Store.
func (s FraudStore) RemoveListEntry(ctx context.Context, id int64) (fraud.ListEntry, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `DELETE FROM fraud_list_entries WHERE id = $1 RETURNING `+listColumns,
		pgx.RowToStructByPos[fraud.ListEntry], id)
}

type batcher interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Stats implements fraud.Store, in one round trip.
func (s FraudStore) Stats(ctx context.Context, from, to time.Time) (fraud.Stats, error) {
	st := fraud.Stats{From: from, To: to}
	b := &pgx.Batch{}
	b.Queue(`SELECT date_trunc('day', decided_at AT TIME ZONE 'UTC'), count(*) FILTER (WHERE verdict = 'allow'),
		count(*) FILTER (WHERE verdict = 'review'), count(*) FILTER (WHERE verdict = 'block')
		FROM fraud_decisions WHERE decided_at >= $1 AND decided_at <= $2 GROUP BY 1 ORDER BY 1`, from, to).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var d fraud.DayStats
			if err := rows.Scan(&d.Day, &d.Allow, &d.Review, &d.Block); err != nil {
				return err
			}
			d.Day = d.Day.UTC()
			st.Days = append(st.Days, d)
			st.Decisions += d.Total()
			st.Flagged += d.Review + d.Block
		}
		return rows.Err()
	})
	b.Queue(`SELECT count(*) FILTER (WHERE l.label = 'fraud'), count(*) FILTER (WHERE l.label = 'fraud' AND d.verdict <> 'allow'),
		count(*) FILTER (WHERE l.label = 'legit' AND d.verdict <> 'allow')
		FROM fraud_labels l JOIN fraud_decisions d ON d.id = l.decision_id WHERE d.decided_at >= $1 AND d.decided_at <= $2`,
		from, to).QueryRow(func(row pgx.Row) error {
		return row.Scan(&st.Fraud, &st.FlaggedFraud, &st.FlaggedLegit)
	})
	b.Queue(`SELECT count(*), coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - opened_at)), 0),
		coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - opened_at)), 0)
		FROM fraud_cases WHERE decided_at >= $1 AND decided_at <= $2 AND decided_by <> 'system'`, from, to).QueryRow(func(row pgx.Row) error {
		var median, p90 float64
		err := row.Scan(&st.Decided, &median, &p90)
		st.MedianToDecision, st.P90ToDecision = seconds(median), seconds(p90)
		return err
	})
	b.Queue(`SELECT r.rule, count(*), count(*) FILTER (WHERE l.label = 'fraud'), count(*) FILTER (WHERE l.label = 'legit')
		FROM fraud_decisions d CROSS JOIN unnest(d.rules) AS r(rule) LEFT JOIN fraud_labels l ON l.decision_id = d.id
		WHERE d.decided_at >= $1 AND d.decided_at <= $2 GROUP BY r.rule ORDER BY 2 DESC, 1`, from, to).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var r fraud.RuleStats
			if err := rows.Scan(&r.Rule, &r.Hits, &r.Fraud, &r.Legit); err != nil {
				return err
			}
			st.Rules = append(st.Rules, r)
		}
		return rows.Err()
	})
	return st, Conn(ctx, s.DB).(batcher).SendBatch(ctx, b).Close()
}

func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(time.Second)
}

package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/money"
)

// FraudChannel is notified when a review case opens or changes; FraudFeedChannel
// when a rail queued something to score.
const (
	FraudChannel     = "fraud_changed"
	FraudFeedChannel = "fraud_feed"
)

// FraudStore implements fraud.Store.
type FraudStore struct {
	DB *pgxpool.Pool
}

var _ fraud.Store = FraudStore{}

// keyColumns are the decisions' columns of each identifier.
var keyColumns = map[fraud.Key]string{fraud.KeyCard: "card", fraud.KeyAccount: "account", fraud.KeyIP: "ip",
	fraud.KeyDevice: "device", fraud.KeyEmail: "email"}

// featuresSQL reads every feature of an event in one statement (one
// snapshot, one round trip, one executor start): per identifier, a bounded
// range scan of its index, newest first; then the customer's history, the
// lists and the published rules version. An identifier the event lacks is
// NULL, which matches nothing. Each scan says its column IS NOT NULL so the
// prepared statement's generic plan can use the partial index.
var featuresSQL = func() string {
	var b strings.Builder
	b.WriteString(`SELECT * FROM `)
	for i, k := range fraud.AllKeys {
		col, p := keyColumns[k], "$"+strconv.Itoa(i+1)
		fmt.Fprintf(&b, `(SELECT count(*) FILTER (WHERE occurred_at > $6::timestamptz - interval '1 hour'),
				count(*) FILTER (WHERE occurred_at > $6::timestamptz - interval '24 hours'),
				count(*) FILTER (WHERE occurred_at > $6::timestamptz - interval '7 days'),
				count(DISTINCT customer) FILTER (WHERE customer <> $7), coalesce(bool_or(customer = $7), false)
			FROM (SELECT occurred_at, customer FROM fraud_decisions WHERE %[1]s = %[2]s AND %[1]s IS NOT NULL
				AND occurred_at > $6::timestamptz - make_interval(secs => $9) AND occurred_at <= $6
				ORDER BY occurred_at DESC LIMIT $10) recent) %[1]s, `, col, p)
	}
	b.WriteString(`(SELECT count(*), count(*) FILTER (WHERE currency = $8), avg(amount) FILTER (WHERE currency = $8),
			stddev_pop(amount) FILTER (WHERE currency = $8), max(occurred_at),
			(SELECT min(occurred_at) FROM fraud_decisions WHERE customer = $7),
			coalesce((SELECT country FROM fraud_decisions WHERE customer = $7 AND occurred_at <= $6 ORDER BY occurred_at DESC LIMIT 1), '')
		FROM (SELECT amount, currency, occurred_at FROM fraud_decisions WHERE customer = $7 AND occurred_at <= $6
			ORDER BY occurred_at DESC LIMIT 100) recent) history,
		(SELECT array_agg(l.key || ':' || l.list) FROM fraud_list_entries l
			WHERE (l.key, l.value) IN (('card', $1), ('account', $2), ('ip', $3), ('device', $4), ('email', $5))) listed,
		(SELECT coalesce(max(version), 0) FROM fraud_rule_versions WHERE status = 'published') version`)
	return b.String()
}()

// Features implements fraud.Store, bounded by fraud.VelocityCap rows per
// identifier however busy it is.
func (s FraudStore) Features(ctx context.Context, e fraud.Event) (fraud.Features, int, error) {
	f := fraud.Features{Velocity: map[fraud.Key]fraud.Velocity{}, Shared: map[fraud.Key]int{}}
	vel := make([]fraud.Velocity, len(fraud.AllKeys))
	shared := make([]int, len(fraud.AllKeys))
	mine := make([]bool, len(fraud.AllKeys))
	h := &f.History
	var mean, stddev *float64
	var lastAt, first *time.Time
	var listed []string
	var version int
	dest := []any{}
	args := []any{}
	for i, k := range fraud.AllKeys {
		dest = append(dest, &vel[i].H1, &vel[i].H24, &vel[i].D7, &shared[i], &mine[i])
		args = append(args, nullable(e.Value(k)))
	}
	dest = append(dest, &h.Count, &h.Amounts, &mean, &stddev, &lastAt, &first, &h.LastCountry, &listed, &version)
	args = append(args, e.OccurredAt, e.Customer, string(e.Amount.Currency), fraud.SharedWindow.Seconds(), fraud.VelocityCap)
	if err := Conn(ctx, s.DB).QueryRow(ctx, featuresSQL, args...).Scan(dest...); err != nil {
		return f, 0, err
	}
	for i, k := range fraud.AllKeys {
		if e.Value(k) != "" {
			f.Velocity[k], f.Shared[k] = vel[i], shared[i]
		}
	}
	for _, kl := range listed {
		k, list, _ := strings.Cut(kl, ":")
		if f.Listed == nil {
			f.Listed = map[fraud.Key]string{}
		}
		f.Listed[fraud.Key(k)] = list
	}
	h.Mean, h.StdDev, h.LastAt, h.FirstSeen = derefFloat(mean), derefFloat(stddev), deref(lastAt), deref(first)
	h.KnownDevice = mine[slices.Index(fraud.AllKeys, fraud.KeyDevice)]
	return f, version, nil
}

func derefFloat(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Record implements fraud.Store: the decision, its case and the live
// pages' notification are one statement, so one round trip.
func (s FraudStore) Record(ctx context.Context, d *fraud.Decision, c *fraud.Case) (bool, error) {
	e, a := d.Event, d.Assessment
	contributions, err := json.Marshal(a.Contributions)
	if err != nil {
		return false, err
	}
	features, err := json.Marshal(d.Features)
	if err != nil {
		return false, err
	}
	fired := make([]string, len(a.Contributions))
	for i, c := range a.Contributions {
		fired[i] = c.Rule
	}
	open := c != nil
	if !open {
		c = &fraud.Case{}
	}
	var caseID *int64
	err = Conn(ctx, s.DB).QueryRow(ctx, `WITH d AS (
			INSERT INTO fraud_decisions (event_type, event_ref, customer, amount, currency, card, account, ip, device, email,
				country, card_country, radar_score, account_changed_at, customer_since, occurred_at, score, level, verdict,
				contributions, rules, features, rule_version, decided_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
			ON CONFLICT (event_type, event_ref) DO NOTHING RETURNING id),
		c AS (
			INSERT INTO fraud_cases (decision_id, subject, customer, amount, currency, score, level, verdict, status, opened_at, due_at,
				card, device, account, email, disposition, reason_code, decided_by, decided_at)
			SELECT id, $26, $3, $4, $5, $17, $18, $19, $28, $24, $27, $6, $9, $7, $10, $29, $30, $31, $32 FROM d WHERE $25 RETURNING id),
		n AS (SELECT pg_notify('`+FraudChannel+`', id::text) FROM c)
		SELECT d.id, (SELECT id FROM c), (SELECT count(*) FROM n) FROM d`,
		e.Type, e.Ref, e.Customer, e.Amount.Minor, string(e.Amount.Currency), nullable(e.CardFingerprint), nullable(e.AccountToken),
		nullable(e.IP), nullable(e.DeviceID), nullable(e.Email), e.Country, e.CardCountry, e.RadarScore, optional(e.AccountChangedAt),
		optional(e.CustomerSince), e.OccurredAt, a.Score, string(a.Level), string(a.Verdict), contributions, fired, features,
		d.RuleVersion, d.At, open, c.Subject, c.DueAt, string(c.Status), string(c.Disposition), c.ReasonCode, c.DecidedBy,
		optional(c.DecidedAt)).Scan(&d.ID, &caseID, new(int))
	if err == pgx.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if caseID != nil {
		c.ID, c.DecisionID, d.CaseID = *caseID, d.ID, *caseID
	}
	return true, nil
}

const decisionColumns = `d.id, d.event_type, d.event_ref, d.customer, d.amount, d.currency, coalesce(d.card, ''), coalesce(d.account, ''),
	coalesce(d.ip, ''), coalesce(d.device, ''), coalesce(d.email, ''), d.country, d.card_country, d.radar_score, d.account_changed_at,
	d.customer_since, d.occurred_at, d.score, d.level, d.verdict, d.contributions, d.features, d.rule_version, d.decided_at,
	coalesce(l.label, ''), coalesce((SELECT c.id FROM fraud_cases c WHERE c.decision_id = d.id), 0)`

const decisionsFrom = ` FROM fraud_decisions d LEFT JOIN fraud_labels l ON l.decision_id = d.id`

func scanDecision(row pgx.CollectableRow) (fraud.Decision, error) {
	var d fraud.Decision
	e, a := &d.Event, &d.Assessment
	var currency string
	var changed, since *time.Time
	var contributions, features []byte
	err := row.Scan(&d.ID, &e.Type, &e.Ref, &e.Customer, &e.Amount.Minor, &currency, &e.CardFingerprint, &e.AccountToken, &e.IP,
		&e.DeviceID, &e.Email, &e.Country, &e.CardCountry, &e.RadarScore, &changed, &since, &e.OccurredAt, &a.Score, &a.Level,
		&a.Verdict, &contributions, &features, &d.RuleVersion, &d.At, &d.Label, &d.CaseID)
	if err != nil {
		return d, err
	}
	e.Amount.Currency, e.AccountChangedAt, e.CustomerSince = money.Currency(currency), deref(changed), deref(since)
	e.OccurredAt, d.At = e.OccurredAt.UTC(), d.At.UTC()
	if err := json.Unmarshal(contributions, &a.Contributions); err != nil {
		return d, err
	}
	return d, json.Unmarshal(features, &d.Features)
}

// DecisionByEvent implements fraud.Store.
func (s FraudStore) DecisionByEvent(ctx context.Context, typ, ref string) (fraud.Decision, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `SELECT `+decisionColumns+decisionsFrom+` WHERE d.event_type = $1 AND d.event_ref = $2`, scanDecision, typ, ref)
}

// Decision implements fraud.Store.
func (s FraudStore) Decision(ctx context.Context, id int64) (fraud.Decision, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `SELECT `+decisionColumns+decisionsFrom+` WHERE d.id = $1`, scanDecision, id)
}

// Decisions implements fraud.Store. The first page starts at the window's
// first id (found on the time index), so a replay never walks the history
// before it.
func (s FraudStore) Decisions(ctx context.Context, from, to time.Time, after int64, limit int) ([]fraud.Decision, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+decisionColumns+decisionsFrom+`
		WHERE d.id > greatest($3, (SELECT coalesce(min(id), 0) - 1 FROM fraud_decisions WHERE decided_at >= $1))
		AND d.decided_at >= $1 AND d.decided_at <= $2 ORDER BY d.id LIMIT $4`, from, to, after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanDecision)
}

// CustomerDecisions implements fraud.Store.
func (s FraudStore) CustomerDecisions(ctx context.Context, customer string, limit int) ([]fraud.Decision, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+decisionColumns+decisionsFrom+`
		WHERE d.customer = $1 ORDER BY d.occurred_at DESC LIMIT $2`, customer, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanDecision)
}

// SetLabel implements fraud.Store: a disposition never overwrites what a
// chargeback or a return said.
func (s FraudStore) SetLabel(ctx context.Context, typ, ref string, l fraud.Label, source fraud.LabelSource) (bool, error) {
	tag, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO fraud_labels (decision_id, label, source, labelled_at)
		SELECT id, $3, $4, now() FROM fraud_decisions WHERE event_type = $1 AND event_ref = $2
		ON CONFLICT (decision_id) DO UPDATE SET label = excluded.label, source = excluded.source, labelled_at = excluded.labelled_at
		WHERE fraud_labels.source = 'disposition' OR excluded.source <> 'disposition'`, typ, ref, string(l), string(source))
	return tag.RowsAffected() > 0, err
}

// TakeFeed implements fraud.Store.
func (s FraudStore) TakeFeed(ctx context.Context) (fraud.FeedItem, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `DELETE FROM fraud_feed WHERE id = (SELECT id FROM fraud_feed ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING kind, ref, detail`, pgx.RowToStructByPos[fraud.FeedItem])
}

// EventFor implements fraud.Store. A payment's IP, device and email come
// from its metadata (ip, ip_country, device_id, email), where the
// merchant's checkout puts them.
func (s FraudStore) EventFor(ctx context.Context, rail, ref string) (fraud.Event, bool, error) {
	sql := map[string]string{
		fraud.RailPayment: `SELECT 'payment', public_id, customer_ref, amount, currency, card_fingerprint, '',
			coalesce(metadata->>'ip', ''), coalesce(metadata->>'device_id', ''), coalesce(metadata->>'email', ''),
			upper(coalesce(metadata->>'ip_country', '')), card_country, risk_score, created_at
			FROM payments WHERE public_id = $1`,
		fraud.RailACHTransfer: `SELECT 'ach_transfer', t.public_id, t.customer_ref, t.amount, 'USD', '', a.token, t.auth_ip, '', '', '', 'US', -1, t.created_at
			FROM ach_transfers t JOIN ach_accounts a ON a.id = t.account_id WHERE t.public_id = $1`,
		fraud.RailEscrowRelease: `SELECT 'escrow_release', r.public_id, e.payer_ref, r.amount, e.currency, '', e.payee_token, '', '', '', '', '', -1, r.requested_at
			FROM escrow_releases r JOIN escrows e ON e.id = r.escrow_id WHERE r.public_id = $1`,
	}[rail]
	if sql == "" {
		return fraud.Event{}, false, nil
	}
	return one(ctx, Conn(ctx, s.DB), sql, func(row pgx.CollectableRow) (fraud.Event, error) {
		var e fraud.Event
		var currency string
		err := row.Scan(&e.Type, &e.Ref, &e.Customer, &e.Amount.Minor, &currency, &e.CardFingerprint, &e.AccountToken, &e.IP,
			&e.DeviceID, &e.Email, &e.Country, &e.CardCountry, &e.RadarScore, &e.OccurredAt)
		e.Amount.Currency = money.Currency(currency)
		return e, err
	}, ref)
}

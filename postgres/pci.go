package postgres

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/pci"
)

// PCIChannel is notified when an assessment run finishes.
const PCIChannel = "pci_changed"

// PCIStore implements pci.Store.
type PCIStore struct {
	DB *pgxpool.Pool
}

var _ pci.Store = PCIStore{}

// ActiveUsers implements pci.Store.
func (s PCIStore) ActiveUsers(ctx context.Context) ([]pci.UserFacts, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT u.username, coalesce(array_agg(r.role ORDER BY r.role) FILTER (WHERE r.role IS NOT NULL), '{}'),
		u.totp_enrolled_at IS NOT NULL, u.last_activity_at
		FROM users u LEFT JOIN user_roles r ON r.user_id = u.id WHERE u.status = 'active' GROUP BY u.id ORDER BY u.username`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (pci.UserFacts, error) {
		var u pci.UserFacts
		var roles []string
		err := row.Scan(&u.Username, &roles, &u.MFAEnrolled, &u.LastActivity)
		for _, r := range roles {
			u.Roles = append(u.Roles, identity.Role(r))
		}
		return u, err
	})
}

// LatestVerification implements pci.Store.
func (s PCIStore) LatestVerification(ctx context.Context) (pci.Verification, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `SELECT verified_at, ok, entries, first_break FROM audit_verifications ORDER BY verified_at DESC LIMIT 1`,
		pgx.RowToStructByPos[pci.Verification])
}

// AuditSpan implements pci.Store: the oldest and newest entries by their
// partitions' time indexes, the count from the chain's head.
func (s PCIStore) AuditSpan(ctx context.Context) (pci.AuditSpan, error) {
	var a pci.AuditSpan
	var oldest, newest *time.Time
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT (SELECT min(occurred_at) FROM audit_log), (SELECT max(occurred_at) FROM audit_log),
		(SELECT seq FROM audit_head)`).Scan(&oldest, &newest, &a.Entries)
	a.Oldest, a.Newest = deref(oldest), deref(newest)
	return a, err
}

// sensitiveColumns hold keyring ciphertext only.
var sensitiveColumns = [][2]string{{"users", "totp_secret"}, {"users", "totp_pending"}, {"payments", "client_secret"},
	{"ach_accounts", "ciphertext"}, {"ach_files", "ciphertext"}, {"ach_corrections", "ciphertext"}}

// Unencrypted implements pci.Store: a value that does not start as the
// keyring's envelope does (format byte, wrapped key length) is not its
// ciphertext.
func (s PCIStore) Unencrypted(ctx context.Context) ([]pci.ColumnCount, error) {
	var out []pci.ColumnCount
	for _, c := range sensitiveColumns {
		col := pgx.Identifier{c[1]}.Sanitize()
		var n int64
		if err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{c[0]}.Sanitize()+` WHERE `+col+` IS NOT NULL
			AND (length(`+col+`) < 32 OR get_byte(`+col+`, 0) <> 1 OR length(`+col+`) < 3 + (get_byte(`+col+`, 1) << 8) + get_byte(`+col+`, 2) + 12 + 16)`).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, pci.ColumnCount{Column: c[0] + "." + c[1], Count: n})
		}
	}
	return out, nil
}

// CardDigitsConstrained implements pci.Store.
func (s PCIStore) CardDigitsConstrained(ctx context.Context) (bool, error) {
	var ok bool
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'payments'::regclass AND contype = 'c'
		AND pg_get_constraintdef(oid) LIKE '%card_last4%[0-9]{4}%')`).Scan(&ok)
	return ok, err
}

// LatestScan implements pci.Store.
func (s PCIStore) LatestScan(ctx context.Context) (pci.DependencyScan, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `SELECT id, tool, at, findings, report, by_user FROM pci_scans ORDER BY at DESC, id DESC LIMIT 1`,
		pgx.RowToStructByPos[pci.DependencyScan])
}

// Scans implements pci.Store.
func (s PCIStore) Scans(ctx context.Context, limit int) ([]pci.DependencyScan, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT id, tool, at, findings, left(report, $2), by_user FROM pci_scans
		ORDER BY at DESC, id DESC LIMIT $1`, limit, pci.ReportPreview)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[pci.DependencyScan])
}

// InsertScan implements pci.Store.
func (s PCIStore) InsertScan(ctx context.Context, d *pci.DependencyScan) error {
	return Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO pci_scans (tool, at, findings, report, by_user) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		d.Tool, d.At, d.Findings, d.Report, d.By).Scan(&d.ID)
}

const attestationColumns = `a.id, a.sub, a.statement, a.effective, a.expires, a.by_user, a.at,
	coalesce((SELECT json_agg(json_build_object('ID', f.id, 'Name', f.name, 'ContentType', f.content_type, 'Size', f.size, 'SHA256', f.sha256) ORDER BY f.id)
		FROM pci_attestation_files f WHERE f.attestation_id = a.id), '[]')`

func scanAttestation(row pgx.CollectableRow) (pci.Attestation, error) {
	var a pci.Attestation
	var expires *time.Time
	var files []byte
	if err := row.Scan(&a.ID, &a.Sub, &a.Statement, &a.Effective, &expires, &a.By, &a.At, &files); err != nil {
		return a, err
	}
	a.Expires, a.Effective, a.At = deref(expires), a.Effective.UTC(), a.At.UTC()
	return a, json.Unmarshal(files, &a.Files)
}

// CurrentAttestations implements pci.Store.
func (s PCIStore) CurrentAttestations(ctx context.Context) (map[string]pci.Attestation, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT DISTINCT ON (a.sub) `+attestationColumns+` FROM pci_attestations a
		ORDER BY a.sub, a.effective DESC, a.id DESC`)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, scanAttestation)
	out := map[string]pci.Attestation{}
	for _, a := range list {
		out[a.Sub] = a
	}
	return out, err
}

// Attestations implements pci.Store.
func (s PCIStore) Attestations(ctx context.Context, sub string) ([]pci.Attestation, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+attestationColumns+` FROM pci_attestations a WHERE a.sub = $1
		ORDER BY a.effective DESC, a.id DESC LIMIT 100`, sub)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanAttestation)
}

// Attestation implements pci.Store.
func (s PCIStore) Attestation(ctx context.Context, id int64) (pci.Attestation, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `SELECT `+attestationColumns+` FROM pci_attestations a WHERE a.id = $1`, scanAttestation, id)
}

// InsertAttestation implements pci.Store.
func (s PCIStore) InsertAttestation(ctx context.Context, a *pci.Attestation, files [][]byte) error {
	db := Conn(ctx, s.DB)
	if err := db.QueryRow(ctx, `INSERT INTO pci_attestations (sub, statement, effective, expires, by_user, at) VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING id`, a.Sub, a.Statement, a.Effective, optional(a.Expires), a.By, a.At).Scan(&a.ID); err != nil {
		return err
	}
	for i := range a.Files {
		f := &a.Files[i]
		if err := db.QueryRow(ctx, `INSERT INTO pci_attestation_files (attestation_id, name, content_type, size, sha256, data)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, a.ID, f.Name, f.ContentType, f.Size, f.SHA256, files[i]).Scan(&f.ID); err != nil {
			return err
		}
	}
	return nil
}

// AttestationFile implements pci.Store.
func (s PCIStore) AttestationFile(ctx context.Context, attestation, id int64) (pci.EvidenceFile, []byte, bool, error) {
	var f pci.EvidenceFile
	var data []byte
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT id, name, content_type, size, sha256, data FROM pci_attestation_files
		WHERE attestation_id = $1 AND id = $2`, attestation, id).Scan(&f.ID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &data)
	if err == pgx.ErrNoRows {
		return f, nil, false, nil
	}
	return f, data, err == nil, err
}

// InsertRun implements pci.Store.
func (s PCIStore) InsertRun(ctx context.Context, r *pci.Run, results []pci.Result) error {
	db := Conn(ctx, s.DB)
	if err := db.QueryRow(ctx, `INSERT INTO pci_runs (catalogue, trigger, started_at, took_ms, passed, failed, na)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, r.Catalogue, r.Trigger, r.StartedAt, r.Took.Milliseconds(),
		r.Score.Passed, r.Score.Failed, r.Score.NotApplicable).Scan(&r.ID); err != nil {
		return err
	}
	rows := make([][]any, len(results))
	for i, res := range results {
		evidence, err := json.Marshal(res.Evidence)
		if err != nil {
			return err
		}
		rows[i] = []any{r.ID, i, res.Requirement, res.Sub, res.Check, string(res.Status), res.Summary, evidence, res.Remediation}
	}
	_, err := db.(interface {
		CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error)
	}).CopyFrom(ctx, pgx.Identifier{"pci_results"}, []string{"run_id", "position", "requirement", "sub", "check_id", "status", "summary",
		"evidence", "remediation"}, pgx.CopyFromRows(rows))
	return err
}

const runColumns = `id, catalogue, trigger, started_at, took_ms, passed, failed, na`

func scanRun(row pgx.CollectableRow) (pci.Run, error) {
	var r pci.Run
	var took int64
	err := row.Scan(&r.ID, &r.Catalogue, &r.Trigger, &r.StartedAt, &took, &r.Score.Passed, &r.Score.Failed, &r.Score.NotApplicable)
	r.Took, r.StartedAt = time.Duration(took)*time.Millisecond, r.StartedAt.UTC()
	return r, err
}

// Runs implements pci.Store.
func (s PCIStore) Runs(ctx context.Context, before int64, limit int) ([]pci.Run, error) {
	w := where{}
	w.addIf(before > 0, "id < ?", before)
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+runColumns+` FROM pci_runs`+w.sql()+` ORDER BY id DESC`+w.limit(limit), w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanRun)
}

// Run implements pci.Store.
func (s PCIStore) Run(ctx context.Context, id int64) (pci.Run, []pci.Result, bool, error) {
	r, found, err := one(ctx, Conn(ctx, s.DB), `SELECT `+runColumns+` FROM pci_runs WHERE id = $1`, scanRun, id)
	if err != nil || !found {
		return r, nil, found, err
	}
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT requirement, sub, check_id, status, summary, evidence, remediation FROM pci_results
		WHERE run_id = $1 ORDER BY position`, id)
	if err != nil {
		return r, nil, true, err
	}
	results, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (pci.Result, error) {
		var res pci.Result
		var evidence []byte
		if err := row.Scan(&res.Requirement, &res.Sub, &res.Check, &res.Status, &res.Summary, &evidence, &res.Remediation); err != nil {
			return res, err
		}
		return res, json.Unmarshal(evidence, &res.Evidence)
	})
	return r, results, true, err
}

// Trend implements pci.Store.
func (s PCIStore) Trend(ctx context.Context, from time.Time) ([]pci.TrendPoint, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT DISTINCT ON (day) day, id, passed, failed, na FROM (
			SELECT date_trunc('day', started_at AT TIME ZONE 'UTC') AS day, id, passed, failed, na FROM pci_runs WHERE started_at >= $1) r
		ORDER BY day, id DESC`, from)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (pci.TrendPoint, error) {
		var p pci.TrendPoint
		err := row.Scan(&p.Day, &p.RunID, &p.Score.Passed, &p.Score.Failed, &p.Score.NotApplicable)
		p.Day = p.Day.UTC()
		return p, err
	})
}

// Changed implements pci.Store.
func (s PCIStore) Changed(ctx context.Context, runID int64) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `SELECT pg_notify($1, $2)`, PCIChannel, strconv.FormatInt(runID, 10))
	return err
}

// AlertsEvaluated is when the alert rules last evaluated, by their cursors.
func (s PCIStore) AlertsEvaluated(ctx context.Context) (time.Time, error) {
	var at *time.Time
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT max(evaluated_at) FROM alert_cursors`).Scan(&at)
	return deref(at), err
}

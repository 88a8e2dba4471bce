package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/escrow"
)

// EscrowChannel is notified when a release request changes.
const EscrowChannel = "escrow_changed"

// EscrowStore implements escrow.Store.
type EscrowStore struct {
	DB *pgxpool.Pool
}

var _ escrow.Store = EscrowStore{}

// Clock implements escrow.Store.
func (s EscrowStore) Clock(ctx context.Context) (time.Time, error) {
	var now time.Time
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT escrow_now()`).Scan(&now)
	return now.UTC(), err
}

const escrowColumns = `id, public_id, payer_ref, payer_name, payee_name, payee_type, payee_kind, payee_account, payee_token,
	currency, conditions, created_by, created_at`

func scanEscrow(row pgx.CollectableRow) (escrow.Escrow, error) {
	var e escrow.Escrow
	err := row.Scan(&e.ID, &e.PublicID, &e.PayerRef, &e.PayerName, &e.Payee.Name, &e.Payee.Type, &e.Payee.Kind, &e.Payee.Account,
		&e.Payee.Token, &e.Currency, &e.Conditions, &e.CreatedBy, &e.CreatedAt)
	return e, err
}

// InsertEscrow implements escrow.Store.
// Its unique keys all derive from the request reference, so a conflict on
// any of them (two racing retries) means the same request: nothing inserted.
func (s EscrowStore) InsertEscrow(ctx context.Context, e *escrow.Escrow, ref string) (bool, error) {
	err := Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO escrows (public_id, request_ref, payer_ref, payer_name, payee_name, payee_type,
		payee_kind, payee_account, payee_token, currency, conditions, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING RETURNING id`,
		e.PublicID, ref, e.PayerRef, e.PayerName, e.Payee.Name, e.Payee.Type, e.Payee.Kind, e.Payee.Account, e.Payee.Token,
		e.Currency, e.Conditions, e.CreatedBy, e.CreatedAt).Scan(&e.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// EscrowByRef implements escrow.Store.
func (s EscrowStore) EscrowByRef(ctx context.Context, ref string) (escrow.Escrow, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `SELECT `+escrowColumns+` FROM escrows WHERE request_ref = $1`, scanEscrow, ref)
}

// Escrow implements escrow.Store.
func (s EscrowStore) Escrow(ctx context.Context, publicID string, lock bool) (escrow.Escrow, bool, error) {
	return one(ctx, Conn(ctx, s.DB), lockIf(`SELECT `+escrowColumns+` FROM escrows WHERE public_id = $1`, lock), scanEscrow, publicID)
}

// Escrows implements escrow.Store: newest first, after the given public id.
func (s EscrowStore) Escrows(ctx context.Context, after string, limit int) ([]escrow.Escrow, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+escrowColumns+` FROM escrows
		WHERE $1 = '' OR id < (SELECT id FROM escrows WHERE public_id = $1) ORDER BY id DESC LIMIT $2`, after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanEscrow)
}

// InsertPolicy implements escrow.Store.
func (s EscrowStore) InsertPolicy(ctx context.Context, p *escrow.Policy) error {
	rules, err := json.Marshal(p.Rules)
	if err != nil {
		return err
	}
	_, err = Conn(ctx, s.DB).Exec(ctx, `INSERT INTO escrow_policies (escrow_id, version, rules, status, proposed_by, proposed_at, decided_by, decided_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, p.EscrowID, p.Version, rules, p.Status, p.ProposedBy, p.ProposedAt, p.DecidedBy, p.DecidedAt)
	return err
}

// Policies implements escrow.Store.
func (s EscrowStore) Policies(ctx context.Context, escrowID int64) ([]escrow.Policy, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+policyColumns+` FROM escrow_policies WHERE escrow_id = $1 ORDER BY version DESC`, escrowID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanPolicy)
}

const policyColumns = `escrow_id, version, rules, status, proposed_by, proposed_at, decided_by, decided_at`

func scanPolicy(row pgx.CollectableRow) (escrow.Policy, error) {
	var p escrow.Policy
	var rules []byte
	if err := row.Scan(&p.EscrowID, &p.Version, &rules, &p.Status, &p.ProposedBy, &p.ProposedAt, &p.DecidedBy, &p.DecidedAt); err != nil {
		return p, err
	}
	return p, json.Unmarshal(rules, &p.Rules)
}

// SetPolicyStatus implements escrow.Store.
func (s EscrowStore) SetPolicyStatus(ctx context.Context, p escrow.Policy) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE escrow_policies SET status = $3, decided_by = $4, decided_at = $5
		WHERE escrow_id = $1 AND version = $2`, p.EscrowID, p.Version, p.Status, p.DecidedBy, p.DecidedAt)
	return err
}

// InsertPosting implements escrow.Store.
func (s EscrowStore) InsertPosting(ctx context.Context, p *escrow.Posting) error {
	var release *int64
	if p.ReleaseID != 0 {
		release = &p.ReleaseID
	}
	err := Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO escrow_postings (escrow_id, kind, amount, release_id, source_ref, by_actor, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, p.EscrowID, p.Kind, p.Amount, release, p.SourceRef, p.By, p.At).Scan(&p.ID)
	var pgErr *pgconn.PgError
	switch {
	case !errors.As(err, &pgErr):
	case pgErr.Code == "23505" && pgErr.ConstraintName == "escrow_postings_source":
		return domain.Errorf(domain.ECONFLICT, "%s funds an escrow already.", p.SourceRef)
	case pgErr.Code == "23505":
		return domain.Errorf(domain.ECONFLICT, "This release has been %s already.", p.Kind)
	case pgErr.Code == "23514" && pgErr.ConstraintName == "escrow_balance":
		return domain.Errorf(domain.EINVALID, "The escrow does not hold enough for this.")
	}
	return err
}

// Postings implements escrow.Store.
func (s EscrowStore) Postings(ctx context.Context, escrowID int64) ([]escrow.Posting, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT id, escrow_id, kind, amount, coalesce(release_id, 0), source_ref, by_actor, at
		FROM escrow_postings WHERE escrow_id = $1 ORDER BY id`, escrowID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (escrow.Posting, error) {
		var p escrow.Posting
		err := row.Scan(&p.ID, &p.EscrowID, &p.Kind, &p.Amount, &p.ReleaseID, &p.SourceRef, &p.By, &p.At)
		return p, err
	})
}

const releaseColumns = `r.id, r.public_id, r.escrow_id, e.public_id, r.amount, e.currency, e.payee_name, e.payee_type, e.payee_kind,
	e.payee_account, e.payee_token, r.policy_version, r.nonce, r.reason, r.status, r.requested_by, r.requested_at, r.expires_at,
	r.decided_by, r.decided_at, r.note, r.payout_ref, r.executed_at`

const releaseFrom = ` FROM escrow_releases r JOIN escrows e ON e.id = r.escrow_id `

func scanRelease(row pgx.CollectableRow) (escrow.Release, error) {
	var r escrow.Release
	err := row.Scan(&r.ID, &r.PublicID, &r.EscrowID, &r.EscrowPublic, &r.Amount, &r.Currency, &r.Payee.Name, &r.Payee.Type, &r.Payee.Kind,
		&r.Payee.Account, &r.Payee.Token, &r.PolicyVersion, &r.Nonce, &r.Reason, &r.Status, &r.RequestedBy, &r.RequestedAt, &r.ExpiresAt,
		&r.DecidedBy, &r.DecidedAt, &r.Note, &r.PayoutRef, &r.ExecutedAt)
	return r, err
}

// InsertRelease implements escrow.Store.
// Its unique keys all derive from the request reference, so a conflict on
// any of them (two racing retries) means the same request: nothing inserted.
func (s EscrowStore) InsertRelease(ctx context.Context, r *escrow.Release, ref string) (bool, error) {
	err := Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO escrow_releases (public_id, request_ref, escrow_id, amount, policy_version, nonce,
		reason, status, requested_by, requested_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT DO NOTHING RETURNING id`, r.PublicID, ref, r.EscrowID, r.Amount, r.PolicyVersion, r.Nonce,
		r.Reason, r.Status, r.RequestedBy, r.RequestedAt, r.ExpiresAt).Scan(&r.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (s EscrowStore) release(ctx context.Context, where string, lock bool, arg any) (escrow.Release, bool, error) {
	sql := `SELECT ` + releaseColumns + releaseFrom + `WHERE ` + where
	if lock {
		sql += ` FOR UPDATE OF r`
	}
	return one(ctx, Conn(ctx, s.DB), sql, scanRelease, arg)
}

// ReleaseByRef implements escrow.Store.
func (s EscrowStore) ReleaseByRef(ctx context.Context, ref string) (escrow.Release, bool, error) {
	return s.release(ctx, `r.request_ref = $1`, false, ref)
}

// Release implements escrow.Store.
func (s EscrowStore) Release(ctx context.Context, publicID string, lock bool) (escrow.Release, bool, error) {
	return s.release(ctx, `r.public_id = $1`, lock, publicID)
}

// ReleaseByID implements escrow.Store.
func (s EscrowStore) ReleaseByID(ctx context.Context, id int64, lock bool) (escrow.Release, bool, error) {
	return s.release(ctx, `r.id = $1`, lock, id)
}

// Releases implements escrow.Store. The approver's policy is looked up per
// request by its key, not joined: a join hashed every escrow's policy to
// test its members, however few requests were pending.
func (s EscrowStore) Releases(ctx context.Context, q escrow.ReleaseQuery) ([]escrow.Release, error) {
	statuses := make([]string, len(q.Statuses))
	for i, st := range q.Statuses {
		statuses[i] = string(st)
	}
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+releaseColumns+releaseFrom+`
		WHERE ($1 = 0 OR r.escrow_id = $1) AND (cardinality($2::text[]) = 0 OR r.status = ANY($2)) AND ($3 = 0 OR r.id < $3)
		  AND ($5 = '' OR (SELECT p.rules->'groups' FROM escrow_policies p WHERE p.escrow_id = r.escrow_id AND p.version = r.policy_version)
			@> jsonb_build_array(jsonb_build_object('members', jsonb_build_array($5::text))))
		ORDER BY r.id DESC LIMIT $4`, q.EscrowID, statuses, q.Before, q.Limit, q.Approver)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanRelease)
}

// UpdateRelease implements escrow.Store.
func (s EscrowStore) UpdateRelease(ctx context.Context, r escrow.Release) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE escrow_releases SET status = $2, policy_version = $3, nonce = $4, decided_by = $5,
		decided_at = $6, note = $7, payout_ref = $8, executed_at = $9 WHERE id = $1`,
		r.ID, r.Status, r.PolicyVersion, r.Nonce, r.DecidedBy, r.DecidedAt, r.Note, r.PayoutRef, r.ExecutedAt)
	return err
}

// DueExpiries implements escrow.Store.
func (s EscrowStore) DueExpiries(ctx context.Context, limit int) ([]int64, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT id FROM escrow_releases WHERE status = 'pending' AND expires_at <= escrow_now()
		ORDER BY expires_at LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// InsertApproval implements escrow.Store.
func (s EscrowStore) InsertApproval(ctx context.Context, a *escrow.Approval) (bool, error) {
	err := Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO escrow_approvals (release_id, approver, payload_hash, totp_step, at, key_id, alg, signature)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (release_id, approver, payload_hash) DO NOTHING RETURNING id`,
		a.ReleaseID, a.Approver, a.PayloadHash, a.TOTPStep, a.At, a.Signature.KeyID, a.Signature.Algorithm, a.Signature.Value).Scan(&a.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// AuditSeqs implements escrow.Store, through the audit log's target index.
func (s EscrowStore) AuditSeqs(ctx context.Context, releaseID string) (map[string]int64, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT audit_field(entry, '{actor,id}'), max(seq) FROM audit_log
		WHERE audit_field(entry, '{target,type}') = 'escrow_release' AND audit_field(entry, '{target,id}') = $1
		AND audit_field(entry, '{action}') = $2 GROUP BY 1`, releaseID, "escrow.release.approved")
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for rows.Next() {
		var actor string
		var seq int64
		if err := rows.Scan(&actor, &seq); err != nil {
			return nil, err
		}
		out[actor] = seq
	}
	return out, rows.Err()
}

// Changed implements escrow.Store.
func (s EscrowStore) Changed(ctx context.Context) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `SELECT pg_notify($1, '')`, EscrowChannel)
	return err
}

// ViewParts implements escrow.Store: four queries, however many releases.
func (s EscrowStore) ViewParts(ctx context.Context, escrowIDs, releaseIDs []int64) (escrow.ViewParts, error) {
	db := Conn(ctx, s.DB)
	parts := escrow.ViewParts{Escrows: map[int64]escrow.Escrow{}, Policies: map[int64][]escrow.Policy{},
		Funders: map[int64][]string{}, Approvals: map[int64][]escrow.Approval{}}
	rows, err := db.Query(ctx, `SELECT `+escrowColumns+` FROM escrows WHERE id = ANY($1)`, escrowIDs)
	if err != nil {
		return parts, err
	}
	escrows, err := pgx.CollectRows(rows, scanEscrow)
	if err != nil {
		return parts, err
	}
	for _, e := range escrows {
		parts.Escrows[e.ID] = e
	}
	if rows, err = db.Query(ctx, `SELECT `+policyColumns+` FROM escrow_policies WHERE escrow_id = ANY($1) ORDER BY escrow_id, version DESC`, escrowIDs); err != nil {
		return parts, err
	}
	policies, err := pgx.CollectRows(rows, scanPolicy)
	if err != nil {
		return parts, err
	}
	for _, p := range policies {
		parts.Policies[p.EscrowID] = append(parts.Policies[p.EscrowID], p)
	}
	if rows, err = db.Query(ctx, `SELECT DISTINCT escrow_id, by_actor FROM escrow_postings WHERE escrow_id = ANY($1) AND kind = 'funded'`, escrowIDs); err != nil {
		return parts, err
	}
	var escrowID int64
	var funder string
	if _, err := pgx.ForEachRow(rows, []any{&escrowID, &funder}, func() error {
		parts.Funders[escrowID] = append(parts.Funders[escrowID], funder)
		return nil
	}); err != nil {
		return parts, err
	}
	if rows, err = db.Query(ctx, `SELECT id, release_id, approver, payload_hash, totp_step, at, key_id, alg, signature
		FROM escrow_approvals WHERE release_id = ANY($1) ORDER BY id`, releaseIDs); err != nil {
		return parts, err
	}
	approvals, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (escrow.Approval, error) {
		var a escrow.Approval
		err := row.Scan(&a.ID, &a.ReleaseID, &a.Approver, &a.PayloadHash, &a.TOTPStep, &a.At, &a.Signature.KeyID, &a.Signature.Algorithm, &a.Signature.Value)
		a.At = a.At.UTC()
		return a, err
	})
	for _, a := range approvals {
		parts.Approvals[a.ReleaseID] = append(parts.Approvals[a.ReleaseID], a)
	}
	return parts, err
}

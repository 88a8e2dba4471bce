package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/audit"
)

// AuditResults implements audit.Results.
type AuditResults struct {
	DB *pgxpool.Pool
}

// SaveVerification implements audit.Results.
func (s AuditResults) SaveVerification(ctx context.Context, v audit.Verification) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO audit_verifications (ok, entries, last_seq, checkpoints, first_break)
		VALUES ($1, $2, $3, $4, $5)`, v.OK, v.Entries, v.LastSeq, v.Checkpoints, v.FirstBreak)
	return err
}

// LatestVerification implements audit.Results.
func (s AuditResults) LatestVerification(ctx context.Context) (audit.Verification, bool, error) {
	var v audit.Verification
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT verified_at, ok, entries, last_seq, checkpoints, first_break
		FROM audit_verifications ORDER BY verified_at DESC, id DESC LIMIT 1`).
		Scan(&v.At, &v.OK, &v.Entries, &v.LastSeq, &v.Checkpoints, &v.FirstBreak)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, false, nil
	}
	return v, err == nil, err
}

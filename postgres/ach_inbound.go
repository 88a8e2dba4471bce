package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/domain/ach"
)

// InsertInbound implements ach.Store.
func (s ACHStore) InsertInbound(ctx context.Context, f *ach.InboundFile) error {
	return Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO ach_inbound (name, source, sha256, status, error, returns, nocs, unmatched, received_at, received_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, f.Name, f.Source, f.SHA256, f.Status, f.Error, f.Returns, f.NOCs,
		f.Unmatched, f.ReceivedAt, f.By).Scan(&f.ID)
}

const inboundColumns = `id, name, source, sha256, status, error, returns, nocs, unmatched, received_at, received_by`

// InboundBySHA implements ach.Store.
func (s ACHStore) InboundBySHA(ctx context.Context, sha string) (ach.InboundFile, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `SELECT `+inboundColumns+` FROM ach_inbound WHERE sha256 = $1 AND status = 'applied'`,
		pgx.RowToStructByPos[ach.InboundFile], sha)
}

// ListInbound implements ach.Store.
func (s ACHStore) ListInbound(ctx context.Context, limit int) ([]ach.InboundFile, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+inboundColumns+` FROM ach_inbound ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[ach.InboundFile])
}

// InsertReturn implements ach.Store.
func (s ACHStore) InsertReturn(ctx context.Context, r *ach.ReturnRecord) error {
	return Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO ach_returns (inbound_id, transfer_id, original_trace, kind, code, reason, description, amount, received_at)
		VALUES ($1, nullif($2, 0), $3, $4, $5, $6, $7, $8, $9) RETURNING id`, r.InboundID, r.TransferID, r.OriginalTrace, r.Kind, r.Code,
		r.Reason, r.Description, r.Amount, r.ReceivedAt).Scan(&r.ID)
}

const returnColumns = `r.id, r.inbound_id, coalesce(r.transfer_id, 0), coalesce(t.public_id, ''), r.original_trace, r.kind, r.code,
	r.reason, r.description, r.amount, r.received_at`

func (s ACHStore) returns(ctx context.Context, tail string, args ...any) ([]ach.ReturnRecord, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+returnColumns+` FROM ach_returns r LEFT JOIN ach_transfers t ON t.id = r.transfer_id `+tail, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[ach.ReturnRecord])
}

// Returns implements ach.Store.
func (s ACHStore) Returns(ctx context.Context, transferID int64) ([]ach.ReturnRecord, error) {
	return s.returns(ctx, `WHERE r.transfer_id = $1 ORDER BY r.id`, transferID)
}

// RecentReturns implements ach.Store.
func (s ACHStore) RecentReturns(ctx context.Context, limit int) ([]ach.ReturnRecord, error) {
	return s.returns(ctx, `ORDER BY r.id DESC LIMIT $1`, limit)
}

const correctionColumns = `c.id, c.account_id, a.public_id, c.transfer_id, c.original_trace, c.code, c.reason, c.corrected_data,
	c.ciphertext, c.status, c.received_at, c.decided_by, c.routing, c.tx_code, c.received_by`

func (s ACHStore) corrections(ctx context.Context, tail string, args ...any) ([]ach.Correction, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+correctionColumns+` FROM ach_corrections c JOIN ach_accounts a ON a.id = c.account_id `+tail, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[ach.Correction])
}

// InsertCorrection implements ach.Store.
func (s ACHStore) InsertCorrection(ctx context.Context, c *ach.Correction) error {
	return Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO ach_corrections (account_id, transfer_id, original_trace, code, reason, corrected_data,
		ciphertext, status, received_at, routing, tx_code, received_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		c.AccountID, c.TransferID, c.OriginalTrace, c.Code, c.Reason, c.CorrectedData, c.Ciphertext, c.Status, c.ReceivedAt,
		c.Routing, c.TxCode, c.ReceivedBy).Scan(&c.ID)
}

// Correction implements ach.Store.
func (s ACHStore) Correction(ctx context.Context, id int64, lock bool) (ach.Correction, bool, error) {
	sql := `SELECT ` + correctionColumns + ` FROM ach_corrections c JOIN ach_accounts a ON a.id = c.account_id WHERE c.id = $1`
	if lock {
		sql += " FOR UPDATE OF c"
	}
	return one(ctx, Conn(ctx, s.DB), sql, pgx.RowToStructByPos[ach.Correction], id)
}

// UpdateCorrection implements ach.Store.
func (s ACHStore) UpdateCorrection(ctx context.Context, c ach.Correction) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE ach_corrections SET status = $2, decided_by = $3 WHERE id = $1`, c.ID, c.Status, c.DecidedBy)
	return err
}

// Corrections implements ach.Store.
func (s ACHStore) Corrections(ctx context.Context, accountID int64) ([]ach.Correction, error) {
	return s.corrections(ctx, `WHERE c.account_id = $1 ORDER BY c.id DESC`, accountID)
}

// PendingCorrections implements ach.Store.
func (s ACHStore) PendingCorrections(ctx context.Context, limit int) ([]ach.Correction, error) {
	return s.corrections(ctx, `WHERE c.status = 'pending' ORDER BY c.id LIMIT $1`, limit)
}

// Changed implements ach.Store.
func (s ACHStore) Changed(ctx context.Context, publicID string) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `SELECT pg_notify($1, $2)`, ACHChannel, publicID)
	return err
}

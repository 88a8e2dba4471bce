package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/ach"
)

// ACHChannel is notified with a transfer's public id when it changes.
const ACHChannel = "ach_changed"

// ACHStore implements ach.Store.
type ACHStore struct {
	DB *pgxpool.Pool
}

var _ ach.Store = ACHStore{}

const accountColumns = `id, public_id, customer_ref, holder_name, holder_type, type, routing, ciphertext, last4, token, status,
	block_reason, attempts, created_at, created_by`

func scanAccount(row pgx.CollectableRow) (ach.BankAccount, error) {
	var a ach.BankAccount
	err := row.Scan(&a.ID, &a.PublicID, &a.CustomerRef, &a.HolderName, &a.HolderType, &a.Type, &a.Routing, &a.Ciphertext, &a.Last4,
		&a.Token, &a.Status, &a.BlockReason, &a.Attempts, &a.CreatedAt, &a.CreatedBy)
	return a, err
}

func lockIf(sql string, lock bool) string {
	if lock {
		return sql + " FOR UPDATE"
	}
	return sql
}

// InsertAccount implements ach.Store.
func (s ACHStore) InsertAccount(ctx context.Context, a *ach.BankAccount, ref string) (bool, error) {
	err := Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO ach_accounts (public_id, request_ref, customer_ref, holder_name, holder_type, type,
		routing, ciphertext, last4, token, status, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (request_ref) DO NOTHING RETURNING id`, a.PublicID, ref, a.CustomerRef, a.HolderName, a.HolderType, a.Type, a.Routing,
		a.Ciphertext, a.Last4, a.Token, a.Status, a.CreatedAt, a.CreatedBy).Scan(&a.ID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return false, nil
	case isUniqueViolation(err): // the customer's same account, added at the same moment
		return false, domain.Errorf(domain.ECONFLICT, "This account is on file for the customer already.")
	}
	return err == nil, err
}

// LockCustomer implements ach.Store.
func (s ACHStore) LockCustomer(ctx context.Context, customer string) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('ach_customer:' || $1, 0))`, customer)
	return err
}

// Account implements ach.Store.
func (s ACHStore) Account(ctx context.Context, publicID string, lock bool) (ach.BankAccount, bool, error) {
	return one(ctx, Conn(ctx, s.DB), lockIf(`SELECT `+accountColumns+` FROM ach_accounts WHERE public_id = $1`, lock), scanAccount, publicID)
}

// AccountByRef implements ach.Store.
func (s ACHStore) AccountByRef(ctx context.Context, ref string) (ach.BankAccount, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `SELECT `+accountColumns+` FROM ach_accounts WHERE request_ref = $1`, scanAccount, ref)
}

// AccountsByToken implements ach.Store.
func (s ACHStore) AccountsByToken(ctx context.Context, token string) ([]ach.BankAccount, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+accountColumns+` FROM ach_accounts WHERE token = $1`, token)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanAccount)
}

// UpdateAccount implements ach.Store.
func (s ACHStore) UpdateAccount(ctx context.Context, a ach.BankAccount) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE ach_accounts SET type = $2, routing = $3, ciphertext = $4, last4 = $5, token = $6,
		status = $7, block_reason = $8, attempts = $9 WHERE id = $1`, a.ID, a.Type, a.Routing, a.Ciphertext, a.Last4, a.Token, a.Status, a.BlockReason, a.Attempts)
	return err
}

// ListAccounts implements ach.Store.
func (s ACHStore) ListAccounts(ctx context.Context, customer, after string, limit int) ([]ach.BankAccount, error) {
	w := where{}
	w.addIf(customer != "", "customer_ref = ?", customer)
	w.addIf(after != "", "id < (SELECT id FROM ach_accounts WHERE public_id = ?)", after)
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+accountColumns+` FROM ach_accounts`+w.sql()+` ORDER BY id DESC`+w.limit(limit), w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanAccount)
}

// SetVerification implements ach.Store.
func (s ACHStore) SetVerification(ctx context.Context, accountID int64, token string) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE ach_accounts SET verification_token = $2 WHERE id = $1`, accountID, token)
	return err
}

// Verification implements ach.Store.
func (s ACHStore) Verification(ctx context.Context, accountID int64) (string, error) {
	var token string
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT verification_token FROM ach_accounts WHERE id = $1`, accountID).Scan(&token)
	return token, err
}

const transferColumns = `t.id, t.public_id, t.account_id, a.public_id, t.customer_ref, t.direction, t.amount, t.sec, t.company_name,
	t.auth_ref, t.auth_at, t.auth_ip, t.description, t.effective, t.same_day, t.status, t.hold_reason, coalesce(t.case_id, 0),
	coalesce(t.trace_number, ''), coalesce(t.file_id, 0), t.return_code, t.return_reason, t.purpose, t.created_at, t.created_by, t.approved_by`

const transfersFrom = ` FROM ach_transfers t JOIN ach_accounts a ON a.id = t.account_id`

func scanTransfer(row pgx.CollectableRow) (ach.Transfer, error) {
	var t ach.Transfer
	var authAt *time.Time
	err := row.Scan(&t.ID, &t.PublicID, &t.AccountID, &t.AccountPublic, &t.CustomerRef, &t.Direction, &t.Amount, &t.SEC, &t.CompanyName,
		&t.Authorization.Reference, &authAt, &t.Authorization.IP, &t.Description, &t.Effective, &t.SameDay, &t.Status, &t.HoldReason,
		&t.CaseID, &t.TraceNumber, &t.FileID, &t.ReturnCode, &t.ReturnReason, &t.Purpose, &t.CreatedAt, &t.CreatedBy, &t.ApprovedBy)
	t.Authorization.At = deref(authAt)
	return t, err
}

func (s ACHStore) transfers(ctx context.Context, tail string, args ...any) ([]ach.Transfer, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+transferColumns+transfersFrom+` `+tail, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanTransfer)
}

func (s ACHStore) oneTransfer(ctx context.Context, cond string, lock bool, arg any) (ach.Transfer, bool, error) {
	sql := `SELECT ` + transferColumns + transfersFrom + ` WHERE ` + cond
	if lock {
		sql += " FOR UPDATE OF t"
	}
	return one(ctx, Conn(ctx, s.DB), sql, scanTransfer, arg)
}

// InsertTransfer implements ach.Store.
func (s ACHStore) InsertTransfer(ctx context.Context, t *ach.Transfer, ref string) (bool, error) {
	err := Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO ach_transfers (public_id, request_ref, account_id, customer_ref, direction, amount, sec,
		company_name, auth_ref, auth_at, auth_ip, description, effective, same_day, status, purpose, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) ON CONFLICT (request_ref) DO NOTHING RETURNING id`,
		t.PublicID, ref, t.AccountID, t.CustomerRef, t.Direction, t.Amount, t.SEC, t.CompanyName, t.Authorization.Reference,
		optional(t.Authorization.At), t.Authorization.IP, t.Description, t.Effective, t.SameDay, t.Status, t.Purpose, t.CreatedAt, t.CreatedBy).Scan(&t.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Transfer implements ach.Store.
func (s ACHStore) Transfer(ctx context.Context, publicID string, lock bool) (ach.Transfer, bool, error) {
	return s.oneTransfer(ctx, "t.public_id = $1", lock, publicID)
}

// TransferByRef implements ach.Store.
func (s ACHStore) TransferByRef(ctx context.Context, ref string) (ach.Transfer, bool, error) {
	return s.oneTransfer(ctx, "t.request_ref = $1", false, ref)
}

// TransferByTrace implements ach.Store.
// A trace names the transfer of the most recent file that used it.
func (s ACHStore) TransferByTrace(ctx context.Context, trace string, lock bool) (ach.Transfer, bool, error) {
	return s.oneTransfer(ctx, "t.trace_number = $1 ORDER BY t.file_id DESC LIMIT 1", lock, trace)
}

// UpdateTransfer implements ach.Store.
func (s ACHStore) UpdateTransfer(ctx context.Context, t ach.Transfer) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE ach_transfers SET status = $2, hold_reason = $3, case_id = nullif($4, 0),
		trace_number = nullif($5, ''), file_id = nullif($6, 0), return_code = $7, return_reason = $8, approved_by = $9, effective = $10
		WHERE id = $1`, t.ID, t.Status, t.HoldReason, t.CaseID, t.TraceNumber, t.FileID, t.ReturnCode, t.ReturnReason, t.ApprovedBy, t.Effective)
	return err
}

// ListTransfers implements ach.Store.
func (s ACHStore) ListTransfers(ctx context.Context, q ach.Query) ([]ach.Transfer, error) {
	w := where{}
	w.addIf(q.Status != "", "t.status = ?", q.Status)
	w.addIf(q.Customer != "", "t.customer_ref = ?", q.Customer)
	w.addIf(q.Account != "", "a.public_id = ?", q.Account)
	w.addIf(q.After != "", "(t.created_at, t.id) < (SELECT created_at, id FROM ach_transfers WHERE public_id = ?)", q.After)
	return s.transfers(ctx, w.sql()+` ORDER BY t.created_at DESC, t.id DESC`+w.limit(q.Limit), w.args...)
}

// AddEvent implements ach.Store.
func (s ACHStore) AddEvent(ctx context.Context, transferID int64, e ach.Event) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO ach_transfer_events (transfer_id, at, status, actor, detail) VALUES ($1, $2, $3, $4, $5)`,
		transferID, e.At, e.Status, e.Actor, e.Detail)
	return err
}

// Events implements ach.Store.
func (s ACHStore) Events(ctx context.Context, transferID int64) ([]ach.Event, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT at, status, actor, detail FROM ach_transfer_events WHERE transfer_id = $1 ORDER BY id`, transferID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[ach.Event])
}

// PartyTransfers implements ach.Store.
func (s ACHStore) PartyTransfers(ctx context.Context, partyRef string, statuses []ach.Status) ([]ach.Transfer, error) {
	names := make([]string, len(statuses))
	for i, st := range statuses {
		names[i] = string(st)
	}
	return s.transfers(ctx, `WHERE 'bank_account:' || a.public_id = $1 AND t.status = ANY($2) ORDER BY t.id FOR UPDATE OF t`, partyRef, names)
}

// DayTotal implements ach.Store.
func (s ACHStore) DayTotal(ctx context.Context, customer string, from, to time.Time) (int64, error) {
	var total int64
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT coalesce(sum(amount), 0) FROM ach_transfers WHERE customer_ref = $1
		AND created_at >= $2 AND created_at < $3 AND status NOT IN ('canceled', 'returned') AND purpose = 'payment'`, customer, from, to).Scan(&total)
	return total, err
}

// Pending implements ach.Store.
func (s ACHStore) Pending(ctx context.Context, status ach.Status, reason ach.HoldReason, limit int) ([]ach.Transfer, error) {
	return s.transfers(ctx, `WHERE t.status = $1 AND ($2 = '' OR t.hold_reason = $2) ORDER BY t.created_at, t.id LIMIT $3`, status, reason, limit)
}

// LockApproved implements ach.Store.
func (s ACHStore) LockApproved(ctx context.Context, limit int) ([]ach.Transfer, error) {
	return s.transfers(ctx, `WHERE t.status = 'approved' ORDER BY t.id LIMIT $1 FOR UPDATE OF t SKIP LOCKED`, limit)
}

// FileTransfers implements ach.Store.
func (s ACHStore) FileTransfers(ctx context.Context, fileID int64) ([]ach.Transfer, error) {
	return s.transfers(ctx, `WHERE t.file_id = $1 ORDER BY t.id FOR UPDATE OF t`, fileID)
}

// SentBefore implements ach.Store.
func (s ACHStore) SentBefore(ctx context.Context, date time.Time, limit int) ([]ach.Transfer, error) {
	return s.transfers(ctx, `WHERE t.status = 'sent' AND t.effective < $1 ORDER BY t.id LIMIT $2`, date, limit)
}

const fileColumns = `id, window_key, name, ciphertext, sha256, modifier, batches, entries, debits, credits, status, location, created_at, delivered_at`

func scanFile(row pgx.CollectableRow) (ach.File, error) {
	var f ach.File
	var delivered *time.Time
	err := row.Scan(&f.ID, &f.Window, &f.Name, &f.Ciphertext, &f.SHA256, &f.Modifier, &f.Batches, &f.Entries, &f.Debits, &f.Credits,
		&f.Status, &f.Location, &f.CreatedAt, &delivered)
	f.DeliveredAt = deref(delivered)
	return f, err
}

// InsertFile implements ach.Store.
func (s ACHStore) InsertFile(ctx context.Context, f *ach.File) error {
	err := Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO ach_files (window_key, name, ciphertext, sha256, modifier, batches, entries, debits,
		credits, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`, f.Window, f.Name, f.Ciphertext,
		f.SHA256, f.Modifier, f.Batches, f.Entries, f.Debits, f.Credits, f.Status, f.CreatedAt).Scan(&f.ID)
	if isUniqueViolation(err) {
		return domain.Errorf(domain.ECONFLICT, "This cutoff has its file already.")
	}
	return err
}

// File implements ach.Store.
func (s ACHStore) File(ctx context.Context, id int64) (ach.File, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `SELECT `+fileColumns+` FROM ach_files WHERE id = $1`, scanFile, id)
}

// ListFiles implements ach.Store.
func (s ACHStore) ListFiles(ctx context.Context, limit int) ([]ach.File, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+fileColumns+` FROM ach_files ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanFile)
}

// UpdateFile implements ach.Store.
func (s ACHStore) UpdateFile(ctx context.Context, f ach.File) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE ach_files SET status = $2, location = $3, delivered_at = $4 WHERE id = $1`,
		f.ID, f.Status, f.Location, optional(f.DeliveredAt))
	return err
}

// FilesSince implements ach.Store.
func (s ACHStore) FilesSince(ctx context.Context, since time.Time) (int, error) {
	var n int
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT count(*) FROM ach_files WHERE created_at >= $1`, since).Scan(&n)
	return n, err
}

// CutoffClaimed implements ach.Store.
func (s ACHStore) CutoffClaimed(ctx context.Context, window string) (bool, error) {
	var claimed bool
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ach_cutoff_runs WHERE window_key = $1)`, window).Scan(&claimed)
	return claimed, err
}

// ClaimCutoff implements ach.Store.
func (s ACHStore) ClaimCutoff(ctx context.Context, window string, at time.Time) (bool, error) {
	tag, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO ach_cutoff_runs (window_key, ran_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, window, at)
	return tag.RowsAffected() == 1, err
}

// CutoffRan implements ach.Store.
func (s ACHStore) CutoffRan(ctx context.Context, window string, fileID int64) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE ach_cutoff_runs SET file_id = $2 WHERE window_key = $1`, window, fileID)
	return err
}

// LastRun implements ach.Store.
func (s ACHStore) LastRun(ctx context.Context) (string, time.Time, bool, error) {
	var window string
	var at time.Time
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT window_key, ran_at FROM ach_cutoff_runs ORDER BY ran_at DESC LIMIT 1`).Scan(&window, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", time.Time{}, false, nil
	}
	return window, at, err == nil, err
}

// Summary implements ach.Store.
func (s ACHStore) Summary(ctx context.Context, since time.Time) (ach.Summary, error) {
	sum := ach.Summary{Held: map[ach.HoldReason]int{}}
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT status, hold_reason, count(*) FROM ach_transfers
		WHERE status IN ('held', 'approved') GROUP BY status, hold_reason`)
	if err != nil {
		return sum, err
	}
	var status ach.Status
	var reason ach.HoldReason
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&status, &reason, &n}, func() error {
		if status == ach.Held {
			sum.Held[reason] += n
		} else {
			sum.Approved += n
		}
		return nil
	}); err != nil {
		return sum, err
	}
	err = Conn(ctx, s.DB).QueryRow(ctx, `SELECT (SELECT count(*) FROM ach_corrections WHERE status = 'pending'),
		(SELECT count(*) FROM ach_returns WHERE received_at >= $1)`, since).Scan(&sum.PendingCorrections, &sum.ReturnsThisWeek)
	return sum, err
}

// ReserveTraces implements ach.Store. The row lock orders concurrent
// cutoffs; a cutoff rolled back gives its numbers back. Past the seventh
// digit the counter starts again at 1, and the range is refused if any of
// it was used in the last 90 days (a return could not tell the two apart).
func (s ACHStore) ReserveTraces(ctx context.Context, odfi string, n int) (int, error) {
	var first int
	err := Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO ach_trace_counters (odfi, next) VALUES ($1, 1 + $2)
		ON CONFLICT (odfi) DO UPDATE SET next = CASE WHEN ach_trace_counters.next + $2 - 1 > $3 THEN 1 + $2 ELSE ach_trace_counters.next + $2 END
		RETURNING next - $2`, odfi, n, ach.MaxTrace).Scan(&first)
	if err != nil {
		return 0, err
	}
	var reused bool
	err = Conn(ctx, s.DB).QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ach_transfers t JOIN ach_files f ON f.id = t.file_id
		WHERE t.trace_number BETWEEN $1 AND $2 AND f.created_at > now() - interval '90 days')`,
		fmt.Sprintf("%s%07d", odfi, first), fmt.Sprintf("%s%07d", odfi, first+n-1)).Scan(&reused)
	if err == nil && reused {
		return 0, domain.Errorf(domain.EUNAVAILABLE, "The trace numbers of bank identification %s would repeat within 90 days (%d entries in that time): ask the bank how to split files across identifications.", odfi, ach.MaxTrace)
	}
	return first, err
}

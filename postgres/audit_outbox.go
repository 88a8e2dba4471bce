package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/audit"
)

// AuditOutbox implements audit.Outbox: one row in the caller's transaction.
// Appending costs the caller a single insert into a narrow table; chaining
// happens after commit, in the sequencer.
type AuditOutbox struct {
	DB *pgxpool.Pool
}

var _ audit.Outbox = AuditOutbox{}

// Enqueue implements audit.Outbox.
func (o AuditOutbox) Enqueue(ctx context.Context, at time.Time, entry []byte) error {
	_, err := Conn(ctx, o.DB).Exec(ctx, `INSERT INTO audit_outbox (occurred_at, entry) VALUES ($1, $2)`, at, entry)
	return err
}

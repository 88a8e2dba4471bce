package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/domain/audit"
)

// importBatch is how many generated events one COPY carries.
const importBatch = 50_000

// Import chains n generated events straight into the log with COPY, as the
// sequencer would but without the outbox: for demo data and load tests at
// millions of entries. It may run beside a running sequencer (appends take
// turns on the head row). gen(i) returns the i-th event and its time; times
// should not go backwards.
func (s *AuditSequencer) Import(ctx context.Context, n int, gen func(i int) (time.Time, audit.Event)) error {
	return s.withConn(ctx, func(conn *pgx.Conn) error {
		for start := 0; start < n; start += importBatch {
			count := min(importBatch, n-start)
			times, entries := make([]time.Time, count), make([][]byte, count)
			for i := range count {
				at, e := gen(start + i)
				if err := e.Validate(); err != nil {
					return fmt.Errorf("generated event %d: %w", start+i, err)
				}
				entries[i], _ = e.Canonical()
				times[i] = at.UTC().Truncate(time.Microsecond)
			}
			err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				_, err := appendChained(ctx, tx, times, entries)
				return err
			})
			if err != nil {
				return fmt.Errorf("import: %w", err)
			}
		}
		return nil
	})
}

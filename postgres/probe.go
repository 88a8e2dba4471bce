package postgres

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/health"
)

// Probe checks that the database answers and holds at least this binary's
// migrations. A schema ahead of the binary is ready: during a rolling
// upgrade `console migrate` runs first and the old instances keep serving
// (migrations are additive) until they are replaced one at a time.
type Probe struct {
	DB         *pgxpool.Pool
	Migrations fs.FS
}

// Check implements health.Probe.
func (p Probe) Check(ctx context.Context) health.Check {
	c := health.Check{Name: "database"}
	applied, latest, err := MigrationStatus(ctx, p.DB, p.Migrations)
	switch {
	case err != nil:
		c.Detail = "unreachable"
	case applied < latest:
		c.Detail = fmt.Sprintf("schema at version %d of %d: run migrate", applied, latest)
	case applied > latest:
		c.OK = true
		c.Detail = fmt.Sprintf("schema version %d, ahead of this binary's %d: an upgrade is under way", applied, latest)
	default:
		c.OK = true
		stat := p.DB.Stat()
		c.Detail = fmt.Sprintf("schema version %d; %d of %d connections in use", applied, stat.AcquiredConns(), stat.MaxConns())
	}
	return c
}

package postgres

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/health"
)

// Probe checks that the database answers and its schema is current.
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
	case applied != latest:
		c.Detail = fmt.Sprintf("schema at version %d of %d: run migrate", applied, latest)
	default:
		c.OK = true
		stat := p.DB.Stat()
		c.Detail = fmt.Sprintf("schema version %d; %d of %d connections in use", applied, stat.AcquiredConns(), stat.MaxConns())
	}
	return c
}

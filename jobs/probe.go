package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/health"
)

// Probe checks that this instance is working jobs and that jobs do run
// somewhere: the heartbeat is fresh.
type Probe struct {
	Queue *Queue
	DB    *pgxpool.Pool
}

// staleAfter is how old a heartbeat may be before jobs count as stuck.
const staleAfter = 5 * HeartbeatInterval

// Check implements health.Probe.
func (p Probe) Check(ctx context.Context) health.Check {
	c := health.Check{Name: "jobs"}
	if !p.Queue.Running() {
		c.Detail = "job queue not running on this instance"
		return c
	}
	at, beats, err := LastHeartbeat(ctx, p.DB)
	switch {
	case err != nil:
		c.Detail = "heartbeat unreadable"
	case at.IsZero():
		c.OK, c.Detail = true, "running; first heartbeat pending"
	case time.Since(at) > staleAfter:
		c.Detail = fmt.Sprintf("last heartbeat %s ago: jobs are not being worked", time.Since(at).Round(time.Second))
	default:
		c.OK, c.Detail = true, fmt.Sprintf("running; heartbeat %s ago (%d so far)", time.Since(at).Round(time.Second), beats)
	}
	return c
}

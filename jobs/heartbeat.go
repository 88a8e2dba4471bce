package jobs

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
)

// HeartbeatInterval is how often the heartbeat job runs. A heartbeat older
// than a few intervals means no instance is working jobs.
const HeartbeatInterval = time.Minute

type heartbeatArgs struct{}

func (heartbeatArgs) Kind() string { return "system.heartbeat" }

func heartbeatJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(HeartbeatInterval),
		func() (river.JobArgs, *river.InsertOpts) { return heartbeatArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "system.heartbeat"})
}

type heartbeatWorker struct {
	river.WorkerDefaults[heartbeatArgs]
	db *pgxpool.Pool
}

func (w *heartbeatWorker) Work(ctx context.Context, _ *river.Job[heartbeatArgs]) error {
	_, err := w.db.Exec(ctx, `
		INSERT INTO system_heartbeat (beat_at) VALUES (now())
		ON CONFLICT (id) DO UPDATE SET beat_at = now(), beats = system_heartbeat.beats + 1`)
	return err
}

// LastHeartbeat returns when the heartbeat job last ran; zero if never.
func LastHeartbeat(ctx context.Context, db *pgxpool.Pool) (at time.Time, beats int64, err error) {
	err = db.QueryRow(ctx, `SELECT coalesce(max(beat_at), 'epoch'), coalesce(max(beats), 0) FROM system_heartbeat`).Scan(&at, &beats)
	if at.Unix() == 0 {
		at = time.Time{}
	}
	return at, beats, err
}

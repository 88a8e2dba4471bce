package postgres

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/incidents"
)

// IncidentsChannel is notified with an incident's id each time it opens
// or changes.
const IncidentsChannel = "incidents_changed"

// IncidentStore implements incidents.Store.
type IncidentStore struct {
	DB *pgxpool.Pool
}

var _ incidents.Store = IncidentStore{}

const incidentColumns = `id, title, priority, status, owner, opened_by, opened_at, summary, resolution, review,
	investigating_at, contained_at, resolved_at, reviewed_at`

// incidentOrder is the list's order, as the incidents_list index has it.
const incidentOrder = `(status IN ('resolved', 'reviewed')), priority, (-id)`

func scanIncident(row pgx.CollectableRow) (incidents.Incident, error) {
	var i incidents.Incident
	var investigating, contained, resolved, reviewed *time.Time
	err := row.Scan(&i.ID, &i.Title, &i.Priority, &i.Status, &i.Owner, &i.OpenedBy, &i.OpenedAt, &i.Summary, &i.Resolution, &i.Review,
		&investigating, &contained, &resolved, &reviewed)
	i.InvestigatingAt, i.ContainedAt, i.ResolvedAt, i.ReviewedAt = deref(investigating), deref(contained), deref(resolved), deref(reviewed)
	return i, err
}

// Insert implements incidents.Store.
func (s IncidentStore) Insert(ctx context.Context, i *incidents.Incident) error {
	return Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO incidents (title, priority, status, owner, opened_by, opened_at, summary)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, i.Title, string(i.Priority), string(i.Status), i.Owner, i.OpenedBy,
		i.OpenedAt, i.Summary).Scan(&i.ID)
}

// Incident implements incidents.Store.
func (s IncidentStore) Incident(ctx context.Context, id int64, lock bool) (incidents.Incident, bool, error) {
	return one(ctx, Conn(ctx, s.DB), lockIf(`SELECT `+incidentColumns+` FROM incidents WHERE id = $1`, lock), scanIncident, id)
}

// Update implements incidents.Store.
func (s IncidentStore) Update(ctx context.Context, i incidents.Incident) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE incidents SET status = $2, owner = $3, resolution = $4, review = $5,
		investigating_at = $6, contained_at = $7, resolved_at = $8, reviewed_at = $9 WHERE id = $1`, i.ID, string(i.Status), i.Owner,
		i.Resolution, i.Review, optional(i.InvestigatingAt), optional(i.ContainedAt), optional(i.ResolvedAt), optional(i.ReviewedAt))
	return err
}

// List implements incidents.Store: a page after an incident starts past
// its place in the list's order.
func (s IncidentStore) List(ctx context.Context, q incidents.Query) ([]incidents.Incident, error) {
	w := where{}
	w.addIf(q.Status != "", "status = ?", string(q.Status))
	w.onlyIf(q.Active, "status IN ('open', 'investigating', 'contained')")
	w.addIf(q.Priority != "", "priority = ?", string(q.Priority))
	w.addIf(q.Owner != "", "owner = ?", q.Owner)
	w.addIf(q.After > 0, "("+incidentOrder+") > (SELECT "+incidentOrder+" FROM incidents WHERE id = ?)", q.After)
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+incidentColumns+` FROM incidents`+w.sql()+` ORDER BY `+incidentOrder+w.limit(q.Limit), w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanIncident)
}

// Counts implements incidents.Store.
func (s IncidentStore) Counts(ctx context.Context) (incidents.Counts, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT priority, count(*) FROM incidents
		WHERE status IN ('open', 'investigating', 'contained') GROUP BY priority`)
	if err != nil {
		return nil, err
	}
	counts := incidents.Counts{}
	var p incidents.Priority
	var n int
	_, err = pgx.ForEachRow(rows, []any{&p, &n}, func() error { counts[p] = n; return nil })
	return counts, err
}

// AddEvent implements incidents.Store.
func (s IncidentStore) AddEvent(ctx context.Context, id int64, e incidents.Event) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO incident_events (incident_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)`,
		id, e.At, e.Actor, e.Action, e.Detail)
	return err
}

// Events implements incidents.Store.
func (s IncidentStore) Events(ctx context.Context, id int64) ([]incidents.Event, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT at, actor, action, detail FROM incident_events WHERE incident_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[incidents.Event])
}

// AddLink implements incidents.Store.
func (s IncidentStore) AddLink(ctx context.Context, id int64, l incidents.Link) (bool, error) {
	tag, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO incident_links (incident_id, kind, ref, added_by, added_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`, id, string(l.Kind), l.Ref, l.AddedBy, l.AddedAt)
	return tag.RowsAffected() == 1, err
}

// Links implements incidents.Store.
func (s IncidentStore) Links(ctx context.Context, id int64) ([]incidents.Link, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT kind, ref, added_by, added_at FROM incident_links WHERE incident_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[incidents.Link])
}

// Acknowledge implements incidents.Store.
func (s IncidentStore) Acknowledge(ctx context.Context, id int64, username string, at time.Time) (bool, error) {
	tag, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO incident_acks (incident_id, username, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		id, username, at)
	return tag.RowsAffected() == 1, err
}

// Acknowledgements implements incidents.Store.
func (s IncidentStore) Acknowledgements(ctx context.Context, id int64) ([]incidents.Acknowledgement, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT username, at FROM incident_acks WHERE incident_id = $1 ORDER BY at, username`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[incidents.Acknowledgement])
}

// Unacknowledged implements incidents.Store.
func (s IncidentStore) Unacknowledged(ctx context.Context, username string, limit int) ([]incidents.Incident, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+incidentColumns+` FROM incidents i
		WHERE priority IN ('p1', 'p2') AND status IN ('open', 'investigating', 'contained')
			AND NOT EXISTS (SELECT FROM incident_acks a WHERE a.incident_id = i.id AND a.username = $1)
		ORDER BY priority, opened_at LIMIT $2`, username, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanIncident)
}

// Changed implements incidents.Store.
func (s IncidentStore) Changed(ctx context.Context, id int64) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `SELECT pg_notify($1, $2)`, IncidentsChannel, strconv.FormatInt(id, 10))
	return err
}

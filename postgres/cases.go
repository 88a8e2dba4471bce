package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/cases"
)

// CaseStore implements cases.Store.
type CaseStore struct {
	DB *pgxpool.Pool
}

var _ cases.Store = CaseStore{}

const caseColumns = `id, kind, status, subject, subject_name, title, summary, assignee, opened_at, due_at, decision, reason,
	closed_at, closed_by, coalesce(parent_id, 0)`

func scanCase(row pgx.CollectableRow) (cases.Case, error) {
	var c cases.Case
	var closed *time.Time
	err := row.Scan(&c.ID, &c.Kind, &c.Status, &c.Subject, &c.SubjectName, &c.Title, &c.Summary, &c.Assignee, &c.OpenedAt, &c.DueAt,
		&c.Decision, &c.Reason, &closed, &c.ClosedBy, &c.ParentID)
	c.ClosedAt = deref(closed)
	return c, err
}

// InsertCase implements cases.Store.
func (s CaseStore) InsertCase(ctx context.Context, c *cases.Case) error {
	return Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO cases (kind, status, subject, subject_name, title, summary, assignee, opened_at, due_at, parent_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, nullif($10, 0)) RETURNING id`,
		c.Kind, c.Status, c.Subject, c.SubjectName, c.Title, c.Summary, c.Assignee, c.OpenedAt, c.DueAt, c.ParentID).Scan(&c.ID)
}

// Case implements cases.Store.
func (s CaseStore) Case(ctx context.Context, id int64, lock bool) (cases.Case, bool, error) {
	sql := `SELECT ` + caseColumns + ` FROM cases WHERE id = $1`
	if lock {
		sql += " FOR UPDATE"
	}
	return one(ctx, Conn(ctx, s.DB), sql, scanCase, id)
}

// UpdateCase implements cases.Store.
func (s CaseStore) UpdateCase(ctx context.Context, c cases.Case) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE cases SET status = $2, assignee = $3, decision = $4, reason = $5, closed_at = $6,
		closed_by = $7, due_at = $8 WHERE id = $1`, c.ID, c.Status, c.Assignee, c.Decision, c.Reason, optional(c.ClosedAt), c.ClosedBy, c.DueAt)
	return err
}

// OpenCase implements cases.Store.
func (s CaseStore) OpenCase(ctx context.Context, kind cases.Kind, subject string) (cases.Case, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `SELECT `+caseColumns+` FROM cases WHERE kind = $1 AND subject = $2 AND status <> 'closed'`,
		scanCase, kind, subject)
}

// ListCases implements cases.Store: open cases by deadline, or closed ones
// newest first.
func (s CaseStore) ListCases(ctx context.Context, q cases.Query) ([]cases.Case, error) {
	w := where{}
	order := " ORDER BY due_at, id"
	if q.Status == cases.Closed {
		w.onlyIf(true, "status = 'closed'")
		w.addIf(q.After > 0, "id < ?", q.After)
		order = " ORDER BY id DESC"
	} else {
		w.onlyIf(true, "status <> 'closed'")
		w.addIf(q.Status != "", "status = ?", q.Status)
		w.addIf(q.After > 0, "(due_at, id) > (SELECT due_at, id FROM cases WHERE id = ?)", q.After)
	}
	w.addIf(q.Kind != "", "kind = ?", q.Kind)
	w.addIf(q.Assignee != "", "assignee = ?", q.Assignee)
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+caseColumns+` FROM cases`+w.sql()+order+w.limit(q.Limit), w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanCase)
}

// AddEvent implements cases.Store.
func (s CaseStore) AddEvent(ctx context.Context, caseID int64, e cases.Event) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO case_events (case_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)`,
		caseID, e.At, e.Actor, e.Action, e.Detail)
	return err
}

// Events implements cases.Store.
func (s CaseStore) Events(ctx context.Context, caseID int64) ([]cases.Event, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT at, actor, action, detail FROM case_events WHERE case_id = $1 ORDER BY id`, caseID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[cases.Event])
}

// AddNote implements cases.Store.
func (s CaseStore) AddNote(ctx context.Context, n *cases.Note) error {
	return Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO case_notes (case_id, author, body, at) VALUES ($1, $2, $3, $4) RETURNING id`,
		n.CaseID, n.Author, n.Body, n.At).Scan(&n.ID)
}

// Notes implements cases.Store.
func (s CaseStore) Notes(ctx context.Context, caseID int64) ([]cases.Note, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT id, case_id, author, body, at FROM case_notes WHERE case_id = $1 ORDER BY id`, caseID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[cases.Note])
}

// AddAttachment implements cases.Store.
func (s CaseStore) AddAttachment(ctx context.Context, a *cases.Attachment, data []byte) error {
	return Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO case_attachments (case_id, name, content_type, size, sha256, data, added_by, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, a.CaseID, a.Name, a.ContentType, a.Size, a.SHA256, data, a.By, a.At).Scan(&a.ID)
}

const attachmentColumns = `id, case_id, name, content_type, size, sha256, added_by, at`

// Attachments implements cases.Store.
func (s CaseStore) Attachments(ctx context.Context, caseID int64) ([]cases.Attachment, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+attachmentColumns+` FROM case_attachments WHERE case_id = $1 ORDER BY id`, caseID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[cases.Attachment])
}

// AttachmentData implements cases.Store.
func (s CaseStore) AttachmentData(ctx context.Context, caseID, id int64) (cases.Attachment, []byte, bool, error) {
	var a cases.Attachment
	var data []byte
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT `+attachmentColumns+`, data FROM case_attachments WHERE case_id = $1 AND id = $2`, caseID, id).
		Scan(&a.ID, &a.CaseID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.By, &a.At, &data)
	if err == pgx.ErrNoRows {
		return a, nil, false, nil
	}
	return a, data, err == nil, err
}

// Summary implements cases.Store.
func (s CaseStore) Summary(ctx context.Context, now time.Time) (cases.Summary, error) {
	sum := cases.Summary{Open: map[cases.Kind]int{}}
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT kind, count(*), count(*) FILTER (WHERE due_at < $1) FROM cases
		WHERE status <> 'closed' GROUP BY kind`, now)
	if err != nil {
		return sum, err
	}
	var kind cases.Kind
	var open, overdue int
	if _, err := pgx.ForEachRow(rows, []any{&kind, &open, &overdue}, func() error {
		sum.Open[kind], sum.Overdue = open, sum.Overdue+overdue
		return nil
	}); err != nil {
		return sum, err
	}
	next, found, err := one(ctx, Conn(ctx, s.DB), `SELECT `+caseColumns+` FROM cases WHERE status <> 'closed' AND kind = 'sar'
		ORDER BY due_at, id LIMIT 1`, scanCase)
	if found {
		sum.NextSAR = &next
	}
	return sum, err
}

package incidents

import (
	"context"
	"time"

	"github.com/paycompliance/console/domain/identity"
)

// Store keeps incidents, their timelines, links and acknowledgements; each
// method joins the transaction its ctx carries.
type Store interface {
	Insert(ctx context.Context, i *Incident) error
	Incident(ctx context.Context, id int64, lock bool) (Incident, bool, error)
	// Update writes the incident's status, owner, texts and timestamps.
	Update(ctx context.Context, i Incident) error
	List(ctx context.Context, q Query) ([]Incident, error)
	// Counts counts the active incidents by priority.
	Counts(ctx context.Context) (Counts, error)

	AddEvent(ctx context.Context, id int64, e Event) error
	Events(ctx context.Context, id int64) ([]Event, error)
	// AddLink keeps l; false when the incident links to it already.
	AddLink(ctx context.Context, id int64, l Link) (bool, error)
	Links(ctx context.Context, id int64) ([]Link, error)
	// Acknowledge records username's acknowledgement; false when they
	// acknowledged it already.
	Acknowledge(ctx context.Context, id int64, username string, at time.Time) (bool, error)
	Acknowledgements(ctx context.Context, id int64) ([]Acknowledgement, error)
	// Unacknowledged are the active P1 and P2 incidents username has not
	// acknowledged, most urgent first, then oldest.
	Unacknowledged(ctx context.Context, username string, limit int) ([]Incident, error)

	// Changed tells every instance's live pages that an incident changed.
	Changed(ctx context.Context, id int64) error
}

// AlertSource reads the alert an incident is opened from.
type AlertSource interface {
	// AlertSummary is the alert's title, severity (critical, high,
	// medium, low) and console link; ENOTFOUND when there is none.
	AlertSummary(ctx context.Context, id int64) (title, severity, link string, err error)
}

// Colleague tells whether a username holds a permission: an incident's
// owner must be one who may run incidents.
type Colleague interface {
	Holds(ctx context.Context, username string, p identity.Permission) (bool, error)
}

package payments

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/audit"
)

// Catching up on webhooks: Stripe retries a webhook it could not deliver
// for three days, but an endpoint that was unreachable, misconfigured or
// answered 2xx without storing (a crash) may still miss an event. The
// processor's API lists its events for 30 days; CatchUpEvents lists those
// created since the last run and stores and queues any not received, on the
// same path and with the same exactly-once guarantee as a webhook.
const (
	// CatchUpOverlap is how far before the last run's start a run lists
	// again, for events the API shows a little after their creation time;
	// events already received are skipped, so overlap costs nothing else.
	CatchUpOverlap = 10 * time.Minute
	// CatchUpFirstLookBack is what the first run lists: events before the
	// console was connected are not its own to apply.
	CatchUpFirstLookBack = time.Hour
)

// EventLister lists the processor's events through its API.
type EventLister interface {
	// EventsSince returns the events created at or after since, each with
	// its body as the API gave it, and how many were left out because the
	// console cannot read them as they are (another API version).
	EventsSince(ctx context.Context, since time.Time) (events []ListedEvent, unreadable int, err error)
}

// ListedEvent is an event as listed, read and with its body.
type ListedEvent struct {
	Event   Event
	Payload []byte
}

// CatchUpStore keeps how far the catch-up has listed.
type CatchUpStore interface {
	CatchUpCursor(ctx context.Context) (listedUntil time.Time, found bool, err error)
	SetCatchUpCursor(ctx context.Context, listedUntil, ranAt time.Time) error
}

// CatchUpEvents lists the processor's events since the last run and stores
// and queues those never received (none without Lister), in one
// transaction with the new cursor: a run that fails moves nothing, and the
// next lists the same window again. Events of types the console does not
// act on are not stored. It returns how many events it stored.
func (s *Service) CatchUpEvents(ctx context.Context) (int, error) {
	if s.Lister == nil {
		return 0, nil
	}
	ctx = audit.WithActor(ctx, processor)
	started := s.now()
	since, found, err := s.Store.CatchUpCursor(ctx)
	if err != nil {
		return 0, err
	}
	if !found {
		since = started.Add(-CatchUpFirstLookBack)
	}
	listed, unreadable, err := s.Lister.EventsSince(ctx, since.Add(-CatchUpOverlap))
	if err != nil {
		return 0, err
	}
	var stored []string
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		stored = stored[:0]
		for _, l := range listed {
			if l.Event.intentID() == "" {
				continue
			}
			inserted, err := s.Store.InsertEvent(ctx, StoredEvent{ID: l.Event.ID, Type: l.Event.Type, Created: l.Event.Created,
				Livemode: l.Event.Livemode, Payload: l.Payload, ReceivedAt: started, State: EventReceived})
			if err != nil {
				return err
			}
			if !inserted {
				continue
			}
			if err := s.Jobs.ApplyEventLater(ctx, l.Event.ID); err != nil {
				return err
			}
			stored = append(stored, l.Event.ID)
		}
		if len(stored) > 0 || unreadable > 0 {
			if err := s.Audit.Record(ctx, audit.Event{Action: audit.WebhooksCaughtUp, Outcome: audit.Success,
				Target: audit.Target{Type: "webhook", ID: "stripe"},
				Detail: map[string]string{"stored": strconv.Itoa(len(stored)), "events": eventList(stored),
					"unreadable": strconv.Itoa(unreadable), "listed_since": since.Add(-CatchUpOverlap).Format(time.RFC3339)}}); err != nil {
				return err
			}
		}
		return s.Store.SetCatchUpCursor(ctx, started, s.now())
	})
	return len(stored), err
}

// eventList names the first events of ids for an audit entry's detail.
func eventList(ids []string) string {
	const shown = 6 // Stripe's ids are 28 characters; a detail holds 256 bytes
	if len(ids) <= shown {
		return strings.Join(ids, " ")
	}
	return strings.Join(ids[:shown], " ") + " and " + strconv.Itoa(len(ids)-shown) + " more"
}

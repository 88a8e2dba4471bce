package handlers

import (
	"context"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/views/timeline"
)

// event is the shape of a line of an area's own timeline (a fraud case's,
// an incident's): who did what, when.
type event = struct {
	At                    time.Time
	Actor, Action, Detail string
}

// history is items with an area's own events and, for a caller who reads
// the audit trail, the audit entries about target, oldest first.
func history[E ~event](ctx context.Context, b *audit.Browser, target audit.Filter, items []timeline.Item, events []E) ([]timeline.Item, error) {
	for _, e := range events {
		e := event(e)
		text := e.Action
		if e.Detail != "" {
			text += ": " + e.Detail
		}
		items = append(items, timeline.Item{At: e.At, Kind: e.Actor, Text: text})
	}
	if caller, _ := identity.CallerFrom(ctx); caller.Can(identity.PermAuditRead) {
		entries, err := auditItems(ctx, b, target)
		if err != nil {
			return items, err
		}
		items = append(items, entries...)
	}
	return timeline.Sorted(items), nil
}

// auditItems are the timeline lines of the audit entries about targets
// (each a target type and id), linked to their entries.
func auditItems(ctx context.Context, b *audit.Browser, targets ...audit.Filter) ([]timeline.Item, error) {
	var items []timeline.Item
	for _, f := range targets {
		entries, err := b.List(ctx, f, audit.Page{Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			items = append(items, timeline.Item{At: e.Time, Kind: "audit", Link: "/audit/entries/" + strconv.FormatInt(e.Seq, 10),
				Text: string(e.Event.Action) + " by " + e.Event.Actor.ID})
		}
	}
	return items, nil
}

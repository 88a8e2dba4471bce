package handlers

import (
	"context"
	"strconv"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/views/timeline"
)

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

package stripe

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	sdk "github.com/stripe/stripe-go/v76"

	"github.com/paycompliance/console/domain/payments"
)

var _ payments.EventLister = (*Client)(nil)

// EventsSince implements payments.EventLister: GET /v1/events created at
// or after since, every page. Stripe lists newest first; they are returned
// oldest first, as they happened. An event is returned in the shape a
// webhook brings it, so it is stored and read the same way; events of
// types the console does not act on are left out, and those in another
// API version than stripe-go's (as a webhook's Verify refuses them) are
// counted, not read.
func (c *Client) EventsSince(ctx context.Context, since time.Time) ([]payments.ListedEvent, int, error) {
	params := &sdk.EventListParams{CreatedRange: &sdk.RangeQueryParams{GreaterThanOrEqual: since.Unix()}}
	params.Context = ctx
	params.Limit = sdk.Int64(100)
	var out []payments.ListedEvent
	unreadable := 0
	it := c.api.Events.List(params)
	for it.Next() {
		se := it.Event()
		if !actedOn(string(se.Type)) {
			continue
		}
		if se.APIVersion != sdk.APIVersion {
			unreadable++
			continue
		}
		payload, err := json.Marshal(se)
		if err != nil {
			return nil, 0, err
		}
		e, err := Events{}.Read(payload)
		if err != nil {
			unreadable++
			continue
		}
		out = append(out, payments.ListedEvent{Event: e, Payload: payload})
	}
	if err := it.Err(); err != nil {
		return nil, 0, mapError(err)
	}
	slices.Reverse(out)
	return out, unreadable, nil
}

// actedOn says whether Read makes anything of an event of this type.
func actedOn(eventType string) bool {
	object, _, _ := strings.Cut(eventType, ".")
	return object == "payment_intent" || object == "charge" || object == "refund" || object == "review"
}

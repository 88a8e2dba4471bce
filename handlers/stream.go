package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/web/render"
)

// Subscriber delivers a notification (its payload) each time something a
// live view follows changes, on any instance.
type Subscriber interface {
	Subscribe() (<-chan string, func())
}

// SessionResumer re-checks a live stream's session, so that a stream
// outlives neither a sign-out nor a revocation.
type SessionResumer interface {
	Resume(ctx context.Context, id identity.SessionID) (identity.Principal, error)
}

// pingEvery keeps idle streams open through proxies.
const pingEvery = 25 * time.Second

// liveStream answers with Server-Sent Events until the browser goes, the
// server shuts down or the session ends: for each notification from sub it
// calls send. The session is checked again before anything is sent. Once
// subscribed it calls connected, if set: what changed between the page's
// rendering and the stream's start must not be missed.
func liveStream(w http.ResponseWriter, r *http.Request, sub Subscriber, sessions SessionResumer,
	connected func(stream *render.EventStream) error,
	send func(ctx context.Context, stream *render.EventStream, payload string) error) error {
	changes, unsubscribe := sub.Subscribe()
	defer unsubscribe()
	stream, err := render.NewEventStream(w)
	if err != nil {
		return err
	}
	if connected != nil {
		if err := connected(stream); err != nil {
			return nil // the browser went away
		}
	}
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	ctx := r.Context()
	_, session := identity.PrincipalFrom(ctx)
	live := func() bool { _, err := sessions.Resume(ctx, session); return err == nil }
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-render.StreamsEnd(ctx):
			return nil
		case <-ping.C:
			if !live() || stream.Ping() != nil {
				return nil
			}
		case payload := <-changes:
			if !live() {
				return nil
			}
			if err := send(ctx, stream, payload); err != nil {
				return nil // the browser went away
			}
		}
	}
}

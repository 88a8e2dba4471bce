package render

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"
)

type streamsKey struct{}

// WithStreamsEnd attaches a channel that closes when the server begins to
// shut down: long-lived streams end then, so shutdown waits only for
// ordinary requests.
func WithStreamsEnd(ctx context.Context, done <-chan struct{}) context.Context {
	return context.WithValue(ctx, streamsKey{}, done)
}

// StreamsEnd returns the channel WithStreamsEnd attached (nil: never).
func StreamsEnd(ctx context.Context) <-chan struct{} {
	done, _ := ctx.Value(streamsKey{}).(<-chan struct{})
	return done
}

// EventStream writes Server-Sent Events whose data are rendered components,
// for the htmx sse extension's sse-swap.
type EventStream struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

// NewEventStream starts an SSE response: headers sent, write deadline
// lifted (the server's WriteTimeout would cut a stream).
func NewEventStream(w http.ResponseWriter) (*EventStream, error) {
	rc := http.NewResponseController(w)
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		return nil, fmt.Errorf("render: streaming not supported: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // proxies must not hold events back
	w.WriteHeader(http.StatusOK)
	return &EventStream{w: w, rc: rc}, rc.Flush()
}

// Send renders c and sends it as one event named event.
func (s *EventStream) Send(ctx context.Context, event string, c templ.Component) error {
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		return err
	}
	var msg strings.Builder
	msg.WriteString("event: " + event + "\n")
	for line := range strings.SplitSeq(buf.String(), "\n") {
		msg.WriteString("data: " + line + "\n")
	}
	msg.WriteString("\n")
	if _, err := s.w.Write([]byte(msg.String())); err != nil {
		return err
	}
	return s.rc.Flush()
}

// Ping keeps idle connections open through proxies.
func (s *EventStream) Ping() error {
	if _, err := s.w.Write([]byte(": ping\n\n")); err != nil {
		return err
	}
	return s.rc.Flush()
}

// SendData sends one event named event carrying a short text (an id).
func (s *EventStream) SendData(event, data string) error {
	if _, err := s.w.Write([]byte("event: " + event + "\ndata: " + strings.ReplaceAll(data, "\n", " ") + "\n\n")); err != nil {
		return err
	}
	return s.rc.Flush()
}

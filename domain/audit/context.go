package audit

import "context"

type requestKey struct{}

type request struct {
	actor     Actor
	origin    Origin
	requestID string
}

// WithRequest attaches who is acting, from where, under which request id;
// Record fills these into any event that leaves them blank, so areas need
// not pass them along. The web layer sets them for every request.
func WithRequest(ctx context.Context, actor Actor, origin Origin, requestID string) context.Context {
	return context.WithValue(ctx, requestKey{}, request{actor, origin, requestID})
}

// WithActor replaces who is acting, keeping the origin and request id: the
// web layer calls it once it knows who signed in.
func WithActor(ctx context.Context, actor Actor) context.Context {
	r, _ := ctx.Value(requestKey{}).(request)
	r.actor = actor
	return context.WithValue(ctx, requestKey{}, r)
}

// OriginFrom returns the origin WithRequest attached.
func OriginFrom(ctx context.Context) Origin {
	r, _ := ctx.Value(requestKey{}).(request)
	return r.origin
}

// ActorFrom returns the actor WithRequest attached, if any.
func ActorFrom(ctx context.Context) (Actor, bool) {
	r, ok := ctx.Value(requestKey{}).(request)
	return r.actor, ok
}

func (e *Event) fillFrom(ctx context.Context) {
	r, ok := ctx.Value(requestKey{}).(request)
	if !ok {
		return
	}
	if e.Actor.ID == "" {
		e.Actor = r.actor
	}
	if e.Origin == (Origin{}) {
		e.Origin = r.origin
	}
	if e.RequestID == "" {
		e.RequestID = r.requestID
	}
}

package identity

import (
	"context"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
)

// Caller is whoever asks an area's service for something: a signed-in
// user, an API key, or the console itself (demo data, jobs). Routes check
// permissions first; services check again through Authorize, so that no
// other way in can skip it.
type Caller struct {
	Actor  audit.Actor
	UserID int64 // the signed-in user; 0 for an API key or the console
	can    func(Permission) bool
}

// Can reports whether the caller holds p.
func (c Caller) Can(p Permission) bool { return c.can != nil && c.can(p) }

type serviceCallerKey struct{}

// WithServiceCaller makes the console itself the caller, holding only
// perms, for work no person or key asks for (demo data, scheduled jobs).
func WithServiceCaller(ctx context.Context, actor audit.Actor, perms ...Permission) context.Context {
	allowed := map[Permission]bool{}
	for _, p := range perms {
		allowed[p] = true
	}
	c := Caller{Actor: actor, can: func(p Permission) bool { return allowed[p] }}
	return audit.WithActor(context.WithValue(ctx, serviceCallerKey{}, c), actor)
}

// CallerFrom returns the request's caller: a service caller when one was
// set (an area acting in its own name on another's service, within a
// request or not), else the signed-in user, else the API key; false when
// there is none.
func CallerFrom(ctx context.Context) (Caller, bool) {
	if c, ok := ctx.Value(serviceCallerKey{}).(Caller); ok {
		return c, true
	}
	if p, _ := PrincipalFrom(ctx); p != nil {
		return Caller{Actor: p.AuditActor(), UserID: p.UserID, can: p.Can}, true
	}
	if k, ok := APIKeyFrom(ctx); ok {
		return Caller{Actor: k.AuditActor(), can: k.Allows}, true
	}
	return Caller{}, false
}

// Authorize returns ctx's caller if it holds perm, with ctx naming it for
// the audit records the action makes; EFORBIDDEN otherwise.
func Authorize(ctx context.Context, perm Permission) (Caller, context.Context, error) {
	c, ok := CallerFrom(ctx)
	if !ok || !c.Can(perm) {
		return c, ctx, domain.Errorf(domain.EFORBIDDEN, "You do not have permission to do this.")
	}
	return c, audit.WithActor(ctx, c.Actor), nil
}

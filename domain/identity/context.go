package identity

import "context"

type principalKey struct{}

type signedIn struct {
	id SessionID
	p  *Principal
}

// WithPrincipal attaches the session a request runs in; the web layer sets
// it once the session checks out.
func WithPrincipal(ctx context.Context, id SessionID, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, signedIn{id, p})
}

// PrincipalFrom returns the request's principal and session id; nil when
// nobody is signed in.
func PrincipalFrom(ctx context.Context) (*Principal, SessionID) {
	s, _ := ctx.Value(principalKey{}).(signedIn)
	return s.p, s.id
}

type apiKeyKey struct{}

// WithAPIKey attaches the key an API call authenticated with.
func WithAPIKey(ctx context.Context, k APIKey) context.Context {
	return context.WithValue(ctx, apiKeyKey{}, k)
}

// APIKeyFrom returns the API call's key, if any.
func APIKeyFrom(ctx context.Context) (APIKey, bool) {
	k, ok := ctx.Value(apiKeyKey{}).(APIKey)
	return k, ok
}

package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
)

// APIKey is a credential for a system calling /api/v1. The whole key is
// shown once, at creation; only its SHA-256 is kept, and its prefix names
// it in lists and in the audit trail.
type APIKey struct {
	ID            int64
	Prefix        string
	SecretHash    []byte
	Name          string
	Scopes        []Permission
	CreatedBy     int64
	CreatedByName string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	RevokedAt     time.Time
	LastUsedAt    time.Time
}

// Usable reports whether the key may be used at now.
func (k APIKey) Usable(now time.Time) bool { return k.RevokedAt.IsZero() && now.Before(k.ExpiresAt) }

// Allows reports whether the key's scopes include p.
func (k APIKey) Allows(p Permission) bool { return slices.Contains(k.Scopes, p) }

// AuditActor names the key in the audit trail, with its scopes as roles.
func (k APIKey) AuditActor() audit.Actor {
	scopes := make([]string, len(k.Scopes))
	for i, s := range k.Scopes {
		scopes[i] = string(s)
	}
	return audit.Actor{Type: audit.ActorAPIKey, ID: apiKeyTag + "_" + k.Prefix, Roles: scopes}
}

// A key reads "pcc_<8 hex prefix>_<43 characters of 256-bit secret>": the
// tag lets secret scanners recognise a leaked key.
const apiKeyTag = "pcc"

func newAPIKeySecret() (key, prefix string) {
	p := make([]byte, 4)
	secret := make([]byte, 32)
	rand.Read(p)
	rand.Read(secret)
	prefix = hex.EncodeToString(p)
	return apiKeyTag + "_" + prefix + "_" + base64.RawURLEncoding.EncodeToString(secret), prefix
}

func hashAPIKey(key string) []byte {
	sum := sha256.Sum256([]byte(key))
	return sum[:]
}

// parseAPIKey returns the prefix of a well-formed key. The secret part is
// base64url, which may itself hold '_', so the key is read by position.
func parseAPIKey(key string) (prefix string, ok bool) {
	rest, ok := strings.CutPrefix(key, apiKeyTag+"_")
	if !ok || len(rest) != 8+1+43 || rest[8] != '_' {
		return "", false
	}
	if _, err := hex.DecodeString(rest[:8]); err != nil {
		return "", false
	}
	return rest[:8], true
}

// CreateAPIKey issues a key with the given scopes, valid for ttl (at most
// APIKeyMaxTTL). The returned string is the only copy of the key.
func (s *Service) CreateAPIKey(ctx context.Context, actor *Principal, name string, scopes []Permission, ttl time.Duration) (string, APIKey, error) {
	ctx, err := authorize(ctx, actor, PermAPIKeysManage)
	if err != nil {
		return "", APIKey{}, err
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "" || len(name) > 100:
		return "", APIKey{}, domain.Errorf(domain.EINVALID, "Name the key after the system that will use it (at most 100 characters).")
	case len(scopes) == 0:
		return "", APIKey{}, domain.Errorf(domain.EINVALID, "Choose at least one scope.")
	case ttl <= 0 || ttl > s.Policy.APIKeyMaxTTL:
		return "", APIKey{}, domain.Errorf(domain.EINVALID, "A key may live at most %d days.", int(s.Policy.APIKeyMaxTTL.Hours()/24))
	}
	for _, sc := range scopes {
		if !slices.Contains(APIScopes, sc) {
			return "", APIKey{}, domain.Errorf(domain.EINVALID, "%q is not an API scope.", sc)
		}
	}
	secret, prefix := newAPIKeySecret()
	now := s.now()
	k := APIKey{Prefix: prefix, SecretHash: hashAPIKey(secret), Name: name, Scopes: slices.Compact(slices.Sorted(slices.Values(scopes))),
		CreatedBy: actor.UserID, CreatedByName: actor.Username, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.CreateAPIKey(ctx, &k); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.APIKeyCreated, Target: audit.Target{Type: "api_key", ID: apiKeyTag + "_" + prefix},
			Detail: map[string]string{"name": name, "scopes": strings.Join(k.AuditActor().Roles, " "), "expires": k.ExpiresAt.Format(time.RFC3339)}})
	})
	return secret, k, err
}

// RevokeAPIKey makes a key unusable at once.
func (s *Service) RevokeAPIKey(ctx context.Context, actor *Principal, id int64) error {
	ctx, err := authorize(ctx, actor, PermAPIKeysManage)
	if err != nil {
		return err
	}
	return s.Tx.InTx(ctx, func(ctx context.Context) error {
		k, found, err := s.Store.APIKey(ctx, id)
		if err != nil {
			return err
		}
		if !found {
			return domain.Errorf(domain.ENOTFOUND, "There is no such API key.")
		}
		ok, err := s.Store.RevokeAPIKey(ctx, id, actor.UserID, s.now())
		if err != nil {
			return err
		}
		if !ok {
			return domain.Errorf(domain.ECONFLICT, "This key was already revoked.")
		}
		return s.record(ctx, audit.Event{Action: audit.APIKeyRevoked, Target: audit.Target{Type: "api_key", ID: apiKeyTag + "_" + k.Prefix},
			Detail: map[string]string{"name": k.Name}})
	})
}

// APIKeys lists every key, newest first.
func (s *Service) APIKeys(ctx context.Context, actor *Principal) ([]APIKey, error) {
	ctx, err := authorize(ctx, actor, PermAPIKeysManage)
	if err != nil {
		return nil, err
	}
	return s.Store.ListAPIKeys(ctx)
}

// APICall is an authenticated API call: the key, and where it stands in its
// rate window.
type APICall struct {
	Key        APIKey
	Limit      int
	Remaining  int
	Reset      time.Time     // when the window restarts
	RetryAfter time.Duration // until then, once over the limit
}

var errBadAPIKey = &domain.Error{Code: domain.EUNAUTHORIZED, Message: "A valid API key is required: send it as 'Authorization: Bearer <key>'."}

// AuthenticateAPIKey checks a presented key and counts the call against the
// key's per-minute limit, shared by every instance. Over the limit, the
// APICall is still returned (for Retry-After) with an ERATELIMIT error.
func (s *Service) AuthenticateAPIKey(ctx context.Context, presented string) (APICall, error) {
	prefix, ok := parseAPIKey(presented)
	if !ok {
		return APICall{}, errBadAPIKey
	}
	k, found, err := s.Store.APIKeyByPrefix(ctx, prefix)
	if err != nil {
		return APICall{}, err
	}
	now := s.now()
	if !found || subtle.ConstantTimeCompare(k.SecretHash, hashAPIKey(presented)) != 1 || !k.Usable(now) {
		return APICall{}, errBadAPIKey
	}
	window := now.Truncate(time.Minute)
	n, err := s.Store.UseAPIKey(ctx, k.ID, now, window)
	if err != nil {
		return APICall{}, err
	}
	c := APICall{Key: k, Limit: s.Policy.APIRateLimit, Remaining: max(0, s.Policy.APIRateLimit-n),
		Reset: window.Add(time.Minute), RetryAfter: window.Add(time.Minute).Sub(now)}
	if n > s.Policy.APIRateLimit {
		return c, domain.Errorf(domain.ERATELIMIT, "This key made more than %d calls this minute; retry after %s.", c.Limit, c.Reset.Format(time.RFC3339))
	}
	return c, nil
}

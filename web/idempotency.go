package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/identity"
)

const maxIdempotencyKey = 255

// idempotent makes every POST safe to retry: the same Idempotency-Key with
// the same request replays the first response for 24 hours; with a
// different request it is refused (409). A 5xx is not kept, so a retry runs.
func (s *Server) idempotent(next http.Handler) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		key := r.Header.Get("Idempotency-Key")
		if key == "" || len(key) > maxIdempotencyKey || !printableASCII(key) {
			return domain.Errorf(domain.EINVALID, "Every POST needs an Idempotency-Key header: up to %d printable characters, unique per operation (a UUID, say).", maxIdempotencyKey)
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		sum := sha256.New()
		sum.Write([]byte(r.Method + " " + r.URL.RequestURI() + "\n"))
		sum.Write(body)
		hash := sum.Sum(nil)
		keyID := apiKeyID(r.Context())
		prior, claimed, err := s.deps.Idempotency.Claim(r.Context(), keyID, key, hash, time.Now())
		if err != nil {
			return err
		}
		if !claimed {
			switch {
			case !bytes.Equal(prior.RequestHash, hash):
				return domain.Errorf(domain.ECONFLICT, "This Idempotency-Key was already used for a different request; use a new key for a new operation.")
			case prior.Status == 0:
				return domain.Errorf(domain.ECONFLICT, "A request with this Idempotency-Key is still running; retry in a moment.")
			}
			w.Header().Set("Content-Type", prior.ContentType)
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(prior.Status)
			_, err := w.Write(prior.Body)
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		cw := &capturingWriter{statusRecorder: statusRecorder{ResponseWriter: w}}
		next.ServeHTTP(cw, r)
		ctx := context.WithoutCancel(r.Context())
		if cw.status >= 500 || cw.status == 0 {
			err = s.deps.Idempotency.Release(ctx, keyID, key)
		} else {
			err = s.deps.Idempotency.Complete(ctx, keyID, key, identity.StoredResponse{
				Status: cw.status, ContentType: w.Header().Get("Content-Type"), Body: cw.body.Bytes()})
		}
		// The answer is sent: an error now (the database went away) must not
		// be written after it. The claim then holds the key until it is
		// stale, and a retry after that runs again, finding what this made.
		if err != nil {
			s.log.WarnContext(ctx, "idempotency: the answer was sent but not recorded", "request_id", RequestID(ctx),
				"status", cw.status, "held_for", identity.IdempotencyStale, "error", err)
		}
		return nil
	})
}

// apiKeyID is the calling key's id, from the request's principal for the API.
func apiKeyID(ctx context.Context) int64 {
	k, _ := identity.APIKeyFrom(ctx)
	return k.ID
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// capturingWriter keeps a copy of what the handler writes.
type capturingWriter struct {
	statusRecorder
	body bytes.Buffer
}

func (c *capturingWriter) Write(b []byte) (int, error) {
	c.body.Write(b)
	return c.statusRecorder.Write(b)
}

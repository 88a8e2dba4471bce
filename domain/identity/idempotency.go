package identity

import (
	"context"
	"time"
)

// Idempotency of API calls: the same Idempotency-Key from the same API key
// with the same request replays the first response for IdempotencyTTL;
// with a different request it is refused.
const (
	IdempotencyTTL = 24 * time.Hour
	// IdempotencyStale is how long an unfinished claim holds its key: past
	// it, the instance that claimed it is presumed dead and a retry runs.
	IdempotencyStale = 2 * time.Minute
)

// IdempotencyStore keeps the first response to each Idempotency-Key.
type IdempotencyStore interface {
	// Claim records key for a new request, unless a record exists that is
	// younger than IdempotencyTTL (or, while unfinished, younger than
	// IdempotencyStale): then it returns that record and claimed is false.
	Claim(ctx context.Context, keyID int64, key string, requestHash []byte, now time.Time) (prior StoredResponse, claimed bool, err error)
	// Complete stores the response to replay.
	Complete(ctx context.Context, keyID int64, key string, r StoredResponse) error
	// Release forgets a claim whose request failed on our side, so that a
	// retry runs again.
	Release(ctx context.Context, keyID int64, key string) error
}

// StoredResponse is a first response kept for replay; Status is 0 while
// the first request is still running.
type StoredResponse struct {
	RequestHash []byte
	Status      int
	ContentType string
	Body        []byte
}

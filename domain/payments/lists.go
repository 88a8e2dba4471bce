package payments

import (
	"context"
	"time"

	"github.com/paycompliance/console/domain/identity"
)

// Disputes lists disputes, newest first.
func (s *Service) Disputes(ctx context.Context, q ListQuery) ([]Dispute, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermPaymentsRead); err != nil {
		return nil, err
	}
	return s.Store.ListDisputes(ctx, q.withLimit())
}

// Reviews lists Radar reviews, newest first: the feed of the fraud
// reviewers' queue.
func (s *Service) Reviews(ctx context.Context, q ListQuery) ([]Review, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermPaymentsRead); err != nil {
		return nil, err
	}
	return s.Store.ListReviews(ctx, q.withLimit())
}

func (q ListQuery) withLimit() ListQuery {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = PageSize
	}
	return q
}

// Summary is what waits for people in payments, for the overview.
type Summary struct {
	RefundsAwaitingApproval int
	DisputesNeedingResponse int
	NextEvidenceDue         time.Time // the nearest deadline of those; zero for none
	OpenReviews             int
}

// Summary counts what waits: refunds for a second operator, disputes
// wanting evidence, open Radar reviews.
func (s *Service) Summary(ctx context.Context) (Summary, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermPaymentsRead); err != nil {
		return Summary{}, err
	}
	return s.Store.Summary(ctx)
}

package payments

import (
	"context"

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

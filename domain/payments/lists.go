package payments

import (
	"context"
	"time"

	"github.com/paycompliance/console/domain/identity"
)

// Disputes lists disputes, newest first, and whether more follow.
func (s *Service) Disputes(ctx context.Context, q ListQuery) ([]Dispute, bool, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermPaymentsRead); err != nil {
		return nil, false, err
	}
	limit, q := q.oneMore()
	list, err := s.Store.ListDisputes(ctx, q)
	return page(list, limit, err)
}

// Reviews lists Radar reviews, newest first, and whether more follow: the
// feed of the fraud reviewers' queue.
func (s *Service) Reviews(ctx context.Context, q ListQuery) ([]Review, bool, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermPaymentsRead); err != nil {
		return nil, false, err
	}
	limit, q := q.oneMore()
	list, err := s.Store.ListReviews(ctx, q)
	return page(list, limit, err)
}

// oneMore is the page size asked for, and q asking for one more row.
func (q ListQuery) oneMore() (int, ListQuery) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = PageSize
	}
	limit := q.Limit
	q.Limit++
	return limit, q
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

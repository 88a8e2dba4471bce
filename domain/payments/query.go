package payments

import (
	"slices"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/money"
)

// PageSize is how many payments a list shows at once, unless asked.
const PageSize = 50

// Query selects payments, newest first. Zero fields do not filter.
type Query struct {
	Status    Status
	RiskLevel RiskLevel
	Customer  string
	Currency  money.Currency
	// MinAmount and MaxAmount bound the amount in minor units of Currency,
	// which they need.
	MinAmount, MaxAmount int64
	From, To             time.Time // created in [From, To)
	// After continues a list after the payment with this public id.
	After string
	Limit int
}

// Validate reports the first thing wrong with q, as EINVALID.
func (q Query) Validate() error {
	switch {
	case q.Status != "" && !q.Status.Valid():
		return domain.Errorf(domain.EINVALID, "%q is not a payment status.", q.Status)
	case q.RiskLevel != "" && !slices.Contains(RiskLevels, q.RiskLevel):
		return domain.Errorf(domain.EINVALID, "%q is not a Radar risk level.", q.RiskLevel)
	case (q.MinAmount != 0 || q.MaxAmount != 0) && q.Currency == "":
		return domain.Errorf(domain.EINVALID, "Choose a currency to filter by amount: amounts in different currencies do not compare.")
	case q.MinAmount < 0 || q.MaxAmount < 0 || q.MaxAmount != 0 && q.MaxAmount < q.MinAmount:
		return domain.Errorf(domain.EINVALID, "The amount range is empty: the lowest amount is above the highest.")
	case !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From):
		return domain.Errorf(domain.EINVALID, "The date range is empty: it ends before it starts.")
	case q.Limit < 0 || q.Limit > 500:
		return domain.Errorf(domain.EINVALID, "A page holds 1 to 500 payments.")
	case len(q.Customer) > maxCustomerRef:
		return domain.Errorf(domain.EINVALID, "A customer reference is at most %d characters.", maxCustomerRef)
	}
	return nil
}

// ListQuery pages disputes or reviews, newest first.
type ListQuery struct {
	OpenOnly bool
	Before   int64 // continue after this id
	Limit    int
}

package fraud

import (
	"context"

	"github.com/paycompliance/console/domain/audit"
)

// DrainFeed scores what the rails queued and applies the labels they
// reported, one item per transaction (its decision, case and stop commit
// with its removal), until none is left. It returns how many it handled.
func (s *Service) DrainFeed(ctx context.Context) (int, error) {
	ctx = audit.WithActor(ctx, audit.System)
	for n := 0; ; n++ {
		took := false
		err := s.Tx.InTx(ctx, func(ctx context.Context) error {
			item, ok, err := s.Store.TakeFeed(ctx)
			if err != nil || !ok {
				return err
			}
			took = true
			return s.handle(ctx, item)
		})
		if err != nil || !took {
			return n, err
		}
	}
}

func (s *Service) handle(ctx context.Context, item FeedItem) error {
	switch item.Kind {
	case FeedDispute:
		if FraudulentDispute(item.Detail) {
			_, err := s.Store.SetLabel(ctx, RailPayment, item.Ref, Fraudulent, FromChargeback)
			return err
		}
	case FeedACHReturn:
		if UnauthorizedReturns[item.Detail] {
			_, err := s.Store.SetLabel(ctx, RailACHTransfer, item.Ref, Fraudulent, FromACHReturn)
			return err
		}
	default:
		e, found, err := s.Store.EventFor(ctx, item.Kind, item.Ref)
		if err != nil || !found {
			return err
		}
		// The console's own records were checked when they were made; one
		// that would not pass as an event (a future time after a clock
		// step) is scored as it stands rather than dropped.
		_ = e.Normalize(e.OccurredAt)
		_, err = s.assess(ctx, e)
		return err
	}
	return nil
}

package payments

import (
	"context"
	"maps"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/pan"
)

// Service holds the payment use cases. Every change is recorded in the
// audit trail in the transaction that makes it, and announced to live
// views when it commits.
type Service struct {
	Store   Store
	Tx      domain.Transactor
	Audit   *audit.Log
	Gateway Gateway
	Events  EventReader
	// Lister lists the processor's events for CatchUpEvents; nil: no
	// catch-up, webhooks only.
	Lister EventLister
	Jobs   Jobs
	Keys   Keyring
	// Simulator is set in test mode only (no live processor key): payers
	// may then simulate an outcome, sent through the webhook path.
	Simulator Simulator
	// RefundApprovalAbove: a refund of more minor units than this waits
	// for a second operator. 0: every refund does.
	RefundApprovalAbove int64
	Now                 func() time.Time

	rejected throttle // refused webhooks, for the audit trail
}

// processor is the audit actor for what the processor's events change.
var processor = audit.Actor{Type: audit.ActorSystem, ID: "stripe"}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// TestMode reports whether outcomes may be simulated.
func (s *Service) TestMode() bool { return s.Simulator != nil }

func (s *Service) record(ctx context.Context, action audit.Action, outcome audit.Outcome, p Payment, detail map[string]string) error {
	return s.Audit.Record(ctx, audit.Event{Action: action, Outcome: outcome,
		Target: audit.Target{Type: "payment", ID: p.PublicID}, Detail: detail})
}

func notFound() error { return domain.Errorf(domain.ENOTFOUND, "There is no such payment.") }

// Create creates a payment and its PaymentIntent. The processor is called
// first, with an idempotency key derived from the request, then the
// payment is stored: a retry of the same request, after any failure,
// finds the same PaymentIntent and stores it once.
func (s *Service) Create(ctx context.Context, in NewPayment) (Payment, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermPaymentsWrite)
	if err != nil {
		return Payment{}, err
	}
	if err := in.validate(); err != nil {
		return Payment{}, err
	}
	if p, found, err := s.Store.PaymentByRef(ctx, in.RequestRef); err != nil || found {
		return s.existing(p, in, err)
	}
	publicID := publicIDFor(in.RequestRef)
	metadata := maps.Clone(in.Metadata)
	if metadata == nil {
		metadata = map[string]string{}
	}
	metadata[reservedPrefix+"payment"], metadata[reservedPrefix+"customer"] = publicID, in.CustomerRef
	intent, err := s.Gateway.CreateIntent(ctx, "pcc_create_"+publicID, IntentRequest{Amount: in.Amount, Description: in.Description, Metadata: metadata})
	if err != nil {
		return Payment{}, err
	}
	now := s.now()
	p := Payment{PublicID: publicID, IntentID: intent.ID, Amount: in.Amount, CustomerRef: in.CustomerRef,
		Description: in.Description, Metadata: in.Metadata, Status: Open, StatusAt: now, Livemode: intent.Livemode,
		CreatedAt: now, CreatedBy: caller.Actor.ID, Risk: Risk{Score: -1}}
	secret, err := s.Keys.Encrypt(ctx, []byte(intent.ClientSecret), secretAAD(publicID))
	if err != nil {
		return Payment{}, err
	}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		inserted, err := s.Store.InsertPayment(ctx, &p, in.RequestRef, secret)
		if err != nil || !inserted {
			return err
		}
		if err := s.Store.AddHistory(ctx, p.ID, HistoryEntry{Status: Open, At: now, Source: sourceOf(caller)}); err != nil {
			return err
		}
		if err := s.record(ctx, audit.PaymentCreated, audit.Success, p, map[string]string{
			"amount": p.Amount.String(), "customer": p.CustomerRef, "payment_intent": p.IntentID}); err != nil {
			return err
		}
		return s.Store.Changed(ctx, p.PublicID)
	})
	if err != nil {
		return Payment{}, err
	}
	if p.ID == 0 { // a concurrent request with the same ref stored it first
		existing, found, err := s.Store.PaymentByRef(ctx, in.RequestRef)
		if !found && err == nil {
			err = domain.Errorf(domain.ECONFLICT, "A request with this reference is still being handled; retry in a moment.")
		}
		return s.existing(existing, in, err)
	}
	return p, nil
}

func (s *Service) existing(p Payment, in NewPayment, err error) (Payment, error) {
	if err != nil {
		return Payment{}, err
	}
	if !in.sameAs(p) {
		return Payment{}, domain.Errorf(domain.ECONFLICT, "This request reference was used for a different payment (%s); use a new one for a new payment.", p.PublicID)
	}
	return p, nil
}

// sourceOf names what made a change, for a payment's history.
func sourceOf(c identity.Caller) string {
	switch c.Actor.Type {
	case audit.ActorAPIKey:
		return "api"
	case audit.ActorUser:
		return "console"
	}
	return c.Actor.ID
}

func secretAAD(publicID string) []byte    { return []byte("payment:" + publicID + ":client_secret") }
func payerLinkMsg(publicID string) []byte { return []byte("payer-link:" + publicID) }

// Get returns one payment.
func (s *Service) Get(ctx context.Context, publicID string) (Payment, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermPaymentsRead); err != nil {
		return Payment{}, err
	}
	p, found, err := s.Store.Payment(ctx, publicID, false)
	if err == nil && !found {
		err = notFound()
	}
	return p, err
}

// List returns a page of payments matching q, and whether more follow.
func (s *Service) List(ctx context.Context, q Query) ([]Payment, bool, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermPaymentsRead); err != nil {
		return nil, false, err
	}
	if err := q.Validate(); err != nil {
		return nil, false, err
	}
	if q.Limit == 0 {
		q.Limit = PageSize
	}
	limit := q.Limit
	q.Limit++ // one more tells whether there is a next page
	list, err := s.Store.ListPayments(ctx, q)
	return page(list, limit, err)
}

// page cuts list to limit, reporting whether there was more.
func page[T any](list []T, limit int, err error) ([]T, bool, error) {
	if len(list) > limit {
		return list[:limit], true, err
	}
	return list, false, err
}

// Detail is a payment with everything attached to it.
type Detail struct {
	Payment  Payment
	History  []HistoryEntry
	Refunds  []Refund
	Disputes []Dispute
	Reviews  []Review
	Events   []StoredEvent
}

// Detail returns a payment with its history, refunds, disputes, reviews
// and the processor's events.
func (s *Service) Detail(ctx context.Context, publicID string) (Detail, error) {
	p, err := s.Get(ctx, publicID)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Payment: p}
	if d.History, err = s.Store.History(ctx, p.ID); err != nil {
		return d, err
	}
	if d.Refunds, err = s.Store.Refunds(ctx, p.ID); err != nil {
		return d, err
	}
	if d.Disputes, err = s.Store.PaymentDisputes(ctx, p.ID); err != nil {
		return d, err
	}
	if d.Reviews, err = s.Store.PaymentReviews(ctx, p.ID); err != nil {
		return d, err
	}
	d.Events, err = s.Store.PaymentEvents(ctx, p.ID)
	return d, err
}

// Cancel cancels a payment the payer has not completed.
func (s *Service) Cancel(ctx context.Context, publicID, reason string) (Payment, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermPaymentsWrite)
	if err != nil {
		return Payment{}, err
	}
	if err := validReason(reason); err != nil { // before Stripe is asked: the audit record must take it
		return Payment{}, err
	}
	p, found, err := s.Store.Payment(ctx, publicID, false)
	switch {
	case err != nil:
		return p, err
	case !found:
		return p, notFound()
	case p.Status == Succeeded:
		return p, domain.Errorf(domain.ECONFLICT, "This payment has succeeded: refund it instead of canceling it.")
	case p.Status == Canceled:
		return p, domain.Errorf(domain.ECONFLICT, "This payment is canceled already.")
	case p.Status == Processing:
		return p, domain.Errorf(domain.ECONFLICT, "This payment is processing and cannot be canceled now; refund it once it succeeds.")
	}
	if _, err := s.Gateway.CancelIntent(ctx, "pcc_cancel_"+publicID, p.IntentID); err != nil {
		return p, err
	}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		var found bool
		if p, found, err = s.Store.Payment(ctx, publicID, true); err != nil || !found {
			return err
		}
		at := s.now()
		if !p.applyStatus(Canceled, at) {
			return nil // an event settled it meanwhile
		}
		if err := s.Store.UpdatePayment(ctx, p); err != nil {
			return err
		}
		if err := s.Store.AddHistory(ctx, p.ID, HistoryEntry{Status: Canceled, At: at, Source: sourceOf(caller)}); err != nil {
			return err
		}
		if err := s.record(ctx, audit.PaymentCanceled, audit.Success, p, map[string]string{"reason": reason}); err != nil {
			return err
		}
		return s.Store.Changed(ctx, p.PublicID)
	})
	return p, err
}

// maxReason is how long a reason may be: it goes into the audit record.
const maxReason = 200

func validReason(reason string) error {
	if len(reason) > maxReason || !printable(reason) {
		return domain.Errorf(domain.EINVALID, "The reason is at most %d printable characters.", maxReason)
	}
	if _, found := pan.Find(reason); found {
		return domain.Errorf(domain.EINVALID, "The reason holds what looks like a card number; card numbers must never be sent to the console.")
	}
	return nil
}

// PayerLink is the token in a payment's payer page address: a keyed hash
// of the payment's id, so only the console can make one. It is for those
// who may create and cancel payments.
func (s *Service) PayerLink(ctx context.Context, publicID string) (string, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermPaymentsWrite); err != nil {
		return "", err
	}
	return s.Keys.Token(ctx, payerLinkMsg(publicID))
}

// PayerView is what the payer's page shows.
type PayerView struct {
	Payment      Payment
	ClientSecret string // empty once the payment is settled
	TestMode     bool
}

// Payer returns the payment a payer link opens; ENOTFOUND for a link the
// console did not make, exactly as for one to no payment. withSecret also
// decrypts the client secret Stripe.js needs, while the payment is open.
func (s *Service) Payer(ctx context.Context, publicID, token string, withSecret bool) (PayerView, error) {
	if err := s.Keys.CheckToken(ctx, payerLinkMsg(publicID), token); err != nil {
		return PayerView{}, notFound()
	}
	p, found, err := s.Store.Payment(ctx, publicID, false)
	if err != nil || !found {
		return PayerView{}, errOr(err, notFound())
	}
	v := PayerView{Payment: p, TestMode: s.TestMode()}
	if withSecret && !p.Status.Terminal() {
		ct, err := s.Store.ClientSecret(ctx, p.ID)
		if err != nil {
			return v, err
		}
		secret, err := s.Keys.Decrypt(ctx, ct, secretAAD(p.PublicID))
		if err != nil {
			return v, err
		}
		v.ClientSecret = string(secret)
	}
	return v, nil
}

func errOr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

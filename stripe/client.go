// Package stripe is the card processor adapter: payments.Gateway over
// stripe-go (PaymentIntents, refunds), payments.EventReader for webhooks
// (signature verified with webhook.ConstructEvent's checks before anything
// is read), and, for test mode, payments.Simulator, which signs events the
// way Stripe does. The local default talks to stripe-mock (stripemock/).
package stripe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	sdk "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/internal/failpoint"
)

// Config says which Stripe to call and how patiently.
type Config struct {
	SecretKey  string
	APIURL     string        // empty: api.stripe.com; stripe-mock's URL in test mode
	Timeout    time.Duration // per attempt
	MaxRetries int           // network failures and 5xx, with backoff, under the same idempotency key
}

// Client implements payments.Gateway.
type Client struct {
	api *client.API
}

var _ payments.Gateway = (*Client)(nil)

// New returns a client for cfg.
func New(cfg Config) *Client {
	bc := &sdk.BackendConfig{
		HTTPClient:        &http.Client{Timeout: cfg.Timeout},
		MaxNetworkRetries: sdk.Int64(int64(cfg.MaxRetries)),
		LeveledLogger:     quiet{},
		EnableTelemetry:   sdk.Bool(false),
	}
	if cfg.APIURL != "" {
		bc.URL = sdk.String(cfg.APIURL)
	}
	backends := &sdk.Backends{
		API:     sdk.GetBackendWithConfig(sdk.APIBackend, bc),
		Connect: sdk.GetBackendWithConfig(sdk.ConnectBackend, bc),
		Uploads: sdk.GetBackendWithConfig(sdk.UploadsBackend, bc),
	}
	return &Client{api: client.New(cfg.SecretKey, backends)}
}

// CreateIntent implements payments.Gateway.
func (c *Client) CreateIntent(ctx context.Context, key string, in payments.IntentRequest) (payments.Intent, error) {
	params := &sdk.PaymentIntentParams{
		Amount:                  sdk.Int64(in.Amount.Minor),
		Currency:                sdk.String(in.Amount.Currency.Lower()),
		AutomaticPaymentMethods: &sdk.PaymentIntentAutomaticPaymentMethodsParams{Enabled: sdk.Bool(true)},
	}
	if in.Description != "" {
		params.Description = sdk.String(in.Description)
	}
	for k, v := range in.Metadata {
		params.AddMetadata(k, v)
	}
	params.Context = ctx
	params.SetIdempotencyKey(key)
	pi, err := c.api.PaymentIntents.New(params)
	if err != nil {
		return payments.Intent{}, mapError(err)
	}
	return intentOf(pi), nil
}

// CancelIntent implements payments.Gateway.
func (c *Client) CancelIntent(ctx context.Context, key, intentID string) (payments.Intent, error) {
	params := &sdk.PaymentIntentCancelParams{}
	params.Context = ctx
	params.SetIdempotencyKey(key)
	pi, err := c.api.PaymentIntents.Cancel(intentID, params)
	if err != nil {
		return payments.Intent{}, mapError(err)
	}
	return intentOf(pi), nil
}

// CreateRefund implements payments.Gateway.
func (c *Client) CreateRefund(ctx context.Context, key string, in payments.RefundRequest) (payments.ProviderRefund, error) {
	params := &sdk.RefundParams{PaymentIntent: sdk.String(in.IntentID), Amount: sdk.Int64(in.Amount), Reason: sdk.String(string(in.Reason))}
	for k, v := range in.Metadata {
		params.AddMetadata(k, v)
	}
	params.Context = ctx
	params.SetIdempotencyKey(key)
	r, err := c.api.Refunds.New(params)
	if err != nil {
		return payments.ProviderRefund{}, mapError(err)
	}
	return payments.ProviderRefund{ID: r.ID, Status: refundStatus(r.Status), FailureReason: string(r.FailureReason)}, nil
}

func intentOf(pi *sdk.PaymentIntent) payments.Intent {
	return payments.Intent{ID: pi.ID, ClientSecret: pi.ClientSecret, Status: intentStatus(pi), Livemode: pi.Livemode}
}

// intentStatus maps a PaymentIntent's status to ours: waiting for a
// payment method after a failed attempt is "failed", the payer may retry.
func intentStatus(pi *sdk.PaymentIntent) payments.Status {
	switch pi.Status {
	case sdk.PaymentIntentStatusRequiresPaymentMethod:
		if pi.LastPaymentError != nil {
			return payments.Failed
		}
		return payments.Open
	case sdk.PaymentIntentStatusRequiresAction:
		return payments.RequiresAction
	case sdk.PaymentIntentStatusProcessing, sdk.PaymentIntentStatusRequiresCapture:
		return payments.Processing
	case sdk.PaymentIntentStatusSucceeded:
		return payments.Succeeded
	case sdk.PaymentIntentStatusCanceled:
		return payments.Canceled
	}
	return payments.Open
}

func refundStatus(s sdk.RefundStatus) payments.RefundStatus {
	switch s {
	case sdk.RefundStatusSucceeded:
		return payments.RefundSucceeded
	case sdk.RefundStatusFailed:
		return payments.RefundFailed
	case sdk.RefundStatusCanceled:
		return payments.RefundCanceled
	case sdk.RefundStatusRequiresAction:
		return payments.RefundRequiresAction
	}
	return payments.RefundPending
}

// mapError turns Stripe's errors into the console's: a refusal (bad card,
// bad request) is the caller's to fix; an outage or a timeout is ours to
// retry, and says so; a wrong key is an internal fault, logged not shown.
func mapError(err error) error {
	var se *sdk.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("%w (%w)", domain.Errorf(domain.EUNAVAILABLE,
			"The card processor did not answer in time. Nothing was charged twice: retry with the same Idempotency-Key."), err)
	}
	switch {
	case se.Type == sdk.ErrorTypeCard:
		return domain.Errorf(domain.EINVALID, "The card processor refused it: %s", se.Msg)
	case se.Code == sdk.ErrorCodeIdempotencyKeyInUse:
		// The first request under the key is still running at Stripe:
		// its outcome is unknown yet, so this is "try again", never "no".
		return domain.Errorf(domain.EUNAVAILABLE, "The card processor is still working on this request; try again shortly.")
	case se.Type == sdk.ErrorTypeIdempotency:
		return domain.Errorf(domain.ECONFLICT, "The card processor has a different request under this key: %s", se.Msg)
	case se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden:
		return fmt.Errorf("stripe refused the console's key (check STRIPE_SECRET_KEY): %s", se.Msg)
	case se.HTTPStatusCode == http.StatusTooManyRequests || se.HTTPStatusCode >= 500 || se.Type == sdk.ErrorTypeAPI:
		return domain.Errorf(domain.EUNAVAILABLE, "The card processor is not available right now; try again shortly.")
	case se.HTTPStatusCode == http.StatusNotFound:
		return domain.Errorf(domain.ECONFLICT, "The card processor does not know this payment: %s", se.Msg)
	}
	return domain.Errorf(domain.EINVALID, "The card processor refused it: %s", se.Msg)
}

// quiet silences stripe-go's own log: its error lines quote Stripe's
// answers, which can hold a PaymentIntent's client secret. Failures reach
// the console's log through the errors mapError returns.
type quiet struct{}

func (quiet) Debugf(string, ...any) {}
func (quiet) Infof(string, ...any)  {}
func (quiet) Warnf(string, ...any)  {}
func (quiet) Errorf(string, ...any) {}

// CreateTransfer moves amount to a connected account (an escrow payout)
// under key, once, however late it is retried: a transfer made before
// under key (its transfer group, which Stripe keeps for good, unlike an
// idempotency key's 24 hours) is returned instead of making another, and
// the idempotency key covers two calls racing and Stripe's list catching
// up with a transfer just made.
func (c *Client) CreateTransfer(ctx context.Context, key string, amount money.Amount, destination string, metadata map[string]string) (string, error) {
	made, err := c.transferIn(ctx, key)
	if err != nil || made != "" {
		return made, err
	}
	params := &sdk.TransferParams{Amount: sdk.Int64(amount.Minor), Currency: sdk.String(amount.Currency.Lower()), Destination: sdk.String(destination),
		TransferGroup: sdk.String(key)}
	for k, v := range metadata {
		params.AddMetadata(k, v)
	}
	params.Context = ctx
	params.SetIdempotencyKey(key)
	t, err := c.api.Transfers.New(params)
	if err != nil {
		return "", mapError(err)
	}
	return t.ID, nil
}

// transferIn returns the id of the transfer in group, "" if none.
func (c *Client) transferIn(ctx context.Context, group string) (string, error) {
	params := &sdk.TransferListParams{TransferGroup: sdk.String(group)}
	params.Context = ctx
	params.Limit = sdk.Int64(1)
	it := c.api.Transfers.List(params)
	for it.Next() {
		if t := it.Transfer(); t.TransferGroup == group {
			return t.ID, nil
		}
	}
	if err := it.Err(); err != nil {
		return "", mapError(err)
	}
	return "", nil
}

// Transfers pays escrow releases to Stripe connected accounts.
type Transfers struct{ Client *Client }

var _ escrow.Payout = Transfers{}

// Pay implements escrow.Payout.
func (t Transfers) Pay(ctx context.Context, key string, r escrow.Release) (string, error) {
	ref, err := t.Client.CreateTransfer(ctx, key, money.Amount{Minor: r.Amount, Currency: money.Currency(r.Currency)}, r.Payee.Account,
		map[string]string{"escrow": r.EscrowPublic, "release": r.PublicID})
	if err == nil {
		// The money moved and the release is not yet recorded as paid: the
		// retry must find the same transfer (by its group), not make another.
		failpoint.Hit("escrow.release.after-payout")
	}
	return ref, err
}

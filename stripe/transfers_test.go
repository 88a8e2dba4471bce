package stripe_test

import (
	"context"
	"testing"

	"github.com/paycompliance/console/domain/money"
)

// TestCreateTransfer_OncePerKeyForGood: a payout asked for again under its
// key, after its answer was lost or long after Stripe forgot the
// idempotency key, finds the transfer made (by its transfer group) instead
// of making another; another key makes its own.
func TestCreateTransfer_OncePerKeyForGood(t *testing.T) {
	t.Parallel()
	c, srv := newClient(t)
	ctx := context.Background()
	amount := money.Amount{Minor: 5000, Currency: "USD"}
	made := func() int { return len(srv.Requests("POST", "/v1/transfers")) }

	first, err := c.CreateTransfer(ctx, "escrow-release-rel_a", amount, "acct_1", nil)
	if err != nil || first == "" || made() != 1 {
		t.Fatalf("first payout: %q, %v, %d transfers made", first, err, made())
	}
	if got := srv.Requests("POST", "/v1/transfers")[0].Form.Get("transfer_group"); got != "escrow-release-rel_a" {
		t.Fatalf("the transfer's group is %q, want the payout key", got)
	}
	again, err := c.CreateTransfer(ctx, "escrow-release-rel_a", amount, "acct_1", nil)
	if err != nil || again != first || made() != 1 {
		t.Fatalf("the same payout again: %q (first %q), %v, %d transfers made; want the first, and no new one", again, first, err, made())
	}

	// Stripe takes the transfer and the answer is lost: the retry finds it.
	srv.SetDropAnswers(true)
	if _, err := c.CreateTransfer(ctx, "escrow-release-rel_b", amount, "acct_1", nil); err == nil {
		t.Fatal("a payout whose answer was lost succeeded")
	}
	srv.SetDropAnswers(false)
	lost := made()
	if _, err := c.CreateTransfer(ctx, "escrow-release-rel_b", amount, "acct_1", nil); err != nil || made() != lost {
		t.Fatalf("retrying the lost payout: %v, %d transfers made after %d; want it found, none made", err, made(), lost)
	}
	if _, err := c.CreateTransfer(ctx, "escrow-release-rel_c", amount, "acct_1", nil); err != nil || made() != lost+1 {
		t.Fatalf("another payout: %v, %d transfers made after %d; want one more", err, made(), lost)
	}
}

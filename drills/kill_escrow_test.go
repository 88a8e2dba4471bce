package drills

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/paycompliance/console/e2e"
	"github.com/paycompliance/console/stripe/stripetest"
)

// An instance dies by SIGKILL right after Stripe made an escrow release's
// transfer and before the release was recorded as paid. Restarted without
// the failpoint, River rescues the release's job and it runs again: it
// finds the transfer made before the kill by its group (the payout key,
// which Stripe keeps for good, unlike an idempotency key) and makes no
// other, and the release is paid once: one posting, one executed entry in
// the audit trail, which verifies.
func TestKill_EscrowReleaseAfterPayout(t *testing.T) {
	t.Parallel()
	stripe := stripetest.Start(t) // every call the console makes to Stripe, recorded
	cl := NewCluster(t)
	cl.Env = append([]string{"STRIPE_API_URL=" + stripe.URL}, quickRescue...)
	a := cl.StartWith(t, failpoint("escrow.release.after-payout"))
	ctx := context.Background()
	c := a.Console()

	// An operator opens an escrow paying a Stripe connected account under
	// 2 of 3 approvers, funds it with a demo payment and asks for 12.34.
	var payment, payer string
	if err := cl.DB.QueryRow(ctx, `SELECT public_id, customer_ref FROM payments
		WHERE status = 'succeeded' AND currency = 'USD' AND amount >= 10000
		AND public_id NOT IN (SELECT source_ref FROM escrow_postings WHERE source_ref IS NOT NULL)
		ORDER BY id LIMIT 1`).Scan(&payment, &payer); err != nil {
		t.Fatalf("no demo payment to fund the escrow with: %v", err)
	}
	op := c.SignInHTTP(t, "dana.reyes")
	escrowNonce := nonce()
	op.Post(t, "/escrow", url.Values{"nonce": {escrowNonce}, "payer_ref": {payer}, "payer_name": {"Drill Payer"},
		"payee_name": {"Jane Ordinary"}, "payee_type": {"individual"}, "payee_kind": {"stripe_account"}, "payee_account": {"acct_1032D82eZvKYlo2C"},
		"currency": {"usd"}, "conditions": {"Released when the drill says so"}, "group_name_1": {"approvers"}, "group_threshold_1": {"2"},
		"group_members_1": {"ben.okafor, priya.shah, tomas.lind"}})
	var escrowID string
	if err := cl.DB.QueryRow(ctx, `SELECT public_id FROM escrows WHERE request_ref = $1`, "console:"+escrowNonce).Scan(&escrowID); err != nil {
		t.Fatalf("the escrow was not opened: %v", err)
	}
	op.Post(t, "/escrow/"+escrowID+"/fund", url.Values{"source": {payment}})
	releaseNonce := nonce()
	op.Post(t, "/escrow/"+escrowID+"/releases", url.Values{"nonce": {releaseNonce}, "amount": {"12.34"}, "reason": {"Milestone delivered"}})
	var release string
	if err := cl.DB.QueryRow(ctx, `SELECT public_id FROM escrow_releases WHERE request_ref = $1`, "console:"+releaseNonce).Scan(&release); err != nil {
		t.Fatalf("the release was not requested: %v", err)
	}

	// Two approvers sign; the second signature queues the payout, and the
	// instance dies once Stripe has made the transfer.
	for _, name := range []string{"ben.okafor", "priya.shah"} {
		s := c.SignInHTTP(t, name)
		s.Post(t, "/escrow/releases/"+release+"/approve", url.Values{"payload_hash": {payloadHash(t, s, c.URL+"/escrow/releases/"+release)},
			"code": {c.Code(t, c.DemoUser(t, name).TOTPSecret)}})
	}
	a.WaitCrash(t, 15*time.Second)
	transfers := stripe.Requests("POST", "/v1/transfers")
	if len(transfers) != 1 {
		t.Fatalf("before the kill Stripe was asked for %d transfers, want 1", len(transfers))
	}
	releaseState := `SELECT status FROM escrow_releases WHERE public_id = $1`
	var status string
	if err := cl.DB.QueryRow(ctx, releaseState, release).Scan(&status); err != nil || status != "approved" {
		t.Fatalf("after the kill the release is %q (%v), want approved: the payout's record was rolled back", status, err)
	}

	// Restarted without the failpoint: the rescued job pays it, once.
	start := time.Now()
	a.RestartWith(t)
	waitRescue(t, "the release to be paid after the restart", func() bool {
		return cl.DB.QueryRow(ctx, releaseState, release).Scan(&status) == nil && status == "executed"
	})
	t.Logf("paid %s after the restart began", time.Since(start).Round(100*time.Millisecond))

	key := "escrow-release-" + release
	if keys := stripe.IdempotencyKeys("POST", "/v1/transfers"); len(keys) != 1 || keys[key] != 1 {
		t.Errorf("Stripe's transfer calls by idempotency key: %v; want one, under %q: the retry finds the transfer made before the kill", keys, key)
	}
	looked := 0
	for _, r := range stripe.Requests("GET", "/v1/transfers") {
		if r.Query.Get("transfer_group") == key {
			looked++
		}
	}
	if looked < 2 {
		t.Errorf("the transfer group %q was looked up %d times, want before the payout and again after the restart", key, looked)
	}
	var payoutRef string
	if err := cl.DB.QueryRow(ctx, `SELECT payout_ref FROM escrow_releases WHERE public_id = $1`, release).Scan(&payoutRef); err != nil || payoutRef == "" {
		t.Errorf("the paid release has payout %q (%v)", payoutRef, err)
	}
	if n := count(t, cl, `SELECT count(*) FROM escrow_postings p JOIN escrow_releases r ON r.id = p.release_id
		WHERE r.public_id = $1 AND p.kind = 'released'`, release); n != 1 {
		t.Errorf("%d release postings for the release, want 1", n)
	}
	if n := audited(t, cl, "escrow.release.executed", release); n != 1 {
		t.Errorf("%d escrow.release.executed audit entries for the release, want 1", n)
	}
	verifyAudit(t, cl)
}

// nonce is a form's nonce, as the console's forms carry.
func nonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

var payloadHashCell = regexp.MustCompile(`data-testid="payload-hash">([0-9a-f]+)<`)

// payloadHash reads the hash of what an approver signs off the release's page.
func payloadHash(t *testing.T, s *e2e.Session, page string) string {
	t.Helper()
	res, err := s.Client.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := payloadHashCell.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no payload hash on %s (%d): %.500s", page, res.StatusCode, body)
	}
	return string(m[1])
}

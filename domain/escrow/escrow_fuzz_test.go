package escrow

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/screening"
)

// An escrow to open, as the API's body (POST /api/v1/escrows) gives it, is
// refused as EINVALID or accepted clean (trimmed, stable when validated
// again): named payer and payee, a payee that screening takes (Create
// screens it after the escrow is stored), a rail with an account of its
// kind, a known currency (USD for ACH), and a policy of 1 to 5 uniquely
// named groups whose thresholds their members can meet, with a request
// TTL between an hour and 30 days.
func FuzzNewEscrowValidate(f *testing.F) {
	f.Add("cus_1", "Payer Inc", "Jane Payee", "individual", "bank_account", "ba_1", "USD", "On delivery", "Ops", "alice", "bob", 1, int64(72), int64(0))
	f.Add("cus_1", "Payer", "Acme", "entity", "stripe_account", "acct_1", "eur", "", "Ops", " alice ", "alice", 2, int64(0), int64(5000))
	f.Add("cus_1", "Payer", "Card 4242424242424242", "entity", "stripe_account", "acct_1", "EUR", "", "Ops", "alice", "", 1, int64(1), int64(0))
	f.Add("cus_1", "Payer", strings.Repeat("N", 201), "individual", "stripe_account", "acct_1", "EUR", "", "Ops", "alice", "", 1, int64(1), int64(0))
	f.Add("", "", "", "vessel", "cash", "", "XXX", "", "", "", "", 0, int64(-1), int64(-1))
	f.Fuzz(func(t *testing.T, payer, payerName, payee, payeeType, kind, account, currency, conditions, group, m1, m2 string,
		threshold int, ttlHours, maxRelease int64) {
		n := NewEscrow{RequestRef: "api:1:e", PayerRef: payer, PayerName: payerName, PayeeName: payee, PayeeType: screening.EntityType(payeeType),
			PayeeKind: PayeeKind(kind), PayeeAccount: account, Currency: money.Currency(currency), Conditions: conditions,
			Policy: PolicyRules{Groups: []Group{{Name: group, Threshold: threshold, Members: []string{m1, m2}}}, MaxRelease: maxRelease}}
		if ttlHours > -1000 && ttlHours < 1000 {
			n.Policy.RequestTTL = time.Duration(ttlHours) * time.Hour
		}
		if err := n.validate(); err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("refused with %v, want EINVALID", err)
			}
			return
		}
		again := n
		again.Policy.Groups = slices.Clone(n.Policy.Groups)
		if err := again.validate(); err != nil || !reflect.DeepEqual(again, n) {
			t.Fatalf("accepted as %+v, validated again %+v, %v", n, again, err)
		}
		for _, s := range []string{n.PayerRef, n.PayerName, n.PayeeName} {
			if s == "" || s != strings.TrimSpace(s) {
				t.Fatalf("accepted payer or payee %q", s)
			}
		}
		if err := (Escrow{PublicID: "esc_fuzz", Payee: Payee{Name: n.PayeeName, Type: n.PayeeType}}).Party().Validate(); err != nil {
			t.Fatalf("accepted payee %q, which screening refuses: %v", n.PayeeName, err)
		}
		if c, err := money.ParseCurrency(string(n.Currency)); err != nil || c != n.Currency || n.PayeeKind == BankAccount && c != "USD" {
			t.Fatalf("accepted currency %q for %s", n.Currency, n.PayeeKind)
		}
		if !(n.PayeeKind == BankAccount && strings.HasPrefix(n.PayeeAccount, "ba_") || n.PayeeKind == StripeAccount && strings.HasPrefix(n.PayeeAccount, "acct_")) {
			t.Fatalf("accepted payee account %q for %q", n.PayeeAccount, n.PayeeKind)
		}
		p := n.Policy
		if p.RequestTTL < time.Hour || p.RequestTTL > 30*24*time.Hour || p.MaxRelease < 0 {
			t.Fatalf("accepted policy %+v", p)
		}
		for _, g := range p.Groups {
			if g.Name == "" || g.Threshold < 1 || g.Threshold > len(g.Members) || slices.Contains(g.Members, "") {
				t.Fatalf("accepted group %+v", g)
			}
		}
	})
}

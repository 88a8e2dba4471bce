package payments

import (
	"strings"
	"testing"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/money"
)

// Events may arrive in any order: a terminal status sticks, and between
// the others the later report wins.
func TestPayment_ApplyStatusOutOfOrder(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		steps []struct {
			s  Status
			at time.Duration
		}
		want Status
	}{
		{"in order", steps(Processing, 1, Succeeded, 2), Succeeded},
		{"late processing after success", steps(Succeeded, 2, Processing, 1), Succeeded},
		{"processing reported after success, same second", steps(Succeeded, 2, Processing, 2), Succeeded},
		{"stale failure after a retry", steps(Processing, 5, Failed, 3), Processing},
		{"a retry after a failure", steps(Failed, 3, Processing, 5, Succeeded, 6), Succeeded},
		{"no success after a cancel", steps(Canceled, 3, Succeeded, 4), Canceled},
		{"requires action then success", steps(RequiresAction, 1, Succeeded, 9), Succeeded},
	} {
		p := Payment{Status: Open, StatusAt: t0}
		for _, st := range tc.steps {
			p.applyStatus(st.s, t0.Add(st.at*time.Second))
		}
		if p.Status != tc.want {
			t.Errorf("%s: status %s, want %s", tc.name, p.Status, tc.want)
		}
	}
}

func steps(pairs ...any) []struct {
	s  Status
	at time.Duration
} {
	var out []struct {
		s  Status
		at time.Duration
	}
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, struct {
			s  Status
			at time.Duration
		}{pairs[i].(Status), time.Duration(pairs[i+1].(int))})
	}
	return out
}

func TestRefund_ApplyStatus(t *testing.T) {
	t0 := time.Now()
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	r := Refund{Status: RefundPending, StatusAt: t0}
	if !r.applyStatus(RefundSucceeded, at(1), "", false) || r.Status != RefundSucceeded {
		t.Fatal("a pending refund did not succeed")
	}
	if r.applyStatus(RefundPending, at(2), "", false) || r.Status != RefundSucceeded {
		t.Fatal("a late pending report overwrote success")
	}
	if !r.applyStatus(RefundFailed, at(3), "lost_or_stolen_card", false) || r.Status != RefundFailed {
		t.Fatal("a refund that fails after succeeding was kept as succeeded")
	}
	if r.applyStatus(RefundSucceeded, at(4), "", false) {
		t.Fatal("a failure the processor reported was undone")
	}
	local := Refund{Status: RefundFailed, StatusAt: t0} // failed by the console, never heard from the processor
	if !local.applyStatus(RefundSucceeded, at(1), "", true) || local.Status != RefundSucceeded {
		t.Fatal("the processor's success of a refund the console had failed was ignored: it would be refunded twice")
	}
	rejected := Refund{Status: RefundRejected, StatusAt: t0}
	if rejected.applyStatus(RefundPending, at(1), "", true) {
		t.Fatal("a rejected refund came back")
	}
	if older := (Refund{Status: RefundPending, StatusAt: at(10)}); older.applyStatus(RefundSucceeded, at(5), "", false) {
		t.Fatal("an older report was applied")
	}
	if !RefundAwaitingApproval.Holds() || RefundRejected.Holds() || RefundFailed.Holds() || !RefundSucceeded.Holds() {
		t.Fatal("which refunds hold part of the amount is wrong")
	}
}

func TestPayment_Refundable(t *testing.T) {
	p := Payment{Amount: money.Amount{Minor: 5000, Currency: "USD"}, Status: Succeeded, Refunded: 1200}
	if p.Refundable() != 3800 {
		t.Fatalf("refundable %d", p.Refundable())
	}
	p.Status = Processing
	if p.Refundable() != 0 {
		t.Fatal("a payment not yet succeeded is refundable")
	}
}

func TestNewPayment_Validate(t *testing.T) {
	ok := NewPayment{RequestRef: "r", Amount: money.Amount{Minor: 1000, Currency: "USD"}, CustomerRef: "cus-1",
		Description: "Order 12", Metadata: map[string]string{"order": "12"}}
	if err := ok.validate(); err != nil {
		t.Fatalf("a good payment was refused: %v", err)
	}
	for name, change := range map[string]func(*NewPayment){
		"no customer":             func(n *NewPayment) { n.CustomerRef = "" },
		"long customer":           func(n *NewPayment) { n.CustomerRef = strings.Repeat("c", 129) },
		"zero amount":             func(n *NewPayment) { n.Amount.Minor = 0 },
		"bad currency":            func(n *NewPayment) { n.Amount.Currency = "ABC" },
		"card in description":     func(n *NewPayment) { n.Description = "paid with 4242 4242 4242 4242" },
		"card in metadata":        func(n *NewPayment) { n.Metadata = map[string]string{"note": "5555555555554444"} },
		"reserved metadata key":   func(n *NewPayment) { n.Metadata = map[string]string{"pcc_payment": "x"} },
		"bad metadata key":        func(n *NewPayment) { n.Metadata = map[string]string{"a b": "x"} },
		"control character":       func(n *NewPayment) { n.Description = "a\x00b" },
		"too many metadata keys":  func(n *NewPayment) { n.Metadata = manyKeys(21) },
		"long metadata value":     func(n *NewPayment) { n.Metadata = map[string]string{"k": strings.Repeat("v", 501)} },
		"no request reference":    func(n *NewPayment) { n.RequestRef = "" },
		"three-decimal remainder": func(n *NewPayment) { n.Amount = money.Amount{Minor: 1005, Currency: "KWD"} },
	} {
		n := ok
		n.Metadata = map[string]string{"order": "12"}
		change(&n)
		if err := n.validate(); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("%s: validate = %v, want invalid", name, err)
		}
	}
}

func manyKeys(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[strings.Repeat("k", i+1)] = "v"
	}
	return m
}

func TestPublicIDFor(t *testing.T) {
	a, b := publicIDFor("key:1:abc"), publicIDFor("key:1:abd")
	if a == b || a != publicIDFor("key:1:abc") || !strings.HasPrefix(a, "pay_") || len(a) != 4+24 {
		t.Fatalf("public ids %q, %q", a, b)
	}
}

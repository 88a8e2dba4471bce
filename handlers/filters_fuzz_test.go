package handlers

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/payments"
)

// maxFuzzQuery caps a fuzzed query string: a URL the router takes is far
// shorter than this.
const maxFuzzQuery = 4 << 10

// The audit log's filter, read from a query string (the console's form
// with datetime-local times, or the API's RFC 3339 ones), is refused as
// EINVALID or accepted valid: what was asked, a known action, an outcome
// of success or failure, a range that ends after it starts, times that
// write back in their layout (RFC 3339 with its fractions of a second) to
// the same instant.
func FuzzAuditFilter(f *testing.F) {
	for _, q := range []string{"", "actor=u_1&action=payment.created&outcome=success&target_type=payment&target_id=pay_1&q=refund",
		"from=2026-01-31T09:00&to=2026-02-01T09:00", "from=2026-02-01T09:00&to=2026-01-31T09:00", "from=2026-01-31T9:00",
		"from=2026-01-31T09:00:00Z&to=2026-02-01T00:00:00%2B01:00", "from=2026-01-31T09:00:00.5Z", "action=nope", "outcome=maybe", "q=%ff%00", "from=&to=x", "a=%zz&actor=1"} {
		f.Add(q, false)
		f.Add(q, true)
	}
	f.Fuzz(func(t *testing.T, raw string, api bool) {
		if len(raw) > maxFuzzQuery {
			return
		}
		v, _ := url.ParseQuery(raw) // as r.URL.Query() reads it: what does not parse is left out
		layout, written := "2006-01-02T15:04", "2006-01-02T15:04"
		fl, err := parseFilter(v)
		if api { // RFC 3339 has fractions of a second, which time.RFC3339 reads but does not write
			layout, written = time.RFC3339, time.RFC3339Nano
			fl, err = filterOf(v, layout, "RFC 3339")
		}
		if err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("%q refused with %v, want EINVALID", raw, err)
			}
			return
		}
		switch {
		case fl.Validate() != nil:
			t.Fatalf("%q accepted as %+v, which is not valid: %v", raw, fl, fl.Validate())
		case fl.ActorID != v.Get("actor") || fl.TargetType != v.Get("target_type") || fl.TargetID != v.Get("target_id") || fl.Text != v.Get("q") ||
			string(fl.Action) != v.Get("action") || string(fl.Outcome) != v.Get("outcome"):
			t.Fatalf("%q read as %+v", raw, fl)
		case fl.Action != "" && !audit.Known(fl.Action), fl.Outcome != "" && fl.Outcome != audit.Success && fl.Outcome != audit.Failure:
			t.Fatalf("%q accepted action %q, outcome %q", raw, fl.Action, fl.Outcome)
		case !fl.From.IsZero() && !fl.To.IsZero() && !fl.To.After(fl.From):
			t.Fatalf("%q accepted an empty range %v to %v", raw, fl.From, fl.To)
		}
		for name, at := range map[string]time.Time{"from": fl.From, "to": fl.To} {
			if at.IsZero() != (v.Get(name) == "") {
				t.Fatalf("%q: %s read as %v", raw, name, at)
			}
			if back, err := time.Parse(layout, at.Format(written)); !at.IsZero() && (err != nil || !back.Equal(at)) {
				t.Fatalf("%q: %s %v writes as %q, which reads back as %v, %v", raw, name, at, at.Format(written), back, err)
			}
		}
		_ = fl.String()
	})
}

// The payments filter form, read from a query string, is refused as
// EINVALID or accepted valid: a known status and risk level, amounts only
// with a currency, not negative, a non-empty amount and date range, dates
// as whole UTC days with the end day included, amounts that write back
// to themselves.
func FuzzPaymentQuery(f *testing.F) {
	for _, q := range []string{"", "status=succeeded&risk=elevated&customer=cus_1&after=pay_9",
		"currency=USD&min=12.50&max=100", "currency=JPY&min=100&max=5", "min=1", "currency=usd&min=-1", "currency=XXX",
		"from=2026-01-01&to=2026-01-31", "from=2026-02-01&to=2026-01-01", "from=2026-01-01&to=2026-01-01", "from=2026-1-1",
		"status=bogus", "risk=bogus", "currency=KWD&min=1.234&max=1.2345", "currency=USD&max=0&min=0"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if len(raw) > maxFuzzQuery {
			return
		}
		v, _ := url.ParseQuery(raw)
		q, err := paymentQuery(v)
		if err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("%q refused with %v, want EINVALID", raw, err)
			}
			return
		}
		switch {
		case q.Validate() != nil:
			t.Fatalf("%q accepted as %+v, which is not valid: %v", raw, q, q.Validate())
		case q.Status != "" && !q.Status.Valid(), q.RiskLevel != "" && !slices.Contains(payments.RiskLevels, q.RiskLevel):
			t.Fatalf("%q accepted status %q, risk %q", raw, q.Status, q.RiskLevel)
		case string(q.Status) != v.Get("status") || q.Customer != v.Get("customer") || q.After != v.Get("after"):
			t.Fatalf("%q read as %+v", raw, q)
		case q.MinAmount < 0 || q.MaxAmount < 0 || (q.MinAmount != 0 || q.MaxAmount != 0) && q.Currency == "":
			t.Fatalf("%q accepted amounts %d to %d %q", raw, q.MinAmount, q.MaxAmount, q.Currency)
		case q.MaxAmount != 0 && q.MaxAmount < q.MinAmount, !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From):
			t.Fatalf("%q accepted an empty range: %+v", raw, q)
		}
		for name, at := range map[string]time.Time{"from": q.From, "to": q.To} {
			if !at.IsZero() && (at.Location() != time.UTC || at.Hour() != 0 || at.Minute() != 0 || at.Second() != 0 || at.Nanosecond() != 0) {
				t.Fatalf("%q: %s %v is not the start of a UTC day", raw, name, at)
			}
		}
		if s := v.Get("to"); s != "" && q.To.Add(-24*time.Hour).Format(time.DateOnly) != s {
			t.Fatalf("%q: to %v does not include the day %s", raw, q.To, s)
		}
		for _, n := range []int64{q.MinAmount, q.MaxAmount} {
			if n == 0 {
				continue
			}
			if back, err := money.ParseMajor(money.Format(n, q.Currency.Decimals()), q.Currency); err != nil || back != n {
				t.Fatalf("%q: amount %d writes as %q, read back as %d, %v", raw, n, money.Format(n, q.Currency.Decimals()), back, err)
			}
		}
	})
}

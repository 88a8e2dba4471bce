package fraud

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/pan"
)

// An event the scoring API's body carries (POST /api/v1/risk_assessments)
// is refused by Normalize as EINVALID or comes out clean, and clean stays
// clean: a second Normalize accepts it unchanged. Clean means trimmed
// type, ref and customer that are set, a lower-case email, countries of
// two capital letters or none, a known currency for any amount, a score
// in -1..99, a UTC time not in the future, and no control character or
// card number in any identifier.
func FuzzEventNormalize(f *testing.F) {
	f.Add("card_payment", "ord_1", "cus_1", int64(1250), "usd", " A@B.example ", "us", "GB", 42, "203.0.113.7", "dev_1", "fp_1", "tok_1", int64(0))
	f.Add(" Payment ", "", "cus_1", int64(0), "", "", "", "", -1, "", "", "", "", int64(1_800_000_000))
	f.Add("signup", "r", "c", int64(-5), "XXX", "x@y", "USA", "u", 100, "", "4242424242424242", "", "", int64(-62135596800))
	f.Add("t", "r\x00", "c", int64(1), "JPY", "", "", "", 0, "", "", "", "", int64(4_000_000_000))
	now := time.Unix(1_800_000_000, 0).UTC()
	f.Fuzz(func(t *testing.T, typ, ref, customer string, amount int64, currency, email, country, cardCountry string, radar int,
		ip, device, card, account string, occurred int64) {
		e := Event{Type: typ, Ref: ref, Customer: customer, Amount: money.Amount{Minor: amount, Currency: money.Currency(currency)}, Email: email,
			Country: country, CardCountry: cardCountry, RadarScore: radar, IP: ip, DeviceID: device, CardFingerprint: card, AccountToken: account}
		if occurred != 0 {
			e.OccurredAt = time.Unix(occurred, 0)
		}
		if err := e.Normalize(now); err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("refused with %v, want EINVALID", err)
			}
			return
		}
		again := e
		if err := again.Normalize(now.Add(time.Hour)); err != nil || again != e {
			t.Fatalf("normalized %+v, normalized again %+v, %v", e, again, err)
		}
		for _, s := range []string{e.Type, e.Ref, e.Customer} {
			if s == "" || s != strings.TrimSpace(s) {
				t.Fatalf("accepted %+v: type, ref or customer %q empty or not trimmed", e, s)
			}
		}
		switch {
		case e.Email != strings.ToLower(strings.TrimSpace(e.Email)):
			t.Fatalf("accepted email %q", e.Email)
		case !countryCode(e.Country) || !countryCode(e.CardCountry):
			t.Fatalf("accepted countries %q, %q", e.Country, e.CardCountry)
		case e.Amount.Minor < 0, (e.Amount.Minor > 0 || e.Amount.Currency != "") && !known(e.Amount.Currency):
			t.Fatalf("accepted amount %+v", e.Amount)
		case e.RadarScore < -1 || e.RadarScore > 99:
			t.Fatalf("accepted Radar score %d", e.RadarScore)
		case e.OccurredAt.IsZero() || e.OccurredAt.Location() != time.UTC || e.OccurredAt.After(now.Add(maxSkew)):
			t.Fatalf("accepted time %v (now %v)", e.OccurredAt, now)
		}
		for _, s := range []string{e.Ref, e.Customer, e.AccountToken, e.CardFingerprint, e.IP, e.DeviceID, e.Email} {
			if len(s) > maxField || !utf8.ValidString(s) || strings.ContainsFunc(s, isControl) {
				t.Fatalf("accepted identifier %q", s)
			}
			if _, found := pan.Find(s); found {
				t.Fatalf("accepted identifier %q holding a card number", s)
			}
		}
	})
}

func known(c money.Currency) bool {
	parsed, err := money.ParseCurrency(string(c))
	return err == nil && parsed == c
}

func countryCode(s string) bool {
	return s == "" || len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

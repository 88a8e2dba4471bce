package money

import (
	"testing"

	"github.com/paycompliance/console/domain"
)

func TestAmount_ValidCharge(t *testing.T) {
	for _, tc := range []struct {
		a    Amount
		code string
	}{
		{Amount{1234, "USD"}, ""},
		{Amount{50, "USD"}, ""},
		{Amount{49, "USD"}, domain.EINVALID}, // below Stripe's minimum
		{Amount{0, "USD"}, domain.EINVALID},  // not positive
		{Amount{-100, "EUR"}, domain.EINVALID},
		{Amount{MaxAmount, "USD"}, ""},
		{Amount{MaxAmount + 1, "USD"}, domain.EINVALID},
		{Amount{500, "JPY"}, ""},             // zero-decimal: ¥500
		{Amount{49, "JPY"}, domain.EINVALID}, // ¥49 is under ¥50
		{Amount{1250, "KWD"}, ""},            // 1.250 KWD
		{Amount{1255, "KWD"}, domain.EINVALID},
		{Amount{100, "XYZ"}, domain.EINVALID},
	} {
		if got := domain.ErrorCode(tc.a.ValidCharge()); got != tc.code {
			t.Errorf("%v: ValidCharge code %q, want %q", tc.a, got, tc.code)
		}
	}
}

func TestParseCurrency(t *testing.T) {
	if c, err := ParseCurrency(" usd "); err != nil || c != "USD" {
		t.Fatalf("ParseCurrency(usd) = %q, %v", c, err)
	}
	for _, bad := range []string{"", "US", "dollars", "XXX"} {
		if _, err := ParseCurrency(bad); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("ParseCurrency(%q) = %v, want invalid", bad, err)
		}
	}
}

func TestAmount_String(t *testing.T) {
	for a, want := range map[Amount]string{
		{1234, "USD"}: "12.34 USD", {5, "EUR"}: "0.05 EUR", {1500, "JPY"}: "1500 JPY",
		{1250, "KWD"}: "1.250 KWD", {-250, "USD"}: "-2.50 USD",
	} {
		if got := a.String(); got != want {
			t.Errorf("%#v = %q, want %q", a, got, want)
		}
	}
}

func TestParseMajor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		c    Currency
		want int64
		ok   bool
	}{
		{"12.34", "USD", 1234, true}, {"12.5", "USD", 1250, true}, {"12", "USD", 1200, true},
		{"0.01", "USD", 1, true}, {"1500", "JPY", 1500, true}, {"1.25", "KWD", 1250, true},
		{"12.345", "USD", 0, false}, {"15.5", "JPY", 0, false}, {"-1", "USD", 0, false},
		{"1e3", "USD", 0, false}, {"", "USD", 0, false}, {"12.", "USD", 0, false}, {".5", "USD", 0, false},
	} {
		got, err := ParseMajor(tc.in, tc.c)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseMajor(%q, %s) = %d, %v", tc.in, tc.c, got, err)
		}
	}
}

package format

import "testing"

func TestUSD(t *testing.T) {
	for cents, want := range map[int64]string{0: "$0.00", 5: "$0.05", 123_456: "$1,234.56", 100_000_000: "$1,000,000.00", -250: "-$2.50"} {
		if got := USD(cents); got != want {
			t.Errorf("USD(%d) = %q, want %q", cents, got, want)
		}
	}
}

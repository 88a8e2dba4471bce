package format

import "testing"

func TestUSD(t *testing.T) {
	for cents, want := range map[int64]string{0: "$0.00", 5: "$0.05", 123_456: "$1,234.56", 100_000_000: "$1,000,000.00", -250: "-$2.50"} {
		if got := USD(cents); got != want {
			t.Errorf("USD(%d) = %q, want %q", cents, got, want)
		}
	}
}

func TestCount(t *testing.T) {
	for _, c := range []struct {
		n, limit int
		want     string
	}{{0, 10000, "0"}, {999, 10000, "999"}, {1234, 10000, "1,234"}, {10000, 10000, "10,000"}, {10001, 10000, "10,000+"}} {
		if got := Count(c.n, c.limit); got != c.want {
			t.Errorf("Count(%d, %d) = %q, want %q", c.n, c.limit, got, c.want)
		}
	}
}

package money

import (
	"testing"
)

// An amount ParseMajor accepts is a non-negative number of minor units
// that Format writes back to a string parsing to the same amount.
func FuzzParseMajor(f *testing.F) {
	for _, s := range []string{"12.5", "12.50", "1500", "0", "0.01", "1.250", "12.", ".5", "-1", "1e3", " 7 ", "999999999999", "1.2.3", "٣"} {
		for _, c := range []string{"USD", "JPY", "KWD"} {
			f.Add(s, c)
		}
	}
	f.Fuzz(func(t *testing.T, s, code string) {
		c, err := ParseCurrency(code)
		if err != nil {
			return
		}
		n, err := ParseMajor(s, c)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("ParseMajor(%q, %s) = %d, negative", s, c, n)
		}
		back, err := ParseMajor(Format(n, c.Decimals()), c)
		if err != nil || back != n {
			t.Fatalf("ParseMajor(%q, %s) = %d, formatted %q, read back as %d, %v", s, c, n, Format(n, c.Decimals()), back, err)
		}
	})
}

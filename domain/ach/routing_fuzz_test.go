package ach

import (
	"testing"
)

// A routing number ValidateRouting accepts is exactly nine ASCII digits
// whose ABA check digit (weights 3, 7, 1) is right.
func FuzzValidateRouting(f *testing.F) {
	for _, s := range []string{"091400606", "021000021", "021000022", "12345678", "0914006060", "09140060a", "", "٠٩١٤٠٠٦٠٦"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, r string) {
		if ValidateRouting(r) != nil {
			return
		}
		if len(r) != 9 {
			t.Fatalf("accepted %q: not 9 bytes", r)
		}
		sum := 0
		for i := 0; i < 9; i++ {
			if r[i] < '0' || r[i] > '9' {
				t.Fatalf("accepted %q: not all digits", r)
			}
			sum += int(r[i]-'0') * [3]int{3, 7, 1}[i%3]
		}
		if sum%10 != 0 {
			t.Fatalf("accepted %q: check digit wrong", r)
		}
	})
}

// Package pan finds primary account numbers (card numbers) in text, so that
// none is ever written where it does not belong (PCI DSS 3.3, 3.4): the audit
// trail refuses one, payment input that carries one is refused, and the
// database scan looks for any that slipped through.
package pan

import (
	"regexp"
	"strings"
)

// candidate is a run of 13 to 19 digits, with single spaces or dashes
// allowed between them, as people type card numbers.
var candidate = regexp.MustCompile(`\d(?:[ -]?\d){12,18}`)

// Find returns the first card-number-like run in s that passes the Luhn
// check, and whether there is one. Runs that fail the check (amounts,
// ids, phone numbers) are not card numbers.
func Find(s string) (string, bool) {
	for _, m := range candidate.FindAllString(s, -1) {
		if Luhn(m) {
			return m, true
		}
	}
	return "", false
}

// Luhn reports whether the digits of s (spaces and dashes ignored) pass
// the Luhn check that every card number passes.
func Luhn(s string) bool {
	s = strings.NewReplacer(" ", "", "-", "").Replace(s)
	if s == "" {
		return false
	}
	sum, double := 0, false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum, double = sum+d, !double
	}
	return sum%10 == 0
}

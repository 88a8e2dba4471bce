// Package pan finds primary account numbers (card numbers) in text, so that
// none is ever written where it does not belong (PCI DSS 3.3, 3.4): the audit
// trail refuses one, payment input that carries one is refused, and the
// database scan looks for any that slipped through.
package pan

import (
	"regexp"
	"strings"
)

// run is a run of digits with single spaces or dashes allowed between them,
// as people type card numbers.
var run = regexp.MustCompile(`\d(?:[ -]?\d)*`)

// Find returns the first card-number-like part of s that passes the Luhn
// check, and whether there is one. Within a run of digit groups ("Qty 2
// 4242 4242 4242 4242", "ref 1-4242…"), every span of whole groups holding
// 13 to 19 digits is tried, so a card number next to other digits is still
// found. Digits are not split inside a group: a long unbroken number (an ACH
// trace number, an id) is one candidate only if it is 13 to 19 digits long,
// so that identifiers are not mistaken for cards by chance.
func Find(s string) (string, bool) {
	for _, m := range run.FindAllString(s, -1) {
		groups := strings.FieldsFunc(m, func(r rune) bool { return r == ' ' || r == '-' })
		for i := range groups {
			digits := 0
			for j := i; j < len(groups); j++ {
				if digits += len(groups[j]); digits > 19 {
					break
				}
				if digits >= 13 && Luhn(strings.Join(groups[i:j+1], "")) {
					return strings.Join(groups[i:j+1], " "), true
				}
			}
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

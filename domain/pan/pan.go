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

// Find returns the first card-number-like part of s that begins as a
// brand's card numbers do and passes the Luhn check, and whether there is
// one. Within a run of digit groups ("Qty 2
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
				if candidate := strings.Join(groups[i:j+1], ""); digits >= 13 && issuedByABrand(candidate) && Luhn(candidate) {
					return strings.Join(groups[i:j+1], " "), true
				}
			}
		}
	}
	return "", false
}

// issuedByABrand says whether digits begin as the card numbers of the
// payment brands do (ISO/IEC 7812 issuer numbers): Visa 4; Mastercard and
// Maestro 5 and 2221–2720; American Express, JCB and Diners Club 3;
// Discover, UnionPay and the rest of Maestro 6. A Luhn-valid number that
// begins otherwise, one in ten of any digits (an ACH trace number begins
// with a routing number), is not a card number.
func issuedByABrand(digits string) bool {
	switch digits[0] {
	case '3', '4', '5', '6':
		return true
	case '2':
		return digits[:4] >= "2221" && digits[:4] <= "2720"
	}
	return false
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

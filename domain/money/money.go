// Package money is amounts in minor units with an ISO 4217 currency: never
// a float. It knows each supported currency's number of decimals as the
// card processor counts them (Stripe's zero-decimal currencies, and the
// three-decimal ones whose last digit must be 0), and the smallest charge.
package money

import (
	"strconv"
	"strings"

	"github.com/paycompliance/console/domain"
)

// Currency is an ISO 4217 code in upper case, such as "USD".
type Currency string

// currencyInfo is what a currency needs for validation and display.
type currencyInfo struct {
	decimals  int   // minor-unit digits: 0, 2 or 3
	minCharge int64 // smallest amount a card may be charged, in minor units
}

// currencies are those the console accepts: Stripe's settlement currencies
// and the common presentment ones. Minimum charges are Stripe's where it
// publishes one; elsewhere one minor unit.
var currencies = map[Currency]currencyInfo{
	"USD": {2, 50}, "EUR": {2, 50}, "GBP": {2, 30}, "CAD": {2, 50}, "AUD": {2, 50}, "NZD": {2, 50},
	"CHF": {2, 50}, "SEK": {2, 300}, "NOK": {2, 300}, "DKK": {2, 250}, "PLN": {2, 200}, "CZK": {2, 1500},
	"HUF": {2, 17500}, "RON": {2, 200}, "BGN": {2, 100}, "HKD": {2, 400}, "SGD": {2, 50}, "INR": {2, 50},
	"MXN": {2, 1000}, "BRL": {2, 50}, "MYR": {2, 200}, "THB": {2, 1000}, "AED": {2, 200}, "SAR": {2, 1},
	"ILS": {2, 1}, "TRY": {2, 1}, "ZAR": {2, 1}, "CNY": {2, 1}, "PHP": {2, 1}, "IDR": {2, 1}, "COP": {2, 1},
	"PEN": {2, 1}, "EGP": {2, 1}, "NGN": {2, 1}, "KES": {2, 1}, "MAD": {2, 1}, "PKR": {2, 1}, "TWD": {2, 1},
	// Zero-decimal: the amount is in whole units.
	"JPY": {0, 50}, "KRW": {0, 1}, "VND": {0, 1}, "CLP": {0, 1}, "PYG": {0, 1}, "UGX": {0, 1},
	"XAF": {0, 1}, "XOF": {0, 1}, "XPF": {0, 1}, "BIF": {0, 1}, "DJF": {0, 1}, "GNF": {0, 1},
	"KMF": {0, 1}, "MGA": {0, 1}, "RWF": {0, 1}, "VUV": {0, 1},
	// Three-decimal: the processor takes them only in multiples of 10.
	"BHD": {3, 10}, "JOD": {3, 10}, "KWD": {3, 10}, "OMR": {3, 10}, "TND": {3, 10},
}

// MaxAmount is the largest single charge the processor accepts, in minor
// units (eight digits, whatever the currency).
const MaxAmount = 99_999_999

// ParseCurrency reads a currency code in any case; EINVALID for one the
// console does not accept.
func ParseCurrency(s string) (Currency, error) {
	c := Currency(strings.ToUpper(strings.TrimSpace(s)))
	if _, ok := currencies[c]; !ok {
		return "", domain.Errorf(domain.EINVALID, "%q is not a currency this console accepts (an ISO 4217 code such as USD or EUR).", s)
	}
	return c, nil
}

// Decimals is the number of minor-unit digits.
func (c Currency) Decimals() int { return currencies[c].decimals }

// Lower is the code as Stripe writes it.
func (c Currency) Lower() string { return strings.ToLower(string(c)) }

// Amount is a sum of money in minor units.
type Amount struct {
	Minor    int64
	Currency Currency
}

// ValidCharge reports why a is not a chargeable amount, as EINVALID: not
// positive, below the currency's minimum, above MaxAmount, or not a
// multiple of 10 in a three-decimal currency.
func (a Amount) ValidCharge() error {
	info, ok := currencies[a.Currency]
	switch {
	case !ok:
		return domain.Errorf(domain.EINVALID, "%q is not a currency this console accepts.", a.Currency)
	case a.Minor <= 0:
		return domain.Errorf(domain.EINVALID, "The amount must be a positive whole number of minor units (cents for USD).")
	case a.Minor < info.minCharge:
		return domain.Errorf(domain.EINVALID, "The smallest %s charge is %s.", a.Currency, Amount{info.minCharge, a.Currency})
	case a.Minor > MaxAmount:
		return domain.Errorf(domain.EINVALID, "The amount may be at most %d minor units.", MaxAmount)
	case info.decimals == 3 && a.Minor%10 != 0:
		return domain.Errorf(domain.EINVALID, "%s amounts must be multiples of 10 minor units.", a.Currency)
	}
	return nil
}

// String is the amount for people, in major units with the code: "12.34 USD",
// "1500 JPY", "1.250 KWD".
func (a Amount) String() string {
	return Format(a.Minor, a.Currency.Decimals()) + " " + string(a.Currency)
}

// Format writes minor units as a decimal with the given number of decimals.
func Format(minor int64, decimals int) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	s := strconv.FormatInt(minor, 10)
	if decimals == 0 {
		return sign + s
	}
	if len(s) <= decimals {
		s = strings.Repeat("0", decimals-len(s)+1) + s
	}
	return sign + s[:len(s)-decimals] + "." + s[len(s)-decimals:]
}

// ParseMajor reads an amount typed in major units ("12.5", "12.50", "1500")
// into minor units of c, exactly (no float): EINVALID for more decimals than
// the currency has, or for anything that is not a plain non-negative number.
func ParseMajor(s string, c Currency) (int64, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	d := c.Decimals()
	bad := domain.Errorf(domain.EINVALID, "%q is not an amount in %s (up to %d decimals).", s, c, d)
	if whole == "" || len(frac) > d || strings.Contains(s, ".") && (d == 0 || frac == "") || len(whole) > 12 {
		return 0, bad
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, bad
		}
	}
	n, err := strconv.ParseInt(whole+frac+strings.Repeat("0", d-len(frac)), 10, 64)
	if err != nil {
		return 0, bad
	}
	return n, nil
}

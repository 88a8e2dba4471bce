package payments

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/pan"
)

// A payment to create, as the API's body (POST /api/v1/payments) or the
// console's form gives it, is refused as EINVALID or is one the processor
// and the database take: a chargeable amount, a customer of 1 to 128 and
// a description of at most 500 printable UTF-8 characters, at most 20
// metadata keys of letters, digits, '_', '.' or '-' not starting pcc_,
// printable UTF-8 values, and no card number anywhere.
func FuzzNewPaymentValidate(f *testing.F) {
	f.Add(int64(1250), "USD", "cus_1", "Order 1", "order", "A-1", "", "")
	f.Add(int64(1), "USD", "cus_1", "", "", "", "", "")
	f.Add(int64(100), "JPY", "クライアント", "説明", "k.1", "v", "pcc_refund", "7")
	f.Add(int64(5000), "EUR", "4242 4242 4242 4242", "", "", "", "", "")
	f.Add(int64(5000), "EUR", "cus_1", "card 4000056655665556", "", "", "", "")
	f.Add(int64(5000), "EUR", "cus\x001", "", "bad key", "v", "", "")
	f.Add(int64(5000), "KWD", "cus_\xff", "\xc3", "k", "\xed\xa0\x80", "", "")
	f.Add(int64(-1), "XXX", "", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, amount int64, currency, customer, description, k1, v1, k2, v2 string) {
		n := NewPayment{RequestRef: "api:1:key", Amount: money.Amount{Minor: amount, Currency: money.Currency(currency)}, CustomerRef: customer,
			Description: description}
		for k, v := range map[string]string{k1: v1, k2: v2} {
			if k != "" {
				if n.Metadata == nil {
					n.Metadata = map[string]string{}
				}
				n.Metadata[k] = v
			}
		}
		err := n.validate()
		if err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("refused with %v, want EINVALID", err)
			}
			return
		}
		if err := n.Amount.ValidCharge(); err != nil {
			t.Fatalf("accepted amount %+v: %v", n.Amount, err)
		}
		if n.CustomerRef == "" || len(n.CustomerRef) > maxCustomerRef || len(n.Description) > maxDescription {
			t.Fatalf("accepted customer %q, description %q", n.CustomerRef, n.Description)
		}
		texts := []string{n.CustomerRef, n.Description}
		for k, v := range n.Metadata {
			if strings.HasPrefix(k, reservedPrefix) || len(k) > maxMetadataKey || strings.Trim(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != "" ||
				len(v) > maxMetadataValue {
				t.Fatalf("accepted metadata %q: %q", k, v)
			}
			texts = append(texts, k, v)
		}
		for _, s := range texts {
			if !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
				t.Fatalf("accepted %q: not printable UTF-8", s)
			}
			if _, found := pan.Find(s); found {
				t.Fatalf("accepted %q, holding a card number", s)
			}
		}
	})
}

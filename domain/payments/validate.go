package payments

import (
	"regexp"
	"unicode"
	"unicode/utf8"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/pan"
)

// Limits on what a payment carries: the processor's own (metadata) or
// tighter, so that nothing is refused there after we accepted it.
const (
	maxCustomerRef   = 128
	maxDescription   = 500
	maxMetadataKeys  = 20
	maxMetadataKey   = 40
	maxMetadataValue = 500
	// reservedPrefix marks the metadata the console itself sets.
	reservedPrefix = "pcc_"
)

var metadataKey = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// NewPayment is a payment to create.
type NewPayment struct {
	// RequestRef names the creating request uniquely (the API key and its
	// Idempotency-Key): the same ref always means the same payment.
	RequestRef  string
	Amount      money.Amount
	CustomerRef string
	Description string
	Metadata    map[string]string
}

func (n NewPayment) validate() error {
	if err := n.Amount.ValidCharge(); err != nil {
		return err
	}
	switch {
	case n.RequestRef == "":
		return domain.Errorf(domain.EINVALID, "A payment needs a request reference.")
	case n.CustomerRef == "" || len(n.CustomerRef) > maxCustomerRef || !printable(n.CustomerRef):
		return domain.Errorf(domain.EINVALID, "customer is required: your reference for the payer, 1 to %d printable characters.", maxCustomerRef)
	case len(n.Description) > maxDescription || !printable(n.Description):
		return domain.Errorf(domain.EINVALID, "description is at most %d printable characters.", maxDescription)
	case len(n.Metadata) > maxMetadataKeys:
		return domain.Errorf(domain.EINVALID, "metadata holds at most %d keys.", maxMetadataKeys)
	}
	texts := []string{n.CustomerRef, n.Description}
	for k, v := range n.Metadata {
		switch {
		case len(k) > maxMetadataKey || !metadataKey.MatchString(k):
			return domain.Errorf(domain.EINVALID, "metadata key %q must be 1 to %d letters, digits, '_', '.' or '-'.", k, maxMetadataKey)
		case len(k) >= len(reservedPrefix) && k[:len(reservedPrefix)] == reservedPrefix:
			return domain.Errorf(domain.EINVALID, "metadata keys starting %q are the console's own.", reservedPrefix)
		case len(v) > maxMetadataValue || !printable(v):
			return domain.Errorf(domain.EINVALID, "metadata value of %q is at most %d printable characters.", k, maxMetadataValue)
		}
		texts = append(texts, k, v)
	}
	for _, t := range texts {
		if _, found := pan.Find(t); found {
			return domain.Errorf(domain.EINVALID, "The request holds what looks like a card number. Card numbers must never be sent to the console: the payer enters them on the payment page.")
		}
	}
	return nil
}

// printable reports whether s is UTF-8 of printable characters only: a
// byte that is not UTF-8 reads as U+FFFD, which is printable, yet
// PostgreSQL refuses it in a text column and Stripe's JSON changes it.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// sameAs reports whether p is what n asks for: a retried request must ask
// for the same payment.
func (n NewPayment) sameAs(p Payment) bool {
	if p.Amount != n.Amount || p.CustomerRef != n.CustomerRef || p.Description != n.Description || len(p.Metadata) != len(n.Metadata) {
		return false
	}
	for k, v := range n.Metadata {
		if p.Metadata[k] != v {
			return false
		}
	}
	return true
}

package escrow

import "time"

// PostingKind is one kind of ledger movement. Each moves an amount from
// one bucket to another, so the buckets always sum to what was funded less
// what was refunded or paid out.
type PostingKind string

const (
	Funded   PostingKind = "funded"   // outside → available: a payment or ACH debit arrived
	Held     PostingKind = "held"     // available → held: a release was requested
	Released PostingKind = "released" // held → paid: the release was paid out
	Unheld   PostingKind = "unheld"   // held → available: the request was rejected, expired or blocked
	Refunded PostingKind = "refunded" // available → outside: returned to the payer
)

// Posting is one ledger line. Postings are never changed or deleted.
type Posting struct {
	ID        int64
	EscrowID  int64
	Kind      PostingKind
	Amount    int64
	ReleaseID int64  // for held, released, unheld
	SourceRef string // for funded: the payment or transfer; for refunded: why
	By        string
	At        time.Time
}

// Balances are an escrow's buckets, derived from its postings.
type Balances struct {
	Available int64 // free to request or refund
	Held      int64 // reserved by requests in flight
	Paid      int64 // released to the payee
	Funded    int64
	Refunded  int64
}

// BalancesOf derives the buckets from postings.
func BalancesOf(postings []Posting) Balances {
	var b Balances
	for _, p := range postings {
		switch p.Kind {
		case Funded:
			b.Funded += p.Amount
			b.Available += p.Amount
		case Held:
			b.Available -= p.Amount
			b.Held += p.Amount
		case Released:
			b.Held -= p.Amount
			b.Paid += p.Amount
		case Unheld:
			b.Held -= p.Amount
			b.Available += p.Amount
		case Refunded:
			b.Available -= p.Amount
			b.Refunded += p.Amount
		}
	}
	return b
}

// FundingSource is money that can fund an escrow: a succeeded card payment
// or a settled ACH debit.
type FundingSource struct {
	Ref      string // pi_… payment or tr_… transfer public id
	Amount   int64
	Currency string
	Customer string
	Ready    bool   // the money has arrived (succeeded, settled)
	State    string // as its own area names it, for a refusal
}

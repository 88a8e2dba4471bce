package ach

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	moov "github.com/moov-io/ach"
)

// Origin is who the console is on a file: its bank (the ODFI, where files
// go) and the company that originates the entries.
type Origin struct {
	BankRouting string // immediate destination: the ODFI's routing number
	BankName    string
	OriginID    string // immediate origin: the company's 10-character id (often "1" and its EIN)
	OriginName  string
	CompanyName string // on every batch header, 16 characters
	CompanyID   string // 10 characters
	// Balanced adds an offset entry to each batch, to the company's own
	// settlement account, so that debits and credits even out.
	Balanced      bool
	OffsetRouting string
	OffsetAccount string
	OffsetType    AccountType
}

// ODFI is the bank's identification in trace numbers: its routing
// number's first eight digits.
func (o Origin) ODFI() string { return o.BankRouting[:8] }

// Entry is a transfer with what its NACHA entry needs.
type Entry struct {
	Transfer      Transfer
	Account       BankAccount
	AccountNumber string // decrypted for the file only
}

// Built is a NACHA file made from entries.
type Built struct {
	Content  []byte
	SHA256   string
	Traces   []string // the trace number of each entry given, in the order given
	Batches  int
	Entries  int
	Debits   int64 // total, in cents, of the transfers' debits
	Credits  int64
	Modifier string
}

// batchKey groups transfers into one batch: one class, one description,
// one effective date each.
type batchKey struct {
	sec         SEC
	description string
	effective   time.Time // a date
}

// batches groups entries into batches, in a fixed order: the same entries
// always make the same file.
func batches(entries []Entry) ([]batchKey, map[batchKey][]int) {
	groups := map[batchKey][]int{} // indexes into entries: an Entry is large to copy
	var keys []batchKey
	for i := range entries {
		t := &entries[i].Transfer
		k := batchKey{t.SEC, t.Description, t.Effective}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	slices.SortFunc(keys, func(a, b batchKey) int {
		if c := a.effective.Compare(b.effective); c != 0 {
			return c
		}
		return strings.Compare(string(a.sec)+a.description, string(b.sec)+b.description)
	})
	return keys, groups
}

// offsetName is what moov-io/ach names a balanced batch's offset entries.
const offsetName = "OFFSET"

// MaxTrace is the last sequence a trace number can hold (7 digits after
// the bank's 8).
const MaxTrace = 9_999_999

// TracesNeeded is how many trace numbers a file of entries takes: one an
// entry, and two a batch for its offsets when balanced.
func TracesNeeded(o Origin, entries []Entry) int {
	n := len(entries)
	if o.Balanced {
		keys, _ := batches(entries)
		n += 2 * len(keys)
	}
	return n
}

// BuildFile makes one NACHA file of entries with moov-io/ach, validates it
// and writes it out. Trace numbers are the bank's identification and a
// sequence from firstTrace, ascending through the file: the caller
// reserves TracesNeeded of them, so that no two files share one (returns
// find their transfer by it). modifier tells the day's files apart (A-Z,
// 0-9).
func BuildFile(o Origin, created time.Time, modifier string, firstTrace int, entries []Entry) (Built, error) {
	if len(entries) == 0 {
		return Built{}, fmt.Errorf("ach: a file needs entries")
	}
	if firstTrace < 1 || firstTrace+TracesNeeded(o, entries)-1 > MaxTrace {
		return Built{}, fmt.Errorf("ach: trace numbers from %d do not fit in seven digits", firstTrace)
	}
	f := moov.NewFile()
	f.Header.ImmediateDestination = o.BankRouting
	f.Header.ImmediateOrigin = o.OriginID
	f.Header.ImmediateDestinationName = truncate(o.BankName, 23)
	f.Header.ImmediateOriginName = truncate(o.OriginName, 23)
	f.Header.FileCreationDate = created.Format("060102")
	f.Header.FileCreationTime = created.Format("1504")
	f.Header.FileIDModifier = modifier

	keys, groups := batches(entries)
	built := Built{Traces: make([]string, len(entries)), Modifier: modifier}
	seq := firstTrace - 1
	for n, k := range keys {
		bh := moov.NewBatchHeader()
		bh.ServiceClassCode = serviceClass(entries, groups[k], o.Balanced)
		bh.CompanyName = truncate(o.CompanyName, 16)
		bh.CompanyIdentification = o.CompanyID
		bh.StandardEntryClassCode = string(k.sec)
		bh.CompanyEntryDescription = k.description
		bh.EffectiveEntryDate = k.effective.Format("060102")
		bh.ODFIIdentification = o.ODFI()
		bh.BatchNumber = n + 1
		batch, err := moov.NewBatch(bh)
		if err != nil {
			return Built{}, fmt.Errorf("ach: batch %d: %w", n+1, err)
		}
		added := make([]*moov.EntryDetail, 0, len(groups[k]))
		for _, i := range groups[k] {
			e := &entries[i]
			seq++
			ed := moov.NewEntryDetail()
			added = append(added, ed)
			ed.TransactionCode = transactionCode(e.Transfer.Direction, e.Account.Type)
			ed.SetRDFI(e.Account.Routing)
			ed.DFIAccountNumber = e.AccountNumber
			ed.Amount = int(e.Transfer.Amount)
			ed.IdentificationNumber = truncate(e.Transfer.PublicID, 15)
			ed.IndividualName = truncate(e.Account.HolderName, 22)
			if e.Transfer.SEC == CCD {
				ed.IndividualName = truncate(e.Transfer.CompanyName, 22)
			}
			if e.Transfer.SEC == WEB {
				ed.DiscretionaryData = "S" // a single entry, not a recurring one
			}
			ed.SetTraceNumber(o.ODFI(), seq)
			batch.AddEntry(ed)
			built.Traces[i] = ed.TraceNumber
			built.Entries++
			if e.Transfer.Direction == Debit {
				built.Debits += e.Transfer.Amount
			} else {
				built.Credits += e.Transfer.Amount
			}
		}
		if o.Balanced {
			// moov numbers a batch's offsets after its last entry: keep
			// those two numbers free, so that traces stay unique in the file.
			seq += 2
			ob, ok := batch.(interface{ WithOffset(*moov.Offset) })
			if !ok {
				return Built{}, fmt.Errorf("ach: a %s batch takes no offset", k.sec)
			}
			ob.WithOffset(&moov.Offset{RoutingNumber: o.OffsetRouting, AccountNumber: o.OffsetAccount,
				AccountType: moov.OffsetAccountType(o.OffsetType), Description: "OFFSET"})
		}
		if err := batch.Create(); err != nil {
			return Built{}, fmt.Errorf("ach: batch %d: %w", n+1, err)
		}
		// moov-io/ach takes an entry named OFFSET for an offset of its own
		// and drops it: no transfer may go missing from a file unseen.
		// (moov keeps the entries it was given in order, and puts its
		// offsets last).
		kept := batch.GetEntries()
		for j, ed := range added {
			if j >= len(kept) || kept[j] != ed {
				return Built{}, fmt.Errorf("ach: batch %d lost transfer %s", n+1, entries[groups[k][j]].Transfer.PublicID)
			}
		}
		f.AddBatch(batch)
		built.Batches++
	}
	if err := f.Create(); err != nil {
		return Built{}, fmt.Errorf("ach: file: %w", err)
	}
	// Each batch validated itself in Create; the file's header and control
	// are validated here, once, rather than every batch a second time by
	// the writer.
	if err := f.ValidateWith(&moov.ValidateOpts{BypassBatchValidation: true}); err != nil {
		return Built{}, fmt.Errorf("ach: the built file does not validate: %w", err)
	}
	var buf bytes.Buffer
	buf.Grow((built.Entries + 4*built.Batches + 12) * 95)
	w := moov.NewWriter(&buf)
	w.BypassValidation = true
	if err := w.Write(f); err != nil {
		return Built{}, fmt.Errorf("ach: write: %w", err)
	}
	built.Content = buf.Bytes()
	sum := sha256.Sum256(built.Content)
	built.SHA256 = hex.EncodeToString(sum[:])
	return built, nil
}

// serviceClass is 220 (credits only), 225 (debits only) or 200 (mixed,
// and always when offsets balance the batch).
func serviceClass(entries []Entry, batch []int, balanced bool) int {
	credits, debits := false, false
	for _, i := range batch {
		credits = credits || entries[i].Transfer.Direction == Credit
		debits = debits || entries[i].Transfer.Direction == Debit
	}
	switch {
	case balanced || credits && debits:
		return moov.MixedDebitsAndCredits
	case credits:
		return moov.CreditsOnly
	}
	return moov.DebitsOnly
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// BatchSummary is a batch of a file as the console shows it: never an
// account number.
type BatchSummary struct {
	Number      int
	SEC         string
	Description string
	Effective   string
	Entries     int
	Debits      int64
	Credits     int64
	Traces      []string // of its entries, first to last
}

// Summarize reads a NACHA file back with moov-io/ach and describes its batches.
func Summarize(content []byte) ([]BatchSummary, error) {
	f, err := moov.NewReader(bytes.NewReader(content)).Read()
	if err != nil {
		return nil, fmt.Errorf("ach: the stored file does not read back: %w", err)
	}
	out := make([]BatchSummary, 0, len(f.Batches))
	for _, b := range f.Batches {
		h, c := b.GetHeader(), b.GetControl()
		sum := BatchSummary{Number: h.BatchNumber, SEC: h.StandardEntryClassCode, Description: h.CompanyEntryDescription,
			Effective: h.EffectiveEntryDate, Entries: c.EntryAddendaCount, Debits: int64(c.TotalDebitEntryDollarAmount), Credits: int64(c.TotalCreditEntryDollarAmount)}
		for _, ed := range b.GetEntries() {
			sum.Traces = append(sum.Traces, ed.TraceNumber)
		}
		out = append(out, sum)
	}
	return out, nil
}

package ach

import (
	"bytes"
	"compress/gzip"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	moov "github.com/moov-io/ach"

	"github.com/paycompliance/console/internal/fixtures"
)

var testOrigin = Origin{BankRouting: "091400606", BankName: "First Bank & Trust", OriginID: "1234567890", OriginName: "Compliance Console",
	CompanyName: "CONSOLE PAY", CompanyID: "1234567890"}

func testEntries(n int) []Entry {
	eff := day("2026-12-03")
	out := make([]Entry, n)
	for i := range out {
		dir, sec, typ := Credit, PPD, Checking
		if i%3 == 1 {
			dir, sec = Debit, WEB
		}
		if i%5 == 4 {
			typ = Savings
		}
		out[i] = Entry{
			Transfer: Transfer{ID: int64(i + 1), PublicID: "tr_test" + strconv.Itoa(i), Direction: dir, Amount: int64(100 + i), SEC: sec,
				Description: "PAYOUT", Effective: eff},
			Account:       BankAccount{Routing: "021000021", HolderName: "Holder " + strconv.Itoa(i), Type: typ},
			AccountNumber: "12345" + strconv.Itoa(i),
		}
	}
	return out
}

// A built file reads back through moov-io/ach with validation on, and its
// totals are the sum of its transfers.
func TestBuildFile_RoundTrips(t *testing.T) {
	entries := testEntries(25)
	for _, balanced := range []bool{false, true} {
		o := testOrigin
		if balanced {
			o.Balanced, o.OffsetRouting, o.OffsetAccount, o.OffsetType = true, "091400606", "99887766", Checking
		}
		b, err := BuildFile(o, time.Date(2026, 12, 2, 14, 50, 0, 0, time.UTC), "A", 1, entries)
		if err != nil {
			t.Fatal(err)
		}
		f, err := moov.NewReader(bytes.NewReader(b.Content)).Read()
		if err == nil {
			err = f.Validate()
		}
		if err != nil {
			t.Fatalf("balanced %v: the file does not read back: %v", balanced, err)
		}
		var debits, credits int64
		count := 0
		for _, batch := range f.Batches {
			for _, ed := range batch.GetEntries() {
				if !slices.Contains(b.Traces, ed.TraceNumber) {
					continue // the offset
				}
				count++
				if ed.CreditOrDebit() == "D" {
					debits += int64(ed.Amount)
				} else {
					credits += int64(ed.Amount)
				}
			}
		}
		if count != 25 || debits != b.Debits || credits != b.Credits || b.Debits+b.Credits != sum(entries) || len(b.Traces) != 25 {
			t.Fatalf("balanced %v: %d entries, debits %d/%d, credits %d/%d", balanced, count, debits, b.Debits, credits, b.Credits)
		}
		if balanced && f.Control.TotalDebitEntryDollarAmountInFile != f.Control.TotalCreditEntryDollarAmountInFile {
			t.Fatal("a balanced file does not balance")
		}
		if !strings.HasPrefix(b.Traces[0], "09140060") {
			t.Fatalf("trace %s does not start with the bank's identification", b.Traces[0])
		}
	}
}

func sum(entries []Entry) int64 {
	var s int64
	for _, e := range entries {
		s += e.Transfer.Amount
	}
	return s
}

// moov-io/ach drops an entry named OFFSET from a balanced batch (it takes
// it for an offset): the file is refused rather than made without it, and
// no account or company may be named so.
func TestBuildFile_NoTransferGoesMissing(t *testing.T) {
	entries := testEntries(3)
	entries[2].Account.HolderName = "Offset" // in the PPD batch with entries[0]
	o := testOrigin
	o.Balanced, o.OffsetRouting, o.OffsetAccount, o.OffsetType = true, "091400606", "99887766", Checking
	if _, err := BuildFile(o, time.Date(2026, 12, 2, 14, 50, 0, 0, time.UTC), "A", 1, entries); err == nil || !strings.Contains(err.Error(), "lost transfer") {
		t.Fatalf("a batch that lost an entry = %v", err)
	}
	n := NewAccount{RequestRef: "r", CustomerRef: "c", HolderName: "offset", HolderType: Person, Type: Checking, Routing: "021000021", AccountNumber: "12345678"}
	if err := n.validate(); err == nil {
		t.Fatal("an account holder named OFFSET was taken")
	}
}

// Every fixture: originations parse and validate, returns and NOCs are
// read with their codes, the file with a bad check digit is refused.
func TestReadInbound_Fixtures(t *testing.T) {
	read := func(name string) (Inbound, error) {
		f, err := os.Open(fixtures.Path(t, "ach/"+name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return ReadInbound(f)
	}
	for _, name := range []string{"ppd-debit.ach", "ppd-credit.ach", "ccd-debit.ach", "web-debit.ach"} {
		if in, err := read(name); err != nil || len(in.Returns) != 0 {
			t.Errorf("%s: %v, %d returns", name, err, len(in.Returns))
		}
	}
	ret, err := read("return-WEB.ach")
	if err != nil || len(ret.Returns) != 2 || ret.Returns[0].Code != "R01" || ret.Returns[0].OriginalTrace != "091400600000001" ||
		ret.Returns[0].Reason != "Insufficient Funds" || ret.Returns[1].Code != "R03" {
		t.Fatalf("return-WEB: %+v, %v", ret.Returns, err)
	}
	noc, err := read("cor-example.ach")
	if err != nil || len(noc.Corrections) != 1 || noc.Corrections[0].Code != "C01" || noc.Corrections[0].OriginalTrace != "121042880000001" ||
		noc.Corrections[0].AccountNumber != "1918171614" {
		t.Fatalf("cor-example: %+v, %v", noc.Corrections, err)
	}
	for name, kind := range map[string]ReturnKind{"dishonored-return.ach": DishonoredKind, "contested-return.ach": ContestedReturn} {
		in, err := read(name)
		if err != nil || !hasKind(in.Returns, kind) {
			t.Errorf("%s: %+v, %v", name, in.Returns, err)
		}
	}
	if _, err := read("ppd-debit-invalid-entryDetail-checkDigit.ach"); err == nil || !strings.Contains(strings.ToLower(err.Error()), "check") {
		t.Fatalf("the bad check digit file = %v, want refused naming the check digit", err)
	}
	if !Administrative("R03") || Administrative("R01") || !Unauthorized("R10") {
		t.Fatal("return code classes are wrong")
	}
}

// A C07 corrects the routing number, the account number and the
// transaction code at once: each is read out, by moov-io/ach's reading.
func TestReadInbound_C07(t *testing.T) {
	raw := bankFile(t, moov.CategoryNOC, func(ed *moov.EntryDetail) {
		a := moov.NewAddenda98()
		a.ChangeCode, a.OriginalTrace, a.OriginalDFI, a.TraceNumber = "C07", "091400600000001", "12104288", ed.TraceNumber
		a.CorrectedData = "021000021" + "12345678901      " + "32"
		ed.Addenda98 = a
	})
	in, err := ReadInbound(bytes.NewReader(raw))
	if err != nil || len(in.Corrections) != 1 {
		t.Fatalf("C07: %+v, %v", in.Corrections, err)
	}
	if c := in.Corrections[0]; c.Routing != "021000021" || c.AccountNumber != "12345678901" || c.TxCode != 32 || !(Correction{Code: c.Code}).Changes() {
		t.Fatalf("C07 read as %+v", c)
	}
	if (Correction{Code: "C04"}).Changes() {
		t.Fatal("a corrected name does not change the account")
	}
}

func hasKind(items []ReturnItem, k ReturnKind) bool {
	for _, r := range items {
		if r.Kind == k {
			return true
		}
	}
	return false
}

// The 100,000-entry fixture reads whole (its control counts 100,199).
func TestReadInbound_Large(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	raw := gunzip(t, fixtures.Path(t, "ach/PPD-200-batches-100000-entries.ach.gz"))
	f, err := moov.NewReader(bytes.NewReader(raw)).Read()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, b := range f.Batches {
		n += len(b.GetEntries())
	}
	if n < 100000 || n != f.Control.EntryAddendaCount {
		t.Fatalf("%d entries, the file control says %d", n, f.Control.EntryAddendaCount)
	}
}

func gunzip(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(z); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

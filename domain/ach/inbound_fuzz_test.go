package ach

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	moov "github.com/moov-io/ach"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/internal/fixtures"
)

// maxFuzzInbound caps a fuzzed file: a few dozen records, so each run
// stays cheap (the limit a real file may reach is tested elsewhere).
const maxFuzzInbound = 16 << 10

var (
	returnCode = regexp.MustCompile(`^R[0-9]{2}$`)
	changeCode = regexp.MustCompile(`^C[0-9]{2}$`)
)

// ReadInbound never panics; what it refuses it refuses as EINVALID; what
// it accepts it reads with the file's hash, each return and change listed
// once, under a known kind, a code of its kind (a plain return's one
// moov-io/ach knows) and a 15-digit original trace.
// Seeds: the small real NACHA fixtures (the 100,000-entry one is too big),
// and a return and a notification of change built here.
func FuzzReadInbound(f *testing.F) {
	if dir, ok := fixtures.Dir(); ok {
		names, _ := filepath.Glob(filepath.Join(dir, "ach", "*.ach"))
		for _, name := range names {
			if raw, err := os.ReadFile(name); err == nil && len(raw) <= maxFuzzInbound {
				f.Add(raw)
			}
		}
	} else {
		f.Log("fixtures not found (../shared/fixtures, or FIXTURES_DIR): fuzzing from the files built here only")
	}
	ret, noc := inboundSeeds(f)
	if in, err := ReadInbound(bytes.NewReader(ret)); err != nil || len(in.Returns) != 1 || in.Returns[0].Code != "R01" {
		f.Fatalf("the return built here reads as %+v, %v", in, err)
	}
	if in, err := ReadInbound(bytes.NewReader(noc)); err != nil || len(in.Corrections) != 1 || in.Corrections[0].AccountNumber != "1918171614" {
		f.Fatalf("the notification of change built here reads as %+v, %v", in, err)
	}
	f.Add(ret)
	f.Add(noc)
	f.Add([]byte{})
	f.Add(ret[:len(ret)/2])
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > maxFuzzInbound {
			return
		}
		in, err := ReadInbound(bytes.NewReader(raw))
		if err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("refused with %v (code %q), want EINVALID", err, domain.ErrorCode(err))
			}
			return
		}
		sum := sha256.Sum256(raw)
		if in.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("SHA256 %s is not the file's", in.SHA256)
		}
		if in.Entries != len(in.Returns)+len(in.Corrections) {
			t.Fatalf("Entries %d, but %d returns and %d corrections", in.Entries, len(in.Returns), len(in.Corrections))
		}
		for i, r := range in.Returns {
			switch {
			case slices.Contains(in.Returns[:i], r):
				t.Fatalf("return %+v listed twice", r)
			case r.Kind != PlainReturn && r.Kind != DishonoredKind && r.Kind != ContestedReturn:
				t.Fatalf("return %+v of unknown kind", r)
			case !returnCode.MatchString(r.Code):
				t.Fatalf("return %+v: code is not Rnn", r)
			case r.Kind == PlainReturn && (moov.LookupReturnCode(r.Code) == nil || r.Reason == ""):
				t.Fatalf("return %+v: moov-io/ach does not know its code", r)
			case !fifteenDigits(r.OriginalTrace):
				t.Fatalf("return %+v: original trace is not 15 digits", r)
			case r.Amount < 0:
				t.Fatalf("return %+v: negative amount", r)
			}
		}
		for i, c := range in.Corrections {
			switch {
			case slices.Contains(in.Corrections[:i], c):
				t.Fatalf("correction %+v listed twice", c)
			case !changeCode.MatchString(c.Code):
				t.Fatalf("correction %+v: code is not Cnn", c)
			case !fifteenDigits(c.OriginalTrace):
				t.Fatalf("correction %+v: original trace is not 15 digits", c)
			}
		}
	})
}

func fifteenDigits(s string) bool { return len(s) == 15 && strings.Trim(s, "0123456789") == "" }

// inboundSeeds writes, with moov-io/ach, a return file (an R01) and a
// notification of change (a C01), as a receiving bank would send them.
func inboundSeeds(t testing.TB) (ret, noc []byte) {
	t.Helper()
	ret = bankFile(t, moov.CategoryReturn, func(ed *moov.EntryDetail) {
		a := moov.NewAddenda99()
		a.ReturnCode, a.OriginalTrace, a.OriginalDFI, a.TraceNumber = "R01", "091400600000001", "09140060", ed.TraceNumber
		ed.Addenda99 = a
	})
	noc = bankFile(t, moov.CategoryNOC, func(ed *moov.EntryDetail) {
		a := moov.NewAddenda98()
		a.ChangeCode, a.OriginalTrace, a.OriginalDFI, a.TraceNumber, a.CorrectedData = "C01", "091400600000002", "09140060", ed.TraceNumber, "1918171614"
		ed.Addenda98 = a
	})
	return ret, noc
}

// bankFile writes a file from a receiving bank back to the console's
// ODFI: one entry of category (moov.CategoryReturn: a PPD return of
// $125.00; moov.CategoryNOC: a COR) with the addenda that addenda sets.
func bankFile(t testing.TB, category string, addenda func(*moov.EntryDetail)) []byte {
	t.Helper()
	fh := moov.NewFileHeader()
	fh.ImmediateDestination, fh.ImmediateOrigin, fh.FileCreationDate, fh.FileCreationTime, fh.FileIDModifier =
		"091400606", "121042882", "261202", "1200", "A"
	fh.ImmediateDestinationName, fh.ImmediateOriginName = "DEMO ODFI", "RECEIVING BANK"
	bh := moov.NewBatchHeader()
	bh.ServiceClassCode, bh.StandardEntryClassCode, bh.CompanyName, bh.CompanyIdentification = 220, moov.PPD, "CONSOLE PAY", "1234567890"
	bh.CompanyEntryDescription, bh.EffectiveEntryDate, bh.ODFIIdentification = "PAYOUT", "261203", "12104288"
	ed := moov.NewEntryDetail()
	ed.TransactionCode, ed.IdentificationNumber, ed.IndividualName, ed.Amount = 21, "tr_x", "JANE ORDINARY", 12500
	if category == moov.CategoryNOC {
		bh.StandardEntryClassCode, ed.Amount = moov.COR, 0
	}
	ed.SetRDFI("091400606")
	ed.DFIAccountNumber = "9876543210"
	ed.SetTraceNumber("12104288", 1)
	ed.AddendaRecordIndicator, ed.Category = 1, category
	addenda(ed)
	batch, err := moov.NewBatch(bh)
	if err != nil {
		t.Fatal(err)
	}
	batch.AddEntry(ed)
	if err := batch.Create(); err != nil {
		t.Fatal(err)
	}
	f := moov.NewFile()
	f.SetHeader(fh)
	f.AddBatch(batch)
	if err := f.Create(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := moov.NewWriter(&buf).Write(f); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

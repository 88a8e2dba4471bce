package ach

import (
	"bytes"
	"testing"
	"time"

	moov "github.com/moov-io/ach"

	"github.com/paycompliance/console/internal/fixtures"
)

// Building, validating and writing a 100,000-entry file: ours (grouping
// into batches, trace numbers, totals) against moov-io/ach alone doing the
// same file. Target: ≤ 120 ms.
//
//	go test -run '^$' -bench 'File|Inbound' -benchtime 10x ./domain/ach/
func BenchmarkBuildFile_100k(b *testing.B) {
	entries := testEntries(100_000)
	created := time.Date(2026, 12, 2, 14, 50, 0, 0, time.UTC)
	for b.Loop() {
		if _, err := BuildFile(testOrigin, created, "A", 1, entries); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMoovAlone_BuildFile_100k(b *testing.B) {
	entries := testEntries(100_000)
	for b.Loop() {
		f := moov.NewFile()
		f.Header.ImmediateDestination, f.Header.ImmediateOrigin = testOrigin.BankRouting, testOrigin.OriginID
		f.Header.ImmediateDestinationName, f.Header.ImmediateOriginName = testOrigin.BankName, testOrigin.OriginName
		f.Header.FileCreationDate, f.Header.FileCreationTime, f.Header.FileIDModifier = "261202", "1450", "A"
		batches := map[SEC]moov.Batcher{}
		for i, e := range entries {
			batch, ok := batches[e.Transfer.SEC]
			if !ok {
				bh := moov.NewBatchHeader()
				bh.ServiceClassCode, bh.CompanyName, bh.CompanyIdentification = moov.MixedDebitsAndCredits, testOrigin.CompanyName, testOrigin.CompanyID
				bh.StandardEntryClassCode, bh.CompanyEntryDescription, bh.EffectiveEntryDate = string(e.Transfer.SEC), "PAYOUT", "261203"
				bh.ODFIIdentification, bh.BatchNumber = testOrigin.ODFI(), len(batches)+1
				batch, _ = moov.NewBatch(bh)
				batches[e.Transfer.SEC] = batch
			}
			ed := moov.NewEntryDetail()
			ed.TransactionCode = transactionCode(e.Transfer.Direction, e.Account.Type)
			ed.SetRDFI(e.Account.Routing)
			ed.DFIAccountNumber, ed.Amount, ed.IndividualName = e.AccountNumber, int(e.Transfer.Amount), e.Account.HolderName
			if e.Transfer.SEC == WEB {
				ed.DiscretionaryData = "S"
			}
			ed.SetTraceNumber(testOrigin.ODFI(), i+1)
			batch.AddEntry(ed)
		}
		for _, sec := range []SEC{PPD, WEB} {
			if err := batches[sec].Create(); err != nil {
				b.Fatal(err)
			}
			f.AddBatch(batches[sec])
		}
		var buf bytes.Buffer
		if err := f.Create(); err != nil {
			b.Fatal(err)
		}
		if err := moov.NewWriter(&buf).Write(f); err != nil { // validates the file
			b.Fatal(err)
		}
	}
}

// Reading and validating the 100,000-entry fixture: ours (every entry's
// returns and changes collected) against moov-io/ach alone. Target: ≤ 250 ms.
func BenchmarkReadInbound_100k(b *testing.B) {
	raw := gunzip(b, fixtures.Path(b, "ach/PPD-200-batches-100000-entries.ach.gz"))
	for b.Loop() {
		if _, err := ReadInbound(bytes.NewReader(raw)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMoovAlone_Read_100k(b *testing.B) {
	raw := gunzip(b, fixtures.Path(b, "ach/PPD-200-batches-100000-entries.ach.gz"))
	for b.Loop() {
		f, err := moov.NewReader(bytes.NewReader(raw)).Read()
		if err == nil {
			err = f.Validate()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

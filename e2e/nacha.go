package e2e

import (
	"bytes"
	"testing"
	"time"

	moov "github.com/moov-io/ach"
)

// returnFileFor is the file the receiving bank sends back when it returns
// the entry with trace of a file we delivered, with the R code: built with
// moov-io/ach as a bank's software would.
func returnFileFor(t *testing.T, delivered []byte, trace, code string) []byte {
	t.Helper()
	orig, err := moov.NewReader(bytes.NewReader(delivered)).Read()
	if err != nil {
		t.Fatalf("the delivered file does not read: %v", err)
	}
	for _, b := range orig.Batches {
		for _, ed := range b.GetEntries() {
			if ed.TraceNumber != trace {
				continue
			}
			rdfi := ed.RDFIIdentification + ed.CheckDigit
			fh := moov.NewFileHeader()
			fh.ImmediateDestination, fh.ImmediateDestinationName = orig.Header.ImmediateDestination, orig.Header.ImmediateDestinationName
			fh.ImmediateOrigin, fh.ImmediateOriginName = rdfi, "RECEIVING BANK"
			fh.FileCreationDate, fh.FileCreationTime, fh.FileIDModifier = time.Now().Format("060102"), "1200", "A"

			bh := *b.GetHeader()
			bh.ODFIIdentification = ed.RDFIIdentification
			ret := moov.NewEntryDetail()
			ret.TransactionCode = ed.TransactionCode - 1 // 22 → 21: the return of a checking credit, and so on
			ret.SetRDFI(orig.Header.ImmediateDestination)
			ret.DFIAccountNumber, ret.Amount, ret.IdentificationNumber, ret.IndividualName =
				ed.DFIAccountNumber, ed.Amount, ed.IdentificationNumber, ed.IndividualName
			ret.SetTraceNumber(ed.RDFIIdentification, 1)
			ret.AddendaRecordIndicator, ret.Category = 1, moov.CategoryReturn
			a := moov.NewAddenda99()
			a.ReturnCode, a.OriginalTrace, a.OriginalDFI, a.TraceNumber = code, trace, ed.RDFIIdentification, ret.TraceNumber
			ret.Addenda99 = a

			batch, err := moov.NewBatch(&bh)
			if err != nil {
				t.Fatal(err)
			}
			batch.AddEntry(ret)
			if err := batch.Create(); err != nil {
				t.Fatalf("return batch: %v", err)
			}
			f := moov.NewFile()
			f.SetHeader(fh)
			f.AddBatch(batch)
			if err := f.Create(); err != nil {
				t.Fatalf("return file: %v", err)
			}
			var buf bytes.Buffer
			if err := moov.NewWriter(&buf).Write(f); err != nil {
				t.Fatal(err)
			}
			return buf.Bytes()
		}
	}
	t.Fatalf("the delivered file has no entry with trace %s", trace)
	return nil
}

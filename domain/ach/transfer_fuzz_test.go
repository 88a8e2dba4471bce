package ach

import (
	"bytes"
	"strings"
	"testing"
	"time"

	moov "github.com/moov-io/ach"

	"github.com/paycompliance/console/domain"
)

// A bank account and a transfer to it, as the API's bodies (POST
// /api/v1/bank_accounts, /api/v1/transfers) give them, are refused as
// EINVALID or accepted clean (trimmed, a description upper-cased, the
// same when validated again) and then make a NACHA file that moov-io/ach
// builds, validates and reads back with the transfer in it: nothing
// accepted fails at the cutoff.
func FuzzNewTransfer(f *testing.F) {
	f.Add("Jane Holder", "individual", "checking", "091400606", "12345678", "credit", int64(12500), "PPD", "", " payroll ", false, "", int64(0))
	f.Add("ACME Corp", "business", "savings", "021000021", "9876-5432", "debit", int64(99_999_999_99), "CCD", "ACME CORP", "INVOICE", false, "", int64(0))
	f.Add("Jane Holder", "individual", "checking", "021000021", "1234", "debit", int64(100_000_001), "WEB", "", "SUB", false, "auth_1", int64(1_800_000_000))
	f.Add("OFFSET", "individual", "checking", "091400607", "123", "sideways", int64(0), "IAT", "offset", "", false, "", int64(0))
	f.Add(" Ed `Quote` ", "individual", "checking", "091400606", "12345678", "credit", int64(1), "PPD", "", "ı~", true, "", int64(0))
	created := time.Date(2026, 12, 2, 14, 50, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, holder, holderType, accountType, routing, number, direction string, amount int64, sec, company, description string,
		sameDay bool, authRef string, authAt int64) {
		a := NewAccount{RequestRef: "api:1:a", CustomerRef: "cus_1", HolderName: holder, HolderType: HolderType(holderType),
			Type: AccountType(accountType), Routing: routing, AccountNumber: number}
		n := NewTransfer{RequestRef: "api:1:t", Account: "ba_1", Direction: Direction(direction), Amount: amount, SEC: SEC(sec),
			CompanyName: company, Description: description, SameDay: sameDay, Authorization: Authorization{Reference: authRef}}
		if authAt != 0 {
			n.Authorization.At = time.Unix(authAt, 0).UTC()
		}
		if err := a.validate(); err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("account refused with %v, want EINVALID", err)
			}
			return
		}
		if again := a; again.validate() != nil || again != a || strings.TrimSpace(a.HolderName) != a.HolderName || a.HolderName == "" {
			t.Fatalf("account accepted as %+v, which does not validate again the same", a)
		}
		if err := n.validate(a.HolderType); err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("transfer refused with %v, want EINVALID", err)
			}
			return
		}
		if again := n; again.validate(a.HolderType) != nil || again != n || n.Description != strings.ToUpper(strings.TrimSpace(n.Description)) {
			t.Fatalf("transfer accepted as %+v, which does not validate again the same", n)
		}
		e := Entry{Transfer: Transfer{ID: 1, PublicID: "tr_fuzz", Direction: n.Direction, Amount: n.Amount, SEC: n.SEC, CompanyName: n.CompanyName,
			Description: n.Description, Effective: day("2026-12-03"), Authorization: n.Authorization},
			Account: BankAccount{Routing: a.Routing, HolderName: a.HolderName, HolderType: a.HolderType, Type: a.Type}, AccountNumber: a.AccountNumber}
		b, err := BuildFile(testOrigin, created, "A", 1, []Entry{e})
		if err != nil {
			t.Fatalf("accepted %+v to %+v, but the file does not build: %v", n, a, err)
		}
		file, err := moov.NewReader(bytes.NewReader(b.Content)).Read()
		if err == nil {
			err = file.Validate()
		}
		if err != nil || len(file.Batches) != 1 || len(file.Batches[0].GetEntries()) != 1 || file.Batches[0].GetEntries()[0].Amount != int(n.Amount) {
			t.Fatalf("accepted %+v to %+v, but the file does not read back with it: %v", n, a, err)
		}
	})
}

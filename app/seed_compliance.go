package app

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/ofac"
)

// demoList is a small sanctions list of invented designations in the
// Treasury's sdn.csv format, for `make run` when no list is configured:
// enough to see hits, cases and their disposition. Production points
// SCREENING_LIST_DIR at the real files, or SCREENING_LIST_URL at
// Treasury's address.
const demoList = `9001,"DEMOVIC, Ivan Petrovich","individual","SDGT] [DEMO","-0- ","-0- ","-0- ","-0- ","-0- ","-0- ","-0- ","DOB 12 Mar 1971; nationality Demoland; Passport D1234567 (Demoland); invented for the demo."` + "\r\n" +
	`9002,"NORTHWIND DEMO TRADING LLC","-0- ","IRAN] [DEMO","-0- ","-0- ","-0- ","-0- ","-0- ","-0- ","-0- ","Website northwind.invalid; a.k.a. 'NWD TRADING'; invented for the demo."` + "\r\n" +
	`9003,"DEMO STAR","vessel","SDGT] [DEMO","-0- ","9VDM1","Crude Oil Tanker","-0- ","-0- ","Demoland","NORTHWIND DEMO TRADING LLC","Vessel Registration Identification IMO 9000001; invented for the demo."` + "\r\n" +
	`9004,"KARAMOV, Sergei","individual","UKRAINE-EO13660] [DEMO","-0- ","-0- ","-0- ","-0- ","-0- ","-0- ","-0- ","DOB 1965; invented for the demo."` + "\r\n"

// demoOperators: the first creates, the second approves (four eyes).
var demoOperators = [2]string{"dana.reyes", "omar.said"}

func demoOperator(ctx context.Context, who string) context.Context {
	return identity.WithServiceCaller(ctx, audit.Actor{Type: audit.ActorUser, ID: who, Roles: []string{string(identity.Operator)}},
		identity.PermACHRead, identity.PermACHWrite, identity.PermACHFiles)
}

// seedLists writes the demo list where the lists are read from, unless a
// list is there already, and loads it.
func seedLists(ctx context.Context, env seedEnv) (int, error) {
	path := filepath.Join(env.listDir, "sdn.csv")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(env.listDir, 0o750); err != nil {
			return 0, err
		}
		if err := os.WriteFile(path, []byte(demoList), 0o640); err != nil {
			return 0, err
		}
	}
	_, loaded, err := env.compliance.screening.Load(ctx, ofac.Dir{Path: env.listDir})
	if loaded {
		return 1, err
	}
	return 0, err
}

// demoAccounts and demoTransfers: a clear person paid, a company debited
// by CCD, a large payout waiting for the second operator, a payout to a
// name on the list (held, with its case), and three deposits just under
// $10,000 that AML monitoring calls possible structuring.
var demoAccounts = []struct {
	customer, holder string
	holderType       ach.HolderType
	routing, number  string
}{
	{"cus-jane", "Jane Ordinary", ach.Person, "021000021", "000123456789"},
	{"cus-acme", "Acme Supplies Inc", ach.Company, "011000015", "4455667788"},
	{"cus-ivan", "Ivan Demovic", ach.Person, "026009593", "99887766"},
	{"cus-lena", "Lena Marsh", ach.Person, "021000021", "31415926"},
}

var demoTransfers = []struct {
	account   int
	direction ach.Direction
	amount    int64
	sec       ach.SEC
	company   string
	desc      string
}{
	{0, ach.Credit, 125_000, ach.PPD, "", "PAYOUT"},
	{1, ach.Debit, 480_000, ach.CCD, "ACME SUPPLIES INC", "INVOICE"},
	{0, ach.Credit, 1_500_000, ach.PPD, "", "PAYOUT"},
	{2, ach.Credit, 250_000, ach.PPD, "", "PAYOUT"},
	{3, ach.Debit, 950_000, ach.PPD, "", "DEPOSIT"},
	{3, ach.Debit, 920_000, ach.PPD, "", "DEPOSIT"},
	{3, ach.Debit, 990_000, ach.PPD, "", "DEPOSIT"},
}

func seedACH(ctx context.Context, env seedEnv) (int, error) {
	ctx = demoOperator(ctx, demoOperators[0])
	if existing, _, err := env.ach.Accounts(ctx, "", ""); err != nil || len(existing) > 0 {
		return 0, err
	}
	accounts := make([]ach.BankAccount, len(demoAccounts))
	for i, d := range demoAccounts {
		a, err := env.ach.AddAccount(ctx, ach.NewAccount{RequestRef: "demo:account:" + strconv.Itoa(i), CustomerRef: d.customer,
			HolderName: d.holder, HolderType: d.holderType, Type: ach.Checking, Routing: d.routing, AccountNumber: d.number})
		if err != nil {
			return i, err
		}
		accounts[i] = a
	}
	for i, d := range demoTransfers {
		if _, err := env.ach.CreateTransfer(ctx, ach.NewTransfer{RequestRef: "demo:transfer:" + strconv.Itoa(i), Account: accounts[d.account].PublicID,
			Direction: d.direction, Amount: d.amount, SEC: d.sec, CompanyName: d.company, Description: d.desc}); err != nil {
			return len(accounts) + i, err
		}
	}
	// The approved ones go out in a file now, so the files page has one.
	if _, _, err := env.ach.ForceCutoff(ctx); err != nil {
		return len(accounts) + len(demoTransfers), err
	}
	_, err := env.compliance.aml.Monitor(ctx)
	return len(accounts) + len(demoTransfers), err
}

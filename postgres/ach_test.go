package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	moov "github.com/moov-io/ach"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/cases"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/domain/screening"
	"github.com/paycompliance/console/filesink"
	"github.com/paycompliance/console/internal/fixtures"
	"github.com/paycompliance/console/internal/wait"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/jobs/jobstest"
	"github.com/paycompliance/console/keyfile"
	"github.com/paycompliance/console/postgres"
)

// achFixture is ACH with real screening (a small list of its own) and the
// case queue, on a fresh database, delivering into a directory.
type achFixture struct {
	*screeningFixture
	ach    *ach.Service
	outbox string
}

// sanctioned is the designee of the fixture's own list.
const sanctioned = "Viktor Sanctionov"

func newACHFixture(t testing.TB, loadList bool) *achFixture {
	t.Helper()
	sf := newScreeningFixture(t)
	if loadList {
		os.WriteFile(filepath.Join(sf.dir, "sdn.csv"), []byte("900,\"SANCTIONOV, Viktor\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"), 0o644)
		sf.load(t)
	}
	p, err := keyfile.Open(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	inserter, err := jobs.NewInserter(sf.db)
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	cutoffs, _ := ach.ParseCutoffs("10:30,14:45,16:45")
	f := &achFixture{screeningFixture: sf, outbox: filepath.Join(t.TempDir(), "outbound")}
	f.ach = &ach.Service{Store: postgres.ACHStore{DB: sf.db}, Tx: postgres.Transactor{DB: sf.db}, Audit: sf.svc.Audit,
		Keys: keys.New(p, keys.Options{}), Screening: sf.svc, Cases: sf.cases, Jobs: inserter, Outbox: filesink.Outbox{Path: f.outbox},
		Schedule: ach.Schedule{Location: ny, Cutoffs: cutoffs, SameDay: true, Grace: time.Nanosecond}, // the tests force their cutoffs
		Origin: ach.Origin{BankRouting: "091400606", BankName: "First Bank & Trust", OriginID: "1234567890", OriginName: "Compliance Console",
			CompanyName: "CONSOLE PAY", CompanyID: "1234567890"},
		ApprovalAbove: 1_000_000, DailyLimit: 4_000_000, MaxTransfer: 2_500_000, Now: sf.now}
	sf.svc.Holders = append(sf.svc.Holders, f.ach)
	var opts jobs.Options
	jobs.AddACHJobs(&opts, f.ach, nil)
	jobstest.Start(t, sf.db, opts)
	return f
}

func operator(id string) context.Context {
	return identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorUser, ID: id},
		identity.PermACHRead, identity.PermACHWrite, identity.PermACHFiles)
}

func (f *achFixture) account(t testing.TB, ref, holder string) ach.BankAccount {
	t.Helper()
	a, err := f.ach.AddAccount(operator("op.ada"), ach.NewAccount{RequestRef: ref, CustomerRef: "cus-" + ref, HolderName: holder,
		HolderType: ach.Person, Type: ach.Checking, Routing: "021000021", AccountNumber: "9876543210"})
	if err != nil {
		t.Fatalf("add account %s: %v", ref, err)
	}
	return a
}

func (f *achFixture) transfer(t *testing.T, ref string, a ach.BankAccount, cents int64) ach.Transfer {
	t.Helper()
	tr, err := f.ach.CreateTransfer(operator("op.ada"), ach.NewTransfer{RequestRef: ref, Account: a.PublicID, Direction: ach.Credit,
		Amount: cents, SEC: ach.PPD, Description: "PAYOUT"})
	if err != nil {
		t.Fatalf("transfer %s: %v", ref, err)
	}
	return tr
}

func (f *achFixture) status(t *testing.T, id string) ach.Transfer {
	t.Helper()
	d, err := f.ach.Transfer(operator("op.ada"), id)
	if err != nil {
		t.Fatal(err)
	}
	return d.Transfer
}

// A transfer from creation to settlement: screened clear and approved,
// batched at a cutoff into a file that reads back through moov-io/ach with
// validation on and totals equal to its transfers, delivered, settled.
func TestACH_TransferLifecycle(t *testing.T) {
	t.Parallel()
	f := newACHFixture(t, true)
	a := f.account(t, "acct-1", "Jane Ordinary")
	if !strings.HasSuffix(a.Masked(), "3210") || a.Ciphertext == nil || strings.Contains(string(a.Ciphertext), "9876543210") {
		t.Fatalf("account stored as %+v", a)
	}
	t1, t2 := f.transfer(t, "t-1", a, 12_345), f.transfer(t, "t-2", a, 500)
	if t1.Status != ach.Approved || t2.Status != ach.Approved {
		t.Fatalf("clear transfers are %s and %s", t1.Status, t2.Status)
	}
	if again := f.transfer(t, "t-1", a, 12_345); again.ID != t1.ID {
		t.Fatal("a retried request made a second transfer")
	}
	file, made, err := f.ach.ForceCutoff(operator("op.ada"))
	if err != nil || !made || file.Entries != 2 || file.Credits != 12_845 {
		t.Fatalf("cutoff = %+v, %v, %v", file, made, err)
	}
	if _, err := f.ach.Cancel(operator("op.ada"), t1.PublicID, "too late"); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("canceling a batched transfer = %v", err)
	}
	wait.For(t, "the file was not delivered", func() bool { return f.status(t, t1.PublicID).Status == ach.Sent })
	content, err := os.ReadFile(filepath.Join(f.outbox, file.Name))
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := moov.NewReader(bytes.NewReader(content)).Read()
	if err == nil {
		err = parsed.Validate()
	}
	if err != nil || parsed.Control.TotalCreditEntryDollarAmountInFile != 12_845 {
		t.Fatalf("the delivered file: %v, credits %d", err, parsed.Control.TotalCreditEntryDollarAmountInFile)
	}
	got := f.status(t, t1.PublicID)
	if !strings.HasPrefix(got.TraceNumber, "09140060") || got.FileID != file.ID {
		t.Fatalf("the transfer's trace %q, file %d", got.TraceNumber, got.FileID)
	}
	var stored []byte
	f.owner.QueryRow(context.Background(), `SELECT ciphertext FROM ach_files WHERE id = $1`, file.ID).Scan(&stored)
	if bytes.Contains(stored, []byte("9876543210")) {
		t.Fatal("the stored file holds the account number in the clear")
	}
	f.advance(10 * 24 * time.Hour)
	if n, err := f.ach.SettleDue(context.Background()); err != nil || n != 2 {
		t.Fatalf("settled %d, %v", n, err)
	}
}

// Two cutoffs of one window at once make one file; the next window, with
// nothing approved, none.
func TestACH_TwoCutoffsMakeOneFile(t *testing.T) {
	t.Parallel()
	f := newACHFixture(t, true)
	a := f.account(t, "acct-2", "Jane Ordinary")
	for i := range 5 {
		f.transfer(t, "race-"+string(rune('a'+i)), a, int64(1000+i))
	}
	window := time.Date(2026, 12, 2, 15, 45, 0, 0, time.UTC)
	var wg sync.WaitGroup
	var files [2]ach.File
	var made [2]bool
	for i := range 2 {
		wg.Go(func() {
			var err error
			if files[i], made[i], err = f.ach.RunCutoff(context.Background(), window, false); err != nil {
				t.Errorf("cutoff: %v", err)
			}
		})
	}
	wg.Wait()
	if made[0] == made[1] {
		t.Fatalf("two cutoffs made %v files", made)
	}
	var n int
	f.owner.QueryRow(context.Background(), `SELECT count(*) FROM ach_files`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d files for one window", n)
	}
	if _, made, _ := f.ach.RunCutoff(context.Background(), window.Add(time.Hour), false); made {
		t.Fatal("a cutoff with nothing approved made a file")
	}
}

// The scheduled cutoff runs each window once, and a missed one only
// within the grace: later, its transfers wait for the next window.
func TestACH_CutoffDue(t *testing.T) {
	t.Parallel()
	f := newACHFixture(t, true)
	f.ach.Schedule.Grace = 30 * time.Minute
	ny := f.ach.Schedule.Location
	set := func(v string) {
		at, _ := time.ParseInLocation("2006-01-02 15:04", v, ny)
		f.mu.Lock()
		f.clock = at.UTC()
		f.mu.Unlock()
	}
	set("2026-12-02 10:20") // a Wednesday, before the first cutoff
	a := f.account(t, "acct-due", "Jane Ordinary")
	f.transfer(t, "due-1", a, 100)
	set("2026-12-02 10:35")
	if _, made, err := f.ach.CutoffDue(context.Background()); err != nil || !made {
		t.Fatalf("the 10:30 cutoff, five minutes late: made %v, %v", made, err)
	}
	f.transfer(t, "due-2", a, 200)
	if _, made, _ := f.ach.CutoffDue(context.Background()); made {
		t.Fatal("the 10:30 cutoff ran twice")
	}
	set("2026-12-02 15:30") // the 14:45 cutoff was missed by 45 minutes
	if _, made, _ := f.ach.CutoffDue(context.Background()); made {
		t.Fatal("a cutoff missed beyond the grace ran")
	}
	set("2026-12-02 16:50")
	if _, made, err := f.ach.CutoffDue(context.Background()); err != nil || !made {
		t.Fatalf("the 16:45 cutoff: made %v, %v", made, err)
	}
}

// Trace numbers go on from file to file, so a return names one transfer;
// when the bank's seven digits run out, the cutoff says so and batches
// nothing.
func TestACH_TraceNumbersNeverRepeat(t *testing.T) {
	t.Parallel()
	f := newACHFixture(t, true)
	a := f.account(t, "acct-tr", "Jane Ordinary")
	seen := map[string]bool{}
	for round := range 2 {
		var ids []string
		for i := range 3 {
			ids = append(ids, f.transfer(t, "trace-"+string(rune('a'+round))+string(rune('a'+i)), a, int64(100+i)).PublicID)
		}
		if _, made, err := f.ach.ForceCutoff(operator("op.ada")); err != nil || !made {
			t.Fatalf("cutoff %d: %v", round, err)
		}
		for _, id := range ids {
			trace := f.status(t, id).TraceNumber
			if seen[trace] || !strings.HasPrefix(trace, "09140060") {
				t.Fatalf("trace %q repeats or is not the bank's", trace)
			}
			seen[trace] = true
		}
	}
	if !seen["091400600000006"] {
		t.Fatalf("the second file's traces do not follow the first's: %v", seen)
	}
	f.owner.Exec(context.Background(), `UPDATE ach_trace_counters SET next = 9999999`)
	late := f.transfer(t, "trace-late", a, 100)
	f.transfer(t, "trace-later", a, 101)
	if _, _, err := f.ach.ForceCutoff(operator("op.ada")); domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Fatalf("a cutoff past the last trace number = %v", err)
	}
	if st := f.status(t, late.PublicID).Status; st != ach.Approved {
		t.Fatalf("after the refused cutoff the transfer is %s", st)
	}
}

// Transfers made at once for one customer cannot together pass the daily
// limit ($40,000 here) that each alone fits under.
func TestACH_DailyLimitUnderConcurrency(t *testing.T) {
	t.Parallel()
	f := newACHFixture(t, true)
	a := f.account(t, "acct-c", "Jane Ordinary")
	var wg sync.WaitGroup
	var mu sync.Mutex
	made := 0
	for i := range 8 {
		wg.Go(func() {
			_, err := f.ach.CreateTransfer(operator("op.ada"), ach.NewTransfer{RequestRef: "race-limit-" + string(rune('a'+i)), Account: a.PublicID,
				Direction: ach.Credit, Amount: 900_000, SEC: ach.PPD, Description: "PAYOUT"})
			mu.Lock()
			defer mu.Unlock()
			switch domain.ErrorCode(err) {
			case "":
				made++
			case domain.EINVALID: // over the limit
			default:
				t.Errorf("transfer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if made != 4 {
		t.Fatalf("%d transfers of $9,000 made under a $40,000 daily limit, want 4", made)
	}
}

// A holder who matches the list holds the transfer with the hit's case;
// cleared as a false positive, it goes on; a true match cancels what is
// left and blocks the account. Without a list, nothing moves.
func TestACH_ScreeningHoldsAndReleases(t *testing.T) {
	t.Parallel()
	f := newACHFixture(t, true)
	a := f.account(t, "acct-s", sanctioned)
	tr := f.transfer(t, "held-1", a, 10_000)
	if tr.Status != ach.Held || tr.HoldReason != ach.HoldScreening || tr.CaseID == 0 {
		t.Fatalf("a transfer to a designee's namesake is %s (%s), case %d", tr.Status, tr.HoldReason, tr.CaseID)
	}
	if _, made, _ := f.ach.ForceCutoff(operator("op.ada")); made {
		t.Fatal("a held transfer went into a file")
	}
	if _, err := f.cases.Decide(officer(), tr.CaseID, cases.DecisionInput{Decision: cases.FalsePositive, Reviewed: f.latest(t, a.PartyRef()),
		Reason: "Different person: born 1990, Canadian", Until: f.now().AddDate(0, 3, 0)}); err != nil {
		t.Fatal(err)
	}
	if got := f.status(t, tr.PublicID); got.Status != ach.Approved {
		t.Fatalf("after the false positive the transfer is %s", got.Status)
	}
	if _, made, err := f.ach.ForceCutoff(operator("op.ada")); err != nil || !made {
		t.Fatalf("the released transfer was not batched: %v", err)
	}

	b := f.account(t, "acct-b", "Viktor Sanctionov")
	bt := f.transfer(t, "held-2", b, 10_000)
	if _, err := f.cases.Decide(officer(), bt.CaseID, cases.DecisionInput{Decision: cases.TrueMatch, Reason: "Confirmed: passport matches the designation",
		Reviewed: f.latest(t, b.PartyRef())}); err != nil {
		t.Fatal(err)
	}
	if got := f.status(t, bt.PublicID); got.Status != ach.Canceled {
		t.Fatalf("after a true match the transfer is %s", got.Status)
	}
	if acct, _, _ := f.ach.Account(operator("op.ada"), b.PublicID); acct.Status != ach.Blocked {
		t.Fatalf("after a true match the account is %s", acct.Status)
	}
	if _, err := f.ach.CreateTransfer(operator("op.ada"), ach.NewTransfer{RequestRef: "held-3", Account: b.PublicID, Direction: ach.Credit,
		Amount: 100, SEC: ach.PPD, Description: "PAYOUT"}); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("a transfer to a blocked account = %v", err)
	}
}

// With the screener failing (no list at all), transfers are held and no
// file is made: screening fails closed.
func TestACH_ScreeningFailsClosed(t *testing.T) {
	t.Parallel()
	f := newACHFixture(t, false)
	a := f.account(t, "acct-n", "Jane Ordinary")
	tr := f.transfer(t, "nolist", a, 2_000)
	if tr.Status != ach.Held || tr.HoldReason != ach.HoldNoList {
		t.Fatalf("with no list the transfer is %s (%s)", tr.Status, tr.HoldReason)
	}
	if _, made, err := f.ach.ForceCutoff(operator("op.ada")); err != nil || made {
		t.Fatalf("a cutoff with screening down made a file (%v)", err)
	}
	// Once a list is loaded, the next cutoff screens it again and sends it.
	os.WriteFile(filepath.Join(f.dir, "sdn.csv"), []byte("900,\"SANCTIONOV, Viktor\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"), 0o644)
	f.load(t)
	if _, made, err := f.ach.ForceCutoff(operator("op.ada")); err != nil || !made {
		t.Fatalf("after the list loaded, the cutoff made no file (%v)", err)
	}
}

// failingScreener is screening that cannot answer (its database or index
// gone): every call errors.
type failingScreener struct{}

func (failingScreener) Screen(context.Context, screening.Party, string) (screening.Result, error) {
	return screening.Result{}, errors.New("screening: the index is gone")
}

func (failingScreener) Standing(context.Context, string) (screening.Record, bool, error) {
	return screening.Record{}, false, errors.New("screening: the index is gone")
}

// A transfer approved while screening worked is held, not batched, when
// the screening before the file errors; nothing goes out until it answers.
func TestACH_ScreeningErrorAtCutoffBatchesNothing(t *testing.T) {
	t.Parallel()
	f := newACHFixture(t, true)
	a := f.account(t, "acct-e", "Jane Ordinary")
	tr := f.transfer(t, "approved-then-error", a, 2_000)
	if tr.Status != ach.Approved {
		t.Fatalf("the transfer is %s", tr.Status)
	}
	working := f.ach.Screening
	f.ach.Screening = failingScreener{}
	if _, made, err := f.ach.ForceCutoff(operator("op.ada")); err != nil || made {
		t.Fatalf("a cutoff with screening erroring made a file (%v)", err)
	}
	if got := f.status(t, tr.PublicID); got.Status != ach.Held || got.HoldReason != ach.HoldNoList || got.FileID != 0 {
		t.Fatalf("after the failed screening the transfer is %s (%s), file %d", got.Status, got.HoldReason, got.FileID)
	}
	f.ach.Screening = working
	if _, made, err := f.ach.ForceCutoff(operator("op.ada")); err != nil || !made {
		t.Fatalf("with screening back the cutoff made no file (%v)", err)
	}
}

// Above the threshold an operator other than the creator approves; the
// daily and per-transfer limits hold; SEC rules are enforced.
func TestACH_ApprovalLimitsAndRules(t *testing.T) {
	t.Parallel()
	f := newACHFixture(t, true)
	a := f.account(t, "acct-l", "Jane Ordinary")
	big := f.transfer(t, "big", a, 2_000_000)
	if big.Status != ach.Held || big.HoldReason != ach.HoldApproval {
		t.Fatalf("a large transfer is %s (%s)", big.Status, big.HoldReason)
	}
	if _, err := f.ach.Approve(operator("op.ada"), big.PublicID); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("the creator approving = %v", err)
	}
	if got, err := f.ach.Approve(operator("op.bob"), big.PublicID); err != nil || got.Status != ach.Approved || got.ApprovedBy != "op.bob" {
		t.Fatalf("another operator approving = %+v, %v", got, err)
	}
	for name, n := range map[string]ach.NewTransfer{
		"over the daily limit":      {Amount: 2_400_000, SEC: ach.PPD, Direction: ach.Credit, Description: "PAYOUT"},
		"over the transfer limit":   {Amount: 3_000_000, SEC: ach.PPD, Direction: ach.Credit, Description: "PAYOUT"},
		"WEB debit without consent": {Amount: 100, SEC: ach.WEB, Direction: ach.Debit, Description: "ORDER"},
		"CCD without a company":     {Amount: 100, SEC: ach.CCD, Direction: ach.Debit, Description: "INVOICE"},
		"a long description":        {Amount: 100, SEC: ach.PPD, Direction: ach.Credit, Description: "MUCH TOO LONG"},
	} {
		n.RequestRef, n.Account = "bad-"+name, a.PublicID
		if _, err := f.ach.CreateTransfer(operator("op.ada"), n); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("%s = %v, want invalid", name, err)
		}
	}
	web, err := f.ach.CreateTransfer(operator("op.ada"), ach.NewTransfer{RequestRef: "web", Account: a.PublicID, Direction: ach.Debit, Amount: 100,
		SEC: ach.WEB, Description: "ORDER", Authorization: ach.Authorization{Reference: "consent-77", At: f.now(), IP: "203.0.113.9"}})
	if err != nil || web.Status != ach.Approved {
		t.Fatalf("an authorized WEB debit = %+v, %v", web, err)
	}
	for _, bad := range []string{"021000022", "12345678", "02100002a"} {
		if _, err := f.ach.AddAccount(operator("op.ada"), ach.NewAccount{RequestRef: "r-" + bad, CustomerRef: "c", HolderName: "X Y",
			HolderType: ach.Person, Type: ach.Checking, Routing: bad, AccountNumber: "12345678"}); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("routing %s = %v", bad, err)
		}
	}
	if _, err := f.ach.AddAccount(operator("op.ada"), ach.NewAccount{RequestRef: "dup", CustomerRef: "cus-acct-l", HolderName: "Jane Ordinary",
		HolderType: ach.Person, Type: ach.Checking, Routing: "021000021", AccountNumber: "9876543210"}); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("the same account twice for a customer = %v", err)
	}
}

// Micro-deposits: the two amounts verify the account; three wrong tries block it.
func TestACH_MicroDeposits(t *testing.T) {
	t.Parallel()
	f := newACHFixture(t, true)
	a := f.account(t, "acct-v", "Jane Ordinary")
	sent, err := f.ach.StartVerification(operator("op.ada"), a.PublicID)
	if err != nil || sent[0].Amount < 1 || sent[0].Amount > 99 || sent[1].Status != ach.Approved {
		t.Fatalf("micro-deposits = %+v, %v", sent, err)
	}
	// The amounts are the holder's proof: the timeline and the audit trail
	// do not hold them.
	d, _ := f.ach.Transfer(operator("op.ada"), sent[0].PublicID)
	for _, e := range d.Events {
		if strings.Contains(e.Detail, "$0.") {
			t.Fatalf("a micro-deposit's event shows its amount: %q", e.Detail)
		}
	}
	var recorded, shown int
	f.owner.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE audit_field(entry, '{detail,amount}') LIKE '$%')
		FROM audit_outbox WHERE audit_field(entry, '{detail,purpose}') = 'micro_deposit'`).Scan(&recorded, &shown)
	if recorded != 2 || shown != 0 {
		t.Fatalf("of %d micro-deposit records, %d hold the amount", recorded, shown)
	}
	if _, err := f.ach.ConfirmVerification(operator("op.ada"), a.PublicID, sent[0].Amount+1, sent[1].Amount); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("wrong amounts = %v", err)
	}
	if got, err := f.ach.ConfirmVerification(operator("op.ada"), a.PublicID, sent[1].Amount, sent[0].Amount); err != nil || got.Status != ach.Verified {
		t.Fatalf("the right amounts (in either order) = %+v, %v", got, err)
	}
	b := f.account(t, "acct-w", "John Ordinary")
	f.ach.StartVerification(operator("op.ada"), b.PublicID)
	for range 3 {
		f.ach.ConfirmVerification(operator("op.ada"), b.PublicID, 100, 100)
	}
	if acct, _, _ := f.ach.Account(operator("op.ada"), b.PublicID); acct.Status != ach.Blocked {
		t.Fatalf("after three wrong tries the account is %s", acct.Status)
	}
}

func fixtureFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixtures.Path(t, "ach/"+name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The fixtures' returns and changes reach the transfers they name: a
// return moves its transfer to returned with its reason (R03 also blocks
// the account), a NOC waits as a correction until confirmed, dishonored
// and contested returns are recorded, an unauthorized debit opens an
// alert, the same file twice applies once, and a file with a bad check
// digit is refused with nothing changed.
func TestACH_ReturnsAndCorrections(t *testing.T) {
	t.Parallel()
	f := newACHFixture(t, true)
	a := f.account(t, "acct-r", "Jane Ordinary")
	var trs []ach.Transfer
	for i := range 3 {
		trs = append(trs, f.transfer(t, "ret-"+string(rune('a'+i)), a, int64(10_000+i)))
	}
	if _, made, err := f.ach.ForceCutoff(operator("op.ada")); err != nil || !made {
		t.Fatalf("cutoff: %v", err)
	}
	wait.For(t, "not delivered", func() bool { return f.status(t, trs[2].PublicID).Status == ach.Sent })
	if got := f.status(t, trs[0].PublicID).TraceNumber; got != "091400600000001" {
		t.Fatalf("the first transfer's trace is %s, the return file names 091400600000001", got)
	}
	in, err := f.ach.Ingest(operator("op.ada"), "return-WEB.ach", "upload", fixtureFile(t, "return-WEB.ach"))
	if err != nil || in.Returns != 2 || in.Unmatched != 0 {
		t.Fatalf("ingest returns = %+v, %v", in, err)
	}
	first, third := f.status(t, trs[0].PublicID), f.status(t, trs[2].PublicID)
	if first.Status != ach.Returned || first.ReturnCode != "R01" || first.ReturnReason != "Insufficient Funds" || third.ReturnCode != "R03" {
		t.Fatalf("after the returns: %+v / %+v", first, third)
	}
	if acct, _, _ := f.ach.Account(operator("op.ada"), a.PublicID); acct.Status != ach.Blocked {
		t.Fatalf("after an administrative return (R03) the account is %s", acct.Status)
	}
	if again, err := f.ach.Ingest(operator("op.ada"), "return-WEB.ach", "upload", fixtureFile(t, "return-WEB.ach")); err != nil || again.ID != in.ID {
		t.Fatalf("the same file again = %+v, %v", again, err)
	}
	var returns int
	f.owner.QueryRow(context.Background(), `SELECT count(*) FROM ach_returns`).Scan(&returns)
	if returns != 2 {
		t.Fatalf("%d returns recorded after the file came twice", returns)
	}

	// The other fixtures name transfers of other banks' traces: ours are
	// given those traces as sent transfers of a file, as if we had sent them.
	for _, trace := range []string{"121042880000001", "099912340000015", "059999990000301"} {
		f.sentWithTrace(t, a, trace)
	}
	noc, err := f.ach.Ingest(operator("op.ada"), "cor-example.ach", "upload", fixtureFile(t, "cor-example.ach"))
	if err != nil || noc.NOCs != 1 {
		t.Fatalf("ingest NOC = %+v, %v", noc, err)
	}
	pending, _ := f.ach.Store.PendingCorrections(context.Background(), 10)
	if len(pending) != 1 || pending[0].Code != "C01" || strings.Contains(pending[0].CorrectedData, "1918171614") {
		t.Fatalf("pending corrections %+v: want one C01, the new number masked", pending)
	}
	if acct, _, _ := f.ach.Account(operator("op.ada"), a.PublicID); acct.Last4 != "3210" {
		t.Fatal("a NOC changed the account before an operator confirmed it")
	}
	if _, err := f.ach.DecideCorrection(operator("op.ada"), pending[0].ID, true); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("the operator who uploaded the NOC applied it: %v", err)
	}
	if _, err := f.ach.DecideCorrection(operator("op.bo"), pending[0].ID, true); err != nil {
		t.Fatal(err)
	}
	if acct, _, _ := f.ach.Account(operator("op.ada"), a.PublicID); acct.Last4 != "1614" {
		t.Fatalf("after confirming C01 the account ends %s", acct.Last4)
	}
	for _, name := range []string{"contested-return.ach", "dishonored-return.ach"} {
		if got, err := f.ach.Ingest(operator("op.ada"), name, "upload", fixtureFile(t, name)); err != nil || got.Returns == 0 {
			t.Fatalf("%s = %+v, %v", name, got, err)
		}
	}
	var kinds []string
	rows, _ := f.owner.Query(context.Background(), `SELECT DISTINCT kind FROM ach_returns ORDER BY kind`)
	for rows.Next() {
		var k string
		rows.Scan(&k)
		kinds = append(kinds, k)
	}
	if strings.Join(kinds, ",") != "contested,dishonored,return" {
		t.Fatalf("return kinds recorded: %v", kinds)
	}
	if c, found, _ := f.cases.Store.OpenCase(context.Background(), cases.AMLAlert, "unauthorized_return:"+f.transferByTrace(t, "099912340000015")); !found || c.Title == "" {
		t.Fatal("an unauthorized debit return (R07) opened no alert")
	}

	before := f.counts(t)
	_, err = f.ach.Ingest(operator("op.ada"), "bad.ach", "upload", fixtureFile(t, "ppd-debit-invalid-entryDetail-checkDigit.ach"))
	if domain.ErrorCode(err) != domain.EINVALID || !strings.Contains(strings.ToLower(domain.ErrorMessage(err)), "check") {
		t.Fatalf("a file with a bad check digit = %v", err)
	}
	if after := f.counts(t); after != before {
		t.Fatalf("a refused file changed things: %v → %v", before, after)
	}
}

// sentWithTrace stores a sent debit of a with the given trace, in a file
// of its own, straight into the database (the traces are other banks').
func (f *achFixture) sentWithTrace(t *testing.T, a ach.BankAccount, trace string) {
	t.Helper()
	ctx := context.Background()
	var fileID int64
	if err := f.owner.QueryRow(ctx, `INSERT INTO ach_files (window_key, name, ciphertext, sha256, modifier, batches, entries, debits, credits, status, created_at)
		VALUES ($1, $1, '\x00', '', 'A', 1, 1, 100, 0, 'delivered', now()) RETURNING id`, "test:"+trace).Scan(&fileID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.owner.Exec(ctx, `INSERT INTO ach_transfers (public_id, request_ref, account_id, customer_ref, direction, amount, sec,
		description, effective, same_day, status, trace_number, file_id, purpose, created_at, created_by)
		SELECT 'tr_' || substr(md5($1), 1, 24), $1, id, customer_ref, 'debit', 100, 'PPD', 'PAYMENT', current_date, false, 'sent', $1, $2, 'payment', now(), 'test'
		FROM ach_accounts WHERE public_id = $3`, trace, fileID, a.PublicID); err != nil {
		t.Fatal(err)
	}
}

func (f *achFixture) transferByTrace(t *testing.T, trace string) string {
	t.Helper()
	tr, _, err := f.ach.Store.TransferByTrace(context.Background(), trace, false)
	if err != nil {
		t.Fatal(err)
	}
	return tr.PublicID
}

// counts is what a refused file must not change.
func (f *achFixture) counts(t *testing.T) [4]int {
	var c [4]int
	for i, table := range []string{"ach_returns", "ach_corrections", "ach_transfer_events", "cases"} {
		f.owner.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&c[i])
	}
	return c
}

package web

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/cases"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/domain/screening"
	"github.com/paycompliance/console/filesink"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/ofac"
	"github.com/paycompliance/console/postgres"
)

// testSanctioned is the one designee on the test server's list.
const testSanctioned = "Viktor Sanctionov"

// complianceEnv is screening, the case queue and ACH, wired as serve wires
// them, delivering files into a directory. No list is loaded until a test
// loads the one-entry test list (a load is an audit entry, and the audit
// tests count theirs).
type complianceEnv struct {
	cases     *cases.Service
	screening *screening.Service
	ach       *ach.Service
	listDir   string
	outbox    string
}

func newComplianceEnv(t testing.TB, db *pgxpool.Pool, ring *keys.Keyring, auditLog *audit.Log, inserter *jobs.Inserter, opts *jobs.Options,
	people *identity.Service) *complianceEnv {
	t.Helper()
	tx := postgres.Transactor{DB: db}
	c := &complianceEnv{listDir: t.TempDir(), outbox: t.TempDir()}
	c.cases = &cases.Service{Store: postgres.CaseStore{DB: db}, Tx: tx, Audit: auditLog, Colleagues: people}
	c.screening = &screening.Service{Store: postgres.ScreeningStore{DB: db}, Tx: tx, Audit: auditLog, Cases: c.cases,
		Lists: &screening.Lists{}, Jobs: inserter, MaxShrinkPercent: 10}
	c.cases.Deciders = map[cases.Kind]cases.Decider{cases.ScreeningHit: c.screening}
	ny, _ := time.LoadLocation("America/New_York")
	cutoffs, _ := ach.ParseCutoffs("10:30,14:45,16:45")
	c.ach = &ach.Service{Store: postgres.ACHStore{DB: db}, Tx: tx, Audit: auditLog, Keys: ring, Screening: c.screening, Cases: c.cases,
		Jobs: inserter, Outbox: filesink.Outbox{Path: c.outbox}, Schedule: ach.Schedule{Location: ny, Cutoffs: cutoffs, SameDay: true, Grace: time.Nanosecond},
		Origin: ach.Origin{BankRouting: "091400606", BankName: "DEMO ODFI", OriginID: "1234567890", OriginName: "PAYMENTS CONSOLE",
			CompanyName: "CONSOLE PAY", CompanyID: "1234567890"},
		ApprovalAbove: 1_000_000, DailyLimit: 5_000_000, MaxTransfer: 2_500_000}
	c.screening.Holders = []screening.Holder{c.ach}
	jobs.AddACHJobs(opts, c.ach, nil)
	return c
}

// loadList loads the test list, whose one designee is testSanctioned.
func (c *complianceEnv) loadList(t testing.TB) {
	t.Helper()
	os.WriteFile(filepath.Join(c.listDir, "sdn.csv"), []byte("900,\"SANCTIONOV, Viktor\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 1970.\"\r\n"), 0o644)
	if _, _, err := c.screening.Load(context.Background(), ofac.Dir{Path: c.listDir}); err != nil {
		t.Fatal(err)
	}
}

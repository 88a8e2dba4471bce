package app

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/filesink"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/s3sink"
)

// newACH wires ACH origination: screening before anything moves, alerts
// into the case queue, files delivered to the configured target and the
// bank's files read from the inboxes it returns (by source name).
func newACH(ctx context.Context, cfg Config, db *pgxpool.Pool, ring *keys.Keyring, auditLog *audit.Log, comp *compliance,
	inserter *jobs.Inserter) (*ach.Service, map[string]ach.Inbox, error) {
	schedule, err := cfg.achSchedule()
	if err != nil {
		return nil, nil, err
	}
	svc := &ach.Service{Store: postgres.ACHStore{DB: db}, Tx: postgres.Transactor{DB: db}, Audit: auditLog, Keys: ring,
		Screening: comp.screening, Cases: comp.cases, Jobs: inserter, Schedule: schedule, Origin: cfg.achOrigin(),
		ApprovalAbove: cfg.ACHApprovalAbove, DailyLimit: cfg.ACHDailyLimit, MaxTransfer: cfg.ACHMaxTransfer,
		Outbox: filesink.Outbox{Path: cfg.ACHOutboundDir}}
	inboxes := map[string]ach.Inbox{"directory": filesink.Inbox{Path: cfg.ACHInboundDir}}
	if cfg.ACHS3Bucket != "" {
		client, err := s3sink.NewClient(ctx, cfg.AWSRegion, cfg.S3Endpoint, cfg.S3UsePathStyle)
		if err != nil {
			return nil, nil, err
		}
		svc.Outbox = s3sink.ACHOutbox{Client: client, Bucket: cfg.ACHS3Bucket, Prefix: cfg.ACHS3OutPrefix, KMSKeyID: cfg.ACHS3KMSKeyID}
		inboxes = map[string]ach.Inbox{"s3": s3sink.ACHInbox{Client: client, Bucket: cfg.ACHS3Bucket, Prefix: cfg.ACHS3InPrefix,
			KMSKeyID: cfg.ACHS3KMSKeyID}}
	}
	comp.screening.Holders = append(comp.screening.Holders, svc)
	return svc, inboxes, nil
}

func (c Config) achSchedule() (ach.Schedule, error) {
	loc, err := time.LoadLocation(c.ACHTimezone)
	if err != nil {
		return ach.Schedule{}, fmt.Errorf("ACH_TIMEZONE=%q: %v", c.ACHTimezone, err)
	}
	cutoffs, err := ach.ParseCutoffs(c.ACHCutoffs)
	if err != nil {
		return ach.Schedule{}, fmt.Errorf("ACH_CUTOFFS=%q: %v", c.ACHCutoffs, err)
	}
	return ach.Schedule{Location: loc, Cutoffs: cutoffs, SameDay: c.ACHSameDay, Grace: c.ACHCutoffGrace}, nil
}

func (c Config) achOrigin() ach.Origin {
	return ach.Origin{BankRouting: c.ACHBankRouting, BankName: c.ACHBankName, OriginID: c.ACHOriginID, OriginName: c.ACHOriginName,
		CompanyName: c.ACHCompanyName, CompanyID: c.ACHCompanyID, Balanced: c.ACHBalanced,
		OffsetRouting: c.ACHOffsetRouting, OffsetAccount: c.ACHOffsetAccount, OffsetType: ach.Checking}
}

// achProblems checks the ACH settings as the bank will read them.
func (c Config) achProblems() []string {
	var problems []string
	if _, err := c.achSchedule(); err != nil {
		problems = append(problems, err.Error())
	}
	if err := ach.ValidateRouting(c.ACHBankRouting); err != nil {
		problems = append(problems, "ACH_BANK_ROUTING: "+err.Error())
	}
	for _, f := range []struct {
		env, value string
		max        int
	}{{"ACH_BANK_NAME", c.ACHBankName, 23}, {"ACH_ORIGIN_NAME", c.ACHOriginName, 23}, {"ACH_COMPANY_NAME", c.ACHCompanyName, 16},
		{"ACH_ORIGIN_ID", c.ACHOriginID, 10}, {"ACH_COMPANY_ID", c.ACHCompanyID, 10}} {
		if f.value == "" || len(f.value) > f.max {
			problems = append(problems, fmt.Sprintf("%s=%q: 1 to %d characters", f.env, f.value, f.max))
		}
	}
	if c.ACHBalanced {
		if err := ach.ValidateRouting(c.ACHOffsetRouting); err != nil || c.ACHOffsetAccount == "" {
			problems = append(problems, "ACH_BALANCED=true needs ACH_OFFSET_ROUTING (a valid routing number) and ACH_OFFSET_ACCOUNT")
		}
	}
	return problems
}

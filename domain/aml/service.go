package aml

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/cases"
)

// Activity reads the console's own money movements, in US cents.
type Activity interface {
	// ActiveCustomers lists customers with a movement since since.
	ActiveCustomers(ctx context.Context, since time.Time) ([]string, error)
	// History is a customer's movements since since.
	History(ctx context.Context, customer string, since time.Time) ([]Txn, error)
}

// Store remembers the findings raised, so each is raised once.
type Store interface {
	// Raise records f; false when it was raised before, or another finding
	// of its rule took in any of its transactions.
	Raise(ctx context.Context, f Finding, at time.Time) (bool, error)
	// Linked records the case a finding opened.
	Linked(ctx context.Context, f Finding, caseID int64) error
}

// Service runs the rules and decides AML and SAR cases.
type Service struct {
	Activity Activity
	Store    Store
	Tx       domain.Transactor
	Audit    *audit.Log
	Cases    *cases.Service
	Rules    Rules
	Now      func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Monitor evaluates the rules for every customer with a movement inside
// any rule's window and opens a case for each finding not raised before.
func (s *Service) Monitor(ctx context.Context) (int, error) {
	ctx = audit.WithActor(ctx, audit.System)
	now := s.now()
	lookback := max(s.Rules.VelocityHistory, s.Rules.StructuringWindow, s.Rules.RapidWindow) + 24*time.Hour
	active := max(s.Rules.StructuringWindow, s.Rules.RapidWindow+24*time.Hour)
	customers, err := s.Activity.ActiveCustomers(ctx, now.Add(-active))
	if err != nil {
		return 0, err
	}
	opened := 0
	for _, c := range customers {
		txns, err := s.Activity.History(ctx, c, now.Add(-lookback))
		if err != nil {
			return opened, err
		}
		for _, f := range s.Rules.Evaluate(c, txns, now) {
			raised, err := s.raise(ctx, f)
			if err != nil {
				return opened, err
			}
			if raised {
				opened++
			}
		}
	}
	return opened, nil
}

func (s *Service) raise(ctx context.Context, f Finding) (bool, error) {
	raised := false
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if raised, err = s.Store.Raise(ctx, f, s.now()); err != nil || !raised {
			return err
		}
		c, err := s.Cases.Open(ctx, cases.Case{Kind: cases.AMLAlert, Subject: "aml:" + string(f.Rule) + ":" + f.Customer + ":" + f.Window,
			SubjectName: f.Customer, Title: f.Rule.Label() + ": " + f.Customer, Summary: f.Summary + " Transactions: " + strings.Join(f.Refs, ", ") + "."})
		if err != nil {
			return err
		}
		if err := s.Store.Linked(ctx, f, c.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, audit.Event{Action: audit.AMLCaseOpened, Outcome: audit.Success,
			Target: audit.Target{Type: "customer", ID: f.Customer}, Detail: map[string]string{"rule": string(f.Rule), "case": itoa(c.ID)}})
	})
	return raised, err
}

// Decide implements cases.Decider for AML alerts and SARs: an alert found
// suspicious opens a SAR case due 30 days after the alert's detection; a
// SAR is filed with its BSA identifier, or closed unfiled with a reason.
func (s *Service) Decide(ctx context.Context, c cases.Case, in cases.DecisionInput) error {
	switch {
	case c.Kind == cases.AMLAlert && in.Decision == cases.Suspicious:
		sar, err := s.Cases.Open(ctx, cases.Case{Kind: cases.SAR, Subject: c.Subject, SubjectName: c.SubjectName, ParentID: c.ID,
			Title: "SAR: " + c.Title, Summary: c.Summary + " Found suspicious: " + in.Reason, DueAt: cases.SARDue(c.OpenedAt)})
		if err != nil {
			return err
		}
		return s.Audit.Record(ctx, audit.Event{Action: audit.AMLCaseOpened, Outcome: audit.Success,
			Target: audit.Target{Type: "case", ID: itoa(sar.ID)}, Detail: map[string]string{"sar_from": itoa(c.ID)}})
	case c.Kind == cases.SAR && in.Decision == cases.Filed:
		ref := strings.TrimSpace(in.Reference)
		if ref == "" || len(ref) > 64 {
			return domain.Errorf(domain.EINVALID, "A filed SAR needs its BSA identifier (up to 64 characters).")
		}
		return s.Audit.Record(ctx, audit.Event{Action: audit.AMLReportFiled, Outcome: audit.Success,
			Target: audit.Target{Type: "case", ID: itoa(c.ID)}, Detail: map[string]string{"bsa_id": ref, "due": c.DueAt.Format(time.DateOnly)}})
	}
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

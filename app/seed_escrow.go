package app

import (
	"context"
	"fmt"
	"time"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/domain/screening"
)

// demoApprovers are the demo escrow's approver group: any two of them
// release its money.
var demoApprovers = []string{"ben.okafor", "priya.shah", "tomas.lind"}

// demoEscrowOperator acts as an operator in the escrow area (reading the
// accounts and payments it is funded from and pays to).
func demoEscrowOperator(ctx context.Context, who string) context.Context {
	return identity.WithServiceCaller(ctx, audit.Actor{Type: audit.ActorUser, ID: who, Roles: []string{string(identity.Operator)}},
		identity.PermEscrowRead, identity.PermEscrowWrite, identity.PermACHRead, identity.PermPaymentsRead)
}

// seedEscrow opens one escrow paying Jane Ordinary's demo bank account
// under a 2-of-3 policy, funds it with Acme's demo invoice payment, and
// has the second operator ask for a first release, which waits in the
// approvers' inbox. It is funded from a demo payment, so it is made in
// test mode only (as the payments are).
func seedEscrow(ctx context.Context, env seedEnv) (int, error) {
	if !env.payments.TestMode() {
		return 0, nil
	}
	ctx = demoEscrowOperator(ctx, demoOperators[0])
	if existing, _, err := env.escrow.List(ctx, ""); err != nil || len(existing) > 0 {
		return 0, err
	}
	accounts, _, err := env.ach.Accounts(ctx, "cus-jane", "")
	if err != nil || len(accounts) == 0 {
		return 0, errOrMissing(err, "Jane Ordinary's demo bank account")
	}
	paid, _, err := env.payments.List(ctx, payments.Query{Customer: "acme-corp", Status: payments.Succeeded, Limit: 1})
	if err != nil || len(paid) == 0 {
		return 0, errOrMissing(err, "Acme's succeeded demo payment")
	}
	e, err := env.escrow.Create(ctx, escrow.NewEscrow{RequestRef: "demo:escrow:0", PayerRef: "acme-corp", PayerName: "Acme Corp",
		PayeeName: accounts[0].HolderName, PayeeType: screening.Individual, PayeeKind: escrow.BankAccount, PayeeAccount: accounts[0].PublicID,
		Currency: "USD", Conditions: "Released in milestones as the supplier's deliveries are received and inspected.",
		Policy: escrow.PolicyRules{Groups: []escrow.Group{{Name: "approvers", Threshold: 2, Members: demoApprovers}},
			RequestTTL: 7 * 24 * time.Hour, MaxRelease: 100_000}})
	if err != nil {
		return 0, err
	}
	if _, err := env.escrow.Fund(ctx, e.PublicID, paid[0].PublicID); err != nil {
		return 1, err
	}
	// The second operator asks: neither opened nor funded it, and none of
	// them counts as an approver anyway.
	_, err = env.escrow.RequestRelease(demoEscrowOperator(ctx, demoOperators[1]), e.PublicID,
		escrow.NewRelease{RequestRef: "demo:release:0", Amount: 40_000, Reason: "Milestone 1: the first delivery was received and inspected"})
	if err != nil {
		return 2, err
	}
	return 3, nil
}

func errOrMissing(err error, what string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("no %s to make the demo escrow with", what)
}

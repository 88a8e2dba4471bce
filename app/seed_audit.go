package app

import (
	"context"
	"fmt"
	"time"

	"github.com/paycompliance/console/domain/audit"
)

// seedAuditTrail gives an empty log two weeks of plausible history, so a
// newcomer's console has something to filter, open and verify.
func seedAuditTrail(ctx context.Context, env seedEnv) (int, error) {
	head, _, err := env.trail.store.Head(ctx)
	if err != nil || head > 0 {
		return 0, err // a log with entries is never padded with demo data
	}
	const n = 400
	return n, importAuditHistory(ctx, env, n, 14*24*time.Hour, nil)
}

// importAuditHistory chains n plausible events spread over the span up to
// now into the log (calling progress, if given, before every millionth),
// then signs a checkpoint so 'Verify this entry' can succeed at once.
func importAuditHistory(ctx context.Context, env seedEnv, n int, span time.Duration, progress func(i int)) error {
	staff := []audit.Actor{
		{Type: audit.ActorUser, ID: "amelia.ortiz", Roles: []string{"compliance_officer"}},
		{Type: audit.ActorUser, ID: "ben.okafor", Roles: []string{"escrow_approver"}},
		{Type: audit.ActorUser, ID: "chen.wu", Roles: []string{"fraud_reviewer"}},
		{Type: audit.ActorUser, ID: "dana.reyes", Roles: []string{"operator"}},
		{Type: audit.ActorAPIKey, ID: "ak_checkout_prod", Roles: []string{"api"}},
	}
	start := time.Now().UTC().Add(-span)
	step := span / time.Duration(n)
	err := env.trail.sequencer.Import(ctx, n, func(i int) (time.Time, audit.Event) {
		if progress != nil && i%1_000_000 == 0 {
			progress(i)
		}
		actor := staff[i%len(staff)]
		e := audit.Event{Actor: actor, Outcome: audit.Success,
			Origin:    audit.Origin{IP: fmt.Sprintf("198.51.100.%d", 10+i%len(staff)), UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/156"},
			RequestID: fmt.Sprintf("demo%08d", i)}
		switch {
		case i%37 == 5: // a burst of failed logins from one address
			e.Actor, e.Action, e.Outcome = audit.Actor{Type: audit.ActorAnonymous, ID: "anonymous"}, audit.LoginFailed, audit.Failure
			e.Origin.IP, e.Detail = "203.0.113.66", map[string]string{"username": "admin", "reason": "unknown user"}
		case actor.Type == audit.ActorAPIKey:
			e.Action, e.Target = audit.PaymentCreated, audit.Target{Type: "payment", ID: fmt.Sprintf("pay_demo_%04d", i)}
			e.Detail = map[string]string{"amount": fmt.Sprint(1000 + i*37%90000), "currency": "USD"}
		case i%5 == 0:
			e.Action, e.Target = audit.LoginSucceeded, audit.Target{Type: "session", ID: fmt.Sprintf("sess_%04d", i)}
		case actor.ID == "amelia.ortiz":
			e.Action, e.Target = audit.HitDispositioned, audit.Target{Type: "screening_case", ID: fmt.Sprintf("case_%03d", i%90)}
			e.Detail = map[string]string{"disposition": "false positive", "list": "OFAC SDN"}
		case actor.ID == "ben.okafor":
			e.Action, e.Target = audit.ReleaseApproved, audit.Target{Type: "escrow_release", ID: fmt.Sprintf("rel_%03d", i%60)}
		case actor.ID == "chen.wu":
			e.Action, e.Target = audit.FraudCaseDecided, audit.Target{Type: "fraud_case", ID: fmt.Sprintf("fc_%03d", i%80)}
			e.Detail = map[string]string{"decision": "allow", "score": fmt.Sprint(300 + i%500)}
		default:
			e.Action, e.Target = audit.TransferCreated, audit.Target{Type: "ach_transfer", ID: fmt.Sprintf("tr_%04d", i)}
			e.Detail = map[string]string{"sec_code": "PPD", "amount": fmt.Sprint(2500 + i*13%50000)}
		}
		return start.Add(time.Duration(i) * step), e
	})
	if err != nil {
		return err
	}
	_, err = env.trail.sequencer.Checkpoint(ctx)
	return err
}

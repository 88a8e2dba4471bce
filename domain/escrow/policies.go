package escrow

import (
	"context"
	"strconv"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
)

// ProposePolicy drafts a new policy version. It takes effect only when a
// designated approver of the active version, not the proposer, approves it.
func (s *Service) ProposePolicy(ctx context.Context, escrowID string, rules PolicyRules) (Policy, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermEscrowWrite)
	if err != nil {
		return Policy{}, err
	}
	if err := rules.validate(); err != nil {
		return Policy{}, err
	}
	var p Policy
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		e, policies, err := s.lockWithPolicies(ctx, escrowID)
		if err != nil {
			return err
		}
		if policies[0].Status == PolicyProposed {
			return domain.Errorf(domain.ECONFLICT, "Version %d is waiting for a decision: decide it first.", policies[0].Version)
		}
		now, err := s.Store.Clock(ctx)
		if err != nil {
			return err
		}
		p = Policy{EscrowID: e.ID, Version: policies[0].Version + 1, Rules: rules, Status: PolicyProposed, ProposedBy: caller.Actor.ID, ProposedAt: now}
		if err := s.Store.InsertPolicy(ctx, &p); err != nil {
			return err
		}
		return s.record(ctx, audit.PolicyProposed, "escrow", e.PublicID, map[string]string{"version": strconv.Itoa(p.Version), "policy": rules.Summary()})
	})
	return p, err
}

// DecidePolicy approves or rejects a proposed version under a fresh TOTP
// code. Approved, it becomes the active version, and pending requests are
// bound to it with a new nonce: their payload changed, so approvals made
// under the old policy no longer count.
func (s *Service) DecidePolicy(ctx context.Context, escrowID string, version int, approve bool, code string) (Policy, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermEscrowApprove)
	if err != nil {
		return Policy{}, err
	}
	user := caller.Actor.ID
	if _, err := s.Challenger.Countersign(ctx, code); err != nil {
		return Policy{}, err
	}
	var p Policy
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		e, policies, err := s.lockWithPolicies(ctx, escrowID)
		if err != nil {
			return err
		}
		active := activeOf(policies)
		p = policies[0]
		switch {
		case p.Version != version || p.Status != PolicyProposed:
			return domain.Errorf(domain.ECONFLICT, "Version %d is not waiting for a decision.", version)
		case p.ProposedBy == user:
			return domain.Errorf(domain.EFORBIDDEN, "You proposed this change: another approver decides it.")
		case !active.Rules.Designated(user):
			return domain.Errorf(domain.EFORBIDDEN, "Only an approver in the active policy can decide a change to it.")
		}
		now, err := s.Store.Clock(ctx)
		if err != nil {
			return err
		}
		p.DecidedBy, p.DecidedAt, p.Status = user, &now, PolicyRejected
		action := audit.PolicyRejected
		if approve {
			p.Status, action = PolicyActive, audit.PolicyChanged
			active.Status = PolicySuperseded
			if err := s.Store.SetPolicyStatus(ctx, active); err != nil {
				return err
			}
		}
		if err := s.Store.SetPolicyStatus(ctx, p); err != nil {
			return err
		}
		if approve {
			if err := s.rebind(ctx, e.ID, p); err != nil {
				return err
			}
		}
		return s.record(ctx, action, "escrow", e.PublicID, map[string]string{"version": strconv.Itoa(p.Version), "proposed_by": p.ProposedBy})
	})
	return p, err
}

// rebind moves the escrow's pending requests to the new policy version.
func (s *Service) rebind(ctx context.Context, escrowID int64, p Policy) error {
	pending, err := s.Store.Releases(ctx, ReleaseQuery{EscrowID: escrowID, Statuses: []ReleaseStatus{Pending}, Limit: 1000})
	if err != nil {
		return err
	}
	for _, r := range pending {
		r.PolicyVersion, r.Nonce, r.Note = p.Version, nonce(), "policy changed to version "+strconv.Itoa(p.Version)+": earlier approvals no longer count"
		if err := s.Store.UpdateRelease(ctx, r); err != nil {
			return err
		}
	}
	return s.Store.Changed(ctx)
}

// lockWithPolicies locks an escrow for a change and reads its policy
// versions, newest first.
func (s *Service) lockWithPolicies(ctx context.Context, escrowID string) (Escrow, []Policy, error) {
	e, found, err := s.Store.Escrow(ctx, escrowID, true)
	if err != nil || !found {
		return e, nil, errOr(err, notFound("escrow"))
	}
	policies, err := s.Store.Policies(ctx, e.ID)
	return e, policies, err
}

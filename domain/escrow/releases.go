package escrow

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/screening"
)

// NewRelease is a request to pay some or all of the available balance.
type NewRelease struct {
	RequestRef string
	Amount     int64
	Reason     string
}

// RequestRelease asks for a release: the amount is held at once, so
// requests together never promise more than the escrow holds.
func (s *Service) RequestRelease(ctx context.Context, escrowID string, n NewRelease) (Release, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermEscrowWrite)
	if err != nil {
		return Release{}, err
	}
	n.Reason = strings.TrimSpace(n.Reason)
	switch {
	case n.RequestRef == "":
		return Release{}, domain.Errorf(domain.EINVALID, "A release needs a request reference.")
	case n.Amount <= 0:
		return Release{}, domain.Errorf(domain.EINVALID, "The amount must be more than zero.")
	case len(n.Reason) < 10:
		return Release{}, domain.Errorf(domain.EINVALID, "Say what the release is for, in at least 10 characters.")
	}
	if r, found, err := s.Store.ReleaseByRef(ctx, n.RequestRef); err != nil || found {
		return r, err
	}
	var r Release
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		e, policies, err := s.lockWithPolicies(ctx, escrowID)
		if err != nil {
			return err
		}
		active := activeOf(policies)
		if max := active.Rules.MaxRelease; max > 0 && n.Amount > max {
			return domain.Errorf(domain.EINVALID, "The policy allows at most %s in one release.", format(max, e.Currency))
		}
		postings, err := s.Store.Postings(ctx, e.ID)
		if err != nil {
			return err
		}
		if b := BalancesOf(postings); n.Amount > b.Available {
			return domain.Errorf(domain.EINVALID, "Only %s is available to release.", format(b.Available, e.Currency))
		}
		now, err := s.Store.Clock(ctx)
		if err != nil {
			return err
		}
		r = Release{PublicID: publicID("rel", n.RequestRef), EscrowID: e.ID, EscrowPublic: e.PublicID, Amount: n.Amount, Currency: string(e.Currency),
			Payee: e.Payee, PolicyVersion: active.Version, Nonce: nonce(), Reason: n.Reason, Status: Pending, RequestedBy: caller.Actor.ID,
			RequestedAt: now, ExpiresAt: now.Add(active.Rules.RequestTTL)}
		inserted, err := s.Store.InsertRelease(ctx, &r, n.RequestRef)
		if err != nil || !inserted {
			return err
		}
		if err := s.Store.InsertPosting(ctx, &Posting{EscrowID: e.ID, Kind: Held, Amount: r.Amount, ReleaseID: r.ID, By: caller.Actor.ID, At: now}); err != nil {
			return err
		}
		if err := s.record(ctx, audit.ReleaseRequested, "escrow_release", r.PublicID, map[string]string{"escrow": e.PublicID,
			"amount": strconv.FormatInt(r.Amount, 10), "payload": shortHash(r.Payload().Hash())}); err != nil {
			return err
		}
		return s.Store.Changed(ctx)
	})
	if err != nil {
		return Release{}, err
	}
	if r.ID == 0 {
		existing, _, err := s.Store.ReleaseByRef(ctx, n.RequestRef)
		return existing, err
	}
	return r, nil
}

// ReleaseView is a request with its approvals and each group's progress.
type ReleaseView struct {
	Release   Release
	Escrow    Escrow
	Policy    PolicyRules
	Approvals []Approval // every signature, counting or not
	Counting  []string
	Progress  []GroupProgress
	Excluded  map[string]bool
	// Now is the database's clock as the view was read.
	Now time.Time
}

// CanApprove says whether user may sign the request now, and if not, why.
func (v ReleaseView) CanApprove(user string) (bool, string) {
	switch {
	case v.Release.Status != Pending:
		return false, "The request is " + string(v.Release.Status) + "."
	case !v.Now.Before(v.Release.ExpiresAt):
		return false, "The request has expired."
	case user == v.Release.RequestedBy:
		return false, "You requested this release: another approver must sign it."
	case v.Excluded[user]:
		return false, "You created or funded this escrow, so you cannot approve its releases."
	case !v.Policy.Designated(user):
		return false, "You are not an approver in this escrow's policy."
	}
	hash := v.Release.Payload().Hash()
	for _, a := range v.Approvals {
		if a.Approver == user && a.PayloadHash == hash {
			return false, "You have signed this request."
		}
	}
	return true, ""
}

// CanVeto says whether user may reject the request now.
func (v ReleaseView) CanVeto(user string) bool {
	return (v.Release.Status == Pending || v.Release.Status == Approved) && v.Policy.Designated(user)
}

// TimeLocked reports whether the policy's time lock is still ahead.
func (v ReleaseView) TimeLocked() bool {
	return v.Policy.TimeLock != nil && v.Now.Before(*v.Policy.TimeLock)
}

// Release returns a request as its page shows it.
func (s *Service) Release(ctx context.Context, publicID string) (ReleaseView, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermEscrowRead); err != nil {
		return ReleaseView{}, err
	}
	r, found, err := s.Store.Release(ctx, publicID, false)
	if err != nil || !found {
		return ReleaseView{}, errOr(err, notFound("release request"))
	}
	return s.view(ctx, r)
}

// view builds r's view: its escrow, policy, approvals and progress.
func (s *Service) view(ctx context.Context, r Release) (ReleaseView, error) {
	vs, err := s.views(ctx, []Release{r})
	if err != nil {
		return ReleaseView{}, err
	}
	return vs[0], nil
}

// views builds the views of rs with one read of their parts for all.
func (s *Service) views(ctx context.Context, rs []Release) ([]ReleaseView, error) {
	escrowIDs, releaseIDs := make([]int64, len(rs)), make([]int64, len(rs))
	for i, r := range rs {
		escrowIDs[i], releaseIDs[i] = r.EscrowID, r.ID
	}
	parts, err := s.Store.ViewParts(ctx, escrowIDs, releaseIDs)
	if err != nil {
		return nil, err
	}
	now, err := s.Store.Clock(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ReleaseView, len(rs))
	for i, r := range rs {
		e, ok := parts.Escrows[r.EscrowID]
		if !ok {
			return nil, fmt.Errorf("escrow: release %d names escrow %d, which is not there", r.ID, r.EscrowID)
		}
		v := ReleaseView{Release: r, Escrow: e, Excluded: excluded(e, parts.Funders[e.ID]), Approvals: parts.Approvals[r.ID], Now: now}
		for _, p := range parts.Policies[e.ID] {
			if p.Version == r.PolicyVersion {
				v.Policy = p.Rules
			}
		}
		v.Counting = Counting(r, v.Policy, v.Approvals, v.Excluded)
		v.Progress = v.Policy.Progress(v.Counting)
		out[i] = v
	}
	return out, nil
}

// Inbox lists the requests waiting for user's signature, soonest to
// expire first: of the (up to 200 newest) pending requests whose policy
// names them, those they may sign now.
func (s *Service) Inbox(ctx context.Context) ([]ReleaseView, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermEscrowRead)
	if err != nil {
		return nil, err
	}
	pending, err := s.Store.Releases(ctx, ReleaseQuery{Statuses: []ReleaseStatus{Pending}, Approver: caller.Actor.ID, Limit: 200})
	if err != nil {
		return nil, err
	}
	views, err := s.views(ctx, pending)
	if err != nil {
		return nil, err
	}
	var out []ReleaseView
	for _, v := range views {
		if ok, _ := v.CanApprove(caller.Actor.ID); ok {
			out = append(out, v)
		}
	}
	for i := 1; i < len(out); i++ { // few: insertion sort by expiry
		for j := i; j > 0 && out[j].Release.ExpiresAt.Before(out[j-1].Release.ExpiresAt); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// Releases lists a page of requests in the given states, newest first.
func (s *Service) Releases(ctx context.Context, statuses []ReleaseStatus, before int64) ([]Release, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermEscrowRead); err != nil {
		return nil, err
	}
	return s.Store.Releases(ctx, ReleaseQuery{Statuses: statuses, Before: before, Limit: 50})
}

// Approve signs a request: the caller's TOTP code is checked and spent
// first, then the server signs the payload the approver was shown
// (payloadHash) together with the code's time step. A payload that has
// changed since is refused. The last approval needed queues the execution,
// at the time lock when there is one.
func (s *Service) Approve(ctx context.Context, releaseID, payloadHash, code string) (ReleaseView, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermEscrowApprove)
	if err != nil {
		return ReleaseView{}, err
	}
	user := caller.Actor.ID
	if r, found, err := s.Store.Release(ctx, releaseID, false); err != nil || !found {
		return ReleaseView{}, errOr(err, notFound("release request"))
	} else if v, err := s.view(ctx, r); err != nil {
		return ReleaseView{}, err
	} else if ok, why := v.CanApprove(user); !ok {
		return ReleaseView{}, domain.Errorf(domain.EFORBIDDEN, "%s", why)
	}
	step, err := s.Challenger.Countersign(ctx, code)
	if err != nil {
		return ReleaseView{}, err
	}
	var out ReleaseView
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		r, _, err := s.Store.Release(ctx, releaseID, true)
		if err != nil {
			return err
		}
		v, err := s.view(ctx, r)
		if err != nil {
			return err
		}
		if ok, why := v.CanApprove(user); !ok {
			return domain.Errorf(domain.EFORBIDDEN, "%s", why)
		}
		payload := r.Payload()
		if payload.Hash() != payloadHash {
			return domain.Errorf(domain.ECONFLICT, "The request changed after you read it: read it again before you sign.")
		}
		a := Approval{ReleaseID: r.ID, Approver: user, PayloadHash: payloadHash, TOTPStep: step, At: v.Now}
		if a.Signature, err = s.Keys.Sign(ctx, SignedMessage(payload, user, step, a.At)); err != nil {
			return err
		}
		inserted, err := s.Store.InsertApproval(ctx, &a)
		if err != nil {
			return err
		}
		if !inserted {
			return domain.Errorf(domain.ECONFLICT, "You have signed this request.")
		}
		v.Approvals = append(v.Approvals, a)
		v.Counting = Counting(r, v.Policy, v.Approvals, v.Excluded)
		v.Progress = v.Policy.Progress(v.Counting)
		complete := v.Policy.Satisfied(v.Counting)
		if err := s.record(ctx, audit.ReleaseApproved, "escrow_release", r.PublicID, map[string]string{"escrow": v.Escrow.PublicID,
			"payload": shortHash(payloadHash), "time_step": strconv.FormatInt(step, 10), "key_id": a.Signature.KeyID,
			"complete": strconv.FormatBool(complete)}); err != nil {
			return err
		}
		if complete {
			r.Status, r.Note = Approved, "every group has signed"
			at := v.Now
			if v.TimeLocked() {
				at, r.Note = *v.Policy.TimeLock, "every group has signed; waits for the time lock"
			}
			if err := s.Store.UpdateRelease(ctx, r); err != nil {
				return err
			}
			if err := s.Jobs.ExecuteLater(ctx, r.ID, at); err != nil {
				return err
			}
			v.Release = r
		}
		out = v
		return s.Store.Changed(ctx)
	})
	return out, err
}

// Reject vetoes a request, finally: any designated approver may, under a
// fresh TOTP code, with a reason. The held amount is available again.
func (s *Service) Reject(ctx context.Context, releaseID, code, reason string) (Release, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermEscrowApprove)
	if err != nil {
		return Release{}, err
	}
	if reason = strings.TrimSpace(reason); len(reason) < 10 {
		return Release{}, domain.Errorf(domain.EINVALID, "Say why you reject it, in at least 10 characters.")
	}
	if _, err := s.Challenger.Countersign(ctx, code); err != nil {
		return Release{}, err
	}
	var r Release
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		var found bool
		if r, found, err = s.Store.Release(ctx, releaseID, true); err != nil || !found {
			return errOr(err, notFound("release request"))
		}
		v, err := s.view(ctx, r)
		if err != nil {
			return err
		}
		if !v.CanVeto(caller.Actor.ID) {
			if r.Status.Final() {
				return domain.Errorf(domain.ECONFLICT, "The request is %s already.", r.Status)
			}
			return domain.Errorf(domain.EFORBIDDEN, "Only an approver in this escrow's policy can reject its releases.")
		}
		at := v.Now
		r.Status, r.DecidedBy, r.DecidedAt, r.Note = Rejected, caller.Actor.ID, &at, reason
		return s.end(ctx, r, audit.ReleaseRejected, caller.Actor.ID, map[string]string{"reason": reason})
	})
	return r, err
}

// end closes a request that will not be paid: the status, the held amount
// made available again, the record.
func (s *Service) end(ctx context.Context, r Release, action audit.Action, by string, detail map[string]string) error {
	if err := s.Store.UpdateRelease(ctx, r); err != nil {
		return err
	}
	now, err := s.Store.Clock(ctx)
	if err != nil {
		return err
	}
	if err := s.Store.InsertPosting(ctx, &Posting{EscrowID: r.EscrowID, Kind: Unheld, Amount: r.Amount, ReleaseID: r.ID, By: by, At: now}); err != nil {
		return err
	}
	if err := s.record(ctx, action, "escrow_release", r.PublicID, detail); err != nil {
		return err
	}
	return s.Store.Changed(ctx)
}

// ExpireDue ends the pending requests whose time has run out, by the
// database's clock; it returns how many.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	ctx = audit.WithActor(ctx, audit.System)
	ids, err := s.Store.DueExpiries(ctx, 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := s.Tx.InTx(ctx, func(ctx context.Context) error {
			r, found, err := s.Store.ReleaseByID(ctx, id, true)
			if err != nil || !found || r.Status != Pending {
				return err
			}
			now, err := s.Store.Clock(ctx)
			if err != nil || now.Before(r.ExpiresAt) {
				return err
			}
			r.Status, r.Note = Expired, "not approved before "+r.ExpiresAt.UTC().Format(time.RFC3339)
			n++
			return s.end(ctx, r, audit.ReleaseExpired, "system", nil)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// shortHash names a payload in audit records: twelve hex digits cannot be
// mistaken for a card number, and the approvals keep the whole hash.
func shortHash(h string) string { return h[:12] }

// ErrTooEarly is returned by Execute when the time lock is still ahead by
// the database's clock; the job is tried again at Until.
type ErrTooEarly struct{ Until time.Time }

func (e ErrTooEarly) Error() string {
	return "escrow: the time lock holds until " + e.Until.Format(time.RFC3339)
}

// PayoutKey is the idempotency key a release is paid under: the same for
// every attempt, so the rail pays once however often it is asked.
func PayoutKey(r Release) string { return "escrow-release-" + r.PublicID }

// Execute pays an approved release, once. The request's row stays locked
// from the checks to the payout's record, so concurrent executions wait
// and then find it paid; a crash after the payout and before the record
// rolls everything back, and the retry's payout, under the same key, is
// the same payout. The approvals are checked again, signatures included,
// and the payee is screened (failing closed) before any money moves.
func (s *Service) Execute(ctx context.Context, releaseID int64) error {
	ctx = audit.WithActor(ctx, audit.System)
	return s.Tx.InTx(ctx, func(ctx context.Context) error {
		r, found, err := s.Store.ReleaseByID(ctx, releaseID, true)
		if err != nil || !found || r.Status != Approved {
			return err // gone, not yet approved, or done: nothing to do
		}
		v, err := s.view(ctx, r)
		if err != nil {
			return err
		}
		if v.TimeLocked() {
			return ErrTooEarly{Until: *v.Policy.TimeLock}
		}
		if err := s.checkSignatures(ctx, v); err != nil {
			return err
		}
		res, err := s.Screening.Screen(ctx, v.Escrow.Party(), screening.TriggerBeforeMove)
		if err != nil {
			return err // fail closed: retried
		}
		switch res.Status {
		case screening.Blocked:
			r.Status, r.Note = Blocked, "the payee is blocked by sanctions screening"
			return s.end(ctx, r, audit.ReleaseBlocked, "system", map[string]string{"screening": strconv.FormatInt(res.ID, 10)})
		case screening.Clear:
		default:
			r.Note = "waits for a compliance officer to review the payee's sanctions hit"
			if err := s.Store.UpdateRelease(ctx, r); err != nil {
				return err
			}
			return s.Store.Changed(ctx)
		}
		pay, ok := s.Payouts[r.Payee.Kind]
		if !ok {
			return errors.New("escrow: no payout for " + string(r.Payee.Kind))
		}
		ref, err := pay.Pay(ctx, PayoutKey(r), r)
		if err != nil {
			return err
		}
		now, err := s.Store.Clock(ctx)
		if err != nil {
			return err
		}
		if err := s.Store.InsertPosting(ctx, &Posting{EscrowID: r.EscrowID, Kind: Released, Amount: r.Amount, ReleaseID: r.ID, By: "system", At: now}); err != nil {
			return err
		}
		r.Status, r.PayoutRef, r.ExecutedAt, r.Note = Executed, ref, &now, "paid"
		if err := s.Store.UpdateRelease(ctx, r); err != nil {
			return err
		}
		if err := s.record(ctx, audit.ReleaseExecuted, "escrow_release", r.PublicID, map[string]string{"escrow": v.Escrow.PublicID,
			"amount": strconv.FormatInt(r.Amount, 10), "payout": ref, "approvers": strings.Join(v.Counting, ",")}); err != nil {
			return err
		}
		return s.Store.Changed(ctx)
	})
}

// checkSignatures refuses to pay unless the counting approvals still meet
// the policy and each one's signature verifies over the current payload.
func (s *Service) checkSignatures(ctx context.Context, v ReleaseView) error {
	if !v.Policy.Satisfied(v.Counting) {
		return domain.Errorf(domain.ECONFLICT, "The request no longer has the approvals its policy needs.")
	}
	payload := v.Release.Payload()
	for _, a := range v.Approvals {
		if a.PayloadHash != payload.Hash() {
			continue
		}
		pub, err := s.Keys.PublicKey(ctx, a.Signature.KeyID)
		if err != nil {
			return err
		}
		if err := pub.Verify(SignedMessage(payload, a.Approver, a.TOTPStep, a.At), a.Signature); err != nil {
			return domain.Errorf(domain.ECONFLICT, "The approval by %s does not verify: the release is not paid.", a.Approver)
		}
	}
	return nil
}

// PartyCleared implements screening.Holder: releases that waited for the
// payee's review go on.
func (s *Service) PartyCleared(ctx context.Context, ref string) error {
	return s.eachOpenRelease(ctx, ref, func(r Release, now time.Time) error {
		if r.Status != Approved {
			return nil
		}
		return s.Jobs.ExecuteLater(ctx, r.ID, now)
	})
}

// PartyBlocked implements screening.Holder: the payee's open releases end.
func (s *Service) PartyBlocked(ctx context.Context, ref string) error {
	return s.eachOpenRelease(ctx, ref, func(r Release, now time.Time) error {
		r.Status, r.Note = Blocked, "the payee is blocked by sanctions screening"
		return s.end(ctx, r, audit.ReleaseBlocked, "system", nil)
	})
}

func (s *Service) eachOpenRelease(ctx context.Context, ref string, fn func(Release, time.Time) error) error {
	escrowID, ok := strings.CutPrefix(ref, "escrow_payee:")
	if !ok {
		return nil
	}
	e, found, err := s.Store.Escrow(ctx, escrowID, false)
	if err != nil || !found {
		return err
	}
	open, err := s.Store.Releases(ctx, ReleaseQuery{EscrowID: e.ID, Statuses: []ReleaseStatus{Pending, Approved}, Limit: 1000})
	if err != nil {
		return err
	}
	now, err := s.Store.Clock(ctx)
	if err != nil {
		return err
	}
	for _, r := range open {
		if err := fn(r, now); err != nil {
			return err
		}
	}
	return nil
}

// StopRelease ends an open release that fraud review declined (a
// reviewer, or the rules blocking it): as a veto would, without a
// signature, and with the reason on the request.
func (s *Service) StopRelease(ctx context.Context, publicID, why string) (Release, error) {
	_, ctx, err := identity.Authorize(ctx, identity.PermFraudReview)
	if err != nil {
		return Release{}, err
	}
	var r Release
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		var found bool
		if r, found, err = s.Store.Release(ctx, publicID, true); err != nil || !found {
			if err == nil {
				err = notFound("release")
			}
			return err
		}
		if r.Status.Final() {
			return domain.Errorf(domain.ECONFLICT, "This release is %s already.", r.Status)
		}
		r.Status, r.Note = Blocked, why
		return s.end(ctx, r, audit.ReleaseBlocked, "fraud", map[string]string{"reason": why})
	})
	return r, err
}

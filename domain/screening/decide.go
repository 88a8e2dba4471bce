package screening

import (
	"context"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/cases"
)

// MaxWhitelist is the longest a false positive may stay cleared before the
// pair is looked at again.
const MaxWhitelist = 366 * 24 * time.Hour

// ValidUntil checks a false positive's end: after now, within a year.
func ValidUntil(until, now time.Time) error {
	if !until.After(now) || until.Sub(now) > MaxWhitelist {
		return domain.Errorf(domain.EINVALID, "A false positive is cleared until a date within a year from now.")
	}
	return nil
}

// Decide implements cases.Decider for sanctions hits, on the screening the
// officer reviewed (it must still be the party's latest). A false positive
// whitelists the party against each open hit's entry, as it reads now,
// until the date given, and lets what was held for the party go on. A true
// match blocks the party for good, stops what was held, and opens a SAR
// case whose 30-day clock runs from the hit's detection.
func (s *Service) Decide(ctx context.Context, c cases.Case, in cases.DecisionInput) error {
	// The party first: a screening running now waits, so the result read
	// next is the last one until this decision commits.
	rec, _, err := s.Store.Party(ctx, c.Subject, true)
	if err != nil {
		return err
	}
	latest, found, err := s.Store.LatestResult(ctx, c.Subject)
	if err != nil || !found {
		return errOr(err, domain.Errorf(domain.ECONFLICT, "This party has no screening to decide on."))
	}
	if in.Reviewed != latest.ID {
		return domain.Errorf(domain.ECONFLICT, "The party was screened again since this page was opened: look at what the latest screening found, then decide.")
	}
	who, _ := audit.ActorFrom(ctx)
	now := s.now()
	detail := map[string]string{"case": strconv.FormatInt(c.ID, 10), "decision": string(in.Decision)}
	switch in.Decision {
	case cases.FalsePositive:
		if err := ValidUntil(in.Until, now); err != nil {
			return err
		}
		for _, h := range latest.Open() {
			if err := s.Store.AddWhitelist(ctx, Whitelist{PartyRef: c.Subject, EntryID: h.EntryID, Fingerprint: h.Fingerprint,
				Reason: in.Reason, By: who.ID, Until: in.Until, CaseID: c.ID}); err != nil {
				return err
			}
		}
		rec.Status, detail["until"] = Clear, in.Until.Format(time.DateOnly)
		if err := s.Store.SaveParty(ctx, rec); err != nil {
			return err
		}
		for _, h := range s.Holders {
			if err := h.PartyCleared(ctx, c.Subject); err != nil {
				return err
			}
		}
	case cases.TrueMatch:
		rec.Status = Blocked
		if err := s.Store.SaveParty(ctx, rec); err != nil {
			return err
		}
		for _, h := range s.Holders {
			if err := h.PartyBlocked(ctx, c.Subject); err != nil {
				return err
			}
		}
		sar, err := s.Cases.Open(ctx, cases.Case{Kind: cases.SAR, Subject: c.Subject, SubjectName: c.SubjectName, ParentID: c.ID,
			Title: "SAR: " + c.SubjectName + " is a confirmed sanctions match", DueAt: cases.SARDue(c.OpenedAt),
			Summary: "Opened from sanctions case " + strconv.FormatInt(c.ID, 10) + ": " + in.Reason})
		if err != nil {
			return err
		}
		detail["sar_case"] = strconv.FormatInt(sar.ID, 10)
	}
	return s.Audit.Record(ctx, audit.Event{Action: audit.HitDispositioned, Outcome: audit.Success,
		Target: audit.Target{Type: "party", ID: c.Subject}, Detail: detail})
}

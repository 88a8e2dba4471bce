package fraud

import (
	"context"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
)

// RulesView is the rules page: what scores now, the draft, the history.
type RulesView struct {
	Current  RuleSet
	Draft    *Version
	Versions []Version // newest first
}

// Backtest bounds.
const (
	DefaultBacktestDays = 7
	MaxBacktestDays     = 90
	replayPage          = 5000
)

// Rules returns the rules page's contents.
func (s *Service) Rules(ctx context.Context) (RulesView, error) {
	var v RulesView
	if _, _, err := identity.Authorize(ctx, identity.PermFraudRead); err != nil {
		return v, err
	}
	versions, err := s.Store.Versions(ctx, 50)
	if err != nil {
		return v, err
	}
	v.Current = DefaultRuleSet()
	current := false
	for i := range versions {
		switch {
		case versions[i].Status == Draft:
			v.Draft = &versions[i]
		case versions[i].Status == Published && !current:
			v.Current, current = versions[i].RuleSet, true
		}
	}
	v.Versions = versions
	return v, nil
}

// SaveDraft keeps rs as the draft, replacing the one open (whose backtest
// no longer says anything); the one who saves it last is its maker.
func (s *Service) SaveDraft(ctx context.Context, rs RuleSet, note string) (Version, error) {
	who, ctx, err := identity.Authorize(ctx, identity.PermFraudRules)
	if err != nil {
		return Version{}, err
	}
	if err := rs.Validate(); err != nil {
		return Version{}, err
	}
	if len(note) > 500 {
		return Version{}, domain.Errorf(domain.EINVALID, "The note is at most 500 characters.")
	}
	var v Version
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.publishDefaults(ctx); err != nil {
			return err
		}
		draft, found, err := s.Store.Draft(ctx, true)
		if err != nil {
			return err
		}
		rs.Version = 0 // a draft takes the next number, whatever it was copied from
		v = Version{RuleSet: rs, Status: Draft, Note: note, DraftedBy: who.Actor.ID, DraftedAt: s.now()}
		if found {
			v.Version = draft.Version
			err = s.Store.UpdateVersion(ctx, v)
		} else {
			err = s.Store.InsertVersion(ctx, &v)
		}
		if err != nil {
			return err
		}
		return s.record(ctx, audit.FraudRuleChanged, "fraud_rules", int64(v.Version), map[string]string{"event": "drafted"})
	})
	return v, err
}

// BacktestDraft replays the last days of decisions under the draft and
// keeps what would change with it.
func (s *Service) BacktestDraft(ctx context.Context, days int) (Backtest, error) {
	who, ctx, err := identity.Authorize(ctx, identity.PermFraudRules)
	if err != nil {
		return Backtest{}, err
	}
	if days == 0 {
		days = DefaultBacktestDays
	}
	if days < 1 || days > MaxBacktestDays {
		return Backtest{}, domain.Errorf(domain.EINVALID, "A backtest replays 1 to %d days.", MaxBacktestDays)
	}
	draft, found, err := s.Store.Draft(ctx, false)
	switch {
	case err != nil:
		return Backtest{}, err
	case !found:
		return Backtest{}, domain.Errorf(domain.ECONFLICT, "There is no draft to backtest: save one first.")
	}
	now := s.now()
	bt := Backtest{Days: days, From: now.AddDate(0, 0, -days), To: now, RanBy: who.Actor.ID, RanAt: now}
	for after := int64(0); ; {
		page, err := s.Store.Decisions(ctx, bt.From, bt.To, after, replayPage)
		if err != nil {
			return bt, err
		}
		draft.RuleSet.Replay(page, &bt)
		if len(page) < replayPage {
			break
		}
		after = page[len(page)-1].ID
	}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		current, found, err := s.Store.Draft(ctx, true)
		if err != nil {
			return err
		}
		if !found || current.Version != draft.Version || !current.DraftedAt.Equal(draft.DraftedAt) {
			return domain.Errorf(domain.ECONFLICT, "The draft changed while it was replayed: run the backtest again.")
		}
		current.Backtest = &bt
		if err := s.Store.UpdateVersion(ctx, current); err != nil {
			return err
		}
		return s.record(ctx, audit.FraudBacktested, "fraud_rules", int64(current.Version), map[string]string{
			"days": strconv.Itoa(days), "decisions": strconv.Itoa(bt.Decisions), "level_changed": strconv.Itoa(bt.LevelChanged),
			"verdict_changed": strconv.Itoa(bt.VerdictChanged)})
	})
	return bt, err
}

// Publish makes the draft the rules every new event is scored by. Its
// maker may not publish it, and only a backtested draft is published:
// the checker decides on what it would change.
func (s *Service) Publish(ctx context.Context, version int) (Version, error) {
	return s.closeDraft(ctx, version, Published)
}

// Discard drops the draft.
func (s *Service) Discard(ctx context.Context, version int) (Version, error) {
	return s.closeDraft(ctx, version, Discarded)
}

func (s *Service) closeDraft(ctx context.Context, version int, to VersionStatus) (Version, error) {
	who, ctx, err := identity.Authorize(ctx, identity.PermFraudRules)
	if err != nil {
		return Version{}, err
	}
	var v Version
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		var found bool
		v, found, err = s.Store.Draft(ctx, true)
		switch {
		case err != nil:
			return err
		case !found || v.Version != version:
			return domain.Errorf(domain.ECONFLICT, "Draft %d is no longer open: reload the rules.", version)
		case to == Published && v.DraftedBy == who.Actor.ID:
			return domain.Errorf(domain.EFORBIDDEN, "You made this draft: another reviewer publishes it.")
		case to == Published && v.Backtest == nil:
			return domain.Errorf(domain.ECONFLICT, "Backtest the draft before publishing it.")
		}
		v.Status, v.DecidedBy, v.DecidedAt = to, who.Actor.ID, s.now()
		if err := s.Store.UpdateVersion(ctx, v); err != nil {
			return err
		}
		return s.record(ctx, audit.FraudRuleChanged, "fraud_rules", int64(v.Version), map[string]string{"event": string(to), "drafted_by": v.DraftedBy})
	})
	return v, err
}

// ListPage bounds the lists page.
const ListPage = 100

// Lists returns list entries after id after, with whether more follow.
func (s *Service) Lists(ctx context.Context, after int64) ([]ListEntry, bool, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermFraudRead); err != nil {
		return nil, false, err
	}
	list, err := s.Store.ListEntries(ctx, after, ListPage+1)
	if len(list) > ListPage {
		return list[:ListPage], true, err
	}
	return list, false, err
}

// AddToList puts an identifier on the block or allow list.
func (s *Service) AddToList(ctx context.Context, e ListEntry) (ListEntry, error) {
	who, ctx, err := identity.Authorize(ctx, identity.PermFraudReview)
	if err != nil {
		return e, err
	}
	probe := Event{Type: "list", Ref: "list", Customer: "list"}
	switch e.Key {
	case KeyCard:
		probe.CardFingerprint = e.Value
	case KeyAccount:
		probe.AccountToken = e.Value
	case KeyIP:
		probe.IP = e.Value
	case KeyDevice:
		probe.DeviceID = e.Value
	case KeyEmail:
		probe.Email = e.Value
	default:
		return e, domain.Errorf(domain.EINVALID, "Choose what the value is: card, account, ip, device or email.")
	}
	if err := probe.Normalize(s.now()); err != nil {
		return e, err
	}
	switch {
	case e.List != BlockList && e.List != AllowList:
		return e, domain.Errorf(domain.EINVALID, "Choose the block or the allow list.")
	case probe.Value(e.Key) == "":
		return e, domain.Errorf(domain.EINVALID, "Give the value to list.")
	case len(e.Note) > 500:
		return e, domain.Errorf(domain.EINVALID, "The note is at most 500 characters.")
	}
	e.Value, e.AddedBy, e.AddedAt = probe.Value(e.Key), who.Actor.ID, s.now()
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		added, err := s.Store.AddListEntry(ctx, &e)
		if err != nil {
			return err
		}
		if !added {
			return domain.Errorf(domain.ECONFLICT, "That %s is on a list already: remove it first to move it.", e.Key)
		}
		return s.record(ctx, audit.FraudListChanged, "fraud_list", e.ID, map[string]string{"event": "added", "list": e.List, "key": string(e.Key)})
	})
	return e, err
}

// RemoveFromList takes an entry off its list.
func (s *Service) RemoveFromList(ctx context.Context, id int64) (ListEntry, error) {
	_, ctx, err := identity.Authorize(ctx, identity.PermFraudReview)
	if err != nil {
		return ListEntry{}, err
	}
	var e ListEntry
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		var found bool
		if e, found, err = s.Store.RemoveListEntry(ctx, id); err != nil || !found {
			if err == nil {
				err = domain.Errorf(domain.ENOTFOUND, "That entry is gone already.")
			}
			return err
		}
		return s.record(ctx, audit.FraudListChanged, "fraud_list", e.ID, map[string]string{"event": "removed", "list": e.List, "key": string(e.Key)})
	})
	return e, err
}

// Stats returns the numbers of the last days.
func (s *Service) Stats(ctx context.Context, days int) (Stats, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermFraudRead); err != nil {
		return Stats{}, err
	}
	if days < 1 || days > 365 {
		days = 30
	}
	now := s.now()
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1-days)
	return s.Store.Stats(ctx, from, now)
}

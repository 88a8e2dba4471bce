package screening

import (
	"context"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/identity"
)

// Versions is the lists' load history, newest first, with the reason the
// latest load was refused when it was (the alert stands until a load
// succeeds).
type Versions struct {
	Versions    []Version
	LoadFailure string
}

// Versions lists the versions loaded.
func (s *Service) Versions(ctx context.Context, limit int) (Versions, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermCasesRead); err != nil {
		return Versions{}, err
	}
	var v Versions
	var err error
	if v.Versions, err = s.Store.Versions(ctx, limit); err != nil {
		return v, err
	}
	v.LoadFailure, err = s.LoadFailure(ctx)
	return v, err
}

// StaleAfter is how long the lists may go unchecked before the console
// says so (a source nobody refreshes, a job that stopped).
const StaleAfter = 48 * time.Hour

// LoadFailure is the alert the console shows, "" for none: the reason the
// latest load was refused, or that no load has succeeded in StaleAfter.
func (s *Service) LoadFailure(ctx context.Context) (string, error) {
	reason, failed, err := s.Store.LastLoadFailure(ctx)
	if err != nil || failed {
		return reason, err
	}
	checked, found, err := s.Store.LastCheck(ctx)
	if err != nil || !found || s.now().Sub(checked) < StaleAfter {
		return "", err
	}
	return "the lists were last fetched and found good at " + checked.UTC().Format("2006-01-02 15:04 UTC") +
		": check the list source and the refresh job", nil
}

// Changes is what one version added, removed and changed against the
// version before it.
type Changes struct {
	Version  Version
	Previous *Version // nil for the first version
	Diff     Diff
}

// VersionChanges compares version id with the one before it.
func (s *Service) VersionChanges(ctx context.Context, id int64) (Changes, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermCasesRead); err != nil {
		return Changes{}, err
	}
	v, found, err := s.Store.Version(ctx, id)
	if err != nil || !found {
		return Changes{}, errOr(err, domain.Errorf(domain.ENOTFOUND, "There is no list version %d.", id))
	}
	c := Changes{Version: v}
	prev, found, err := s.Store.PreviousVersion(ctx, id)
	if err != nil {
		return c, err
	}
	newer, err := s.Store.VersionEntries(ctx, id)
	if err != nil {
		return c, err
	}
	var older []Entry
	if found {
		c.Previous = &prev
		if older, err = s.Store.VersionEntries(ctx, prev.ID); err != nil {
			return c, err
		}
	}
	c.Diff = Compare(older, newer)
	return c, nil
}

// Review is what a compliance officer weighs a hit with: the party as
// screened, its latest screening, and each hit's list entry in full as
// the list read when it matched.
type Review struct {
	Party      Record
	Result     Result
	Entries    map[string]Entry // by entry id
	Whitelists []Whitelist
}

// Review returns the party's latest screening with the entries it hit.
func (s *Service) Review(ctx context.Context, ref string) (Review, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermCasesRead); err != nil {
		return Review{}, err
	}
	var r Review
	var found bool
	var err error
	if r.Party, found, err = s.Store.Party(ctx, ref, false); err != nil || !found {
		return r, errOr(err, domain.Errorf(domain.ENOTFOUND, "This party has not been screened."))
	}
	if r.Result, _, err = s.Store.LatestResult(ctx, ref); err != nil {
		return r, err
	}
	r.Entries = map[string]Entry{}
	for _, h := range r.Result.Hits {
		e, found, err := s.Store.Entry(ctx, r.Result.Version, h.EntryID)
		if err != nil {
			return r, err
		}
		if found {
			r.Entries[h.EntryID] = e
		}
	}
	r.Whitelists, err = s.Store.Whitelist(ctx, ref)
	return r, err
}

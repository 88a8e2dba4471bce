package screening

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
)

// Load fetches the lists from src and makes them the active version,
// unless they are what is active already. A fetch or a file that fails to
// parse, or a list that shrank by more than MaxShrinkPercent, keeps the
// active version, is recorded as a failure and raises the alert; nothing
// else changes. A new version queues the re-screening of every party
// against what it added or changed.
func (s *Service) Load(ctx context.Context, src Source) (Version, bool, error) {
	ctx = withSystemActor(ctx)
	f, err := src.Fetch(ctx)
	if err != nil {
		return Version{}, false, s.refuse(ctx, "fetch", "the lists could not be fetched: "+domain.ErrorMessage(err), err)
	}
	sum := sha256.New()
	for _, b := range [][]byte{f.SDN, f.Alt, f.Add, f.ConsPrim, f.ConsAlt, f.ConsAdd} {
		sum.Write(b)
		sum.Write([]byte{0})
	}
	hash := hex.EncodeToString(sum.Sum(nil))
	active, hasActive, err := s.Store.ActiveVersion(ctx)
	if err != nil {
		return Version{}, false, err
	}
	if hasActive && active.SHA256 == hash {
		return active, false, s.Store.RecordCheck(ctx) // the same lists: checked, and good
	}
	if missing := missingFiles(active.Files, f.Names()); hasActive && len(missing) > 0 {
		reason := "the load lacks " + strings.Join(missing, ", ") + ", which the active version has (aliases or entries would be lost): kept the active version"
		return Version{}, false, s.refuse(ctx, f.Source, reason, domain.Errorf(domain.ECONFLICT, "The %s", reason))
	}
	files := Files{SDN: reader(f.SDN), Alt: reader(f.Alt), Add: reader(f.Add), ConsAlt: reader(f.ConsAlt), ConsAdd: reader(f.ConsAdd)}
	if f.ConsPrim != nil {
		files.Cons = []io.Reader{bytes.NewReader(f.ConsPrim)}
	}
	entries, err := Parse(files)
	if err != nil {
		return Version{}, false, s.refuse(ctx, f.Source, "the lists did not parse: "+err.Error(), err)
	}
	if len(entries) == 0 {
		return Version{}, false, s.refuse(ctx, f.Source, "the lists hold no entry", domain.Errorf(domain.EINVALID, "The lists hold no entry."))
	}
	if hasActive && s.MaxShrinkPercent > 0 && len(entries)*100 < active.Entries*(100-s.MaxShrinkPercent) {
		reason := "the list shrank from " + strconv.Itoa(active.Entries) + " to " + strconv.Itoa(len(entries)) +
			" entries, more than " + strconv.Itoa(s.MaxShrinkPercent) + "%: kept the active version"
		return Version{}, false, s.refuse(ctx, f.Source, reason, domain.Errorf(domain.ECONFLICT, "The %s", reason))
	}
	v := Version{Source: f.Source, LoadedAt: s.now(), SHA256: hash, Entries: len(entries), Active: true, Files: f.Names()}
	if hasActive {
		older, err := s.Store.VersionEntries(ctx, active.ID)
		if err != nil {
			return Version{}, false, err
		}
		d := Compare(older, entries)
		v.Added, v.Removed, v.Changed = len(d.Added), len(d.Removed), len(d.Changed)
	}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.InsertVersion(ctx, &v, active.ID, entries); err != nil {
			return err
		}
		if err := s.Audit.Record(ctx, audit.Event{Action: audit.ListLoaded, Outcome: audit.Success,
			Target: audit.Target{Type: "screening_list", ID: strconv.FormatInt(v.ID, 10)},
			Detail: map[string]string{"source": truncate(f.Source), "sha256": hash[:12], "entries": strconv.Itoa(v.Entries),
				"added": strconv.Itoa(v.Added), "removed": strconv.Itoa(v.Removed), "changed": strconv.Itoa(v.Changed)}}); err != nil {
			return err
		}
		if hasActive {
			if err := s.Jobs.RescreenLater(ctx, active.ID, v.ID); err != nil {
				return err
			}
		}
		if err := s.Store.RecordCheck(ctx); err != nil {
			return err
		}
		return s.Store.ListsChanged(ctx)
	})
	if err != nil {
		return Version{}, false, err
	}
	s.Lists.Set(NewIndex(entries), v)
	return v, true, nil
}

// LoadNow is a compliance officer's "load the lists now".
func (s *Service) LoadNow(ctx context.Context, src Source) (Version, bool, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermCasesWork); err != nil {
		return Version{}, false, err
	}
	return s.Load(ctx, src)
}

func reader(b []byte) io.Reader {
	if b == nil {
		return nil
	}
	return bytes.NewReader(b)
}

// missingFiles are the files had has and got lacks.
func missingFiles(had, got []string) []string {
	var out []string
	for _, name := range had {
		if !slices.Contains(got, name) {
			out = append(out, name)
		}
	}
	return out
}

// Refused reports whether err is a load refused and recorded (the alert
// is up): not worth retrying before the next scheduled load.
func Refused(err error) bool {
	var r refused
	return errors.As(err, &r)
}

type refused struct{ error }

func (r refused) Unwrap() error { return r.error }

// refuse records a refused load and returns err, marked as refused, for
// the caller.
func (s *Service) refuse(ctx context.Context, source, reason string, err error) error {
	if rerr := s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.RecordLoadFailure(ctx, source, reason); err != nil {
			return err
		}
		return s.Audit.Record(ctx, audit.Event{Action: audit.ListLoaded, Outcome: audit.Failure,
			Target: audit.Target{Type: "screening_list"}, Detail: map[string]string{"source": truncate(source), "reason": truncate(reason)}})
	}); rerr != nil {
		return rerr
	}
	return refused{err}
}

func truncate(s string) string {
	if len(s) > 250 {
		return s[:250]
	}
	return s
}

// Reload sets the in-memory index to the active version in the database
// (at start, and when another instance loaded a new one).
func (s *Service) Reload(ctx context.Context) error {
	v, found, err := s.Store.ActiveVersion(ctx)
	if err != nil || !found {
		return err
	}
	if _, active := s.Lists.Active(); active.ID == v.ID {
		return nil
	}
	entries, err := s.Store.VersionEntries(ctx, v.ID)
	if err != nil {
		return err
	}
	s.Lists.Set(NewIndex(entries), v)
	return nil
}

// Rescreen screens again every party that matches what version to added
// or changed against version from: only those can have a new hit, and a
// whitelisted pair reopens only if its entry changed. It is the job a new
// version queues.
func (s *Service) Rescreen(ctx context.Context, from, to int64) (screened int, err error) {
	// This instance may not have the new version in memory yet (the job
	// can start before the load's own instance sets it, or before this one
	// hears of it): screening against the old one would miss what is new.
	if err := s.Reload(ctx); err != nil {
		return 0, err
	}
	if _, v := s.Lists.Active(); v.ID < to {
		return 0, fmt.Errorf("screening: this instance has list version %d, not %d yet: re-screening is tried again", v.ID, to)
	}
	older, err := s.Store.VersionEntries(ctx, from)
	if err != nil {
		return 0, err
	}
	newer, err := s.Store.VersionEntries(ctx, to)
	if err != nil {
		return 0, err
	}
	d := Compare(older, newer)
	delta := NewIndex(append(d.Added, d.Changed...))
	return s.rescreen(ctx, delta)
}

// RescreenAll screens every party again against the whole active list.
func (s *Service) RescreenAll(ctx context.Context) (int, error) {
	ix, _ := s.Lists.Active()
	if ix == nil {
		return 0, errNoList
	}
	return s.rescreen(ctx, ix)
}

// rescreen screens, against the full active list, every party that finds
// something in filter. Parties are read a page at a time; the page is
// searched on every core, then the few that find something are screened
// (and recorded) one by one.
func (s *Service) rescreen(ctx context.Context, filter *Index) (int, error) {
	ix, _ := s.Lists.Active()
	if ix == nil {
		return 0, errNoList
	}
	screened, after := 0, ""
	for {
		page, err := s.Store.Parties(ctx, after, rescreenPage)
		if err != nil || len(page) == 0 {
			return screened, err
		}
		for _, p := range s.finding(filter, page) {
			if _, err := s.Screen(ctx, p, TriggerListUpdate); err != nil {
				return screened, err
			}
			screened++
		}
		after = page[len(page)-1].Ref
	}
}

// rescreenPage is how many parties a re-screening reads at a time.
const rescreenPage = 2000

// finding returns the parties of page that find something in filter, in
// page order, searching on every core.
func (s *Service) finding(filter *Index, page []Party) []Party {
	found := make([]bool, len(page))
	workers := min(runtime.GOMAXPROCS(0), len(page))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(page); i += workers {
				found[i] = len(filter.Search(page[i].query(), s.threshold())) > 0
			}
		})
	}
	wg.Wait()
	var out []Party
	for i, p := range page {
		if found[i] {
			out = append(out, p)
		}
	}
	return out
}

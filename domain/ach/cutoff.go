package ach

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/screening"
)

// maxFileEntries bounds one file; what does not fit waits for the next.
const maxFileEntries = 100_000

// CutoffDue runs the latest cutoff, unless it ran or was missed by more
// than the schedule's grace: the job that checks every minute.
func (s *Service) CutoffDue(ctx context.Context) (File, bool, error) {
	window := s.Schedule.LastCutoff(s.now())
	if window.IsZero() || s.Schedule.Grace > 0 && s.now().Sub(window) > s.Schedule.Grace {
		return File{}, false, nil
	}
	return s.RunCutoff(ctx, window, false)
}

// Cutoffs is the schedule as the console shows it.
type Cutoffs struct {
	Schedule Schedule
	Next     time.Time
	LastRun  string
	LastAt   time.Time
}

// CutoffSchedule returns the schedule, the next cutoff and the last run.
func (s *Service) CutoffSchedule(ctx context.Context) (Cutoffs, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermACHRead); err != nil {
		return Cutoffs{}, err
	}
	c := Cutoffs{Schedule: s.Schedule, Next: s.Schedule.NextCutoff(s.now())}
	var err error
	c.LastRun, c.LastAt, _, err = s.Store.LastRun(ctx)
	return c, err
}

// PollInbox ingests the files waiting in inbox: taken ones are moved to
// processed, invalid ones to rejected; any other failure leaves the file
// for the next poll.
func (s *Service) PollInbox(ctx context.Context, inbox Inbox, source string) (int, error) {
	names, err := inbox.List(ctx)
	if err != nil {
		return 0, err
	}
	taken := 0
	var failed []error
	for _, name := range names {
		if err := s.take(ctx, inbox, source, name); err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", name, err)) // the others are still taken; this one waits for the next poll
			continue
		}
		taken++
	}
	return taken, errors.Join(failed...)
}

// take ingests one waiting file and moves it aside: to the rejected ones
// when it is not a valid NACHA file.
func (s *Service) take(ctx context.Context, inbox Inbox, source, name string) error {
	content, err := inbox.Read(ctx, name)
	if err != nil {
		return err
	}
	_, err = s.IngestFrom(ctx, name, source, content)
	rejected := domain.ErrorCode(err) == domain.EINVALID || domain.ErrorCode(err) == domain.ETOOLARGE
	if err != nil && !rejected {
		return err
	}
	return inbox.Done(ctx, name, rejected)
}

// RunCutoff makes the file of window: every approved transfer whose
// holder screened clear just now (screening runs first, for them all) and
// whose account is open, in one NACHA file, stored encrypted and queued
// for delivery. A window makes one file however many instances run it:
// the first to claim it does. A forced run is a window of its own.
func (s *Service) RunCutoff(ctx context.Context, window time.Time, forced bool) (File, bool, error) {
	ctx = withSystem(ctx)
	key := window.Format(time.RFC3339)
	if forced {
		key = "forced:" + window.Format(time.RFC3339Nano) + ":" + nonce()
	} else if ran, err := s.Store.CutoffClaimed(ctx, key); err != nil || ran {
		return File{}, false, err
	}
	screened := s.now().Truncate(time.Microsecond) // as precise as the database keeps it
	if err := s.rescreenStuck(ctx); err != nil {
		return File{}, false, err
	}
	if err := s.screenBeforeBatch(ctx); err != nil {
		return File{}, false, err
	}
	var f File
	made := false
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		claimed, err := s.Store.ClaimCutoff(ctx, key, s.now())
		if err != nil || !claimed {
			return err
		}
		approved, err := s.Store.LockApproved(ctx, maxFileEntries)
		if err != nil {
			return err
		}
		entries, err := s.entries(ctx, approved, window, screened)
		if err != nil || len(entries) == 0 {
			return err
		}
		// The counter's lock orders concurrent runs, so the day's files are
		// counted after it: two files never share a modifier.
		first, err := s.Store.ReserveTraces(ctx, s.Origin.ODFI(), TracesNeeded(s.Origin, entries))
		if err != nil {
			return err
		}
		created := s.now().In(s.Schedule.Location)
		today, err := s.Store.FilesSince(ctx, s.Schedule.at(s.Schedule.today(created), Clock{}))
		if err != nil {
			return err
		}
		if today >= len(modifiers) {
			return domain.Errorf(domain.EUNAVAILABLE, "%d files were made today already, as many as a day's file modifiers (A-Z, 0-9) tell apart: the transfers wait for tomorrow's first cutoff.", today)
		}
		built, err := BuildFile(s.Origin, created, string(modifiers[today]), first, entries)
		if err != nil {
			return err
		}
		ciphertext, err := s.Keys.Encrypt(ctx, built.Content, fileAAD(key))
		if err != nil {
			return err
		}
		f = File{Window: key, Name: "ach-" + window.In(s.Schedule.Location).Format("20060102-1504") + "-" + built.Modifier + ".ach",
			Ciphertext: ciphertext, SHA256: built.SHA256, Modifier: built.Modifier, Batches: built.Batches, Entries: built.Entries,
			Debits: built.Debits, Credits: built.Credits, Status: "generated", CreatedAt: s.now()}
		if err := s.Store.InsertFile(ctx, &f); err != nil {
			return err
		}
		for i, e := range entries {
			t := e.Transfer
			t.TraceNumber, t.FileID = built.Traces[i], f.ID
			if err := s.moveTo(ctx, &t, Batched, "in file "+f.Name); err != nil {
				return err
			}
		}
		if err := s.Store.CutoffRan(ctx, key, f.ID); err != nil {
			return err
		}
		if err := s.Jobs.DeliverFileLater(ctx, f.ID); err != nil {
			return err
		}
		return s.record(ctx, audit.FileGenerated, audit.Success, "ach_file", strconv.FormatInt(f.ID, 10), map[string]string{
			"name": f.Name, "sha256": shortHash(f.SHA256), "entries": strconv.Itoa(f.Entries), "debits": cents(f.Debits), "credits": cents(f.Credits), "window": key})
	})
	made = err == nil && f.ID != 0
	return f, made, err
}

// entries are the locked approved transfers that may go in the file, with
// their accounts and numbers. One whose holder was not screened clear
// since screened (approved meanwhile) waits for the next cutoff; one on a
// blocked account is canceled. Dates that no longer leave the file time
// to settle move to the soonest it allows.
func (s *Service) entries(ctx context.Context, approved []Transfer, window, screened time.Time) ([]Entry, error) {
	entries := make([]Entry, 0, len(approved))
	for _, t := range approved {
		a, _, err := s.Store.Account(ctx, t.AccountPublic, false)
		if err != nil {
			return nil, err
		}
		if a.Status == Blocked {
			if err := s.moveTo(ctx, &t, Canceled, "the account is blocked: "+a.BlockReason); err != nil {
				return nil, err
			}
			continue
		}
		standing, found, err := s.Screening.Standing(ctx, a.PartyRef())
		if err != nil {
			return nil, err
		}
		if !found || standing.Status != screening.Clear || standing.ScreenedAt.Before(screened) {
			continue
		}
		t.Effective = s.Schedule.settles(t.Effective, window, t.SameDay)
		number, err := s.Keys.Decrypt(ctx, a.Ciphertext, accountAAD(a.PublicID))
		if err != nil {
			return nil, err
		}
		entries = append(entries, Entry{Transfer: t, Account: a, AccountNumber: string(number)})
	}
	return entries, nil
}

// ForceCutoff makes a file now, outside the schedule: an operator's
// action (a late correction, a test of the bank link).
func (s *Service) ForceCutoff(ctx context.Context) (File, bool, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermACHFiles); err != nil {
		return File{}, false, err
	}
	return s.RunCutoff(ctx, s.now(), true)
}

func nonce() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func fileAAD(window string) []byte { return []byte("ach_file:" + window) }

// open reads a stored file's content.
func (s *Service) open(ctx context.Context, id int64) (File, error) {
	f, found, err := s.Store.File(ctx, id)
	if err != nil || !found {
		return f, errOr(err, domain.Errorf(domain.ENOTFOUND, "There is no such file."))
	}
	f.Content, err = s.Keys.Decrypt(ctx, f.Ciphertext, fileAAD(f.Window))
	return f, err
}

// modifiers tell a day's files apart, in order.
const modifiers = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// withSystem names the console as the actor when nobody is (a job).
func withSystem(ctx context.Context) context.Context {
	if a, ok := audit.ActorFrom(ctx); ok && a.ID != "" {
		return ctx
	}
	return audit.WithActor(ctx, audit.System)
}

// rescreenStuck takes again through screening the transfers that a crash
// left in screening, and those held while screening could not run.
func (s *Service) rescreenStuck(ctx context.Context) error {
	for _, pending := range []struct {
		status Status
		reason HoldReason
	}{{Screening, ""}, {Held, HoldNoList}} {
		stuck, err := s.Store.Pending(ctx, pending.status, pending.reason, 1000)
		if err != nil {
			return err
		}
		for _, t := range stuck {
			if _, err := s.screen(ctx, t.PublicID, screening.TriggerBeforeMove); err != nil {
				return err
			}
		}
	}
	return nil
}

// screenBeforeBatch screens the holder of every approved transfer again
// before it goes in a file: a hit since approval, or a screening that
// fails, holds the transfer (fail closed).
func (s *Service) screenBeforeBatch(ctx context.Context) error {
	approved, err := s.Store.Pending(ctx, Approved, "", maxFileEntries)
	if err != nil {
		return err
	}
	results := map[string]screening.Result{}
	failures := map[string]error{}
	for _, t := range approved {
		a, _, err := s.Store.Account(ctx, t.AccountPublic, false)
		if err != nil {
			return err
		}
		ref := a.PartyRef()
		if _, done := results[ref]; done || failures[ref] != nil {
			continue
		}
		r, err := s.Screening.Screen(ctx, party(a), screening.TriggerBeforeMove)
		if err != nil {
			failures[ref] = err
			continue
		}
		results[ref] = r
	}
	for _, t := range approved {
		ref := "bank_account:" + t.AccountPublic
		if r, ok := results[ref]; ok && r.Status == screening.Clear {
			continue
		}
		err := s.Tx.InTx(ctx, func(ctx context.Context) error {
			current, _, err := s.Store.Transfer(ctx, t.PublicID, true)
			if err != nil || current.Status != Approved {
				return err
			}
			if failures[ref] != nil {
				current.HoldReason = HoldNoList
				return s.hold(ctx, &current, "screening before the file could not run: "+domain.ErrorMessage(failures[ref]))
			}
			current.HoldReason, current.CaseID = HoldScreening, results[ref].CaseID
			return s.hold(ctx, &current, "screening before the file: "+string(results[ref].Status))
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// DeliverFile sends a generated file to the bank and marks its transfers
// sent: the job RunCutoff queued. Delivery is by name, so a retry after a
// crash writes the same file again, never another.
func (s *Service) DeliverFile(ctx context.Context, fileID int64) error {
	ctx = withSystem(ctx)
	f, err := s.open(ctx, fileID)
	if err != nil || f.Status != "generated" {
		return err
	}
	location, err := s.Outbox.Deliver(ctx, f.Name, f.Content)
	if err != nil {
		return err
	}
	return s.Tx.InTx(ctx, func(ctx context.Context) error {
		f.Status, f.Location, f.DeliveredAt = "delivered", location, s.now()
		if err := s.Store.UpdateFile(ctx, f); err != nil {
			return err
		}
		batched, err := s.Store.FileTransfers(ctx, f.ID)
		if err != nil {
			return err
		}
		for _, t := range batched {
			if t.Status != Batched {
				continue
			}
			if err := s.moveTo(ctx, &t, Sent, "delivered to the bank: "+location); err != nil {
				return err
			}
		}
		return s.record(ctx, audit.BatchSent, audit.Success, "ach_file", strconv.FormatInt(f.ID, 10), map[string]string{
			"name": f.Name, "location": location, "entries": strconv.Itoa(f.Entries)})
	})
}

// SettleDue marks settled the sent transfers two banking days past their
// effective date with no return (a later return may still come).
func (s *Service) SettleDue(ctx context.Context) (int, error) {
	ctx = withSystem(ctx)
	cutoff := s.Schedule.today(s.now())
	for range 2 {
		cutoff = s.Schedule.previousBankingDay(cutoff)
	}
	due, err := s.Store.SentBefore(ctx, cutoff.AddDate(0, 0, 1), 10_000)
	if err != nil {
		return 0, err
	}
	settled := 0
	for _, t := range due {
		err := s.Tx.InTx(ctx, func(ctx context.Context) error {
			locked, _, err := s.Store.Transfer(ctx, t.PublicID, true)
			if err != nil || locked.Status != Sent {
				return err
			}
			settled++
			return s.moveTo(ctx, &locked, Settled, "settled: no return two banking days after the effective date")
		})
		if err != nil {
			return settled, err
		}
	}
	return settled, nil
}

// Files lists the files made, newest first.
func (s *Service) Files(ctx context.Context) ([]File, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermACHRead); err != nil {
		return nil, err
	}
	return s.Store.ListFiles(ctx, 100)
}

// FileContent returns a file, for download: recorded in the audit trail.
func (s *Service) FileContent(ctx context.Context, id int64) (File, error) {
	_, ctx, err := identity.Authorize(ctx, identity.PermACHFiles)
	if err != nil {
		return File{}, err
	}
	f, err := s.open(ctx, id)
	if err != nil {
		return f, err
	}
	return f, s.record(ctx, audit.FileDownloaded, audit.Success, "ach_file", strconv.FormatInt(id, 10), map[string]string{"name": f.Name, "sha256": shortHash(f.SHA256)})
}

// FileBatches describes a file's batches for viewing, read back through
// moov-io/ach; account numbers are not shown.
func (s *Service) FileBatches(ctx context.Context, id int64) (File, []BatchSummary, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermACHRead); err != nil {
		return File{}, nil, err
	}
	f, err := s.open(ctx, id)
	if err != nil {
		return f, nil, err
	}
	batches, err := Summarize(f.Content)
	f.Content = nil
	return f, batches, err
}

// Summary is what waits in ACH, for the overview.
type Summary struct {
	Held               map[HoldReason]int
	Approved           int // waiting for the next cutoff
	PendingCorrections int
	ReturnsThisWeek    int
	NextCutoff         time.Time
	Location           *time.Location
}

// Summary counts what waits, with the next cutoff.
func (s *Service) Summary(ctx context.Context) (Summary, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermACHRead); err != nil {
		return Summary{}, err
	}
	now := s.now()
	sum, err := s.Store.Summary(ctx, now.AddDate(0, 0, -7))
	sum.NextCutoff, sum.Location = s.Schedule.NextCutoff(now), s.Schedule.Location
	return sum, err
}

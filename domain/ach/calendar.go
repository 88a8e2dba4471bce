package ach

import (
	"fmt"
	"strings"
	"time"

	"github.com/moov-io/base"

	"github.com/paycompliance/console/domain"
)

// Schedule is when files go to the bank: cutoff times on banking days (the
// Federal Reserve's calendar), in the bank's time zone. Entries due today
// go in a same-day window when same-day ACH is on and one is still open;
// others settle the banking day after the file that carries them.
type Schedule struct {
	Location *time.Location
	Cutoffs  []Clock // in order; each is a file to the bank
	SameDay  bool    // same-day ACH windows: every cutoff but the last counts as one
	// Grace is how late a missed cutoff still runs (the console was down
	// at the time); past it, its transfers go with the next cutoff.
	Grace time.Duration
}

// Clock is a time of day.
type Clock struct{ Hour, Minute int }

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

// ParseCutoffs reads "10:30,14:45,16:45".
func ParseCutoffs(s string) ([]Clock, error) {
	var out []Clock
	for _, part := range strings.Split(s, ",") {
		t, err := time.Parse("15:04", strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("cutoff %q is not a time of day such as 14:45", part)
		}
		c := Clock{t.Hour(), t.Minute()}
		if len(out) > 0 && !after(c, out[len(out)-1]) {
			return nil, fmt.Errorf("cutoffs must be in order through the day: %s", s)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("at least one cutoff is needed")
	}
	return out, nil
}

func after(a, b Clock) bool { return a.Hour*60+a.Minute > b.Hour*60+b.Minute }

// at is cutoff c on date day, in the bank's zone.
func (s Schedule) at(day time.Time, c Clock) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), c.Hour, c.Minute, 0, 0, s.Location)
}

// today is the bank's date at instant now.
func (s Schedule) today(now time.Time) time.Time { return dateOf(now.In(s.Location)) }

// BankingDay reports whether date (as dateOf gives it) is one the Federal
// Reserve processes.
func (s Schedule) BankingDay(date time.Time) bool { return base.NewTime(date).IsBankingDay() }

// nextBankingDay is the first banking day after date.
func (s Schedule) nextBankingDay(date time.Time) time.Time {
	return dateOf(base.NewTime(date).AddBankingDay(1).Time)
}

// previousBankingDay is the last banking day before date.
func (s Schedule) previousBankingDay(date time.Time) time.Time {
	for d := date.AddDate(0, 0, -1); ; d = d.AddDate(0, 0, -1) {
		if s.BankingDay(d) {
			return d
		}
	}
}

// NextCutoff is the first cutoff after now.
func (s Schedule) NextCutoff(now time.Time) time.Time {
	day := s.today(now)
	for range 30 {
		if s.BankingDay(day) {
			for _, c := range s.Cutoffs {
				if t := s.at(day, c); t.After(now) {
					return t
				}
			}
		}
		day = s.nextBankingDay(day)
	}
	return time.Time{}
}

// LastCutoff is the latest cutoff at or before now (zero before any).
func (s Schedule) LastCutoff(now time.Time) time.Time {
	day := s.today(now)
	for range 30 {
		if s.BankingDay(day) {
			for i := len(s.Cutoffs) - 1; i >= 0; i-- {
				if t := s.at(day, s.Cutoffs[i]); !t.After(now) {
					return t
				}
			}
		}
		day = day.AddDate(0, 0, -1)
	}
	return time.Time{}
}

// Effective is the date a transfer asked for `requested` (zero: soonest)
// settles, given it is made at now: a banking day; today only when a
// same-day window is still open and the entry may go same day; otherwise
// no earlier than the banking day after the cutoff that will carry it (an
// entry made after the day's last cutoff is not dated for the next
// morning's file, which would settle it same day unasked).
func (s Schedule) Effective(now, requested time.Time, sameDay bool) (time.Time, error) {
	today := s.today(now)
	earliest := s.nextBankingDay(s.today(s.NextCutoff(now)))
	if sameDay && s.SameDay && s.BankingDay(today) && s.sameDayOpen(now) {
		earliest = today
	}
	if requested.IsZero() {
		return earliest, nil
	}
	r := dateOf(requested)
	switch {
	case r.Before(today):
		return time.Time{}, domain.Errorf(domain.EINVALID, "The effective date %s has passed.", r.Format(time.DateOnly))
	case r.After(today.AddDate(0, 0, 30)):
		return time.Time{}, domain.Errorf(domain.EINVALID, "The effective date is at most 30 days ahead.")
	case r.Before(earliest):
		return earliest, nil
	case !s.BankingDay(r):
		return s.nextBankingDay(r), nil
	}
	return r, nil
}

// settles is the effective date an entry in a file made at made keeps:
// its own, unless that no longer leaves the file time to settle it (the
// entry was approved late), when it is the soonest the file allows.
func (s Schedule) settles(effective, made time.Time, sameDay bool) time.Time {
	fileDay := s.today(made)
	sameDayFile := sameDay && s.SameDay && s.sameDayOpen(made.Add(-time.Second))
	if effective.After(fileDay) || effective.Equal(fileDay) && sameDayFile {
		return effective
	}
	if sameDayFile {
		return fileDay
	}
	return s.nextBankingDay(fileDay)
}

// sameDayOpen reports whether a same-day window (every cutoff before the
// day's last) is still ahead today.
func (s Schedule) sameDayOpen(now time.Time) bool {
	for _, c := range s.Cutoffs[:len(s.Cutoffs)-1] {
		if s.at(s.today(now), c).After(now) {
			return true
		}
	}
	return false
}

// dateOf is the calendar date of t as midnight UTC: how effective dates are kept.
func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

package ach

import (
	"testing"
	"time"
)

func testSchedule(t *testing.T) Schedule {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	cutoffs, err := ParseCutoffs("10:30,14:45,16:45")
	if err != nil {
		t.Fatal(err)
	}
	return Schedule{Location: ny, Cutoffs: cutoffs, SameDay: true}
}

func day(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }

// Effective dates follow the Federal Reserve's banking days and the
// same-day windows.
func TestSchedule_Effective(t *testing.T) {
	s := testSchedule(t)
	at := func(v string) time.Time { t0, _ := time.ParseInLocation("2006-01-02 15:04", v, s.Location); return t0 }
	for _, tc := range []struct {
		now       string
		requested string
		sameDay   bool
		want      string
	}{
		{"2026-12-02 09:00", "", true, "2026-12-02"},            // Wednesday, a same-day window ahead
		{"2026-12-02 09:00", "", false, "2026-12-03"},           // not asked for same day
		{"2026-12-02 15:00", "", true, "2026-12-03"},            // after the last same-day window (14:45)
		{"2026-12-02 17:00", "", false, "2026-12-04"},           // after the last cutoff: Thursday's file, Friday
		{"2026-12-02 17:00", "2026-12-03", false, "2026-12-04"}, // Thursday asked for then: too soon for that file
		{"2026-12-04 17:00", "", true, "2026-12-08"},            // Friday evening: Monday's file, Tuesday
		{"2026-12-24 12:00", "", false, "2026-12-28"},           // Thursday before Christmas Friday: the next Monday
		{"2026-12-02 09:00", "2026-12-05", false, "2026-12-07"}, // a Saturday asked for: Monday
		{"2026-12-02 09:00", "2026-12-10", false, "2026-12-10"},
	} {
		var req time.Time
		if tc.requested != "" {
			req = day(tc.requested)
		}
		got, err := s.Effective(at(tc.now), req, tc.sameDay)
		if err != nil || got.Format(time.DateOnly) != tc.want {
			t.Errorf("Effective(%s, %q, same day %v) = %s, %v; want %s", tc.now, tc.requested, tc.sameDay, got.Format(time.DateOnly), err, tc.want)
		}
	}
	if _, err := s.Effective(at("2026-12-02 09:00"), day("2026-12-01"), false); err == nil {
		t.Error("a past effective date was taken")
	}
	if next := s.NextCutoff(at("2026-12-04 17:00")); next.Format("2006-01-02 15:04") != "2026-12-07 10:30" {
		t.Errorf("the next cutoff after Friday's last is %s", next)
	}
	if last := s.LastCutoff(at("2026-12-07 09:00")); last.Format("2006-01-02 15:04") != "2026-12-04 16:45" {
		t.Errorf("the last cutoff before Monday morning is %s", last)
	}
	if _, err := ParseCutoffs("14:45,10:30"); err == nil {
		t.Error("cutoffs out of order were taken")
	}
}

// Only the state machine's transitions are allowed: every pair of
// statuses is tried against this list, written out on its own.
func TestTransfer_StateMachine(t *testing.T) {
	legal := map[[2]Status]bool{
		{Created, Screening}: true, {Created, Canceled}: true,
		{Screening, Approved}: true, {Screening, Held}: true, {Screening, Canceled}: true,
		{Held, Screening}: true, {Held, Approved}: true, {Held, Canceled}: true,
		{Approved, Batched}: true, {Approved, Held}: true, {Approved, Canceled}: true,
		{Batched, Sent}: true, {Batched, Returned}: true,
		{Sent, Settled}: true, {Sent, Returned}: true,
		{Settled, Returned}: true,
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			tr := Transfer{Status: from}
			err := tr.move(to)
			if want := legal[[2]Status{from, to}]; (err == nil) != want {
				t.Errorf("%s → %s: %v, want allowed %v", from, to, err, want)
			}
		}
	}
	for _, path := range [][]Status{
		{Created, Screening, Approved, Batched, Sent, Settled, Returned},
		{Created, Screening, Held, Approved, Batched, Sent, Returned},
		{Created, Screening, Held, Canceled},
		{Created, Screening, Held, Screening, Approved}, // a list came back, a hit was cleared
		{Created, Screening, Approved, Held, Approved, Canceled},
	} {
		tr := Transfer{Status: path[0]}
		for _, s := range path[1:] {
			if err := tr.move(s); err != nil {
				t.Errorf("path %v: %v", path, err)
			}
		}
	}
	for _, final := range []Status{Returned, Canceled} {
		if len(transitions[final]) != 0 {
			t.Errorf("%s is not final", final)
		}
	}
}

// An entry batched late keeps its date only while the file still settles
// it then; a same-day date holds only in a same-day file.
func TestSchedule_Settles(t *testing.T) {
	s := testSchedule(t)
	at := func(v string) time.Time { t0, _ := time.ParseInLocation("2006-01-02 15:04", v, s.Location); return t0 }
	for _, tc := range []struct {
		effective, made string
		sameDay         bool
		want            string
	}{
		{"2026-12-04", "2026-12-02 10:30", false, "2026-12-04"}, // ahead: kept
		{"2026-12-02", "2026-12-02 10:30", true, "2026-12-02"},  // same day, in a same-day window
		{"2026-12-02", "2026-12-02 16:45", true, "2026-12-03"},  // same day, but in the day's last file
		{"2026-12-03", "2026-12-03 10:30", false, "2026-12-04"}, // not same day: its date's own file is too late
		{"2026-12-01", "2026-12-02 14:45", false, "2026-12-03"}, // past
	} {
		if got := s.settles(day(tc.effective), at(tc.made), tc.sameDay); got.Format(time.DateOnly) != tc.want {
			t.Errorf("settles(%s, %s, %v) = %s, want %s", tc.effective, tc.made, tc.sameDay, got.Format(time.DateOnly), tc.want)
		}
	}
}

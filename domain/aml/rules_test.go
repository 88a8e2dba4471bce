package aml

import (
	"testing"
	"time"
)

var now = time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)

func at(hoursAgo float64) time.Time { return now.Add(-time.Duration(hoursAgo * float64(time.Hour))) }

func rules(t *testing.T, txns []Txn) map[Rule]Finding {
	out := map[Rule]Finding{}
	for _, f := range Default().Evaluate("cus-1", txns, now) {
		out[f.Rule] = f
	}
	return out
}

func TestLargeDailyTotal(t *testing.T) {
	got := rules(t, []Txn{{Ref: "a", Direction: In, Amount: 600_000, At: at(1)}, {Ref: "b", Direction: In, Amount: 500_000, At: at(2)}})
	if f, ok := got[LargeDaily]; !ok || f.Total != 1_100_000 || len(f.Refs) != 2 {
		t.Fatalf("two payments of $11,000 in a day: %+v", got)
	}
	if got := rules(t, []Txn{{Direction: In, Amount: 1_000_000, At: at(1)}}); len(got) != 0 {
		t.Fatalf("exactly $10,000 is not above the line: %+v", got)
	}
	// Yesterday's does not count toward today.
	if got := rules(t, []Txn{{Direction: In, Amount: 600_000, At: at(1)}, {Direction: In, Amount: 600_000, At: at(30)}}); got[LargeDaily].Rule != "" {
		t.Fatal("two days' payments added up as one")
	}
}

func TestStructuring(t *testing.T) {
	txns := []Txn{{Ref: "a", Direction: In, Amount: 950_000, At: at(90)}, {Ref: "b", Direction: In, Amount: 880_000, At: at(50)}, {Ref: "c", Direction: In, Amount: 999_999, At: at(3)}}
	if f, ok := rules(t, txns)[Structuring]; !ok || len(f.Refs) != 3 {
		t.Fatalf("three just under $10,000 in 4 days: %+v", rules(t, txns))
	}
	txns[0].At = at(6 * 24) // outside the 5 days
	if _, ok := rules(t, txns)[Structuring]; ok {
		t.Fatal("a transaction outside the window counted")
	}
}

func TestRapidMovement(t *testing.T) {
	txns := []Txn{{Ref: "in", Direction: In, Amount: 500_000, At: at(20)}, {Ref: "out", Direction: Out, Amount: 450_000, At: at(5)}}
	if f, ok := rules(t, txns)[RapidMovement]; !ok || f.Total != 450_000 {
		t.Fatalf("90%% out within 15 hours: %+v", rules(t, txns))
	}
	txns[1].Amount = 300_000
	if _, ok := rules(t, txns)[RapidMovement]; ok {
		t.Fatal("60% out is not rapid movement")
	}
	txns[0].At, txns[1].Amount = at(35), 450_000
	if _, ok := rules(t, txns)[RapidMovement]; ok {
		t.Fatal("out 30 hours later is not within the window")
	}
}

func TestVelocitySpike(t *testing.T) {
	var txns []Txn
	for d := 2; d <= 29; d += 3 { // about one every three days for a month
		txns = append(txns, Txn{Direction: In, Amount: 1000, At: at(float64(24 * d))})
	}
	for i := range 6 {
		txns = append(txns, Txn{Ref: "today", Direction: In, Amount: 1000, At: at(float64(i) + 1)})
	}
	if f, ok := rules(t, txns)[Velocity]; !ok || len(f.Refs) != 6 {
		t.Fatalf("six today against one every three days: %+v", rules(t, txns))
	}
	if _, ok := rules(t, txns[len(txns)-6:])[Velocity]; ok {
		t.Fatal("a spike was called with no history")
	}
}

// A new customer's steady pace is not a spike: the average is over the
// history there is, not a whole month.
func TestVelocity_ShortHistory(t *testing.T) {
	var txns []Txn
	for d := 1; d <= 6; d++ {
		for i := range 10 {
			txns = append(txns, Txn{Ref: "p", Direction: In, Amount: 1000, At: at(float64(24*d) + float64(i)*0.5)})
		}
	}
	for i := range 10 {
		txns = append(txns, Txn{Ref: "today", Direction: In, Amount: 1000, At: at(float64(i)*0.5 + 1)})
	}
	if f, ok := rules(t, txns)[Velocity]; ok {
		t.Fatalf("ten a day for a week, then ten today: %+v", f)
	}
}

// What came late in a day is still found the next morning.
func TestLargeDaily_YesterdayEvening(t *testing.T) {
	morning := time.Date(2026, 12, 3, 0, 30, 0, 0, time.UTC)
	txns := []Txn{{Ref: "a", Direction: In, Amount: 700_000, At: morning.Add(-5 * time.Hour)}, {Ref: "b", Direction: In, Amount: 700_000, At: morning.Add(-time.Hour)}}
	found := false
	for _, f := range Default().Evaluate("cus-1", txns, morning) {
		found = found || f.Rule == LargeDaily && f.Window == "2026-12-02:in"
	}
	if !found {
		t.Fatal("yesterday's $14,000 was not found this morning")
	}
}

// A small payment refunded at once is not rapid movement.
func TestRapidMovement_Minimum(t *testing.T) {
	txns := []Txn{{Ref: "in", Direction: In, Amount: 500, At: at(3)}, {Ref: "out", Direction: Out, Amount: 500, At: at(2)}}
	if _, ok := rules(t, txns)[RapidMovement]; ok {
		t.Fatal("a $5 payment refunded an hour later was called rapid movement")
	}
}

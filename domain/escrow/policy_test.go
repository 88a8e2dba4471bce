package escrow

import (
	"testing"
	"time"
)

// Signers fill seats so that one signature counts once and as many groups
// as possible reach their thresholds, whatever order they signed in.
func TestPolicy_Progress(t *testing.T) {
	rules := PolicyRules{Groups: []Group{
		{Name: "finance", Threshold: 2, Members: []string{"ann", "bob", "cy"}},
		{Name: "compliance", Threshold: 1, Members: []string{"cy", "dee"}}}}
	for _, c := range []struct {
		signers   []string
		satisfied bool
	}{
		{[]string{"ann", "bob", "dee"}, true},
		{[]string{"cy", "ann", "bob"}, true}, // cy must take compliance's seat for all to fill
		{[]string{"cy", "ann"}, false},       // cy counts once: one group stays short
		{[]string{"cy", "dee"}, false},
		{[]string{"ann", "ann", "dee"}, false}, // one signer listed twice fills one seat
		{nil, false},
		{[]string{"eve", "mallory", "dee"}, false},
	} {
		if got := rules.Satisfied(c.signers); got != c.satisfied {
			t.Errorf("%v: satisfied = %v, want %v (%+v)", c.signers, got, c.satisfied, rules.Progress(c.signers))
		}
	}
	p := rules.Progress([]string{"cy", "ann", "bob"})
	if len(p[0].Counted) != 2 || len(p[1].Counted) != 1 || p[1].Counted[0] != "cy" {
		t.Fatalf("progress %+v", p)
	}
}

// Counting keeps only signatures over the current payload, by designated
// approvers other than the requester and the excluded, once each.
func TestCounting(t *testing.T) {
	rules := PolicyRules{Groups: []Group{{Name: "g", Threshold: 2, Members: []string{"ann", "bob", "req", "funder"}}}}
	r := Release{PublicID: "rel_1", EscrowPublic: "esc_1", Amount: 100, Currency: "USD", PolicyVersion: 1, Nonce: "n1", RequestedBy: "req"}
	hash := r.Payload().Hash()
	approvals := []Approval{
		{Approver: "ann", PayloadHash: hash}, {Approver: "ann", PayloadHash: hash}, {Approver: "req", PayloadHash: hash},
		{Approver: "funder", PayloadHash: hash}, {Approver: "zed", PayloadHash: hash}, {Approver: "bob", PayloadHash: "stale"},
	}
	if got := Counting(r, rules, approvals, map[string]bool{"funder": true}); len(got) != 1 || got[0] != "ann" {
		t.Fatalf("counting %v, want only ann", got)
	}
	changed := r
	changed.Amount = 101
	if changed.Payload().Hash() == hash {
		t.Fatal("a changed amount gives the same payload hash")
	}
}

// Policies that could never be met, or that wait too long, are refused.
func TestPolicy_Validate(t *testing.T) {
	ok := func() PolicyRules {
		return PolicyRules{Groups: []Group{{Name: "g", Threshold: 2, Members: []string{"ann", " bob ", "ann"}}}}
	}
	r := ok()
	if err := r.validate(); err != nil || r.RequestTTL != DefaultRequestTTL || len(r.Groups[0].Members) != 2 || r.Groups[0].Members[1] != "bob" {
		t.Fatalf("a good policy: %v, %+v", err, r)
	}
	for name, mutate := range map[string]func(*PolicyRules){
		"no group":           func(r *PolicyRules) { r.Groups = nil },
		"threshold too high": func(r *PolicyRules) { r.Groups[0].Threshold = 3 },
		"threshold zero":     func(r *PolicyRules) { r.Groups[0].Threshold = 0 },
		"nameless group":     func(r *PolicyRules) { r.Groups[0].Name = " " },
		"same name twice":    func(r *PolicyRules) { r.Groups = append(r.Groups, r.Groups[0]) },
		"ttl too short":      func(r *PolicyRules) { r.RequestTTL = time.Minute },
		"negative ceiling":   func(r *PolicyRules) { r.MaxRelease = -1 },
	} {
		r := ok()
		mutate(&r)
		if err := r.validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

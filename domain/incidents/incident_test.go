package incidents

import (
	"testing"
	"time"

	"github.com/paycompliance/console/domain"
)

func TestStatus_CanMove(t *testing.T) {
	allowed := map[[2]Status]bool{
		{Open, Investigating}: true, {Open, Contained}: true, {Open, Resolved}: true,
		{Investigating, Contained}: true, {Investigating, Resolved}: true,
		{Contained, Investigating}: true, {Contained, Resolved}: true,
		{Resolved, Investigating}: true, {Resolved, Reviewed}: true,
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			if got := from.CanMove(to); got != allowed[[2]Status{from, to}] {
				t.Errorf("%s → %s: %v", from, to, got)
			}
		}
	}
	if len(Reviewed.Next()) != 0 {
		t.Error("a reviewed incident moves on")
	}
}

func TestParseLink(t *testing.T) {
	for _, c := range []struct {
		kind, ref string
		want      Link
		url       string
	}{
		{"alert", "7", Link{Kind: LinkAlert, Ref: 7}, "/alerts#alert-7"},
		{"fraud_case", " #12 ", Link{Kind: LinkFraudCase, Ref: 12}, "/fraud/cases/12"},
		{"case", "3", Link{Kind: LinkCase, Ref: 3}, "/cases/3"},
		{"audit", "100045", Link{Kind: LinkAudit, Ref: 100045}, "/audit/entries/100045"},
	} {
		got, err := ParseLink(c.kind, c.ref)
		if err != nil || got != c.want || got.URL() != c.url {
			t.Errorf("%s %q = %+v %q, %v", c.kind, c.ref, got, got.URL(), err)
		}
	}
	for _, c := range [][2]string{{"payment", "1"}, {"", "1"}, {"case", ""}, {"case", "0"}, {"case", "-3"}, {"case", "+3"},
		{"case", "3a"}, {"audit", "1e5"}, {"alert", "1234567890123456789"}, {"fraud_case", "/fraud/cases/1"}, {"case", "# 1"}} {
		if _, err := ParseLink(c[0], c[1]); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("%s %q: %v", c[0], c[1], err)
		}
	}
}

func TestIncident_Urgency(t *testing.T) {
	opened := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	p1 := Incident{Priority: P1, Status: Open, OpenedAt: opened}
	for _, c := range []struct {
		inc  Incident
		at   time.Duration
		want string
	}{
		{p1, 5 * time.Minute, "ok"},
		{p1, 13 * time.Minute, "warn"}, // within a fifth of the 15 minutes to respond
		{p1, 16 * time.Minute, "bad"},
		{Incident{Priority: P1, Status: Investigating, OpenedAt: opened}, 16 * time.Minute, "ok"}, // responded: 4 hours to resolve
		{Incident{Priority: P1, Status: Contained, OpenedAt: opened}, 5 * time.Hour, "bad"},
		{Incident{Priority: P1, Status: Resolved, OpenedAt: opened}, 5 * time.Hour, ""},
	} {
		if got := c.inc.Urgency(opened.Add(c.at)); got != c.want {
			t.Errorf("%s after %s: %q, want %q", c.inc.Status, c.at, got, c.want)
		}
	}
}

func TestFromSeverity(t *testing.T) {
	for sev, want := range map[string]Priority{"critical": P1, "HIGH": P2, "medium": P3, "low": P4, "info": P4, "warning": P3, "whatever": P3} {
		if got := FromSeverity(sev); got != want {
			t.Errorf("%s: %s", sev, got)
		}
	}
}

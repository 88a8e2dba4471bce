package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/alerts"
)

const secret = "whsec_alerts_test"

func TestSignAndVerify(t *testing.T) {
	at := time.Unix(1_780_000_000, 0)
	body := []byte(`{"id":7,"title":"Audit trail integrity check failed"}`)
	header := Sign(secret, at, body)
	if !strings.HasPrefix(header, "t=1780000000,v1=") || len(header) != len("t=1780000000,v1=")+64 {
		t.Fatalf("header %q", header)
	}
	for name, c := range map[string]struct {
		secret, header string
		body           []byte
		now            time.Time
		want           error
	}{
		"good":                 {secret, header, body, at.Add(time.Minute), nil},
		"tampered body":        {secret, header, []byte(`{"id":8,"title":"Audit trail integrity check failed"}`), at, ErrSignature},
		"another secret":       {"whsec_other", header, body, at, ErrSignature},
		"timestamp changed":    {secret, strings.Replace(header, "t=1780000000", "t=1780000001", 1), body, at, ErrSignature},
		"stale":                {secret, header, body, at.Add(6 * time.Minute), ErrStale},
		"from the future":      {secret, header, body, at.Add(-6 * time.Minute), ErrStale},
		"no header":            {secret, "", body, at, ErrNoSignature},
		"no signature":         {secret, "t=1780000000", body, at, ErrNoSignature},
		"not hex":              {secret, "t=1780000000,v1=zz", body, at, ErrNoSignature},
		"one of two (rotated)": {secret, "t=1780000000,v1=" + strings.Repeat("00", 32) + "," + header[len("t=1780000000,"):], body, at, nil},
	} {
		if err := VerifyAt(c.secret, c.header, c.body, 5*time.Minute, c.now); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

// A delivery is the alert as JSON, signed so that Verify accepts it; the
// receiver's refusal is a failure that does not quote its address.
func TestClient_Send(t *testing.T) {
	var got Payload
	var verified error
	status := http.StatusNoContent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		verified = Verify(secret, r.Header.Get(SignatureHeader), body, time.Minute)
		json.Unmarshal(body, &got)
		if r.Header.Get("Content-Type") != "application/json" || r.Method != http.MethodPost {
			status = http.StatusBadRequest
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	c := &Client{URL: srv.URL + "/hooks/T0KEN-in-the-path", Secret: secret}
	a := alerts.Alert{ID: 42, Rule: alerts.RuleAuditIntegrity, Severity: alerts.Critical, Title: "Audit trail integrity check failed",
		Link: "/audit", Status: alerts.Open, Count: 1, FirstSeen: time.Now().UTC(), LastSeen: time.Now().UTC()}
	if err := c.Send(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if verified != nil || got.ID != 42 || got.Severity != "critical" || got.Rule != alerts.RuleAuditIntegrity || got.Link != "/audit" {
		t.Fatalf("received %+v, signature %v", got, verified)
	}
	status = http.StatusInternalServerError
	err := c.Send(context.Background(), a)
	if err == nil || !strings.Contains(err.Error(), "500") || strings.Contains(err.Error(), "T0KEN") {
		t.Fatalf("a 500 = %v", err)
	}
	srv.Close()
	if err := c.Send(context.Background(), a); err == nil || strings.Contains(err.Error(), "T0KEN") || strings.Contains(err.Error(), srv.URL) {
		t.Fatalf("an unreachable receiver = %v", err)
	}
}

// A receiver that does not answer is given up on after Timeout.
func TestClient_SendTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	err := (&Client{URL: srv.URL, Secret: secret}).Send(context.Background(), alerts.Alert{ID: 1})
	if err == nil || time.Since(start) > Timeout+2*time.Second || time.Since(start) < Timeout-time.Second {
		t.Fatalf("after %v: %v", time.Since(start), err)
	}
}

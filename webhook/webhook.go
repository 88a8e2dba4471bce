// Package webhook delivers security alerts to an outbound webhook: each
// is POSTed as JSON, signed with HMAC-SHA256 over its timestamp and body
// in the header Console-Signature ("t=<unix>,v1=<hex>"), as Stripe signs
// its events. Verify is the receiver's side of it.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/alerts"
)

// SignatureHeader carries the signature of each delivery.
const SignatureHeader = "Console-Signature"

// Timeout bounds one delivery, connection included.
const Timeout = 5 * time.Second

// Client posts alerts to URL, signed with Secret.
type Client struct {
	URL    string
	Secret string
	// HTTP is the client to post with; nil for one with Timeout.
	HTTP *http.Client
	Now  func() time.Time
}

var _ alerts.Webhook = (*Client)(nil)

// Payload is what a receiver gets: the alert, as JSON.
type Payload struct {
	ID        int64     `json:"id"`
	Rule      string    `json:"rule"`
	Severity  string    `json:"severity"`
	Title     string    `json:"title"`
	Detail    string    `json:"detail"`
	Source    string    `json:"source"`
	Link      string    `json:"link,omitempty"` // a path on the console
	DedupKey  string    `json:"dedup_key,omitempty"`
	Status    string    `json:"status"`
	Count     int       `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// PayloadOf is the JSON an alert is delivered as.
func PayloadOf(a alerts.Alert) Payload {
	return Payload{ID: a.ID, Rule: a.Rule, Severity: string(a.Severity), Title: a.Title, Detail: a.Detail, Source: a.Source, Link: a.Link,
		DedupKey: a.DedupKey, Status: string(a.Status), Count: a.Count, FirstSeen: a.FirstSeen, LastSeen: a.LastSeen}
}

// Send implements alerts.Webhook: any answer but 2xx is a failure. Its
// errors never quote the URL, which may hold the receiver's own token.
func (c *Client) Send(ctx context.Context, a alerts.Alert) error {
	body, err := json.Marshal(PayloadOf(a))
	if err != nil {
		return err
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	client := c.HTTP
	if client == nil {
		client = &http.Client{Timeout: Timeout}
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return errors.New("webhook: the configured URL is not usable")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "payments-compliance-console")
	req.Header.Set(SignatureHeader, Sign(c.Secret, now(), body))
	res, err := client.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return fmt.Errorf("webhook unreachable: %w", err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("webhook answered %d", res.StatusCode)
	}
	return nil
}

// Sign is the signature header of body sent at t: "t=<unix>,v1=<hex of
// HMAC-SHA256(secret, "<unix>.<body>")>".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// Errors Verify returns.
var (
	ErrNoSignature = errors.New("webhook: no valid Console-Signature header")
	ErrSignature   = errors.New("webhook: the signature does not match the body")
	ErrStale       = errors.New("webhook: the signature's timestamp is outside the tolerance")
)

// Verify checks header (a Console-Signature value) against body and
// secret, and that its timestamp is within tolerance of now (replay
// protection; 0 skips that check). Check before parsing the body. Any of
// several v1 signatures may match (a receiver rotating secrets).
func Verify(secret, header string, body []byte, tolerance time.Duration) error {
	return VerifyAt(secret, header, body, tolerance, time.Now())
}

// VerifyAt is Verify at time now.
func VerifyAt(secret, header string, body []byte, tolerance time.Duration, now time.Time) error {
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if sig, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, sig)
			}
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrNoSignature
	}
	want := mac(secret, ts, body)
	matched := false
	for _, sig := range sigs {
		matched = matched || hmac.Equal(sig, want)
	}
	if !matched {
		return ErrSignature
	}
	if age := now.Sub(time.Unix(unix, 0)); tolerance > 0 && (age > tolerance || age < -tolerance) {
		return ErrStale
	}
	return nil
}

// Package awsfake holds what the in-process fakes of AWS services (KMS,
// S3) share: checking AWS Signature Version 4 the way AWS does, so their
// tests catch a wrong secret, region, service or a request altered after
// signing, not just a missing header. Only tests import it.
package awsfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Credentials are what the fake expects requests to be signed with.
type Credentials struct {
	AccessKey, Secret, Region, Service string
}

// Signed describes how the service canonicalises a request: the payload
// hash it signs, the canonical URI, headers that must always be signed
// (besides host) and headers that must be signed when sent (besides every
// x-amz-* header).
type Signed struct {
	PayloadHash   string
	CanonicalURI  string
	MustSign      []string
	SignIfPresent []string
}

// VerifySigV4 checks r's Authorization header against c.
func VerifySigV4(r *http.Request, c Credentials, s Signed) error {
	const prefix = "AWS4-HMAC-SHA256 Credential="
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, prefix) {
		return errors.New("request is not SigV4-signed: Authorization must start with " + prefix)
	}
	fields := map[string]string{}
	for part := range strings.SplitSeq(strings.TrimPrefix(auth, "AWS4-HMAC-SHA256 "), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return fmt.Errorf("malformed credential scope %q", fields["Credential"])
	}
	if scope[0] != c.AccessKey || scope[2] != c.Region || scope[3] != c.Service {
		return fmt.Errorf("credential scope %s/%s/%s, want %s/%s/%s", scope[0], scope[2], scope[3], c.AccessKey, c.Region, c.Service)
	}
	amzDate := r.Header.Get("X-Amz-Date")
	signedAt, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil || !strings.HasPrefix(amzDate, scope[1]) {
		return fmt.Errorf("X-Amz-Date %q does not match credential date %s", amzDate, scope[1])
	}
	if d := time.Since(signedAt); d > 15*time.Minute || d < -15*time.Minute {
		return fmt.Errorf("request signed %v ago, outside the 15 minute window", d)
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	for name := range r.Header {
		lower := strings.ToLower(name)
		if (strings.HasPrefix(lower, "x-amz-") || slices.Contains(s.SignIfPresent, lower)) && !slices.Contains(signed, lower) {
			return fmt.Errorf("header %s is not signed", name)
		}
	}
	for _, must := range append([]string{"host"}, s.MustSign...) {
		if !slices.Contains(signed, must) {
			return fmt.Errorf("header %s is not signed", must)
		}
	}
	var canonical strings.Builder
	fmt.Fprintf(&canonical, "%s\n%s\n%s\n", r.Method, s.CanonicalURI, CanonicalQuery(r.URL.Query()))
	for _, name := range signed {
		fmt.Fprintf(&canonical, "%s:%s\n", name, headerValue(r, name))
	}
	fmt.Fprintf(&canonical, "\n%s\n%s", fields["SignedHeaders"], s.PayloadHash)
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + strings.Join(scope[1:], "/") + "\n" + SHA256Hex([]byte(canonical.String()))
	key := []byte("AWS4" + c.Secret)
	for _, part := range scope[1:] {
		key = hmacSHA256(key, []byte(part))
	}
	want := hex.EncodeToString(hmacSHA256(key, []byte(toSign)))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return errors.New("SigV4 signature does not match (wrong secret, or the request changed after signing)")
	}
	return nil
}

// CanonicalQuery is SigV4's query string: parameters sorted by name, then
// value, each URI-encoded.
func CanonicalQuery(q url.Values) string {
	var pairs []string
	for name, values := range q {
		for _, v := range values {
			pairs = append(pairs, URIEncode(name, true)+"="+URIEncode(v, true))
		}
	}
	slices.Sort(pairs)
	return strings.Join(pairs, "&")
}

// URIEncode is SigV4's URI encoding: everything but RFC 3986 unreserved
// characters as %XX, and "/" too unless it separates path segments.
func URIEncode(s string, encodeSlash bool) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', strings.IndexByte("-_.~", c) >= 0:
			b.WriteByte(c)
		case c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// SHA256Hex is the hex SHA-256 of b, as SigV4 writes payload hashes.
func SHA256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// headerValue is a header as SigV4 canonicalises it. Go's server moves Host
// and Content-Length out of Header, so they come from the request itself.
func headerValue(r *http.Request, name string) string {
	switch name {
	case "host":
		return r.Host
	case "content-length":
		return strconv.FormatInt(r.ContentLength, 10)
	}
	values := slices.Clone(r.Header.Values(name))
	for i, v := range values {
		values[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(values, ",")
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

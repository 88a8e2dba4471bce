package s3sink

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// checkSigV4 verifies a request's AWS Signature Version 4 the way S3 does:
// it rebuilds the canonical request from the decoded path and query, the
// signed headers and x-amz-content-sha256, and compares signatures, so a
// wrong secret, region, service or an altered request is caught, not just
// a missing header. body is the request body as received, for checking a
// signed payload hash.
func checkSigV4(r *http.Request, body []byte, accessKey, secret, region, service string) error {
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
	if scope[0] != accessKey || scope[2] != region || scope[3] != service {
		return fmt.Errorf("credential scope %s/%s/%s, want %s/%s/%s", scope[0], scope[2], scope[3], accessKey, region, service)
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
		if (strings.HasPrefix(lower, "x-amz-") || lower == "content-md5") && !slices.Contains(signed, lower) {
			return fmt.Errorf("header %s is not signed", name)
		}
	}
	for _, must := range []string{"host", "x-amz-content-sha256", "x-amz-date"} {
		if !slices.Contains(signed, must) {
			return fmt.Errorf("header %s is not signed", must)
		}
	}
	// S3, unlike other services, signs whatever x-amz-content-sha256 says:
	// the body's hash, or a marker for an unsigned or streaming body.
	payloadHash := r.Header.Get("X-Amz-Content-Sha256")
	switch {
	case payloadHash == "UNSIGNED-PAYLOAD":
	case payloadHash == "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
		if r.Header.Get("Content-Encoding") != "aws-chunked" {
			return errors.New("STREAMING-UNSIGNED-PAYLOAD-TRAILER without Content-Encoding: aws-chunked")
		}
	case isHexSHA256(payloadHash):
		if payloadHash != sha256Hex(body) {
			return errors.New("X-Amz-Content-Sha256 does not match the body")
		}
	default:
		return fmt.Errorf("x-amz-content-sha256 %q is missing or not supported by the fake", payloadHash)
	}
	var canonical strings.Builder
	fmt.Fprintf(&canonical, "%s\n%s\n%s\n", r.Method, uriEncode(r.URL.Path, false), canonicalQuery(r.URL.Query()))
	for _, name := range signed {
		fmt.Fprintf(&canonical, "%s:%s\n", name, headerValue(r, name))
	}
	fmt.Fprintf(&canonical, "\n%s\n%s", fields["SignedHeaders"], payloadHash)
	credentialScope := strings.Join(scope[1:], "/")
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + credentialScope + "\n" + sha256Hex([]byte(canonical.String()))
	key := []byte("AWS4" + secret)
	for _, s := range scope[1:] {
		key = hmacSHA256(key, []byte(s))
	}
	want := hex.EncodeToString(hmacSHA256(key, []byte(toSign)))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return errors.New("SigV4 signature does not match (wrong secret, or the request changed after signing)")
	}
	return nil
}

// canonicalQuery is SigV4's query string: parameters sorted by name, then
// value, each name and value URI-encoded (so a continuation token's "+",
// "/" and "=" are escaped exactly as the signer escaped them).
func canonicalQuery(q url.Values) string {
	var pairs []string
	for name, values := range q {
		for _, v := range values {
			pairs = append(pairs, uriEncode(name, true)+"="+uriEncode(v, true))
		}
	}
	slices.Sort(pairs)
	return strings.Join(pairs, "&")
}

// uriEncode is SigV4's URI encoding: everything but RFC 3986 unreserved
// characters as %XX, and "/" too unless it separates path segments. S3
// encodes the path once (other services encode it twice).
func uriEncode(s string, encodeSlash bool) string {
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

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

func isHexSHA256(s string) bool { return hexSHA256.MatchString(s) }

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

package s3sink

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"github.com/paycompliance/console/internal/awsfake"
)

// checkSigV4 verifies a request's SigV4 signature the way S3 does: the path
// encoded once, and the payload hash taken from x-amz-content-sha256, which
// S3 (unlike other services) signs as sent: the body's hash, or a marker for
// an unsigned or streaming body. body is the request body as received.
func checkSigV4(r *http.Request, body []byte, accessKey, secret, region, service string) error {
	payloadHash := r.Header.Get("X-Amz-Content-Sha256")
	switch {
	case payloadHash == "UNSIGNED-PAYLOAD":
	case payloadHash == "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
		if r.Header.Get("Content-Encoding") != "aws-chunked" {
			return errors.New("STREAMING-UNSIGNED-PAYLOAD-TRAILER without Content-Encoding: aws-chunked")
		}
	case hexSHA256.MatchString(payloadHash):
		if payloadHash != awsfake.SHA256Hex(body) {
			return errors.New("X-Amz-Content-Sha256 does not match the body")
		}
	default:
		return fmt.Errorf("x-amz-content-sha256 %q is missing or not supported by the fake", payloadHash)
	}
	return awsfake.VerifySigV4(r, awsfake.Credentials{AccessKey: accessKey, Secret: secret, Region: region, Service: service},
		awsfake.Signed{PayloadHash: payloadHash, CanonicalURI: awsfake.URIEncode(r.URL.Path, false),
			MustSign: []string{"x-amz-content-sha256", "x-amz-date"}, SignIfPresent: []string{"content-md5"}})
}

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

package awskms

import (
	"errors"
	"net/http"

	"github.com/paycompliance/console/internal/awsfake"
)

// checkSigV4 verifies a request's SigV4 signature the way KMS does: the
// payload hash is the body's, and a sent x-amz-content-sha256 must match it.
func checkSigV4(r *http.Request, body []byte, accessKey, secret, region, service string) error {
	payloadHash := awsfake.SHA256Hex(body)
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != payloadHash {
		return errors.New("X-Amz-Content-Sha256 does not match the body")
	}
	return awsfake.VerifySigV4(r, awsfake.Credentials{AccessKey: accessKey, Secret: secret, Region: region, Service: service},
		awsfake.Signed{PayloadHash: payloadHash, CanonicalURI: r.URL.EscapedPath()})
}

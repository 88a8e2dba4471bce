// Package htmx names the htmx request and response headers in one place.
package htmx

import "net/http"

// Request headers htmx sends.
const (
	HeaderRequest = "HX-Request"
	HeaderBoosted = "HX-Boosted"
	HeaderTarget  = "HX-Target"
)

// Response headers htmx obeys.
const (
	HeaderRedirect = "HX-Redirect"
	HeaderRetarget = "HX-Retarget"
	HeaderReswap   = "HX-Reswap"
	HeaderTrigger  = "HX-Trigger"
)

// IsFragmentRequest reports whether r wants a fragment to swap in: an htmx
// request that is not a boosted navigation (those want the whole page).
func IsFragmentRequest(r *http.Request) bool {
	return r.Header.Get(HeaderRequest) == "true" && r.Header.Get(HeaderBoosted) != "true"
}

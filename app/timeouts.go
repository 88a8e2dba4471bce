package app

import "time"

// HTTP server timeouts. Fixed rather than configurable: they guard against
// slow clients, and live-update streams (SSE) extend their own deadlines.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
)

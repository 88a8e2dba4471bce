package handlers

import (
	"context"
	"sync"
	"time"

	"github.com/paycompliance/console/domain/audit"
)

// AuditBanner raises the banner every page shows while the latest audit
// verification failed (PCI DSS 10.7.2). It reads at most every TTL, so
// page views do not each cost a query.
type AuditBanner struct {
	Results audit.Results
	TTL     time.Duration

	mu      sync.Mutex
	checked time.Time
	current []string
}

// Banners returns the current alerts.
func (b *AuditBanner) Banners(ctx context.Context) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if time.Since(b.checked) < b.TTL {
		return b.current
	}
	v, found, err := b.Results.LatestVerification(ctx)
	switch {
	case err != nil:
		b.current = []string{"The audit trail's state could not be read; check the console's logs."}
	case found && !v.OK:
		b.current = []string{"Audit trail verification failed (" + v.FirstBreak + "). The log may have been altered: investigate before relying on it."}
	default:
		b.current = nil
	}
	b.checked = time.Now()
	return b.current
}

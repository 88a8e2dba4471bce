// Package health reports whether the console's parts work: the database,
// its migrations, the job queue. Adapters implement Probe; readiness checks
// and the console's status widget read the same Report.
package health

import (
	"context"
	"sync"
	"time"
)

// Check is the result of one probe. Detail is safe to show to operators.
type Check struct {
	Name   string
	OK     bool
	Detail string
}

// Probe checks one part.
type Probe interface {
	Check(ctx context.Context) Check
}

// Report is every probe's result at one moment.
type Report struct {
	Version string
	Checks  []Check
}

// OK reports whether every check passed.
func (r Report) OK() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// Service runs the probes.
type Service struct {
	version string
	probes  []Probe
	timeout time.Duration
	maxAge  time.Duration
	now     func() time.Time

	mu      sync.Mutex // held while probing, so concurrent callers share one run
	last    Report
	lastRun time.Time
}

// NewService returns a Service for this build's version and its probes.
func NewService(version string, probes ...Probe) *Service {
	return &Service{version: version, probes: probes, timeout: 2 * time.Second, maxAge: time.Second, now: time.Now}
}

// Report returns the probes' results, at most a second old: pages and load
// balancers ask often, and the probes cost database round trips. Each probe
// is bounded by a timeout so that one hung dependency cannot hang readiness.
func (s *Service) Report(ctx context.Context) Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.lastRun.IsZero() && s.now().Sub(s.lastRun) < s.maxAge {
		return s.last
	}
	s.last, s.lastRun = s.run(ctx), s.now()
	return s.last
}

func (s *Service) run(ctx context.Context) Report {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	checks := make([]Check, len(s.probes))
	var wg sync.WaitGroup
	for i, p := range s.probes {
		wg.Go(func() { checks[i] = p.Check(ctx) })
	}
	wg.Wait()
	return Report{Version: s.version, Checks: checks}
}

package health

import (
	"context"
	"testing"
	"time"
)

type probeFunc func(context.Context) Check

func (f probeFunc) Check(ctx context.Context) Check { return f(ctx) }

func TestService_Report(t *testing.T) {
	ok := probeFunc(func(context.Context) Check { return Check{Name: "db", OK: true} })
	hung := probeFunc(func(ctx context.Context) Check {
		<-ctx.Done() // a dependency that never answers
		return Check{Name: "kms", Detail: "timed out"}
	})
	s := NewService("v1", ok, hung)
	s.timeout = 50 * time.Millisecond
	start := time.Now()
	r := s.Report(context.Background())
	if time.Since(start) > 5*time.Second {
		t.Fatal("a hung probe held the report")
	}
	if r.OK() || len(r.Checks) != 2 || !r.Checks[0].OK || r.Checks[1].Name != "kms" || r.Version != "v1" {
		t.Fatalf("report = %+v, want db OK, kms failing, overall failing", r)
	}
	if !NewService("v1", ok).Report(context.Background()).OK() {
		t.Fatal("all probes OK but report not OK")
	}
}

func TestService_ReportIsReusedForAtMostMaxAge(t *testing.T) {
	runs := 0
	counting := probeFunc(func(context.Context) Check { runs++; return Check{Name: "db", OK: runs == 1} })
	s := NewService("v1", counting)
	now := time.Unix(1_800_000_000, 0)
	s.now = func() time.Time { return now }

	first := s.Report(context.Background())
	now = now.Add(s.maxAge / 2)
	if again := s.Report(context.Background()); runs != 1 || !again.OK() || !first.OK() {
		t.Fatalf("within maxAge: %d probe runs, want 1 (reused)", runs)
	}
	now = now.Add(s.maxAge)
	if later := s.Report(context.Background()); runs != 2 || later.OK() {
		t.Fatalf("after maxAge: %d probe runs and OK=%v; want a fresh, failing run", runs, later.OK())
	}
}

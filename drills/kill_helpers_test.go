package drills

import (
	"context"
	"testing"
	"time"
)

// Kill drills: an instance is started with CONSOLE_FAILPOINT naming a point
// (internal/failpoint), dies there by SIGKILL, and is restarted without
// it; what it was doing must then be done exactly once.

// quickRescue makes River retry a job a killed instance held two seconds
// after it started, not JOB_RESCUE_AFTER's five minutes (its rescuer,
// on the leader, looks every 30 s and once when it starts leading).
var quickRescue = []string{"JOB_TIMEOUT=2s", "JOB_RESCUE_AFTER=2s"}

func failpoint(name string) string { return "CONSOLE_FAILPOINT=" + name }

// waitRescue waits, longer than waitFor, for what River's rescue of a
// killed instance's job brings about: the restarted instance leads only
// once the dead leader's term ran out (up to 15 s), its rescuer then
// retries the job, and the scheduler makes it available (every 5 s).
func waitRescue(t *testing.T, what string, ok func() bool) {
	t.Helper()
	waitWithin(t, what, 60*time.Second, ok)
}

// count runs a count(*) query on the cluster's database.
func count(t *testing.T, cl *Cluster, query string, args ...any) int {
	t.Helper()
	var n int
	if err := cl.DB.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// audited counts the chained audit entries of action on the target id,
// once the outbox is drained (everything recorded so far is chained).
func audited(t *testing.T, cl *Cluster, action, target string) int {
	t.Helper()
	waitFor(t, "the audit outbox to drain", func() bool { return count(t, cl, `SELECT count(*) FROM audit_outbox`) == 0 })
	return count(t, cl, `SELECT count(*) FROM audit_log WHERE audit_field(entry, '{action}') = $1 AND audit_field(entry, '{target,id}') = $2`,
		action, target)
}

// verifyAudit runs `console audit verify`, which must pass.
func verifyAudit(t *testing.T, cl *Cluster) {
	t.Helper()
	if out, code := cl.Run(t, "audit", "verify"); code != 0 {
		t.Fatalf("console audit verify exited %d after the drill:\n%s", code, out)
	}
}

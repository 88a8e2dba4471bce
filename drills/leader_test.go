package drills

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The audit sequencer leads from one instance at a time (a session advisory
// lock); when that process dies, another takes over and the entries it
// chains verify. A restarted instance comes back as a standby.
func TestInstances_OneAuditSequencerAcrossInstances(t *testing.T) {
	t.Parallel()
	cl := NewCluster(t)
	a, b := cl.Start(t), cl.Start(t)
	byName := map[string]*Instance{a.Name: a, b.Name: b}

	leader := byName[auditLeader(t, cl, "")]
	if leader == nil {
		t.Fatalf("the audit leader lock is held by no instance")
	}
	survivor := a
	if leader == a {
		survivor = b
	}
	leader.Kill(t)
	if got := auditLeader(t, cl, survivor.Name); got != survivor.Name {
		t.Fatalf("after %s was killed the lock is held by %q, not %s", leader.Name, got, survivor.Name)
	}

	// Signing in through the survivor records audit entries; they are chained.
	ctx := context.Background()
	var head int64
	if err := cl.DB.QueryRow(ctx, `SELECT seq FROM audit_head`).Scan(&head); err != nil {
		t.Fatal(err)
	}
	survivor.Console().SignInHTTP(t, "gita.rao")
	waitFor(t, "the survivor's audit entries to be sequenced", func() bool {
		var seq, waiting int64
		err := cl.DB.QueryRow(ctx, `SELECT (SELECT seq FROM audit_head), (SELECT count(*) FROM audit_outbox)`).Scan(&seq, &waiting)
		return err == nil && seq > head && waiting == 0
	})
	if out, code := cl.Run(t, "audit", "verify"); code != 0 {
		t.Fatalf("console audit verify exited %d after the failover:\n%s", code, out)
	}

	// The restarted sequencer tries to lead every second (Standby): over
	// three of its tries the lock stays the survivor's alone.
	leader.Restart(t)
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); {
		if got := auditLeader(t, cl, ""); got != survivor.Name {
			t.Fatalf("after %s restarted the lock is held by %q", leader.Name, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// auditLeader waits until exactly one backend holds the audit leader lock
// (7262003) in the cluster's database (other tests' consoles hold it in
// theirs) and, when want is set, that it is want's; it returns the holder's
// application_name.
func auditLeader(t *testing.T, cl *Cluster, want string) string {
	t.Helper()
	var holder string
	waitFor(t, "one audit leader", func() bool {
		rows, err := cl.DB.Query(context.Background(), `SELECT a.application_name FROM pg_locks l
			JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE l.locktype = 'advisory' AND l.objid = 7262003 AND l.granted
			  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
		if err != nil {
			return false
		}
		var names []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			names = append(names, n)
		}
		if rows.Err() != nil || len(names) != 1 {
			return false
		}
		holder = names[0]
		return want == "" || holder == want
	})
	if !strings.HasPrefix(holder, "console-") {
		t.Fatalf("the lock is held by %q, not an instance", holder)
	}
	return holder
}

// waitFor polls ok until it holds, failing the test after 30 s.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	waitWithin(t, what, 30*time.Second, ok)
}

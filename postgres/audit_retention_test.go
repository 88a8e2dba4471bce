package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/audit"
)

// Retention drops a whole expired month, records the drop in the chain,
// and the retained chain still verifies from the anchor the drop left. An
// anchor no recorded drop vouches for is caught.
func TestAudit_RetentionDropsWholeExpiredMonths(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newAuditFixture(t)
	// Entries from three years ago, in a partition of their own, then today's.
	if _, err := f.owner.Exec(ctx, `CREATE TABLE audit_log_2023_01 PARTITION OF audit_log
		FOR VALUES FROM ('2023-01-01 00:00+00') TO ('2023-02-01 00:00+00')`); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2023, 1, 15, 12, 0, 0, 0, time.UTC)
	for i := range 3 {
		e, _ := event(i, "old").Canonical()
		if _, err := f.owner.Exec(ctx, `INSERT INTO audit_outbox (occurred_at, entry) VALUES ($1, $2)`, old.Add(time.Duration(i)*time.Second), e); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.seq.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		f.log.Record(ctx, event(i+3, "new"))
	}
	retention := &audit.Retention{Partitions: f.store, Log: f.log, Tx: f.tx, KeepMonths: 24}

	// Nothing is dropped that no signed checkpoint covers yet.
	if dropped, err := retention.Enforce(ctx); err != nil || len(dropped) != 0 {
		t.Fatalf("before any checkpoint: dropped %v, %v; want nothing", dropped, err)
	}
	if _, err := f.seq.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	dropped, err := retention.Enforce(ctx)
	if err != nil || len(dropped) != 1 || dropped[0].Partition != "audit_log_2023_01" || dropped[0].ThroughSeq != 3 || dropped[0].Entries != 3 {
		t.Fatalf("dropped %+v, %v; want the 2023-01 partition through seq 3", dropped, err)
	}
	if err := f.seq.Drain(ctx); err != nil { // chain the drop's own record
		t.Fatal(err)
	}
	rep := f.verify(t)
	if !rep.OK() || rep.From != 4 || rep.Entries != 3 {
		t.Fatalf("retained chain: %+v; want entries 4-6 (two new, one drop record) intact", rep)
	}

	if _, err := (&audit.Retention{Partitions: f.store, Log: f.log, Tx: f.tx, KeepMonths: 6}).Enforce(ctx); err == nil {
		t.Fatal("a retention under 12 months was accepted")
	}
	if _, err := f.app.Exec(ctx, `SELECT audit_drop_expired(3)`); err == nil || !strings.Contains(err.Error(), "at least 12 months") {
		t.Fatalf("the database function accepted 3 months: %v", err)
	}
	if _, err := f.app.Exec(ctx, `INSERT INTO audit_retention VALUES (5, '\x00', 'x', 1)`); err == nil {
		t.Fatal("the application role could forge a retention anchor")
	}

	// An insider deletes more entries and forges an anchor to match: the
	// retained chain holds no recorded drop for it.
	f.owner.Exec(ctx, `SET session_replication_role = replica;
		INSERT INTO audit_retention SELECT seq, hash, 'forged', 1 FROM audit_log WHERE seq = 4;
		DELETE FROM audit_log WHERE seq = 4;
		SET session_replication_role = origin`)
	rep = f.verify(t)
	if rep.OK() || rep.Breaks[0].Kind != audit.AnchorUnconfirmed || rep.Breaks[0].Seq != 4 {
		t.Fatalf("forged anchor: %v; want an unconfirmed anchor at 4", rep.Breaks)
	}
}

package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/filesink"
	"github.com/paycompliance/console/keyfile"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// auditFixture is the audit trail on a fresh database, used as the running
// console uses it: through the application role.
type auditFixture struct {
	owner, app *pgxpool.Pool
	log        *audit.Log
	tx         postgres.Transactor
	seq        *postgres.AuditSequencer
	store      postgres.AuditStore
	sink       filesink.Dir
	ring       *keys.Keyring
}

func newAuditFixture(t testing.TB) *auditFixture {
	t.Helper()
	ctx := context.Background()
	owner, url := pgtest.NewDB(t)
	app, err := postgres.Connect(ctx, url, 16, postgres.AppRole)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	p, err := keyfile.Open(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	ring := keys.New(p, keys.Options{})
	sink := filesink.Dir{Path: filepath.Join(t.TempDir(), "checkpoints")}
	return &auditFixture{
		owner: owner, app: app, ring: ring, sink: sink,
		log:   audit.NewLog(postgres.AuditOutbox{DB: app}),
		tx:    postgres.Transactor{DB: app},
		seq:   &postgres.AuditSequencer{DB: app, Signer: ring, Sink: sink, Log: slog.New(slog.NewTextHandler(io.Discard, nil))},
		store: postgres.AuditStore{DB: app},
	}
}

func (f *auditFixture) verify(t testing.TB) audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), f.store, f.sink, f.ring)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func event(i int, note string) audit.Event {
	return audit.Event{Actor: audit.Actor{Type: audit.ActorUser, ID: fmt.Sprintf("u%d", i%7)}, Action: audit.PaymentCreated,
		Outcome: audit.Success, Target: audit.Target{Type: "payment", ID: fmt.Sprintf("pay_%d", i)},
		Detail: map[string]string{"note": note}}
}

// Many goroutines append through their own transactions while the
// sequencer runs and on-demand drains run beside it; some transactions roll
// back. The chain must verify, hold
// every committed entry once, and nothing from a rolled-back transaction.
func TestAudit_ConcurrentAppendsWithRollbacks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newAuditFixture(t)
	runCtx, stop := context.WithCancel(ctx)
	sequencerDone := make(chan error, 1)
	go func() { sequencerDone <- f.seq.Run(runCtx) }()

	const workers, perWorker = 16, 40
	errRollback := errors.New("rolled back on purpose")
	var wg sync.WaitGroup
	drainsDone := make(chan struct{})
	go func() { // on-demand drains beside the leader: appends must take turns
		defer close(drainsDone)
		for runCtx.Err() == nil {
			if err := f.seq.Drain(ctx); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				n := w*perWorker + i
				rollback := n%5 == 0
				err := f.tx.InTx(ctx, func(ctx context.Context) error {
					if err := f.log.Record(ctx, event(n, map[bool]string{true: "rollback", false: "commit"}[rollback])); err != nil {
						return err
					}
					if rollback {
						return errRollback
					}
					return nil
				})
				if err != nil && !errors.Is(err, errRollback) {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	stop()
	<-sequencerDone
	<-drainsDone
	if err := f.seq.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.seq.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}

	rep := f.verify(t)
	committed := int64(workers * perWorker * 4 / 5)
	if !rep.OK() || rep.Entries != committed || rep.From != 1 || rep.To != committed {
		t.Fatalf("report %+v; want %d entries 1..%d, no breaks", rep, committed, committed)
	}
	seen := map[string]bool{}
	f.store.Records(ctx, 0, func(r audit.Record) error {
		e, _ := audit.ParseEntry(r.Entry)
		if e.Detail["note"] != "commit" {
			t.Errorf("seq %d comes from a rolled-back transaction", r.Seq)
		}
		if seen[e.Target.ID] {
			t.Errorf("%s recorded twice", e.Target.ID)
		}
		seen[e.Target.ID] = true
		return nil
	})
	var left int
	f.owner.QueryRow(ctx, `SELECT count(*) FROM audit_outbox`).Scan(&left)
	if left != 0 {
		t.Fatalf("%d events left in the outbox after a drain", left)
	}
}

// An event that fails validation aborts the change it would have recorded.
func TestAudit_FailClosed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newAuditFixture(t)
	if _, err := f.owner.Exec(ctx, `CREATE TABLE fail_closed_change (id int); GRANT ALL ON fail_closed_change TO console_app`); err != nil {
		t.Fatal(err)
	}
	bad := event(1, "x")
	bad.Detail["password"] = "hunter2hunter2"
	err := f.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := postgres.Conn(ctx, f.app).Exec(ctx, `INSERT INTO fail_closed_change VALUES (1)`); err != nil {
			return err
		}
		return f.log.Record(ctx, bad)
	})
	if domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("err = %v, want the audit refusal", err)
	}
	var n int
	f.owner.QueryRow(ctx, `SELECT count(*) FROM fail_closed_change`).Scan(&n)
	if n != 0 {
		t.Fatal("the change committed although its audit record failed")
	}
}

// The application's role cannot change or remove audit rows, by any path.
func TestAudit_ApplicationRoleCannotAlterTheLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newAuditFixture(t)
	if err := f.log.Record(ctx, event(1, "x")); err != nil {
		t.Fatal(err)
	}
	if err := f.seq.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.seq.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	var partition string
	f.owner.QueryRow(ctx, `SELECT tableoid::regclass::text FROM audit_log LIMIT 1`).Scan(&partition)
	for _, sql := range []string{
		`UPDATE audit_log SET entry = 'x'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
		`UPDATE ` + partition + ` SET entry = 'x'`,
		`DELETE FROM ` + partition,
		`TRUNCATE ` + partition,
		`DELETE FROM audit_checkpoints`,
		`UPDATE audit_checkpoints SET seq = 0`,
		`TRUNCATE audit_checkpoints`,
		`ALTER TABLE audit_log DISABLE TRIGGER ALL`,
		`DROP TABLE ` + partition,
	} {
		if _, err := f.app.Exec(ctx, sql); err == nil {
			t.Errorf("the application role could run %q", sql)
		}
	}
	// Even the owner is stopped by the triggers (only disabling them, which
	// the chain then exposes, gets past).
	for _, sql := range []string{`UPDATE audit_log SET entry = 'x'`, `DELETE FROM audit_log`, `TRUNCATE audit_log`, `TRUNCATE ` + partition} {
		if _, err := f.owner.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("owner %q: err = %v, want the append-only refusal", sql, err)
		}
	}
	if rep := f.verify(t); !rep.OK() || rep.Entries != 1 {
		t.Fatalf("after the refused attempts: %+v", rep)
	}
}

// Tampering as a database administrator (triggers off) is caught by
// verification through the real store, and located.
func TestAudit_TamperingInTheDatabaseIsDetected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		sql      string
		wantSeq  int64
		wantKind audit.BreakKind
	}{
		{"EntryEdited", `UPDATE audit_log SET entry = convert_to(replace(convert_from(entry, 'UTF8'), 'pay_4', 'pay_9'), 'UTF8') WHERE seq = 5`, 5, audit.ContentChanged},
		{"TimeEdited", `UPDATE audit_log SET occurred_at = occurred_at + interval '1 second' WHERE seq = 3`, 3, audit.ContentChanged},
		{"EntryDeleted", `DELETE FROM audit_log WHERE seq = 4`, 5, audit.Gap},
		{"SequencesSwapped", `UPDATE audit_log SET seq = CASE seq WHEN 6 THEN 7 ELSE 6 END WHERE seq IN (6, 7)`, 6, audit.ContentChanged},
		{"TailTruncated", `DELETE FROM audit_log WHERE seq > 7`, 10, audit.Truncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newAuditFixture(t)
			for i := range 10 {
				if err := f.log.Record(ctx, event(i, "x")); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := f.seq.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			tamper := `SET session_replication_role = replica; ` + tt.sql + `; SET session_replication_role = origin`
			if _, err := f.owner.Exec(ctx, tamper); err != nil {
				t.Fatal(err)
			}
			rep := f.verify(t)
			if rep.OK() || rep.Breaks[0].Seq != tt.wantSeq || rep.Breaks[0].Kind != tt.wantKind {
				t.Fatalf("breaks %v; want first at seq %d: %s", rep.Breaks, tt.wantSeq, tt.wantKind)
			}
		})
	}
}

// A database rolled back to an earlier state, checkpoints included, still
// fails verification against the external sink.
func TestAudit_RollbackIsCaughtByTheSink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newAuditFixture(t)
	for i := range 4 {
		f.log.Record(ctx, event(i, "x"))
	}
	if _, err := f.seq.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		f.log.Record(ctx, event(i+4, "x"))
	}
	if _, err := f.seq.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	// Restore "yesterday's backup": entries and checkpoints after 4 vanish.
	f.owner.Exec(ctx, `SET session_replication_role = replica;
		DELETE FROM audit_log WHERE seq > 4; DELETE FROM audit_checkpoints WHERE seq > 4;
		UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_log WHERE seq = 4);
		SET session_replication_role = origin`)
	rep := f.verify(t)
	if rep.OK() || rep.Breaks[0].Kind != audit.Truncated || rep.Breaks[0].Seq != 8 {
		t.Fatalf("breaks %v; want truncation at 8 from the sink's checkpoint", rep.Breaks)
	}
}

// An insider rewrites the whole chain consistently (every hash recomputed),
// deletes the database's checkpoints and moves the head: only the signed
// checkpoint in the external sink shows it.
func TestAudit_SelfConsistentRewriteIsCaughtByTheSink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newAuditFixture(t)
	for i := range 6 {
		f.log.Record(ctx, event(i, "x"))
	}
	if _, err := f.seq.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	var times []time.Time
	var entries [][]byte
	f.store.Records(ctx, 0, func(r audit.Record) error {
		times, entries = append(times, r.Time), append(entries, r.Entry)
		return nil
	})
	entries[2] = []byte(`{"actor":{"type":"user","id":"u0"},"action":"auth.logout","outcome":"success","origin":{},"target":{}}`)
	forged := audit.Chain(0, audit.Genesis, times, entries)
	tx, err := f.owner.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx.Exec(ctx, `SET LOCAL session_replication_role = replica`)
	tx.Exec(ctx, `DELETE FROM audit_log; DELETE FROM audit_checkpoints`)
	for _, r := range forged {
		tx.Exec(ctx, `INSERT INTO audit_log VALUES ($1, $2, $3, $4, $5)`, r.Seq, r.Time, r.PrevHash[:], r.Hash[:], r.Entry)
	}
	tx.Exec(ctx, `UPDATE audit_head SET hash = $1`, forged[5].Hash[:])
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	withoutSink, err := audit.Verify(ctx, f.store, nil, f.ring)
	if err != nil || !withoutSink.OK() {
		t.Fatalf("the forged chain should be self-consistent without the sink: %+v, %v", withoutSink, err)
	}
	rep := f.verify(t)
	if rep.OK() || rep.Breaks[0].Kind != audit.Rewritten || rep.Breaks[0].Seq != 6 {
		t.Fatalf("breaks %v; want a checkpoint mismatch at 6", rep.Breaks)
	}
}

// Two sequencers (two instances) run at once: one leads, the chain stays whole.
func TestAudit_OneLeaderAmongSequencers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newAuditFixture(t)
	second := *f.seq
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, s := range []*postgres.AuditSequencer{f.seq, &second} {
		wg.Go(func() { s.Run(runCtx) })
	}
	for i := range 200 {
		if err := f.log.Record(ctx, event(i, "x")); err != nil {
			t.Fatal(err)
		}
	}
	var holders int
	for range 250 { // wait (up to 5 s) until one has taken the lock
		f.owner.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7262003 AND granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&holders)
		if holders > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	wg.Wait()
	if holders != 1 {
		t.Fatalf("%d sequencers held the leader lock, want 1", holders)
	}
	if err := f.seq.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if rep := f.verify(t); !rep.OK() || rep.Entries != 200 {
		t.Fatalf("%+v", rep)
	}
}

package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/keyfile"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// `console audit verify` passes on an intact chain, fails with the first
// break after tampering, and records each run in the log itself.
func TestAuditVerifyCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, url := pgtest.NewDB(t)
	dataDir := t.TempDir()
	env := map[string]string{"DATABASE_URL": url, "DATA_DIR": dataDir}
	cfg, err := LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	p, err := keyfile.Open(cfg.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	app, err := postgres.Connect(ctx, url, 4, postgres.AppRole)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	sink, err := openCheckpointSink(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	trail := newAuditTrail(app, keys.New(p, keys.Options{}), sink, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for i := range 5 {
		e := audit.Event{Actor: audit.Actor{Type: audit.ActorUser, ID: "u1"}, Action: audit.LoginSucceeded, Outcome: audit.Success}
		if i == 2 {
			e.Action, e.Outcome = audit.LoginFailed, audit.Failure
		}
		if err := trail.log.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var cp bytes.Buffer
	if code := Main(ctx, []string{"audit", "checkpoint"}, &cp, &cp, func(k string) string { return env[k] }); code != 0 ||
		!strings.Contains(cp.String(), "checkpoint at seq 5") {
		t.Fatalf("audit checkpoint: exit %d\n%s", code, cp.String())
	}

	run := func(extra ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := Main(ctx, append([]string{"audit", "verify"}, extra...), &out, &errOut, func(k string) string { return env[k] })
		return code, out.String() + errOut.String()
	}
	if code, out := run(); code != 0 || !strings.Contains(out, "OK: the audit chain is intact") || !strings.Contains(out, "(5 entries) against 1 signed checkpoints") {
		t.Fatalf("intact chain: exit %d\n%s", code, out)
	}
	// Incremental: from the checkpoint at 5 there is nothing after it to check.
	if code, out := run("--from", "5"); code != 0 || !strings.Contains(out, "(0 entries) against 1 signed checkpoints") {
		t.Fatalf("--from 5: exit %d\n%s", code, out)
	}
	if code, out := run("--from", "4"); code != 1 || !strings.Contains(out, "no signed checkpoint at seq 4") {
		t.Fatalf("--from a seq with no checkpoint: exit %d\n%s", code, out)
	}
	if code, _ := run("--from", "x"); code != 2 {
		t.Fatalf("--from x: exit %d, want 2 (usage)", code)
	}
	owner.Exec(ctx, `SET session_replication_role = replica;
		UPDATE audit_log SET entry = convert_to(replace(convert_from(entry, 'UTF8'), 'failed', 'succeeded'), 'UTF8') WHERE seq = 3;
		SET session_replication_role = origin`)
	code, out := run()
	if code != 1 || !strings.Contains(out, "BROKEN seq 3: content changed") {
		t.Fatalf("tampered chain: exit %d\n%s", code, out)
	}
	if filepath.Dir(cfg.AuditCheckpointDir) != dataDir {
		t.Fatalf("checkpoint dir %s not under DATA_DIR", cfg.AuditCheckpointDir)
	}
	var recorded []bool
	rows, _ := owner.Query(ctx, `SELECT ok FROM audit_verifications ORDER BY id`)
	for rows.Next() {
		var ok bool
		rows.Scan(&ok)
		recorded = append(recorded, ok)
	}
	if len(recorded) != 3 || !recorded[0] || !recorded[1] || recorded[2] {
		t.Fatalf("recorded verifications %v, want [true true false]", recorded)
	}
	var failures int
	owner.QueryRow(ctx, `SELECT count(*) FROM audit_outbox WHERE audit_field(entry, '{action}') = 'audit.verify.completed'
		AND audit_field(entry, '{outcome}') = 'failure'`).Scan(&failures)
	if failures != 1 {
		t.Fatalf("%d failed-verification events awaiting the sequencer, want 1 (the alert on record)", failures)
	}
}

// An exported bundle verifies offline, with no database configured, and a
// tampered copy does not.
func TestAuditVerifyBundleCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, url := pgtest.NewDB(t)
	env := map[string]string{"DATABASE_URL": url, "DATA_DIR": t.TempDir()}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	if code := Main(ctx, []string{"seed"}, &out, &out, getenv); code != 0 {
		t.Fatalf("seed: %s", out.String())
	}
	db, trail, err := openTrail(ctx, mustConfig(t, getenv), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.cleanup(ctx)
	var bundle bytes.Buffer
	asSystem := audit.WithRequest(ctx, audit.System, audit.Origin{}, "")
	if err := trail.exporter.Bundle(asSystem, audit.Filter{Action: audit.LoginFailed}, &bundle); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.jsonl"), filepath.Join(dir, "bad.jsonl")
	os.WriteFile(good, bundle.Bytes(), 0o644)
	os.WriteFile(bad, bytes.Replace(bundle.Bytes(), []byte(`"203.0.113.66"`), []byte(`"203.0.113.67"`), 1), 0o644)

	offline := func(string) string { return "" } // no database, no data directory
	out.Reset()
	if code := Main(ctx, []string{"audit", "verify", "--bundle", good}, &out, &out, offline); code != 0 ||
		!strings.Contains(out.String(), "OK: every entry shown is authentic") || !strings.Contains(out.String(), "s1") {
		t.Fatalf("good bundle: exit %d\n%s", code, out.String())
	}
	out.Reset()
	if code := Main(ctx, []string{"audit", "verify", "--bundle", bad}, &out, &out, offline); code != 1 || !strings.Contains(out.String(), "content changed") {
		t.Fatalf("tampered bundle: exit %d\n%s", code, out.String())
	}
}

func mustConfig(t *testing.T, getenv func(string) string) Config {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

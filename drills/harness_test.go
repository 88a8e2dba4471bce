// Package drills runs the console as several separate OS processes on one
// PostgreSQL database, as production runs it behind a load balancer, and
// proves it is stateless: sessions, live updates, jobs and the audit
// sequencer's leadership live in the database, not in a process.
//
// The test binary is the console: TestMain re-executes it with
// DRILL_CONSOLE=1, and then it runs app.Main with its arguments (SIGTERM
// cancels the context, so shutdown is graceful), so no build step is needed.
//
// Harness API (used by other drills; keep it stable):
//
//	cl := NewCluster(t)           // one database (pgtest.NewDB), one DATA_DIR
//	a := cl.Start(t)              // the first instance seeds the demo data (--demo)
//	b := cl.Start(t)              // later ones share the database and DATA_DIR
//	a.URL, a.Name, a.Pid()        // base URL, application_name, OS pid
//	a.Stop(t)                     // SIGTERM, wait, fail unless it exits 0
//	a.Kill(t)                     // SIGKILL, wait
//	a.Restart(t)                  // start again on the same settings
//	c := cl.StartWith(t, "K=v")   // an instance with settings of its own (a failpoint, say)
//	a.RestartWith(t, "K=v")       // start again with other settings of its own (none: the cluster's)
//	a.WaitCrash(t, 20*time.Second) // wait for it to die by SIGKILL (a failpoint), failing otherwise
//	a.Console()                   // an e2e.Console for a (demo users, TOTP codes, HTTP sign-in)
//	cl.DB                         // a pool on the shared database, for checks
//	a.Logs()                      // what it logged (shown when a test fails)
//	out, code := cl.Run(t, "audit", "verify") // a one-off command as a process
//
// Everything started is killed when the test ends if it still runs.
package drills

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/app"
	"github.com/paycompliance/console/e2e"
	"github.com/paycompliance/console/postgres/pgtest"
	"github.com/paycompliance/console/web/webtest"
)

// consoleEnv marks a re-executed test binary that is to run the console.
const consoleEnv = "DRILL_CONSOLE"

func TestMain(m *testing.M) {
	if os.Getenv(consoleEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		code := app.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// Cluster is a set of console processes sharing one database and one
// DATA_DIR: the keyring (keys.json), the generated webhook secrets, the demo
// credentials and the checkpoint and NACHA directories are the deployment's,
// not an instance's, so every instance must see the same ones (in
// production a shared volume or KMS and settings; here one directory).
type Cluster struct {
	DB      *pgxpool.Pool
	DBURL   string
	DataDir string
	Env     []string // extra settings for every instance, "KEY=value"

	mu      sync.Mutex
	started int
}

// NewCluster makes the database and data directory; no instance runs yet.
func NewCluster(t *testing.T) *Cluster {
	t.Helper()
	pool, url := pgtest.NewDB(t)
	return &Cluster{DB: pool, DBURL: url, DataDir: t.TempDir()}
}

// Instance is one console process.
type Instance struct {
	Name string // its application_name in pg_stat_activity
	URL  string // e.g. http://127.0.0.1:41234

	cl   *Cluster
	args []string
	env  []string // settings of its own, after the cluster's
	logs *webtest.LogBuffer
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // its exit, once done

	console *e2e.Console
}

var readyLine = regexp.MustCompile(`Console ready: (http://\S+?)/?$`)

// Start starts a new instance and waits until it listens. The first one
// started runs `serve --demo`: seeding is meant for one process (a second
// seeding would race the first); test-mode Stripe needs no flag, every
// instance starts its own stripe-mock.
func (cl *Cluster) Start(t *testing.T) *Instance {
	t.Helper()
	return cl.StartWith(t)
}

// StartWith starts a new instance as Start does, with settings of its own
// ("KEY=value") over the cluster's.
func (cl *Cluster) StartWith(t *testing.T, env ...string) *Instance {
	t.Helper()
	cl.mu.Lock()
	cl.started++
	n := cl.started
	cl.mu.Unlock()
	in := &Instance{Name: fmt.Sprintf("console-%d", n), cl: cl, args: []string{"serve"}, env: env}
	if n == 1 {
		in.args = append(in.args, "--demo")
	}
	in.start(t)
	t.Cleanup(func() {
		if in.running() {
			in.cmd.Process.Kill()
			<-in.done
		}
		if t.Failed() {
			t.Logf("%s's log:\n%s", in.Name, in.logs)
		}
	})
	return in
}

func (in *Instance) start(t *testing.T) {
	t.Helper()
	cmd := in.cl.command(in.Name, in.args...)
	cmd.Env = append(cmd.Env, in.env...)
	if in.logs == nil {
		in.logs = &webtest.LogBuffer{}
	}
	cmd.Stderr = in.logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in.cmd, in.done = cmd, make(chan struct{})
	found := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(io.TeeReader(stdout, in.logs))
		for s.Scan() {
			if m := readyLine.FindStringSubmatch(s.Text()); m != nil {
				found <- m[1]
			}
		}
		io.Copy(io.Discard, stdout)
		in.err = cmd.Wait()
		close(in.done)
	}()
	select {
	case url := <-found:
		in.URL = url
	case <-in.done:
		t.Fatalf("%s exited before it was ready (%v); its log:\n%s", in.Name, in.err, in.logs)
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%s not ready after 60 s; its log:\n%s", in.Name, in.logs)
	}
}

// command is the console run with args on the cluster's settings, its
// connections named name in pg_stat_activity.
func (cl *Cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), consoleEnv+"=1",
		"DATABASE_URL="+cl.DBURL+"&application_name="+name,
		"ADDR=127.0.0.1:0", "ADMIN_ADDR=127.0.0.1:0",
		"DATA_DIR="+cl.DataDir, "LOG_FORMAT=json", "SHUTDOWN_TIMEOUT=3s",
		// Scheduled cutoffs do not catch up at start (as in e2e).
		"ACH_CUTOFF_GRACE=1ns")
	cmd.Env = append(cmd.Env, cl.Env...)
	return cmd
}

// Run runs a one-off console command (such as "audit", "verify") on the
// cluster's settings and returns its output and exit code.
func (cl *Cluster) Run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, err := cl.command("console-cli", args...).CombinedOutput()
	if exit, ok := err.(*exec.ExitError); ok {
		return string(out), exit.ExitCode()
	} else if err != nil {
		t.Fatalf("console %v: %v", args, err)
	}
	return string(out), 0
}

func (in *Instance) running() bool {
	select {
	case <-in.done:
		return false
	default:
		return true
	}
}

// Pid is the instance's OS process id.
func (in *Instance) Pid() int { return in.cmd.Process.Pid }

// Logs returns what the instance logged so far (all its runs).
func (in *Instance) Logs() string { return in.logs.String() }

// Stop sends SIGTERM and waits; the instance must exit 0 within 30 s.
func (in *Instance) Stop(t *testing.T) {
	t.Helper()
	in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
		if in.err != nil {
			t.Errorf("%s exited with %v on SIGTERM; its log:\n%s", in.Name, in.err, in.logs)
		}
	case <-time.After(30 * time.Second):
		in.cmd.Process.Kill()
		t.Errorf("%s did not stop within 30 s of SIGTERM", in.Name)
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (in *Instance) Kill(t *testing.T) {
	t.Helper()
	in.cmd.Process.Kill()
	<-in.done
}

// Restart starts the instance again, on the same settings and name, once
// it has stopped (Stop or Kill first).
func (in *Instance) Restart(t *testing.T) {
	t.Helper()
	if in.running() {
		t.Fatalf("%s is still running", in.Name)
	}
	in.args = []string{"serve"} // the demo data is there already
	in.start(t)
}

// RestartWith restarts the instance as Restart does, with these settings
// of its own instead of those it had.
func (in *Instance) RestartWith(t *testing.T, env ...string) {
	t.Helper()
	in.env = env
	in.Restart(t)
}

// WaitCrash waits up to within for the instance to die by SIGKILL, as a
// failpoint kills it; it fails the test if it is still running then or
// ended any other way.
func (in *Instance) WaitCrash(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case <-in.done:
	case <-time.After(within):
		t.Fatalf("%s still runs %s later: the failpoint was not reached", in.Name, within)
	}
	var ws syscall.WaitStatus
	if exit, ok := in.err.(*exec.ExitError); ok {
		ws, _ = exit.Sys().(syscall.WaitStatus)
	}
	if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("%s ended with %v, not killed by its failpoint", in.Name, in.err)
	}
}

// Console returns an e2e.Console for the instance: its demo users (from the
// shared DATA_DIR), TOTP codes and sign-in over HTTP. Codes are tracked per
// instance, and the console accepts each time step once per user across all
// instances: sign a user in through one instance and carry the session to
// others with Session.On.
func (in *Instance) Console() *e2e.Console {
	if in.console == nil {
		in.console = &e2e.Console{DataDir: in.cl.DataDir}
	}
	in.console.URL = in.URL
	return in.console
}

// waitWithin polls ok until it holds, failing the test after within.
func waitWithin(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

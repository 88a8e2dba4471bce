package postgres

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// One initdb serves every sub-case: start, reuse, stop, restart.
func TestCluster_LocateStartsPrivateCluster(t *testing.T) {
	t.Parallel()
	ctx := locateCtx(t, 3*time.Minute)
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	if len(bins) == 0 {
		t.Fatal("no /usr/lib/postgresql/*/bin: this test needs the PostgreSQL server binaries")
	}
	// t.TempDir is 0700 and the cluster may run as another user.
	tmp := t.TempDir()
	for _, d := range []string{filepath.Dir(tmp), tmp} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var logs locateLog
	opts := LocateOptions{
		LocalAddr: "127.0.0.1:1", // nothing answers
		BinDirs:   bins,
		DataDir:   filepath.Join(tmp, "var"),
		Logger:    slog.New(slog.NewTextHandler(&logs, nil)),
	}
	t.Cleanup(func() { t.Logf("logs:\n%s", logs.String()) })
	dir := filepath.Join(opts.DataDir, "postgres")
	// The data directory already exists and is private, as the key file
	// leaves it: the cluster's owner must still be able to pass through.
	if err := os.Mkdir(opts.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}

	first, err := Locate(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.Stop(context.Background()) }) // before TempDir removal; fails harmlessly if stopped
	if want := "private cluster in " + dir; first.Source != want {
		t.Errorf("Source = %q, want %q", first.Source, want)
	}
	if strings.Contains(first.URL, "127.0.0.1") {
		t.Errorf("URL %q is not a unix socket URL", first.URL)
	}
	locateExec(t, ctx, first.URL, `CREATE TABLE survives_restart ()`)
	if got := locateQuery(t, ctx, first.URL, `SHOW listen_addresses`); got != "" {
		t.Errorf("listen_addresses = %q, want only the unix socket", got)
	}
	if os.Geteuid() == 0 {
		fi, _ := os.Stat(dir)
		if fi.Sys().(*syscall.Stat_t).Uid == 0 {
			t.Error("running as root, but the cluster directory belongs to root")
		}
	}

	t.Run("second Locate reuses it and does not own it", func(t *testing.T) {
		again, err := Locate(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if again.URL != first.URL {
			t.Errorf("URL = %q, want %q", again.URL, first.URL)
		}
		if err := again.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		locateQuery(t, ctx, first.URL, `SELECT 1`) // still up
	})

	t.Run("Stop stops it", func(t *testing.T) {
		if err := first.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, ".s.PGSQL.5432")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("socket still there: %v", err)
		}
		if conn, err := pgx.Connect(ctx, first.URL); err == nil {
			conn.Close(ctx)
			t.Error("connected after Stop")
		}
	})

	t.Run("restart keeps the data and skips initdb", func(t *testing.T) {
		logs.Reset()
		l, err := Locate(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := l.Stop(ctx); err != nil {
				t.Error(err)
			}
		}()
		if got := locateQuery(t, ctx, l.URL, `SELECT count(*)::text FROM pg_tables WHERE tablename = 'survives_restart'`); got != "1" {
			t.Errorf("table count %q after restart, want 1", got)
		}
		if strings.Contains(logs.String(), "initialising") {
			t.Error("initdb ran again on an initialised cluster")
		}
	})
}

func TestCluster_SocketPathTooLong(t *testing.T) {
	t.Parallel()
	_, err := newCluster("/bin", "/tmp/"+strings.Repeat("d", 100))
	if err == nil || !strings.Contains(err.Error(), "limit for unix sockets") {
		t.Errorf("err = %v, want the socket length limit", err)
	}
}

func TestCluster_CheckTraversable(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	if err := os.Chmod(filepath.Dir(base), 0o755); err != nil { // t.TempDir's parent is 0700
		t.Fatal(err)
	}
	closed, open := filepath.Join(base, "closed"), filepath.Join(base, "closed", "open")
	if err := os.MkdirAll(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	const nobody = 65534
	if err := checkTraversable(open, nobody, nobody, "nobody"); err == nil || !strings.Contains(err.Error(), "cannot enter "+closed+" ") {
		t.Errorf("err = %v, want it to name %s", err, closed)
	}
	uid, gid := uint32(os.Getuid()), uint32(os.Getgid())
	if err := checkTraversable(open, uid, gid, "me"); err != nil {
		t.Errorf("owner: %v", err)
	}
	if err := os.Chmod(closed, 0o711); err != nil {
		t.Fatal(err)
	}
	if err := checkTraversable(open, nobody, nobody, "nobody"); err != nil {
		t.Errorf("after chmod: %v", err)
	}
}

func TestCluster_SortByVersionDesc(t *testing.T) {
	t.Parallel()
	dirs := []string{"/p/9.6/bin", "/p/15/bin", "/p/10/bin", "/p/16/bin", "/p/9.5/bin"}
	sortByVersionDesc(dirs)
	if want := []string{"/p/16/bin", "/p/15/bin", "/p/10/bin", "/p/9.6/bin", "/p/9.5/bin"}; !slices.Equal(dirs, want) {
		t.Errorf("got %v, want %v", dirs, want)
	}
}

func TestCluster_FindBins(t *testing.T) {
	t.Parallel()
	mk := func(mode fs.FileMode, names ...string) string {
		d := t.TempDir()
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(d, n), nil, mode); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	both, other := mk(0o755, "initdb", "pg_ctl"), mk(0o755, "initdb", "pg_ctl")
	for _, tc := range []struct {
		name string
		dirs []string
		want string
	}{
		{"none", nil, ""},
		{"empty PATH entry and missing dir", []string{"", "/nonexistent"}, ""},
		{"initdb only", []string{mk(0o755, "initdb")}, ""},
		{"not executable", []string{mk(0o644, "initdb", "pg_ctl")}, ""},
		{"first complete dir wins", []string{mk(0o755, "pg_ctl"), both, other}, both},
	} {
		got, ok := findBins(tc.dirs)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: findBins = %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
}

func locateQuery(t *testing.T, ctx context.Context, url, sql string) string {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var s string
	if err := conn.QueryRow(ctx, sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func locateExec(t *testing.T, ctx context.Context, url, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// locateLog collects log output from concurrent Locate goroutines.
type locateLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *locateLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *locateLog) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
func (s *locateLog) Reset()         { s.mu.Lock(); defer s.mu.Unlock(); s.b.Reset() }

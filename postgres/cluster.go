package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// maxSocketPath is the usable length of a unix socket path on Linux
// (sun_path is 108 bytes including the terminating NUL).
const maxSocketPath = 107

// cluster is a private PostgreSQL cluster that listens only on a unix socket
// in its own data directory, so it cannot clash with a server on a TCP port.
type cluster struct {
	bin     string              // directory holding initdb and pg_ctl
	dir     string              // absolute data directory, also the socket directory
	display string              // dir as the caller named it, for messages
	cred    *syscall.Credential // set when running as root: PostgreSQL refuses root
	owner   string              // user the cluster runs as, for messages
}

func newCluster(bin, display string) (*cluster, error) {
	dir, err := filepath.Abs(display)
	if err != nil {
		return nil, err
	}
	if sock := filepath.Join(dir, ".s.PGSQL.5432"); len(sock) > maxSocketPath {
		return nil, fmt.Errorf("postgres: private cluster socket path %s is %d bytes, over the %d-byte limit for unix sockets: use a shorter DataDir",
			sock, len(sock), maxSocketPath)
	}
	// pg_ctl hands -o to a shell, where the socket directory is single-quoted.
	if strings.ContainsAny(dir, "'\n") {
		return nil, fmt.Errorf("postgres: private cluster directory %q contains a quote or newline: use another DataDir", dir)
	}
	c := &cluster{bin: bin, dir: dir, display: display}
	if os.Geteuid() != 0 {
		return c, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		if u, err = user.Lookup("nobody"); err != nil {
			return nil, fmt.Errorf("postgres: running as root, and neither user postgres nor nobody exists to run the private cluster as")
		}
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	c.cred, c.owner = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, u.Username
	return c, nil
}

// adminURL connects to the cluster's postgres database over its socket.
func (c *cluster) adminURL() string {
	q := url.Values{"host": {c.dir}, "port": {"5432"}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres", RawQuery: q.Encode()}).String()
}

// ensureRunning initialises and starts the cluster as needed; started says
// whether this call started it (and so owns stopping it).
func (c *cluster) ensureRunning(ctx context.Context, log *slog.Logger) (started bool, err error) {
	if err := c.prepareDirs(); err != nil {
		return false, err
	}
	if _, err := os.Stat(filepath.Join(c.dir, "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		log.Info("postgres: initialising private cluster", "dir", c.display, "bin", c.bin)
		if _, err := c.run(ctx, "initdb", "-D", c.dir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C"); err != nil {
			return false, err
		}
	}
	if up, err := c.running(ctx); err != nil || up {
		return false, err
	}
	log.Info("postgres: starting private cluster", "dir", c.display)
	opts := fmt.Sprintf("-c listen_addresses='' -k '%s' -p 5432", c.dir)
	if _, err := c.run(ctx, "pg_ctl", "-D", c.dir, "-w", "-l", filepath.Join(c.dir, "server.log"), "-o", opts, "start"); err != nil {
		if up, _ := c.running(ctx); up { // another process started it meanwhile
			return false, nil
		}
		return false, fmt.Errorf("%w\nserver.log ends:\n%s", err, c.logTail())
	}
	return true, nil
}

// running asks pg_ctl status, which exits 3 when no server runs.
func (c *cluster) running(ctx context.Context) (bool, error) {
	_, err := c.run(ctx, "pg_ctl", "-D", c.dir, "status")
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 3 {
		return false, nil
	}
	return err == nil, err
}

func (c *cluster) stop(ctx context.Context) error {
	_, err := c.run(ctx, "pg_ctl", "-D", c.dir, "-m", "fast", "-w", "stop")
	return err
}

// prepareDirs creates the data directory and, as root, hands it to the
// unprivileged owner, who must also be able to reach it.
func (c *cluster) prepareDirs() error {
	parent := filepath.Dir(c.dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if err := os.Mkdir(c.dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("postgres: %w", err)
	}
	if c.cred == nil {
		return nil
	}
	if err := chownTree(c.dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
		return fmt.Errorf("postgres: handing %s to user %s: %w", c.display, c.owner, err)
	}
	// The parent is the console's own data directory, often made 0700 by
	// the key file: let the owner pass through it (o+x: enter, not list).
	// Directories above it are the operator's, so those are only checked.
	if fi, err := os.Stat(parent); err == nil && fi.Mode().Perm()&0o001 == 0 {
		if err := os.Chmod(parent, fi.Mode().Perm()|0o001); err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
	}
	return checkTraversable(parent, c.cred.Uid, c.cred.Gid, c.owner)
}

// chownTree chowns dir and, if it belonged to someone else (an earlier run
// as another user), everything in it.
func chownTree(dir string, uid, gid int) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) == uid && int(st.Gid) == gid {
		return nil
	}
	return filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

// checkTraversable reports the first directory from dir up to / that uid/gid
// cannot enter, applying the owner/group/other permission bits as the kernel
// does (supplementary groups are dropped when we switch user).
func checkTraversable(dir string, uid, gid uint32, name string) error {
	for p := dir; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		st, mode := fi.Sys().(*syscall.Stat_t), fi.Mode().Perm()
		bit := fs.FileMode(0o001)
		switch {
		case st.Uid == uid:
			bit = 0o100
		case st.Gid == gid:
			bit = 0o010
		}
		if mode&bit == 0 {
			return fmt.Errorf("postgres: the private cluster runs as user %s, who cannot enter %s (mode %v): chmod o+x %s or use a DataDir elsewhere",
				name, p, mode, p)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// run runs a PostgreSQL program as the cluster owner, from a directory the
// owner can enter (initdb and pg_ctl fail in an unreadable working directory),
// in a process group of its own: Ctrl-C in the terminal then reaches only the
// console, which stops the cluster in order, not the server behind its back.
func (c *cluster) run(ctx context.Context, prog string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, prog), args...)
	cmd.Dir = filepath.Dir(c.dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second // in case the server inherits our pipe
	if err := cmd.Run(); err != nil {
		if prog == "pg_ctl" {
			prog += " " + args[len(args)-1] // the action
		}
		return out.Bytes(), fmt.Errorf("postgres: %s: %w\n%s", prog, err, bytes.TrimSpace(out.Bytes()))
	}
	return out.Bytes(), nil
}

func (c *cluster) logTail() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// defaultBinDirs lists Debian's versioned directories, newest first, then PATH.
func defaultBinDirs() []string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sortByVersionDesc(dirs)
	return append(dirs, filepath.SplitList(os.Getenv("PATH"))...)
}

// sortByVersionDesc orders .../<version>/bin paths numerically, so 15 beats 9.6.
func sortByVersionDesc(dirs []string) {
	version := func(dir string) []int {
		var v []int
		for f := range strings.SplitSeq(filepath.Base(filepath.Dir(dir)), ".") {
			n, _ := strconv.Atoi(f)
			v = append(v, n)
		}
		return v
	}
	slices.SortStableFunc(dirs, func(a, b string) int { return slices.Compare(version(b), version(a)) })
}

// findBins returns the first directory holding both initdb and pg_ctl.
func findBins(dirs []string) (string, bool) {
	for _, d := range dirs {
		if d != "" && isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "pg_ctl")) {
			return d, true
		}
	}
	return "", false
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

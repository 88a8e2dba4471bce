// Package stripemock runs stripe-mock, Stripe's own stand-in for its API
// (stateless canned answers that check every request against the API's
// specification), for `make run` and the tests when no Stripe key is
// configured. It is pinned as a tool in go.mod; `make` builds it into bin/.
package stripemock

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"time"
)

// Find returns the stripe-mock executable: configured if set, else
// bin/stripe-mock beside the running executable or above the working
// directory (a checkout's own), else stripe-mock on PATH.
func Find(configured string) (string, error) {
	if configured != "" {
		if _, err := os.Stat(configured); err != nil {
			return "", fmt.Errorf("stripe-mock: %w", err)
		}
		return configured, nil
	}
	var candidates []string
	if exe, err := os.Executable(); err == nil {
		candidates = append(candidates, filepath.Join(filepath.Dir(exe), "stripe-mock"))
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			candidates = append(candidates, filepath.Join(dir, "bin", "stripe-mock"))
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	for _, c := range candidates {
		if info, err := os.Stat(c); err == nil && !info.IsDir() {
			return c, nil
		}
	}
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p, nil
	}
	return "", errors.New("stripe-mock not found: run `make bin/stripe-mock` (make run and make test build it), or set STRIPE_SECRET_KEY to use Stripe itself")
}

var listening = regexp.MustCompile(`Listening for HTTP at address: (\S+)`)

// Mock is a running stripe-mock.
type Mock struct {
	URL string // e.g. http://127.0.0.1:41234
	cmd *exec.Cmd
}

// Start runs bin on a free loopback port and waits until it listens. It
// runs in its own process group and dies with this process.
func Start(ctx context.Context, bin string) (*Mock, error) {
	// Both listeners on ports of the system's choosing: stripe-mock's fixed
	// HTTPS default would make a second instance fail to start.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("stripe-mock: %w", err)
	}
	found := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			if m := listening.FindStringSubmatch(s.Text()); m != nil {
				found <- m[1]
			}
		}
		close(found)
	}()
	m := &Mock{cmd: cmd}
	select {
	case addr, ok := <-found:
		if !ok {
			cmd.Wait()
			return nil, fmt.Errorf("stripe-mock exited before listening (%v)", cmd.ProcessState)
		}
		m.URL = "http://" + addr
		return m, nil
	case <-time.After(30 * time.Second):
	case <-ctx.Done():
	}
	m.Stop()
	return nil, errors.New("stripe-mock did not start listening within 30 s")
}

// Stop ends the process.
func (m *Mock) Stop() error {
	if m.cmd.Process == nil {
		return nil
	}
	m.cmd.Process.Kill()
	m.cmd.Wait()
	return nil
}

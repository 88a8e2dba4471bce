package failpoint

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// childEnv marks the re-executed test binary that passes the points.
const childEnv = "FAILPOINT_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		// The child passes three points, saying so before each.
		for _, p := range []string{"first", "second", "third"} {
			fmt.Println("at", p)
			Hit(p)
		}
		fmt.Println("done")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child runs the points with CONSOLE_FAILPOINT=armed and returns what it
// printed and how it ended.
func child(t *testing.T, armed string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=1", Env+"="+armed)
	out, err := cmd.Output()
	return string(out), err
}

func killed(err error) bool {
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return false
	}
	ws, ok := exit.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

func TestHit(t *testing.T) {
	for _, tc := range []struct {
		armed    string
		diesAt   string // "" for not at all
		lastLine string
	}{
		{"", "", "done"},
		{"fourth", "", "done"},
		{"sec", "", "done"}, // a name is matched whole
		{"second", "second", "at second"},
		{"other, third", "third", "at third"},
		{"third,first", "first", "at first"},
	} {
		t.Run(fmt.Sprintf("%q", tc.armed), func(t *testing.T) {
			t.Parallel()
			out, err := child(t, tc.armed)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if last := lines[len(lines)-1]; last != tc.lastLine {
				t.Errorf("the child's output ends with %q, want %q:\n%s", last, tc.lastLine, out)
			}
			switch {
			case tc.diesAt == "" && err != nil:
				t.Errorf("with %q armed the child ended with %v, want exit 0", tc.armed, err)
			case tc.diesAt != "" && !killed(err):
				t.Errorf("with %q armed the child ended with %v, want SIGKILL", tc.armed, err)
			}
		})
	}
}

// Unarmed, Hit costs a map lookup on a nil map.
func BenchmarkHitUnarmed(b *testing.B) {
	for b.Loop() {
		Hit("escrow.release.after-payout")
	}
}

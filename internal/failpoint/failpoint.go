// Package failpoint is for crash drills: at a named point the process
// kills itself with SIGKILL, as a crash or an OOM kill would stop it there,
// so a drill can prove that what was half done is neither lost nor done
// twice after a restart.
//
// The points armed are named by CONSOLE_FAILPOINT (one name, or a comma
// list), read once. Production never sets it; unset, Hit is a load and a
// compare.
package failpoint

import (
	"os"
	"strings"
	"sync"
	"syscall"
)

// Env names the variable that arms failpoints.
const Env = "CONSOLE_FAILPOINT"

var armed = sync.OnceValue(func() map[string]bool {
	v := os.Getenv(Env)
	if v == "" {
		return nil
	}
	names := map[string]bool{}
	for _, n := range strings.Split(v, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names[n] = true
		}
	}
	return names
})

// Hit kills the process at once (SIGKILL: no deferred function, no
// shutdown, no flush) when CONSOLE_FAILPOINT arms name; otherwise it does
// nothing.
func Hit(name string) {
	if m := armed(); m != nil && m[name] {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way: go no further
	}
}

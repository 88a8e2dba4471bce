// Package wait is for tests of what happens asynchronously (jobs, LISTEN/
// NOTIFY): poll a condition until it holds, or fail.
package wait

import (
	"testing"
	"time"
)

// For polls cond every 20 ms for up to 10 seconds, then fails t with failure.
func For(t testing.TB, failure string, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal(failure)
}

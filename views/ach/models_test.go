package ach

import (
	"testing"
	"time"

	"github.com/paycompliance/console/domain/ach"
)

func TestWindowLabel(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	c := ach.Cutoffs{Schedule: ach.Schedule{Location: ny}}
	for key, want := range map[string]string{
		"2026-12-02T14:45:00-05:00":                      "Wed 2026-12-02 14:45 EST",
		"forced:2026-12-02T07:51:40.715491556Z:774746dc": "forced, Wed 2026-12-02 02:51 EST",
		"test:121042880000001":                           "test:121042880000001",
	} {
		if got := windowLabel(key, c); got != want {
			t.Errorf("windowLabel(%q) = %q, want %q", key, got, want)
		}
	}
}

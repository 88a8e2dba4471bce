package screening

import (
	"sync"
	"time"
)

// Version is one load of the lists, kept for audit.
type Version struct {
	ID       int64
	Source   string
	LoadedAt time.Time
	SHA256   string
	Entries  int
	Added    int // against the version before
	Removed  int
	Changed  int
	Active   bool
	Files    []string // the published files it was loaded from
}

// Lists holds the active version's index in memory, for screening without
// a database read; every instance reloads it when a load is announced.
type Lists struct {
	mu      sync.RWMutex
	index   *Index
	version Version
}

// Active returns the index and its version; nil before any list is loaded.
func (l *Lists) Active() (*Index, Version) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.index, l.version
}

// Set makes ix, of version v, the active index, unless a later version
// is active already (a slow reload finishing after a newer load).
func (l *Lists) Set(ix *Index, v Version) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.index != nil && v.ID < l.version.ID {
		return
	}
	l.index, l.version = ix, v
}

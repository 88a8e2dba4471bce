package alerts

import (
	"fmt"
	"testing"
	"time"
)

type row struct {
	id int64
	at time.Time
}

func ids(rows []row) string {
	out := []int64{}
	for _, r := range rows {
		out = append(out, r.id)
	}
	return fmt.Sprint(out)
}

// Rows of an identity column can commit out of id order: a row with a
// lower id that becomes visible after a higher one was raised is still
// raised, and each row once, while the cursor moves past what has surely
// committed.
func TestUnraised_LateCommitsRaisedOnce(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	key := func(r row) (int64, time.Time) { return r.id, r.at }
	c := &Cursor{}
	steps := []struct {
		visible  []row // what the read after the cursor returns
		now      time.Time
		fresh    string
		position int64
		seen     string
	}{
		// 1 is old, 3 is new; 2 is still in its transaction.
		{[]row{{1, now.Add(-20 * time.Minute)}, {3, now.Add(-time.Minute)}}, now, "[1 3]", 1, "[3]"},
		// 2 commits: it is raised, 3 is not again.
		{[]row{{2, now.Add(-2 * time.Minute)}, {3, now.Add(-time.Minute)}}, now, "[2]", 1, "[2 3]"},
		// Nothing new: nothing raised.
		{[]row{{2, now.Add(-2 * time.Minute)}, {3, now.Add(-time.Minute)}}, now.Add(time.Minute), "[]", 1, "[2 3]"},
		// Later both have settled: the cursor moves past them.
		{[]row{{2, now.Add(-2 * time.Minute)}, {3, now.Add(-time.Minute)}}, now.Add(15 * time.Minute), "[]", 3, "[]"},
		{[]row{{4, now.Add(15 * time.Minute)}}, now.Add(15 * time.Minute), "[4]", 3, "[4]"},
	}
	for i, s := range steps {
		fresh := unraised(c, s.visible, s.now, key)
		if ids(fresh) != s.fresh || c.Position != s.position || fmt.Sprint(c.Seen) != s.seen {
			t.Fatalf("step %d: raised %s, cursor %d %v; want %s, %d %s", i, ids(fresh), c.Position, c.Seen, s.fresh, s.position, s.seen)
		}
	}
	if want := now.Add(5 * time.Minute); !c.Since.Equal(want) {
		t.Errorf("since = %v, want settle before the last read, %v", c.Since, want)
	}
}

// A full batch leaves since where it was: what follows it is unread.
func TestUnraised_FullBatchKeepsSince(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	start := now.Add(-time.Hour)
	c := &Cursor{Since: start}
	var list []row
	for i := range batch {
		list = append(list, row{int64(i + 1), now.Add(-time.Minute)})
	}
	if fresh := unraised(c, list, now, func(r row) (int64, time.Time) { return r.id, r.at }); len(fresh) != batch || !c.Since.Equal(start) {
		t.Fatalf("raised %d, since %v", len(fresh), c.Since)
	}
}

func TestConsolePath(t *testing.T) {
	for link, ok := range map[string]bool{"/audit": true, "/fraud/cases/7": true, "/audit?outcome=failure&from=2026-01-01T10:00": true,
		"https://evil.example": false, "//evil.example/x": false, "/\\evil.example": false, "javascript:alert(1)": false, "/a b": false, "": false} {
		if ConsolePath(link) != ok {
			t.Errorf("ConsolePath(%q) = %v", link, !ok)
		}
	}
}

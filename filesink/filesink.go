// Package filesink keeps audit checkpoints as write-once files in a
// directory, the default external copy: a database rolled back or rewritten
// is caught against checkpoints it cannot reach. Point it at storage the
// database's administrators cannot write (another host, a WORM mount).
package filesink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/audit"
)

// Dir is a directory of checkpoint files, one per sequence number.
type Dir struct {
	Path string
}

var _ audit.CheckpointSink = Dir{}

// Put writes c to a new file; an existing checkpoint is never overwritten
// (a different one for the same sequence number is an error to look into).
func (d Dir) Put(_ context.Context, c audit.Checkpoint) error {
	if err := os.MkdirAll(d.Path, 0o755); err != nil {
		return err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	name := filepath.Join(d.Path, fmt.Sprintf("checkpoint-%020d.json", c.Seq))
	err = writeOnce(name, b)
	if errors.Is(err, fs.ErrExist) {
		if old, rerr := os.ReadFile(name); rerr == nil && string(old) == string(b) {
			return nil // the same checkpoint written twice
		}
		return fmt.Errorf("filesink: %s already holds a different checkpoint", name)
	}
	if err != nil {
		return fmt.Errorf("filesink: writing %s: %w", name, err)
	}
	return nil
}

// partialPrefix names a file being written, linked into place when whole.
const partialPrefix = ".partial-"

// abandonedAfter is when a temporary file is taken for one a crashed
// process left: no write takes this long.
const abandonedAfter = time.Hour

// sweepPartials removes the temporary files in dir that a process killed
// mid-write left (a bank's transfer agent that picks up dotfiles too must
// never see one), sparing any a running write may still be making.
func sweepPartials(dir string, now time.Time) {
	names, _ := filepath.Glob(filepath.Join(dir, partialPrefix+"*"))
	for _, name := range names {
		if info, err := os.Lstat(name); err == nil && info.Mode().IsRegular() && now.Sub(info.ModTime()) > abandonedAfter {
			os.Remove(name)
		}
	}
}

// writeOnce writes b whole to a temporary file, then links it into place:
// a full or failing disk leaves no truncated checkpoint behind, and a link,
// unlike a rename, never replaces a file already there (fs.ErrExist).
func writeOnce(name string, b []byte) error {
	sweepPartials(filepath.Dir(name), time.Now())
	f, err := os.CreateTemp(filepath.Dir(name), partialPrefix+"*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o444); err != nil {
		return err
	}
	return os.Link(f.Name(), name)
}

// Latest reads the checkpoint with the highest sequence number (the
// zero-padded names sort by it); none if the directory is empty or missing.
func (d Dir) Latest(_ context.Context) (audit.Checkpoint, bool, error) {
	entries, err := os.ReadDir(d.Path) // sorted by name
	if errors.Is(err, fs.ErrNotExist) {
		return audit.Checkpoint{}, false, nil
	}
	if err != nil {
		return audit.Checkpoint{}, false, err
	}
	for i := len(entries) - 1; i >= 0; i-- {
		name := entries[i].Name()
		if !strings.HasPrefix(name, "checkpoint-") || !strings.HasSuffix(name, ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(d.Path, name))
		if err != nil {
			return audit.Checkpoint{}, false, err
		}
		var c audit.Checkpoint
		if err := json.Unmarshal(b, &c); err != nil {
			return audit.Checkpoint{}, false, fmt.Errorf("filesink: %s: %w", name, err)
		}
		return c, true, nil
	}
	return audit.Checkpoint{}, false, nil
}

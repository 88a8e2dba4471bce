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
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if errors.Is(err, fs.ErrExist) {
		if old, rerr := os.ReadFile(name); rerr == nil && string(old) == string(b) {
			return nil // the same checkpoint written twice
		}
		return fmt.Errorf("filesink: %s already holds a different checkpoint", name)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// List reads every checkpoint in the directory; none if it does not exist yet.
func (d Dir) List(_ context.Context) ([]audit.Checkpoint, error) {
	entries, err := os.ReadDir(d.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []audit.Checkpoint
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "checkpoint-") || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(d.Path, e.Name()))
		if err != nil {
			return nil, err
		}
		var c audit.Checkpoint
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("filesink: %s: %w", e.Name(), err)
		}
		out = append(out, c)
	}
	return out, nil
}

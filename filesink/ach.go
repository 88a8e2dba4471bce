package filesink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/paycompliance/console/internal/failpoint"
)

// Outbox delivers NACHA files into a directory the bank's transfer agent
// picks them up from. A file is written under a temporary name and
// linked into place, so the agent never sees half of one (a temporary a
// crash left is removed by a later delivery); a file is never replaced
// (the same content again is a retried delivery).
type Outbox struct {
	Path string
}

// Deliver implements ach.Outbox.
func (o Outbox) Deliver(_ context.Context, name string, content []byte) (string, error) {
	if strings.ContainsAny(name, `/\`) || name == "" || strings.HasPrefix(name, ".") {
		return "", fmt.Errorf("filesink: %q is not a file name", name)
	}
	if err := os.MkdirAll(o.Path, 0o750); err != nil {
		return "", fmt.Errorf("filesink: the outbound directory: %w", err)
	}
	final := filepath.Join(o.Path, name)
	if old, err := os.ReadFile(final); err == nil {
		if bytes.Equal(old, content) {
			return final, nil
		}
		return "", fmt.Errorf("filesink: %s exists with other content: not replaced", final)
	}
	sweepPartials(o.Path, time.Now())
	tmp, err := os.CreateTemp(o.Path, partialPrefix+"*")
	if err != nil {
		return "", fmt.Errorf("filesink: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(content[:len(content)/2]); err != nil {
		tmp.Close()
		return "", fmt.Errorf("filesink: writing %s: %w", name, err)
	}
	failpoint.Hit("ach.deliver.mid-write") // half a file, under its temporary name
	if _, err := tmp.Write(content[len(content)/2:]); err != nil {
		tmp.Close()
		return "", fmt.Errorf("filesink: writing %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("filesink: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp.Name(), 0o440); err != nil {
		return "", err
	}
	if err := os.Link(tmp.Name(), final); err != nil { // fails if another delivery got there first
		return "", fmt.Errorf("filesink: %w", err)
	}
	// Delivered, and the file and its transfers not yet marked sent.
	failpoint.Hit("ach.deliver.after-write")
	return final, nil
}

// Inbox is a directory the bank's files of returns and changes arrive in.
// A file taken is moved to processed/ (or rejected/), so it is read once.
type Inbox struct {
	Path string
	// Settle is how long a file must be left unchanged before it is read:
	// the bank's transfer agent may still be writing it. Zero: 10 seconds.
	Settle time.Duration
}

func (i Inbox) settle() time.Duration {
	if i.Settle > 0 {
		return i.Settle
	}
	return 10 * time.Second
}

// List returns the names of the files waiting, oldest name first: those
// unchanged for Settle.
func (i Inbox) List(context.Context) ([]string, error) {
	entries, err := os.ReadDir(i.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("filesink: the inbound directory: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) >= i.settle() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// Read returns a waiting file's content.
func (i Inbox) Read(_ context.Context, name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(i.Path, filepath.Base(name)))
}

// Done moves a file out of the way: to processed/, or rejected/ when it
// could not be taken. A name the bank used before keeps the earlier file:
// the later one is stamped with the time it was taken.
func (i Inbox) Done(_ context.Context, name string, rejected bool) error {
	dir := filepath.Join(i.Path, "processed")
	if rejected {
		dir = filepath.Join(i.Path, "rejected")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	from, to := filepath.Join(i.Path, filepath.Base(name)), filepath.Join(dir, filepath.Base(name))
	if _, err := os.Stat(to); err == nil {
		to += "." + time.Now().UTC().Format("20060102T150405.000000000")
	}
	// A link fails rather than replace a file that appeared meanwhile.
	if err := os.Link(from, to); err != nil {
		return fmt.Errorf("filesink: %w", err)
	}
	return os.Remove(from)
}

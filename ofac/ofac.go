// Package ofac fetches the U.S. Treasury's sanctions lists in their
// published CSV files (sdn.csv with alt.csv and add.csv, and the
// consolidated non-SDN cons_prim.csv with its cons_alt.csv and
// cons_add.csv), from a directory or from a web address. It implements
// screening.Source.
package ofac

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/screening"
)

// maxFile bounds one file (sdn.csv is about 4 MB).
const maxFile = 64 << 20

// files are the published names, in the order Fetched holds them; only
// the first is required.
var files = []string{"sdn.csv", "alt.csv", "add.csv", "cons_prim.csv", "cons_alt.csv", "cons_add.csv"}

func assemble(source string, got map[string][]byte) (screening.Fetched, error) {
	if got["sdn.csv"] == nil {
		return screening.Fetched{}, fmt.Errorf("ofac: %s has no sdn.csv", source)
	}
	return screening.Fetched{Source: source, SDN: got["sdn.csv"], Alt: got["alt.csv"], Add: got["add.csv"],
		ConsPrim: got["cons_prim.csv"], ConsAlt: got["cons_alt.csv"], ConsAdd: got["cons_add.csv"]}, nil
}

// Dir reads the files from a directory (a mounted share, or where an
// operator puts a download).
type Dir struct {
	Path string
}

// Fetch implements screening.Source.
func (d Dir) Fetch(context.Context) (screening.Fetched, error) {
	got := map[string][]byte{}
	for _, name := range files {
		f, err := os.Open(filepath.Join(d.Path, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return screening.Fetched{}, fmt.Errorf("ofac: %w", err)
		}
		before, _ := f.Stat()
		b, err := io.ReadAll(io.LimitReader(f, maxFile+1))
		f.Close()
		if err != nil {
			return screening.Fetched{}, fmt.Errorf("ofac: %s: %w", name, err)
		}
		// A file being written as it is read is not the list: the next
		// load takes it whole.
		after, err := os.Stat(filepath.Join(d.Path, name))
		changed := err != nil || before == nil || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime())
		if changed || len(b) <= maxFile && int64(len(b)) != after.Size() {
			return screening.Fetched{}, fmt.Errorf("ofac: %s changed while it was read: it is still being written", name)
		}
		if len(b) > maxFile {
			return screening.Fetched{}, fmt.Errorf("ofac: %s is over %d MiB", name, maxFile>>20)
		}
		got[name] = b
	}
	return assemble("dir:"+d.Path, got)
}

// HTTP downloads the files from a base address, such as Treasury's
// https://www.treasury.gov/ofac/downloads/ (a missing optional file, a
// 404, is skipped).
type HTTP struct {
	BaseURL string
	Client  *http.Client // nil: one with a 2-minute timeout
}

// Fetch implements screening.Source.
func (h HTTP) Fetch(ctx context.Context) (screening.Fetched, error) {
	client := h.Client
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Minute}
	}
	base := strings.TrimSuffix(h.BaseURL, "/") + "/"
	got := map[string][]byte{}
	for _, name := range files {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+name, nil)
		if err != nil {
			return screening.Fetched{}, fmt.Errorf("ofac: %w", err)
		}
		res, err := client.Do(req)
		if err != nil {
			return screening.Fetched{}, fmt.Errorf("ofac: %s: %w", name, err)
		}
		b, err := io.ReadAll(io.LimitReader(res.Body, maxFile+1))
		res.Body.Close()
		switch {
		case res.StatusCode == http.StatusNotFound && name != "sdn.csv":
			continue
		case res.StatusCode != http.StatusOK:
			return screening.Fetched{}, fmt.Errorf("ofac: %s: %s", name, res.Status)
		case err != nil:
			return screening.Fetched{}, fmt.Errorf("ofac: %s: %w", name, err)
		case len(b) > maxFile:
			return screening.Fetched{}, fmt.Errorf("ofac: %s is over %d MiB", name, maxFile>>20)
		}
		got[name] = b
	}
	return assemble(base, got)
}

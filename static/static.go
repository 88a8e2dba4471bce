// Package static embeds the console's CSS, images and the third-party
// scripts that `make assets` copies from node_modules (never committed).
// Each file is served under a content-hashed name with a year-long cache,
// so a new release is fetched at once and an unchanged one never again.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
)

//go:embed css img js vendor
var files embed.FS

// Prefix is where the assets are served.
const Prefix = "/static/"

type asset struct {
	name string // path inside files
	etag string
}

// catalogue maps each file to its hashed name and back. Embedded files never
// change while the process runs, so it is built once.
var catalogue = sync.OnceValue(func() (c struct{ hashed, byHashed map[string]asset }) {
	c.hashed, c.byHashed = map[string]asset{}, map[string]asset{}
	fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := files.ReadFile(name)
		sum := sha256.Sum256(b)
		hash := hex.EncodeToString(sum[:])[:12]
		ext := path.Ext(name)
		hashedName := strings.TrimSuffix(name, ext) + "." + hash + ext
		a := asset{name: name, etag: `"` + hash + `"`}
		c.hashed[name] = asset{name: hashedName, etag: a.etag}
		c.byHashed[hashedName] = a
		return nil
	})
	return c
})

// URL returns the cache-busting URL of an embedded file, e.g.
// URL("css/app.css") = "/static/css/app.1a2b3c4d5e6f.css". It panics on a
// name that is not embedded: a typo in a template must fail the first test.
func URL(name string) string {
	a, ok := catalogue().hashed[name]
	if !ok {
		panic("static: no embedded file " + name)
	}
	return Prefix + a.name
}

// Handler serves hashed names as immutable and plain names with an ETag
// (for tools that link to them directly).
func Handler() http.Handler {
	server := http.FileServerFS(files)
	return http.StripPrefix(Prefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := catalogue()
		if a, ok := c.byHashed[r.URL.Path]; ok {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			w.Header().Set("ETag", a.etag)
			r.URL.Path = a.name
		} else if a, ok := c.hashed[r.URL.Path]; ok {
			w.Header().Set("Cache-Control", "no-cache")
			w.Header().Set("ETag", a.etag)
		} else {
			http.NotFound(w, r)
			return
		}
		server.ServeHTTP(w, r)
	}))
}

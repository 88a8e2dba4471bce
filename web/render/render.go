// Package render writes templ components as HTTP responses. Everything is
// rendered into a buffer first, so a template error becomes a clean error
// page instead of half a page after a 200.
package render

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"

	"github.com/a-h/templ"

	"github.com/paycompliance/console/views/layout"
	"github.com/paycompliance/console/web/htmx"
)

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Page answers r with body: as a fragment for an htmx swap, or inside the
// page layout for anything else (a navigation, a boosted link, a reload).
// active is the navigation entry to mark as current.
func Page(w http.ResponseWriter, r *http.Request, status int, title, active string, body templ.Component) error {
	if htmx.IsFragmentRequest(r) {
		return Component(w, r, status, body)
	}
	return Component(w, r, status, layout.Page(title, active, body))
}

// Component renders c alone, buffered, with the given status.
func Component(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer buffers.Put(buf)
	if err := c.Render(r.Context(), buf); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Add("Vary", htmx.HeaderRequest)
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

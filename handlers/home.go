// Package handlers turns HTTP requests into service calls and picks the
// view. A handler returns an error rather than writing one; the web package
// maps it to a response.
package handlers

import (
	"context"
	"net/http"

	"github.com/a-h/templ"

	"github.com/paycompliance/console/views/home"
	"github.com/paycompliance/console/web/render"
)

// Widget is one area's summary on the home page: what waits for the user.
type Widget interface {
	Widget(ctx context.Context) (templ.Component, error)
}

// Home is the overview page.
type Home struct {
	Widgets []Widget
}

// Show renders the overview with every widget.
func (h *Home) Show(w http.ResponseWriter, r *http.Request) error {
	components := make([]templ.Component, 0, len(h.Widgets))
	for _, widget := range h.Widgets {
		c, err := widget.Widget(r.Context())
		if err != nil {
			return err
		}
		components = append(components, c)
	}
	return render.Page(w, r, http.StatusOK, "Overview", "/", home.Home(components))
}

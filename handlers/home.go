// Package handlers turns HTTP requests into service calls and picks the
// view. A handler returns an error rather than writing one; the web package
// maps it to a response.
package handlers

import (
	"context"
	"net/http"

	"github.com/a-h/templ"

	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/views/home"
	"github.com/paycompliance/console/web/render"
)

// Widget is one area's summary on the home page: what waits for the user.
type Widget interface {
	Widget(ctx context.Context) (templ.Component, error)
}

// HomeWidget is a widget and the permission needed to see it ("" for
// anyone signed in).
type HomeWidget struct {
	Widget Widget
	Perm   identity.Permission
}

// Home is the overview page.
type Home struct {
	Widgets []HomeWidget
}

// Show renders the overview with every widget the viewer may see.
func (h *Home) Show(w http.ResponseWriter, r *http.Request) error {
	p, _ := identity.PrincipalFrom(r.Context())
	components := make([]templ.Component, 0, len(h.Widgets))
	for _, widget := range h.Widgets {
		if widget.Perm != "" && !p.Can(widget.Perm) {
			continue
		}
		c, err := widget.Widget.Widget(r.Context())
		if err != nil {
			return err
		}
		components = append(components, c)
	}
	return render.Page(w, r, http.StatusOK, "Overview", "/", home.Home(components))
}

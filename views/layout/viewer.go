package layout

import (
	"context"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain/identity"
)

// Viewer is who the page is rendered for, set by the web layer once the
// session checks out: the navigation shows what their roles allow, and the
// page carries the session's CSRF token and idle deadline.
type Viewer struct {
	Principal    *identity.Principal
	IdleDeadline time.Time
}

type viewerKey struct{}

// WithViewer attaches the viewer for the layout.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

func viewerFrom(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(Viewer)
	return v, ok && v.Principal != nil
}

// CSRFFieldName is the form field that carries the CSRF token in a form
// posted without htmx (htmx sends it in a header).
const CSRFFieldName = "csrf_token"

// csrfToken is the session's token, or "" with no session.
func csrfToken(ctx context.Context) string {
	if v, ok := viewerFrom(ctx); ok {
		return v.Principal.CSRFToken
	}
	return ""
}

// hxHeaders makes htmx send the CSRF token with every request from the page.
func hxHeaders(ctx context.Context) string {
	return `{"X-CSRF-Token":"` + csrfToken(ctx) + `"}`
}

func deadline(v Viewer) string { return strconv.FormatInt(v.IdleDeadline.Unix(), 10) }

// visibleNav is the navigation entries the viewer's roles allow.
func visibleNav(v Viewer) []NavItem {
	var out []NavItem
	for _, item := range Nav {
		if v.Principal.Stage == identity.StageFull && !v.Principal.MustChangePassword && (item.Perm == "" || v.Principal.Can(item.Perm)) {
			out = append(out, item)
		}
	}
	return out
}

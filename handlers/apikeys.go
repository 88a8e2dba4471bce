package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/views/admin"
	"github.com/paycompliance/console/web/render"
)

// APIKeys is API key administration.
type APIKeys struct {
	Identity *identity.Service
}

// List shows the keys and the form to create one.
func (h *APIKeys) List(w http.ResponseWriter, r *http.Request) error {
	return h.page(w, r, http.StatusOK, admin.APIKeysView{})
}

func (h *APIKeys) page(w http.ResponseWriter, r *http.Request, status int, v admin.APIKeysView) error {
	p, _ := identity.PrincipalFrom(r.Context())
	keys, err := h.Identity.APIKeys(r.Context(), p)
	if err != nil {
		return err
	}
	v.Keys, v.Scopes, v.Now = keys, identity.APIScopes, time.Now()
	return render.Page(w, r, status, "API keys", "/admin/api-keys", admin.APIKeys(v))
}

// Create issues a key and shows it once.
func (h *APIKeys) Create(w http.ResponseWriter, r *http.Request) error {
	p, _ := identity.PrincipalFrom(r.Context())
	if err := r.ParseForm(); err != nil {
		return err
	}
	days, err := strconv.Atoi(r.PostForm.Get("days"))
	if err != nil {
		return h.page(w, r, http.StatusUnprocessableEntity, admin.APIKeysView{Error: "Enter the number of days the key is valid."})
	}
	var scopes []identity.Permission
	for _, s := range r.PostForm["scope"] {
		scopes = append(scopes, identity.Permission(s))
	}
	secret, k, err := h.Identity.CreateAPIKey(r.Context(), p, r.PostForm.Get("name"), scopes, time.Duration(days)*24*time.Hour)
	switch domain.ErrorCode(err) {
	case "":
		return h.page(w, r, http.StatusCreated, admin.APIKeysView{Created: &k, Secret: secret})
	case domain.EINVALID:
		return h.page(w, r, http.StatusUnprocessableEntity, admin.APIKeysView{Error: domain.ErrorMessage(err)})
	}
	return err
}

// Revoke makes a key unusable at once.
func (h *APIKeys) Revoke(w http.ResponseWriter, r *http.Request) error {
	p, _ := identity.PrincipalFrom(r.Context())
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.Identity.RevokeAPIKey(r.Context(), p, id); err != nil {
		return err
	}
	return SeeOther(w, r, "/admin/api-keys")
}

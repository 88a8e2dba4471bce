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

// Users is user administration: the list, invitations, one user's page
// and the actions on it, and the four-eyes queue.
type Users struct {
	Identity *identity.Service
}

// userNotices confirm an action after the redirect back to the user's page.
var userNotices = map[string]string{
	"disabled":        "The user was disabled and their sessions ended.",
	"enabled":         "The user was enabled.",
	"unlocked":        "The account was unlocked.",
	"role-requested":  "The role was requested: a second administrator must approve it under Approvals.",
	"role-granted":    "The role was granted.",
	"role-revoked":    "The role was revoked.",
	"reset-requested": "The authenticator reset was requested: a second administrator must approve it under Approvals.",
	"session-ended":   "The session was ended.",
}

// List shows users, searchable, a page at a time.
func (h *Users) List(w http.ResponseWriter, r *http.Request) error {
	p, _ := identity.PrincipalFrom(r.Context())
	q := r.URL.Query()
	after, err := optionalID(q.Get("after"))
	if err != nil {
		return err
	}
	status := identity.Status(q.Get("status"))
	if status != "" && status != identity.Active && status != identity.Disabled {
		return domain.Errorf(domain.EINVALID, "Status must be active or disabled.")
	}
	users, err := h.Identity.Users(r.Context(), p, identity.UserQuery{Search: q.Get("q"), Status: status, AfterID: after})
	if err != nil {
		return err
	}
	v := admin.UsersView{Users: users, Search: q.Get("q"), Status: string(status), CanManage: p.Can(identity.PermUsersManage), Now: time.Now()}
	if len(users) == identity.UsersPageSize {
		v.Next = users[len(users)-1].ID
	}
	return render.Page(w, r, http.StatusOK, "Users", "/admin/users", admin.Users(v))
}

// NewForm is the invitation form.
func (h *Users) NewForm(w http.ResponseWriter, r *http.Request) error {
	return render.Page(w, r, http.StatusOK, "Invite a user", "/admin/users", admin.NewUser(admin.NewUserView{}))
}

// Create invites a user and shows their temporary password once.
func (h *Users) Create(w http.ResponseWriter, r *http.Request) error {
	p, _ := identity.PrincipalFrom(r.Context())
	in := identity.NewUser{Username: r.PostFormValue("username"), Email: r.PostFormValue("email"), DisplayName: r.PostFormValue("name")}
	u, temp, err := h.Identity.CreateUser(r.Context(), p, in)
	switch domain.ErrorCode(err) {
	case "":
		return render.Page(w, r, http.StatusCreated, "Invite a user", "/admin/users", admin.NewUser(admin.NewUserView{Created: &u, Temporary: temp}))
	case domain.EINVALID, domain.ECONFLICT:
		return render.Page(w, r, http.StatusUnprocessableEntity, "Invite a user", "/admin/users", admin.NewUser(admin.NewUserView{Input: in, Error: domain.ErrorMessage(err)}))
	}
	return err
}

// Show is one user's page.
func (h *Users) Show(w http.ResponseWriter, r *http.Request) error {
	return h.show(w, r, http.StatusOK, "")
}

func (h *Users) show(w http.ResponseWriter, r *http.Request, status int, temporary string) error {
	p, _ := identity.PrincipalFrom(r.Context())
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := h.Identity.User(r.Context(), p, id)
	if err != nil {
		return err
	}
	return render.Page(w, r, status, d.User.DisplayName, "/admin/users", admin.User(admin.UserView{
		Detail: d, CanManage: p.Can(identity.PermUsersManage), CanApprove: p.Can(identity.PermUsersApprove),
		Self: id == p.UserID, Viewer: p.UserID, Notice: userNotices[r.URL.Query().Get("notice")], Temporary: temporary, Now: time.Now()}))
}

// Disable disables a user, with a reason.
func (h *Users) Disable(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "disabled", func(p *identity.Principal, id int64) error {
		return h.Identity.Disable(r.Context(), p, id, r.PostFormValue("reason"))
	})
}

// Enable re-enables a user.
func (h *Users) Enable(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "enabled", func(p *identity.Principal, id int64) error { return h.Identity.Enable(r.Context(), p, id) })
}

// Unlock ends a lockout early.
func (h *Users) Unlock(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "unlocked", func(p *identity.Principal, id int64) error { return h.Identity.Unlock(r.Context(), p, id) })
}

// RequestRole grants the auditor role, or asks a second administrator for
// any other.
func (h *Users) RequestRole(w http.ResponseWriter, r *http.Request) error {
	p, _ := identity.PrincipalFrom(r.Context())
	id, err := pathID(r)
	if err != nil {
		return err
	}
	granted, err := h.Identity.RequestRole(r.Context(), p, id, identity.Role(r.PostFormValue("role")), r.PostFormValue("reason"))
	if err != nil {
		return err
	}
	notice := "role-requested"
	if granted {
		notice = "role-granted"
	}
	return SeeOther(w, r, userURL(id)+"?notice="+notice)
}

// RevokeRole takes a role away at once.
func (h *Users) RevokeRole(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "role-revoked", func(p *identity.Principal, id int64) error {
		return h.Identity.RevokeRole(r.Context(), p, id, identity.Role(r.PathValue("role")))
	})
}

// RequestMFAReset asks a second administrator to clear a user's authenticator.
func (h *Users) RequestMFAReset(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "reset-requested", func(p *identity.Principal, id int64) error {
		return h.Identity.RequestMFAReset(r.Context(), p, id, r.PostFormValue("reason"))
	})
}

// ResetPassword gives the user a new temporary password, shown once.
func (h *Users) ResetPassword(w http.ResponseWriter, r *http.Request) error {
	p, _ := identity.PrincipalFrom(r.Context())
	id, err := pathID(r)
	if err != nil {
		return err
	}
	temp, err := h.Identity.ResetPassword(r.Context(), p, id)
	if err != nil {
		return err
	}
	return h.show(w, r, http.StatusOK, temp)
}

// act runs an action on the user in the path and returns to their page
// with a confirmation.
func (h *Users) act(w http.ResponseWriter, r *http.Request, notice string, do func(p *identity.Principal, id int64) error) error {
	p, _ := identity.PrincipalFrom(r.Context())
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := do(p, id); err != nil {
		return err
	}
	return SeeOther(w, r, userURL(id)+"?notice="+notice)
}

func userURL(id int64) string { return "/admin/users/" + strconv.FormatInt(id, 10) }

// Requests is the four-eyes queue.
func (h *Users) Requests(w http.ResponseWriter, r *http.Request) error {
	p, _ := identity.PrincipalFrom(r.Context())
	pending, err := h.Identity.Requests(r.Context(), p, identity.RequestQuery{Status: identity.RequestPending})
	if err != nil {
		return err
	}
	all, err := h.Identity.Requests(r.Context(), p, identity.RequestQuery{Limit: 50})
	if err != nil {
		return err
	}
	var decided []identity.AccessRequest
	for _, req := range all {
		if req.Status != identity.RequestPending {
			decided = append(decided, req)
		}
	}
	return render.Page(w, r, http.StatusOK, "Approvals", "/admin/users", admin.Requests(admin.RequestsView{
		Pending: pending, Decided: decided, CanApprove: p.Can(identity.PermUsersApprove), Viewer: p.UserID, Now: time.Now()}))
}

// Approve approves a request; Reject rejects it.
func (h *Users) Approve(w http.ResponseWriter, r *http.Request) error { return h.decide(w, r, true) }

// Reject rejects a request.
func (h *Users) Reject(w http.ResponseWriter, r *http.Request) error { return h.decide(w, r, false) }

func (h *Users) decide(w http.ResponseWriter, r *http.Request, approve bool) error {
	p, _ := identity.PrincipalFrom(r.Context())
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.Identity.Decide(r.Context(), p, id, approve); err != nil {
		return err
	}
	return SeeOther(w, r, "/admin/requests")
}

func pathID(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, domain.Errorf(domain.ENOTFOUND, "There is nothing at this address.")
	}
	return n, nil
}

func optionalID(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, domain.Errorf(domain.EINVALID, "%q is not a position in the list.", v)
	}
	return n, nil
}

// Package admin renders user administration for administrators (and, read
// only, for those who review access): users, their roles and sessions,
// four-eyes requests, and API keys.
package admin

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/identity"
)

// UsersView is the list of users.
type UsersView struct {
	Users     []identity.User
	Search    string
	Status    string
	Next      int64 // id to continue after; 0 on the last page
	CanManage bool
	Now       time.Time
}

func (v UsersView) nextURL() string {
	q := url.Values{"after": {strconv.FormatInt(v.Next, 10)}}
	if v.Search != "" {
		q.Set("q", v.Search)
	}
	if v.Status != "" {
		q.Set("status", v.Status)
	}
	return "/admin/users?" + q.Encode()
}

// NewUserView is the invitation form, and then its result.
type NewUserView struct {
	Input     identity.NewUser
	Error     string
	Created   *identity.User
	Temporary string // the temporary password, shown once
}

// UserView is one user's page.
type UserView struct {
	Detail     identity.UserDetail
	CanManage  bool
	CanApprove bool
	Self       bool   // the viewer is this user
	Viewer     int64  // the viewer's user id
	Notice     string // confirmation after an action
	Temporary  string // a new temporary password, shown once
	Now        time.Time
}

// RequestsView is the four-eyes queue.
type RequestsView struct {
	Pending    []identity.AccessRequest
	Decided    []identity.AccessRequest
	CanApprove bool
	Viewer     int64
	Now        time.Time
}

// APIKeysView is the list of API keys, with the form to create one.
type APIKeysView struct {
	Keys    []identity.APIKey
	Scopes  []identity.Permission
	Created *identity.APIKey
	Secret  string // the new key, shown once
	Error   string
	Now     time.Time
}

func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04") + " UTC"
}

func roles(rs []identity.Role) string {
	if len(rs) == 0 {
		return "—"
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Label()
	}
	return strings.Join(out, ", ")
}

func userURL(id int64) string { return "/admin/users/" + strconv.FormatInt(id, 10) }

func scopes(ps []identity.Permission) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return strings.Join(out, ", ")
}

// status is how a user's standing reads in lists.
func status(u identity.User, now time.Time) (label, class string) {
	switch {
	case u.Status == identity.Disabled:
		return "disabled", "bad"
	case u.Locked(now):
		return "locked", "bad"
	case !u.MFAEnrolled():
		return "invited", "warn"
	}
	return "active", "ok"
}

// grantableRoles are the roles a user does not hold yet and may hold with
// those they do.
func grantableRoles(u identity.User) []identity.Role {
	var out []identity.Role
	for _, r := range identity.Roles {
		if !u.HasRole(r) && identity.Conflict(u.Roles, r) == "" {
			out = append(out, r)
		}
	}
	return out
}

func requestURL(id int64, verb string) string {
	return "/admin/requests/" + strconv.FormatInt(id, 10) + "/" + verb
}

func keyURL(id int64) string { return "/admin/api-keys/" + strconv.FormatInt(id, 10) + "/revoke" }

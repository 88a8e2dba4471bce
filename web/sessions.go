package web

import (
	"errors"
	"net/http"

	"github.com/gorilla/sessions"

	"github.com/paycompliance/console/domain/identity"
)

// SessionCookie is the session cookie's name. The __Host- prefix makes the
// browser insist on Secure, Path=/ and no Domain, so no subdomain can set
// or read it.
const SessionCookie = "__Host-session"

// SessionStore is a gorilla/sessions Store whose sessions live on the
// server (in PostgreSQL, through the identity service), so that they can
// be listed and ended at once. The cookie carries only the random id; the
// server keeps its hash.
type SessionStore struct {
	Identity *identity.Service
}

var _ sessions.Store = (*SessionStore)(nil)

type sessionValue int

const (
	principalValue sessionValue = iota // *identity.Principal of a live session
	endedValue                         // true: the cookie named a session that has ended
)

func (st *SessionStore) options() *sessions.Options {
	// No Max-Age: the cookie dies with the browser; the server enforces the
	// idle and absolute limits whatever the browser keeps.
	return &sessions.Options{Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode}
}

// Get returns the request's session, resolved once per request.
func (st *SessionStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(st, name)
}

// New resolves the cookie's session on the server, enforcing its limits.
// An unknown or expired id gives a new, empty session marked ended.
func (st *SessionStore) New(r *http.Request, name string) (*sessions.Session, error) {
	s := sessions.NewSession(st, name)
	s.Options, s.IsNew = st.options(), true
	c, err := r.Cookie(name)
	if err != nil || c.Value == "" {
		return s, nil
	}
	p, err := st.Identity.Resume(r.Context(), identity.SessionID(c.Value))
	switch {
	case errors.Is(err, identity.ErrSessionExpired), errors.Is(err, identity.ErrNoSession):
		s.Values[endedValue] = true
		return s, nil
	case err != nil:
		return s, err
	}
	s.ID, s.IsNew = c.Value, false
	s.Values[principalValue] = &p
	return s, nil
}

// Save writes the cookie: the session's id, or an expired cookie when the
// session was ended (MaxAge < 0). The session's state itself is saved by
// the identity service as it changes.
func (st *SessionStore) Save(r *http.Request, w http.ResponseWriter, s *sessions.Session) error {
	value := s.ID
	if s.Options.MaxAge < 0 {
		value = ""
	}
	http.SetCookie(w, sessions.NewCookie(s.Name(), value, s.Options))
	return nil
}

// Start puts a new session id in the cookie, replacing whatever the
// browser held: after the password step, after TOTP, after a password change.
func (st *SessionStore) Start(w http.ResponseWriter, r *http.Request, id identity.SessionID) error {
	s, err := st.Get(r, SessionCookie)
	if err != nil {
		return err
	}
	s.ID, s.Options = string(id), st.options()
	return s.Save(r, w)
}

// Clear removes the cookie, after sign-out or when the session ended.
func (st *SessionStore) Clear(w http.ResponseWriter, r *http.Request) error {
	s, err := st.Get(r, SessionCookie)
	if err != nil {
		return err
	}
	s.Options = st.options()
	s.Options.MaxAge = -1
	return s.Save(r, w)
}

// current returns the request's live principal and whether the cookie named
// a session that has since ended.
func (st *SessionStore) current(r *http.Request) (p *identity.Principal, id identity.SessionID, ended bool, err error) {
	s, err := st.Get(r, SessionCookie)
	if err != nil {
		return nil, "", false, err
	}
	p, _ = s.Values[principalValue].(*identity.Principal)
	ended, _ = s.Values[endedValue].(bool)
	return p, identity.SessionID(s.ID), ended, nil
}

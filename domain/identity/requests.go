package identity

import "time"

// RequestKind is what a four-eyes request asks for.
type RequestKind string

const (
	GrantRole RequestKind = "grant_role"
	ResetMFA  RequestKind = "reset_mfa"
)

// RequestStatus is where a request stands.
type RequestStatus string

const (
	RequestPending  RequestStatus = "pending"
	RequestApproved RequestStatus = "approved"
	RequestRejected RequestStatus = "rejected"
)

// AccessRequest is a change one administrator asks for and another must
// approve: a privileged role, or clearing someone's authenticator.
type AccessRequest struct {
	ID          int64
	Kind        RequestKind
	UserID      int64
	Role        Role // for GrantRole
	Reason      string
	RequestedBy int64
	RequestedAt time.Time
	ExpiresAt   time.Time
	Status      RequestStatus
	DecidedBy   int64
	DecidedAt   time.Time

	// Names, for display.
	Username, RequestedByName, DecidedByName string
}

// Expired reports whether a pending request lapsed undecided.
func (r AccessRequest) Expired(now time.Time) bool {
	return r.Status == RequestPending && !now.Before(r.ExpiresAt)
}

// Summary says what the request asks, for people.
func (r AccessRequest) Summary() string {
	if r.Kind == ResetMFA {
		return "Reset the authenticator of " + r.Username
	}
	return "Grant " + r.Role.Label() + " to " + r.Username
}

// RequestQuery selects requests.
type RequestQuery struct {
	Status RequestStatus // "" for any
	UserID int64         // 0 for anyone
	Limit  int
}

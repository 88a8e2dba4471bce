// Package auth renders signing in: the password and TOTP steps, setting up
// an authenticator, recovery codes, step-up and changing a password.
package auth

// LoginView is the sign-in page.
type LoginView struct {
	Username string
	Next     string // where to go after signing in
	Notice   string // why the user is here (session ended, signed out)
	Error    string
}

// CodeView is a form asking for a TOTP code.
type CodeView struct {
	Next  string
	Error string
}

// EnrollView is setting up an authenticator: first the offer, then the
// secret and QR code with the confirming code form.
type EnrollView struct {
	BeginURL   string // POST here to get a new secret
	QRCodeURL  string // "" before the set-up starts
	ConfirmURL string
	Secret     string // shown once, with the QR code ("" when a code was mistyped)
	FirstLogin bool
	Error      string
}

// RecoveryView shows the recovery codes, once.
type RecoveryView struct {
	Codes    []string
	Continue string
}

// PasswordView is changing one's password.
type PasswordView struct {
	Username   string
	MustChange bool // a temporary password was used: no current password is asked
	Error      string
}

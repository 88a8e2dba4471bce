package identity

import "github.com/paycompliance/console/domain"

// The answers sign-in gives. A failed password step has one answer whatever
// the cause (unknown user, wrong password, locked, disabled), so that it
// tells an attacker nothing about which accounts exist (ASVS V6.3).
var (
	ErrSignInFailed = &domain.Error{Code: domain.EUNAUTHORIZED,
		Message: "The username or password is incorrect, or the account is locked or disabled. After 10 failed attempts an account is locked for 30 minutes."}
	ErrCodeRejected = &domain.Error{Code: domain.EUNAUTHORIZED,
		Message: "That code was not accepted. Codes change every 30 seconds and each one works only once."}
	ErrLocked = &domain.Error{Code: domain.EUNAUTHORIZED,
		Message: "Too many failed attempts: the account is locked for 30 minutes. An administrator can unlock it sooner."}
	ErrNoSession = &domain.Error{Code: domain.EUNAUTHORIZED, Message: "Sign in to continue."}
	// ErrSessionExpired: the idle or absolute limit passed, or the session
	// was ended (sign-out elsewhere, a password change, an administrator).
	ErrSessionExpired = &domain.Error{Code: domain.EUNAUTHORIZED, Message: "Your session has ended. Sign in again to continue."}
	// ErrStepUpRequired: a sensitive action needs a fresh TOTP code.
	ErrStepUpRequired = &domain.Error{Code: domain.EUNAUTHORIZED, Message: "Confirm with a code from your authenticator app to continue."}
)

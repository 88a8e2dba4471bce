package identity

import (
	"fmt"
	"time"
)

// Policy holds the numbers PCI DSS sets for authentication. Defaults are
// the standard's own; stricter values are allowed, weaker ones refused.
type Policy struct {
	MaxFailures          int           // sign-in failures before a lockout (8.3.4: at most 10)
	LockoutFor           time.Duration // how long a lockout lasts (8.3.4: at least 30 minutes)
	IdleTimeout          time.Duration // idle session limit (8.2.8: at most 15 minutes)
	MaxSessionAge        time.Duration // absolute session limit
	StepUpFor            time.Duration // how long a fresh TOTP covers sensitive actions
	InactiveAfter        time.Duration // unused accounts are disabled after this (8.2.6: at most 90 days)
	TemporaryPasswordTTL time.Duration // an unused initial or reset password expires
	PasswordHistory      int           // a new password differs from this many last ones (8.3.7: at least 4)
	RequestTTL           time.Duration // a four-eyes request not decided in time lapses
	APIRateLimit         int           // calls per minute per API key
	APIKeyMaxTTL         time.Duration // longest life of an API key
}

// DefaultPolicy is PCI DSS v4.0.1's numbers.
func DefaultPolicy() Policy {
	return Policy{
		MaxFailures:          10,
		LockoutFor:           30 * time.Minute,
		IdleTimeout:          15 * time.Minute,
		MaxSessionAge:        12 * time.Hour,
		StepUpFor:            5 * time.Minute,
		InactiveAfter:        90 * 24 * time.Hour,
		TemporaryPasswordTTL: 72 * time.Hour,
		PasswordHistory:      4,
		RequestTTL:           7 * 24 * time.Hour,
		APIRateLimit:         600,
		APIKeyMaxTTL:         366 * 24 * time.Hour,
	}
}

// Validate refuses a policy weaker than PCI DSS allows.
func (p Policy) Validate() error {
	switch {
	case p.MaxFailures < 1 || p.MaxFailures > 10:
		return fmt.Errorf("lockout after %d failures: PCI DSS 8.3.4 allows at most 10", p.MaxFailures)
	case p.LockoutFor < 30*time.Minute:
		return fmt.Errorf("lockout of %s: PCI DSS 8.3.4 requires at least 30 minutes", p.LockoutFor)
	case p.IdleTimeout <= 0 || p.IdleTimeout > 15*time.Minute:
		return fmt.Errorf("idle timeout of %s: PCI DSS 8.2.8 allows at most 15 minutes", p.IdleTimeout)
	case p.MaxSessionAge < p.IdleTimeout:
		return fmt.Errorf("session limit %s is shorter than the idle timeout", p.MaxSessionAge)
	case p.StepUpFor <= 0 || p.StepUpFor > 15*time.Minute:
		return fmt.Errorf("step-up window of %s: at most 15 minutes", p.StepUpFor)
	case p.InactiveAfter <= 0 || p.InactiveAfter > 90*24*time.Hour:
		return fmt.Errorf("inactivity limit of %s: PCI DSS 8.2.6 allows at most 90 days", p.InactiveAfter)
	case p.PasswordHistory < 4:
		return fmt.Errorf("password history of %d: PCI DSS 8.3.7 requires at least 4", p.PasswordHistory)
	case p.TemporaryPasswordTTL <= 0 || p.RequestTTL <= 0 || p.APIRateLimit <= 0 || p.APIKeyMaxTTL <= 0:
		return fmt.Errorf("every limit must be positive")
	}
	return nil
}

package pci

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/identity"
)

// check judges one control from the facts.
type check struct {
	title   string
	sources []string // the facts it reads; any unreadable fails it
	judge   func(f Facts) Result
}

// The PCI DSS numbers the checks hold the console to.
const (
	MaxInactivity     = 90 * 24 * time.Hour // 8.2.6
	MaxIdle           = 15 * time.Minute    // 8.2.8
	MaxAttempts       = 10                  // 8.3.4
	MinLockout        = 30 * time.Minute    // 8.3.4
	MinPassword       = 12                  // 8.3.6
	AccessReviewEvery = 183 * 24 * time.Hour
	LogReviewEvery    = 24 * time.Hour
	logReviewGrace    = 12 * time.Hour // a review late in yesterday's day still counts this morning
	MinRetention      = 12             // months, 10.5.1
	MinOnline         = 90 * 24 * time.Hour
	MaxScanAge        = 30 * 24 * time.Hour // 6.3.3: a dependency scan at least monthly
	MaxAlertSilence   = 10 * time.Minute    // 10.7.2: the alert rules evaluate every minute
	MaxWebhookSkew    = 5 * time.Minute
)

func pass(summary string, ev ...Evidence) Result {
	return Result{Status: Pass, Summary: summary, Evidence: ev}
}

func fail(summary, remedy string, ev ...Evidence) Result {
	return Result{Status: Fail, Summary: summary, Evidence: ev, Remediation: remedy}
}

func ev(label, value string, link ...string) Evidence {
	e := Evidence{Label: label, Value: value}
	if len(link) > 0 {
		e.Link = link[0]
	}
	return e
}

func listed(names []string) string {
	if len(names) > 10 {
		return strings.Join(names[:10], ", ") + fmt.Sprintf(" and %d more", len(names)-10)
	}
	return strings.Join(names, ", ")
}

var checks = map[string]check{
	"mfa_enforced": {"MFA for every active account", []string{"users"}, func(f Facts) Result {
		var without []string
		for _, u := range f.Users {
			if !u.MFAEnrolled {
				without = append(without, u.Username)
			}
		}
		e := ev("Active accounts", strconv.Itoa(len(f.Users)), "/admin/users")
		if len(without) > 0 {
			return fail(fmt.Sprintf("%d active accounts have no MFA enrolled", len(without)),
				"Have each user enroll TOTP at their next sign-in, or disable the account.", e, ev("Without MFA", listed(without), "/admin/users"))
		}
		return pass("Every active account has TOTP enrolled; no session gets past sign-in without it", e,
			ev("Enforcement", "a session reaches full access only after a TOTP or recovery code"))
	}},
	"password_policy": {"Password length and complexity", nil, func(f Facts) Result {
		e := ev("Minimum length", strconv.Itoa(f.Settings.MinPasswordLength)+" characters, letters and digits")
		if f.Settings.MinPasswordLength < MinPassword {
			return fail("Passwords may be shorter than 12 characters", "Raise the minimum password length to 12.", e)
		}
		return pass("Passwords are 12+ characters with letters and digits, not common, not reused", e,
			ev("History", strconv.Itoa(f.Settings.Policy.PasswordHistory)+" previous passwords refused"))
	}},
	"lockout_policy": {"Lockout after failed attempts", nil, func(f Facts) Result {
		p := f.Settings.Policy
		e := ev("Lockout", fmt.Sprintf("after %d failures, for %s", p.MaxFailures, p.LockoutFor))
		if p.MaxFailures < 1 || p.MaxFailures > MaxAttempts || p.LockoutFor < MinLockout {
			return fail("The lockout is weaker than 10 attempts for 30 minutes", "Lock accounts after at most 10 failures for at least 30 minutes.", e)
		}
		return pass("Accounts lock after at most 10 failed attempts for at least 30 minutes", e)
	}},
	"idle_timeout": {"Idle session timeout", nil, func(f Facts) Result {
		e := ev("SESSION_IDLE_TIMEOUT", f.Settings.Policy.IdleTimeout.String())
		if f.Settings.Policy.IdleTimeout <= 0 || f.Settings.Policy.IdleTimeout > MaxIdle {
			return fail("Sessions stay open longer than 15 minutes idle", "Set SESSION_IDLE_TIMEOUT to 15m or less.", e)
		}
		return pass("Sessions end after at most 15 minutes idle", e)
	}},
	"inactive_accounts": {"Inactive accounts disabled", []string{"users"}, func(f Facts) Result {
		var stale []string
		for _, u := range f.Users {
			if f.Now.Sub(u.LastActivity) > MaxInactivity {
				stale = append(stale, u.Username)
			}
		}
		if len(stale) > 0 {
			return fail(fmt.Sprintf("%d accounts inactive for more than 90 days are still enabled", len(stale)),
				"Disable them (the daily identity.inactivity job does this; check that it runs).", ev("Inactive and enabled", listed(stale), "/admin/users"))
		}
		return pass("No enabled account has been inactive for more than 90 days", ev("Active accounts checked", strconv.Itoa(len(f.Users))))
	}},
	"no_toxic_roles": {"No conflicting roles", []string{"users"}, func(f Facts) Result {
		var toxic []string
		for _, u := range f.Users {
			for i, r := range u.Roles {
				if why := identity.Conflict(u.Roles[:i], r); why != "" {
					toxic = append(toxic, u.Username+" ("+why+")")
				}
			}
		}
		if len(toxic) > 0 {
			return fail(fmt.Sprintf("%d accounts hold roles that conflict", len(toxic)), "Revoke one of each conflicting pair.", ev("Conflicts", listed(toxic), "/admin/users"))
		}
		return pass("No account holds a conflicting pair of roles", ev("Accounts checked", strconv.Itoa(len(f.Users))))
	}},
	"access_review": {"Access reviewed every six months", []string{"attestations"}, func(f Facts) Result {
		return attested(f, "7.2.4", AccessReviewEvery, "an access review", "Review every account's roles at /admin/users and record the review as an attestation of 7.2.4.")
	}},
	"daily_log_review": {"Logs reviewed daily", []string{"attestations"}, func(f Facts) Result {
		return attested(f, "10.4.1", LogReviewEvery+logReviewGrace, "a log review", "Review the audit log and security alerts, then record today's review (10.4.1).")
	}},
	"audit_chain": {"Audit chain verified and intact", []string{"verification"}, func(f Facts) Result {
		v := f.Verification
		if v == nil {
			return fail("The audit chain has never been verified", "Run `console audit verify`, or let the audit.verify job run.", ev("Verification", "none", "/audit"))
		}
		e := []Evidence{ev("Last verified", v.At.Format(time.RFC3339), "/audit"), ev("Entries", strconv.FormatInt(v.Entries, 10))}
		switch {
		case !v.OK:
			return fail("The audit chain is broken: "+v.FirstBreak, "Open an incident: the log was altered. Compare with the signed checkpoints.",
				append(e, ev("First break", v.FirstBreak, "/audit"))...)
		case f.Now.Sub(v.At) > 2*f.Settings.VerifyEvery+time.Hour:
			return fail("The audit chain has not been verified recently", "Check that the audit.verify job runs (AUDIT_VERIFY_EVERY).", e...)
		}
		return pass("The whole chain verified recently and is intact", e...)
	}},
	"audit_retention": {"Audit retention", []string{"audit"}, func(f Facts) Result {
		months := f.Settings.RetentionMonths
		e := []Evidence{ev("AUDIT_RETENTION_MONTHS", strconv.Itoa(months)), ev("Oldest entry online", f.Audit.Oldest.Format("2006-01-02"), "/audit"),
			ev("Entries online", strconv.FormatInt(f.Audit.Entries, 10))}
		if months < MinRetention {
			return fail("Audit entries are kept less than 12 months", "Set AUDIT_RETENTION_MONTHS to 12 or more.", e...)
		}
		return pass(fmt.Sprintf("Entries are kept %d months, all online (the last three months and more are searchable)", months), e...)
	}},
	"logging_failures_alerted": {"Logging failures alerted", []string{"alerts"}, func(f Facts) Result {
		e := ev("Alert rules last evaluated", f.AlertsRan.Format(time.RFC3339), "/alerts")
		if f.AlertsRan.IsZero() || f.Now.Sub(f.AlertsRan) > MaxAlertSilence {
			return fail("The alert rules (audit integrity among them) have not run in the last 10 minutes", "Check that the alerts.evaluate job runs.", e)
		}
		return pass("The alert rules, audit integrity and list-load failures among them, evaluate every minute", e)
	}},
	"pan_not_stored": {"No card number stored", []string{"pans"}, func(f Facts) Result {
		s := f.PANs
		e := ev("Scanned", fmt.Sprintf("%d new rows in %d text columns, a %.1f%% sample of older rows, and every earlier finding; %d rows wait for the next run",
			s.Scanned, s.Columns, s.SamplePercent, s.Backlog))
		if len(s.Findings) > 0 {
			var where []string
			for _, p := range s.Findings {
				where = append(where, p.Table+"."+p.Column+" "+p.Row+" ("+p.Masked+")")
			}
			return fail(fmt.Sprintf("%d stored values look like card numbers", len(s.Findings)), "Remove them and find what wrote them: card numbers must never reach the console.",
				e, ev("Found", listed(where)))
		}
		return pass("No Luhn-valid card number in any text column scanned", e)
	}},
	"pan_masked": {"Card numbers masked on display", []string{"masked"}, func(f Facts) Result {
		if !f.CardMasked {
			return fail("The database no longer limits stored card digits to the last four", "Restore the card_last4 check constraint on payments.",
				ev("payments.card_last4", "unconstrained"))
		}
		return pass("Only a card's brand and last four digits are stored and shown", ev("payments.card_last4", "four digits at most (database constraint)", "/payments"))
	}},
	"sensitive_encrypted": {"Sensitive columns encrypted", []string{"encryption"}, func(f Facts) Result {
		var bad []string
		for _, c := range f.Unencrypted {
			bad = append(bad, fmt.Sprintf("%s: %d", c.Column, c.Count))
		}
		if len(bad) > 0 {
			return fail("Sensitive columns hold values the keyring did not encrypt", "Re-encrypt them through the application; find what wrote them.", ev("Not encrypted", listed(bad)))
		}
		return pass("TOTP secrets, bank account numbers, NACHA files and payer secrets are all keyring ciphertext",
			ev("Columns", "users.totp_secret, users.totp_pending, ach_accounts.ciphertext, ach_files.ciphertext, ach_corrections.ciphertext, payments.client_secret"))
	}},
	"keys_rotated": {"Keys within their cryptoperiod", []string{"keys"}, func(f Facts) Result {
		if f.KeysManaged {
			return pass("Keys are held and rotated by AWS KMS", ev("Key service", "AWS KMS (automatic rotation)"))
		}
		period := f.Settings.KeyCryptoperiod
		var old []string
		for _, k := range f.Keys {
			if k.Current && f.Now.Sub(k.Created) > period {
				old = append(old, fmt.Sprintf("%s %s (%s)", k.Purpose, k.Version, k.Created.Format("2006-01-02")))
			}
		}
		e := ev("Cryptoperiod (KEY_CRYPTOPERIOD)", period.String())
		if len(old) > 0 {
			return fail("Keys in use are older than their cryptoperiod", "Run `console keys rotate`.", e, ev("Past their period", listed(old)))
		}
		return pass(fmt.Sprintf("Every key in use is younger than its cryptoperiod (%d versions)", len(f.Keys)), e)
	}},
	"tls_and_headers": {"TLS and security headers", []string{"probe"}, func(f Facts) Result {
		p := f.Probe
		e := []Evidence{ev("Probed", p.URL), ev("Public URL", f.Settings.PublicURL)}
		var missing []string
		for _, h := range requiredHeaders {
			if p.Headers[h] == "" {
				missing = append(missing, h)
			}
		}
		if hsts := p.Headers["Strict-Transport-Security"]; hsts != "" {
			e = append(e, ev("Strict-Transport-Security", hsts))
		}
		if !strings.Contains(p.Headers["Content-Security-Policy"], "default-src") && !slices.Contains(missing, "Content-Security-Policy") {
			missing = append(missing, "Content-Security-Policy default-src")
		}
		switch {
		case len(missing) > 0:
			return fail("The server answers without "+strings.Join(missing, ", "), "Serve every page through the console's security headers middleware.", e...)
		case !strings.HasPrefix(f.Settings.PublicURL, "https://") && !local(f.Settings.PublicURL):
			return fail("The console's public address is not https", "Terminate TLS in front of the console and set PUBLIC_URL to its https address.", e...)
		}
		return pass("The running server sends HSTS, CSP, frame, type and referrer protections; its public address is https or loopback", e...)
	}},
	"webhook_signatures": {"Webhook signatures verified", nil, func(f Facts) Result {
		e := []Evidence{ev("STRIPE_WEBHOOK_SECRET", map[bool]string{true: "set", false: "not set"}[f.Settings.WebhookSecretSet]),
			ev("Tolerance", f.Settings.WebhookTolerance.String())}
		if !f.Settings.WebhookSecretSet || f.Settings.WebhookTolerance <= 0 || f.Settings.WebhookTolerance > MaxWebhookSkew {
			return fail("Stripe webhooks are not verified within 5 minutes", "Set STRIPE_WEBHOOK_SECRET and a tolerance of at most 5 minutes.", e...)
		}
		return pass("Every Stripe webhook's signature and age are verified before it is read", e...)
	}},
	"dependency_scan": {"Dependencies scanned for vulnerabilities", []string{"scan"}, func(f Facts) Result {
		s := f.Scan
		if s == nil {
			return fail("No dependency vulnerability scan has been recorded", "Run govulncheck ./... in CI and record it: `console pci record-scan`.")
		}
		e := []Evidence{ev("Tool", s.Tool), ev("Scanned", s.At.Format(time.RFC3339), "/pci/scans"), ev("Findings", strconv.Itoa(s.Findings))}
		switch {
		case f.Now.Sub(s.At) > MaxScanAge:
			return fail("The last dependency scan is more than 30 days old", "Run govulncheck again and record it.", e...)
		case s.Findings > 0:
			return fail(fmt.Sprintf("The last scan found %d known vulnerabilities", s.Findings), "Upgrade the affected modules, then scan again.", e...)
		}
		return pass("The last scan, within 30 days, found no known vulnerability", e...)
	}},
}

// requiredHeaders are the response headers the console's pages carry.
var requiredHeaders = []string{"Strict-Transport-Security", "Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"}

func local(u string) bool {
	for _, p := range []string{"http://localhost", "http://127.0.0.1", "http://[::1]"} {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return false
}

// attested judges a control evidenced by a person's record of it: there
// must be one for sub, recorded within every and not expired.
func attested(f Facts, sub string, every time.Duration, what, remedy string) Result {
	a, ok := f.Attestations[sub]
	switch {
	case !ok:
		return fail("No "+what+" has been recorded", remedy)
	case !a.Expires.IsZero() && !f.Now.Before(a.Expires):
		return fail(fmt.Sprintf("The last %s expired on %s", what, a.Expires.Format("2006-01-02")), remedy, a.evidence()...)
	case f.Now.Sub(a.Effective) > every:
		return fail(fmt.Sprintf("The last %s was %s ago", what, f.Now.Sub(a.Effective).Round(time.Hour)), remedy, a.evidence()...)
	}
	return pass("Recorded by "+a.By+" on "+a.Effective.Format("2006-01-02"), a.evidence()...)
}

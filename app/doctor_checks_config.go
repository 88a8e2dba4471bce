package app

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/pci"
)

// checkConfig reports what LoadConfig refused: serve would not start.
func checkConfig(_ context.Context, env *doctorEnv) result {
	if env.problems != nil {
		return fail("configuration", env.problems.Error(), "correct those settings (README, Configuration); serve refuses to start until then")
	}
	return pass("configuration", fmt.Sprintf("%d settings read, none refused", len(settings)))
}

// checkTLS: the console serves plain HTTP and expects TLS at a proxy in
// front of it. Its cookies are Secure (__Host-) and every response sends
// HSTS, so browsers must reach it over https, which PUBLIC_URL declares.
func checkTLS(_ context.Context, env *doctorEnv) result {
	const name = "tls"
	u := env.cfg.PublicURL
	const how = "the console serves plain HTTP on " // ADDR follows
	switch {
	case u == "":
		return warn(name, how+env.cfg.Addr+" and PUBLIC_URL is empty, so nothing says browsers reach it over https",
			"terminate TLS at the load balancer or reverse proxy and set PUBLIC_URL=https://<its name> (docs/deployment.md, TLS)")
	case !strings.HasPrefix(u, "https://"):
		return fail(name, "PUBLIC_URL is "+u+": session cookies are Secure (__Host-) and responses send HSTS, so sign-in cannot work over http",
			"serve the console over https at a proxy and set PUBLIC_URL=https://…")
	}
	return pass(name, how+env.cfg.Addr+" behind TLS at a proxy for "+u+"; cookies are always Secure (__Host-, SameSite=Strict) and HSTS is always sent (max-age 2 years)")
}

// checkAdminAddr: /metrics and the detailed /readyz belong on a private
// network only.
func checkAdminAddr(_ context.Context, env *doctorEnv) result {
	const name = "admin-addr"
	addr := env.cfg.AdminAddr
	if loopback(addr) {
		return pass(name, "ADMIN_ADDR "+addr+" listens on loopback only")
	}
	return warn(name, "ADMIN_ADDR "+addr+" is not a loopback address: /metrics and the detailed /readyz are served there without authentication",
		"bind it to loopback or a private interface that only the monitoring network reaches, and firewall the port")
}

// loopback reports whether addr's host is a loopback address.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// stripeMode is what a Stripe key's prefix says: "live", "test" or "".
func stripeMode(key string, kinds ...string) string {
	for _, kind := range kinds {
		for _, mode := range []string{"live", "test"} {
			if strings.HasPrefix(key, kind+"_"+mode+"_") {
				return mode
			}
		}
	}
	return ""
}

// checkStripe compares the keys' modes (never their values) with each
// other and with test mode, and wants a webhook secret with a live key.
func checkStripe(_ context.Context, env *doctorEnv) result {
	const name = "stripe"
	c := env.cfg
	if c.testMode() {
		return warn(name, "test mode: no STRIPE_SECRET_KEY, so payments go to a local stripe-mock with simulated outcomes",
			"for real payments set STRIPE_SECRET_KEY (sk_live_…), STRIPE_PUBLISHABLE_KEY (pk_live_…) and STRIPE_WEBHOOK_SECRET (whsec_…)")
	}
	secret, public := stripeMode(c.StripeSecretKey, "sk", "rk"), stripeMode(c.StripePublishableKey, "pk")
	switch {
	case secret == "":
		return fail(name, "STRIPE_SECRET_KEY is not a Stripe secret or restricted key (sk_… or rk_…)", "copy the secret key from the Stripe dashboard")
	case public != secret:
		return fail(name, fmt.Sprintf("STRIPE_SECRET_KEY is a %s key but STRIPE_PUBLISHABLE_KEY is %s", secret, orNone(public)),
			"use the publishable key of the same mode (pk_"+secret+"_…) and account")
	case !strings.HasPrefix(c.StripeWebhookSecret, "whsec_"):
		return fail(name, "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is empty or not a whsec_ signing secret: webhooks cannot be verified",
			"set the signing secret of the Stripe webhook endpoint for PUBLIC_URL/webhooks/stripe")
	case secret == "test":
		return warn(name, "Stripe test keys: payments reach Stripe's test mode, no money moves", "use live keys (sk_live_…, pk_live_…) in production")
	case c.StripeAPIURL != "":
		return warn(name, "live keys, but STRIPE_API_URL sends calls to "+c.StripeAPIURL+" instead of api.stripe.com", "unset STRIPE_API_URL in production")
	}
	return pass(name, "live keys (secret and publishable) and a webhook signing secret; calls go to api.stripe.com")
}

func orNone(s string) string {
	if s == "" {
		return "empty"
	}
	return s
}

// checkPCISettings holds the session and sign-in policy to the numbers
// the PCI DSS scorecard checks it against.
func checkPCISettings(_ context.Context, env *doctorEnv) result {
	const name = "pci-settings"
	p := env.cfg.policy()
	var weak []string
	if p.IdleTimeout <= 0 || p.IdleTimeout > pci.MaxIdle {
		weak = append(weak, fmt.Sprintf("SESSION_IDLE_TIMEOUT=%s is above %s (8.2.8)", p.IdleTimeout, pci.MaxIdle))
	}
	if p.MaxFailures < 1 || p.MaxFailures > pci.MaxAttempts || p.LockoutFor < pci.MinLockout {
		weak = append(weak, fmt.Sprintf("lockout after %d failures for %s is weaker than %d for %s (8.3.4)", p.MaxFailures, p.LockoutFor, pci.MaxAttempts, pci.MinLockout))
	}
	if identity.MinPasswordLength < pci.MinPassword {
		weak = append(weak, fmt.Sprintf("passwords of %d characters are allowed, PCI DSS wants %d (8.3.6)", identity.MinPasswordLength, pci.MinPassword))
	}
	if env.cfg.AuditRetentionMonths < pci.MinRetention {
		weak = append(weak, fmt.Sprintf("AUDIT_RETENTION_MONTHS=%d is below %d (10.5.1)", env.cfg.AuditRetentionMonths, pci.MinRetention))
	}
	if len(weak) > 0 {
		return fail(name, strings.Join(weak, "; "), "meet PCI DSS v4.0.1's numbers (the PCI scorecard fails these too)")
	}
	return pass(name, fmt.Sprintf("idle timeout %s (at most %s), lockout after %d failures for %s, passwords of %d+ characters, audit kept %d months",
		p.IdleTimeout, pci.MaxIdle, p.MaxFailures, p.LockoutFor, identity.MinPasswordLength, env.cfg.AuditRetentionMonths))
}

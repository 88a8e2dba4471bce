package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/static"
	"github.com/paycompliance/console/web/webtest"
)

// Who is expected to get past the router's checks, by route. Principals:
// anon (no session), half (password only), temp (signed in with a
// temporary password not yet replaced), none (signed in, no roles), and
// one signed-in user per role.
var (
	allPrincipals  = "anon half temp none administrator compliance_officer escrow_approver fraud_reviewer auditor operator"
	inSignIn       = "half temp none administrator compliance_officer escrow_approver fraud_reviewer auditor operator"
	withTemporary  = "temp none administrator compliance_officer escrow_approver fraud_reviewer auditor operator"
	allSignedIn    = "none administrator compliance_officer escrow_approver fraud_reviewer auditor operator"
	auditReaders   = "compliance_officer auditor"
	userReaders    = "administrator compliance_officer auditor"
	administrators = "administrator"
	paymentReaders = "compliance_officer fraud_reviewer auditor operator"
	operators      = "operator"
	achReaders     = "compliance_officer fraud_reviewer auditor operator"
	caseReaders    = "compliance_officer auditor"
	escrowReaders  = "compliance_officer escrow_approver auditor operator"
	approvers      = "escrow_approver"
	officers       = "compliance_officer"
	fraudReaders   = "compliance_officer fraud_reviewer auditor"
	fraudReviewers = "fraud_reviewer"
	pciReaders     = "compliance_officer auditor"
	noSession      = ""
)

// incidentReaders see security incidents.
var incidentReaders = "compliance_officer auditor"

// alertReaders see security alerts.
var alertReaders = "compliance_officer auditor"

var expectedAccess = map[string]string{
	"GET /static/":                                 allPrincipals,
	"GET /healthz":                                 allPrincipals,
	"GET /readyz":                                  allPrincipals,
	"GET /login":                                   allPrincipals,
	"POST /login":                                  allPrincipals,
	"GET /login/mfa":                               inSignIn,
	"POST /login/mfa":                              inSignIn,
	"GET /login/enroll":                            inSignIn,
	"POST /login/enroll":                           inSignIn,
	"GET /login/enroll/qr.png":                     inSignIn,
	"POST /login/enroll/confirm":                   inSignIn,
	"POST /logout":                                 inSignIn,
	"POST /session/keepalive":                      allSignedIn,
	"GET /stepup":                                  allSignedIn,
	"POST /stepup":                                 allSignedIn,
	"GET /account":                                 allSignedIn,
	"GET /account/password":                        withTemporary,
	"POST /account/password":                       withTemporary,
	"POST /account/mfa":                            allSignedIn,
	"GET /account/mfa/qr.png":                      allSignedIn,
	"POST /account/mfa/confirm":                    allSignedIn,
	"POST /sessions/{handle}/end":                  allSignedIn,
	"GET /{$}":                                     allSignedIn,
	"GET /widgets/system":                          allSignedIn,
	"GET /audit":                                   auditReaders,
	"GET /audit/entries/{seq}":                     auditReaders,
	"POST /audit/entries/{seq}/verify":             auditReaders,
	"GET /audit/stream":                            auditReaders,
	"GET /audit/export.csv":                        auditReaders,
	"GET /audit/export.jsonl":                      auditReaders,
	"GET /admin/users":                             userReaders,
	"GET /admin/users/new":                         administrators,
	"POST /admin/users":                            administrators,
	"GET /admin/users/{id}":                        userReaders,
	"POST /admin/users/{id}/disable":               administrators,
	"POST /admin/users/{id}/enable":                administrators,
	"POST /admin/users/{id}/unlock":                administrators,
	"POST /admin/users/{id}/password":              administrators,
	"POST /admin/users/{id}/roles":                 administrators,
	"POST /admin/users/{id}/roles/{role}/revoke":   administrators,
	"POST /admin/users/{id}/mfa-reset":             administrators,
	"GET /admin/requests":                          userReaders,
	"POST /admin/requests/{id}/approve":            administrators,
	"POST /admin/requests/{id}/reject":             administrators,
	"GET /admin/api-keys":                          administrators,
	"POST /admin/api-keys":                         administrators,
	"POST /admin/api-keys/{id}/revoke":             administrators,
	"GET /payments":                                paymentReaders,
	"GET /payments/stream":                         paymentReaders,
	"GET /payments/disputes":                       paymentReaders,
	"GET /payments/reviews":                        paymentReaders,
	"GET /payments/{id}":                           paymentReaders,
	"POST /payments/{id}/refunds":                  operators,
	"POST /payments/{id}/cancel":                   operators,
	"POST /payments/{id}/simulate-dispute":         operators,
	"POST /payments/refunds/{id}/approve":          operators,
	"POST /payments/refunds/{id}/reject":           operators,
	"GET /ach":                                     achReaders,
	"GET /ach/stream":                              achReaders,
	"GET /ach/transfers/new":                       operators,
	"POST /ach/transfers":                          operators,
	"GET /ach/transfers/{id}":                      achReaders,
	"POST /ach/transfers/{id}/approve":             operators,
	"POST /ach/transfers/{id}/cancel":              operators,
	"GET /ach/accounts":                            achReaders,
	"GET /ach/accounts/new":                        operators,
	"POST /ach/accounts":                           operators,
	"GET /ach/accounts/{id}":                       achReaders,
	"POST /ach/accounts/{id}/verify":               operators,
	"POST /ach/accounts/{id}/confirm":              operators,
	"GET /ach/files":                               achReaders,
	"POST /ach/cutoff":                             operators,
	"GET /ach/files/{id}":                          achReaders,
	"GET /ach/files/{id}/download":                 operators,
	"GET /ach/returns":                             achReaders,
	"POST /ach/returns":                            operators,
	"POST /ach/corrections/{id}/apply":             operators,
	"POST /ach/corrections/{id}/reject":            operators,
	"GET /escrow":                                  escrowReaders,
	"GET /escrow/stream":                           escrowReaders,
	"GET /escrow/new":                              operators,
	"POST /escrow":                                 operators,
	"GET /escrow/{id}":                             escrowReaders,
	"POST /escrow/{id}/fund":                       operators,
	"POST /escrow/{id}/releases":                   operators,
	"POST /escrow/{id}/policies":                   operators,
	"POST /escrow/{id}/policies/{version}/decide":  approvers,
	"GET /escrow/releases/{id}":                    escrowReaders,
	"POST /escrow/releases/{id}/approve":           approvers,
	"POST /escrow/releases/{id}/reject":            approvers,
	"GET /escrow/releases/{id}/certificate":        escrowReaders,
	"GET /escrow/releases/{id}/certificate.json":   escrowReaders,
	"GET /alerts":                                  alertReaders,
	"GET /alerts/stream":                           alertReaders,
	"POST /alerts/{id}/acknowledge":                officers,
	"POST /alerts/{id}/resolve":                    officers,
	"GET /incidents":                               incidentReaders,
	"GET /incidents/stream":                        incidentReaders,
	"GET /incidents/new":                           officers,
	"POST /incidents":                              officers,
	"GET /incidents/{id}":                          incidentReaders,
	"POST /incidents/{id}/status":                  officers,
	"POST /incidents/{id}/owner":                   officers,
	"POST /incidents/{id}/notes":                   officers,
	"POST /incidents/{id}/links":                   officers,
	"POST /incidents/{id}/acknowledge":             officers,
	"GET /cases":                                   caseReaders,
	"GET /cases/{id}":                              caseReaders,
	"GET /cases/{id}/export":                       caseReaders,
	"GET /cases/{id}/attachments/{attachment}":     caseReaders,
	"POST /cases/{id}/claim":                       officers,
	"POST /cases/{id}/assign":                      officers,
	"POST /cases/{id}/notes":                       officers,
	"POST /cases/{id}/attachments":                 officers,
	"POST /cases/{id}/escalate":                    officers,
	"POST /cases/{id}/decide":                      officers,
	"GET /screening":                               caseReaders,
	"POST /screening/search":                       officers,
	"POST /screening/load":                         officers,
	"GET /screening/versions/{id}":                 caseReaders,
	"GET /screening/party":                         caseReaders,
	"GET /pay/{id}/{token}":                        allPrincipals, // a payer's link: see TestPay
	"GET /pay/{id}/{token}/status":                 allPrincipals,
	"POST /pay/{id}/{token}/simulate":              allPrincipals,
	"POST /webhooks/stripe":                        allPrincipals, // Stripe's signature: see TestWebhooks
	"GET /api/v1/openapi.json":                     allPrincipals,
	"GET /api/v1/audit/entries":                    noSession, // API keys only: see TestAPI
	"POST /api/v1/audit/checkpoints":               noSession,
	"POST /api/v1/payments":                        noSession,
	"GET /api/v1/payments":                         noSession,
	"GET /api/v1/payments/{id}":                    noSession,
	"POST /api/v1/payments/{id}/cancel":            noSession,
	"POST /api/v1/payments/{id}/refunds":           noSession,
	"POST /api/v1/bank-accounts":                   noSession,
	"GET /api/v1/bank-accounts":                    noSession,
	"GET /api/v1/bank-accounts/{id}":               noSession,
	"POST /api/v1/transfers":                       noSession,
	"GET /api/v1/transfers":                        noSession,
	"GET /api/v1/transfers/{id}":                   noSession,
	"POST /api/v1/transfers/{id}/cancel":           noSession,
	"POST /api/v1/escrows":                         noSession,
	"GET /api/v1/escrows":                          noSession,
	"GET /api/v1/escrows/{id}":                     noSession,
	"POST /api/v1/escrows/{id}/fundings":           noSession,
	"POST /api/v1/escrows/{id}/releases":           noSession,
	"GET /api/v1/escrow-releases/{id}":             noSession,
	"GET /api/v1/escrow-releases/{id}/certificate": noSession,
	"GET /fraud":                                   fraudReaders,
	"GET /fraud/stream":                            fraudReaders,
	"POST /fraud/next":                             fraudReviewers,
	"GET /fraud/cases/{id}":                        fraudReaders,
	"POST /fraud/cases/{id}/claim":                 fraudReviewers,
	"POST /fraud/cases/{id}/unclaim":               fraudReviewers,
	"POST /fraud/cases/{id}/assign":                fraudReviewers,
	"POST /fraud/cases/{id}/notes":                 fraudReviewers,
	"POST /fraud/cases/{id}/escalate":              fraudReviewers,
	"POST /fraud/cases/{id}/decide":                fraudReviewers,
	"POST /fraud/cases/{id}/similar":               fraudReviewers,
	"GET /fraud/rules":                             fraudReaders,
	"POST /fraud/rules/draft":                      fraudReviewers,
	"POST /fraud/rules/draft/start":                fraudReviewers,
	"POST /fraud/rules/draft/backtest":             fraudReviewers,
	"POST /fraud/rules/versions/{version}/publish": fraudReviewers,
	"POST /fraud/rules/versions/{version}/discard": fraudReviewers,
	"GET /fraud/lists":                             fraudReaders,
	"POST /fraud/lists":                            fraudReviewers,
	"POST /fraud/lists/{id}/remove":                fraudReviewers,
	"GET /fraud/stats":                             fraudReaders,
	"GET /pci":                                     pciReaders,
	"GET /pci/stream":                              pciReaders,
	"POST /pci/runs":                               officers,
	"GET /pci/runs":                                pciReaders,
	"GET /pci/runs/compare":                        pciReaders,
	"GET /pci/runs/{id}":                           pciReaders,
	"GET /pci/runs/{id}/report":                    pciReaders,
	"GET /pci/runs/{id}/report.json":               pciReaders,
	"GET /pci/runs/{id}/report.csv":                pciReaders,
	"GET /pci/subs/{id}":                           pciReaders,
	"POST /pci/attestations":                       officers,
	"GET /pci/attestations/{id}":                   pciReaders,
	"GET /pci/attestations/{id}/files/{file}":      pciReaders,
	"GET /pci/scans":                               pciReaders,
	"POST /pci/scans":                              officers,
	"POST /api/v1/pci/scans":                       noSession,
	"POST /api/v1/risk/assessments":                noSession,
	"GET /api/v1/risk/assessments/{id}":            noSession,
	"/":                                            allPrincipals,
}

// TestRoutes_RoleMatrix walks the real route table with every kind of
// principal and checks that exactly the expected ones get past the
// router: deny by default, the role table applied, and a half-signed-in
// session reaching nothing but the code form and sign-out.
func TestRoutes_RoleMatrix(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	h := env.srv.Handler()
	subject := env.newUser(t, "subject", identity.Operator)
	users := map[string]testUser{}
	for _, r := range identity.Roles {
		users[string(r)] = env.newUser(t, "as."+string(r), r)
	}
	users["none"] = env.newUser(t, "as.none")
	users["half"] = env.newUser(t, "as.half", identity.Operator)
	users["temp"] = env.newUser(t, "as.temp", identity.Operator)
	env.db.Exec(context.Background(), `UPDATE users SET password_temporary = true WHERE id = $1`, users["temp"].ID)

	routes := env.srv.routes()
	seen := map[string]bool{}
	for _, rt := range routes {
		seen[rt.pattern] = true
		want, ok := expectedAccess[rt.pattern]
		if !ok {
			t.Errorf("route %q has no expected access in this test: add it", rt.pattern)
			continue
		}
		method, path := requestFor(rt.pattern, subject.ID)
		var got []string
		for _, principal := range strings.Fields(allPrincipals) {
			req := httptest.NewRequest(method, path, nil)
			if method == http.MethodPost {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if principal != "anon" {
				stage := identity.StageFull
				if principal == "half" {
					stage = identity.StagePassword
				}
				id, csrf := env.rawSession(t, users[principal].ID, stage)
				req.AddCookie(&http.Cookie{Name: SessionCookie, Value: id})
				req.Header.Set("X-CSRF-Token", csrf)
			}
			if outcome(method, webtest.Do(t, h, req)) == "reached" {
				got = append(got, principal)
			}
		}
		if g, w := strings.Join(got, " "), want; g != w {
			t.Errorf("%s: reached by [%s], want [%s]", rt.pattern, g, w)
		}
	}
	for pattern := range expectedAccess {
		if !seen[pattern] {
			t.Errorf("expected access for %q, which is not a route", pattern)
		}
	}
}

// requestFor makes a concrete request for a route pattern.
func requestFor(pattern string, userID int64) (method, path string) {
	method, path, found := strings.Cut(pattern, " ")
	if !found {
		return http.MethodGet, "/no/such/page"
	}
	if path == "/static/" {
		return method, static.URL("css/app.css")
	}
	r := strings.NewReplacer("{$}", "", "{id}", strconv.FormatInt(userID, 10), "{seq}", "1", "{handle}", "nosuchhandle", "{role}", "auditor",
		"{token}", "v1:nosuchtoken", "{attachment}", "1")
	if strings.HasPrefix(path, "/admin/requests/") || strings.HasPrefix(path, "/admin/api-keys/") {
		r = strings.NewReplacer("{id}", "999999")
	}
	return method, r.Replace(path)
}

// outcome says whether a request got past the router's checks: turned
// back to sign in, to the code form, to a forced password change, refused
// by role, or (anything else) reached its handler.
func outcome(method string, res webtest.Response) string {
	loc := res.Header.Get("Location")
	switch {
	case res.StatusCode == http.StatusSeeOther && (loc == "/login" || strings.HasPrefix(loc, "/login?next=") || strings.Contains(loc, "ended=1")):
		return "sign in"
	case res.StatusCode == http.StatusSeeOther && (strings.HasPrefix(loc, "/login/mfa?next=") || loc == "/login/mfa" && method == http.MethodPost):
		return "code"
	case res.StatusCode == http.StatusSeeOther && loc == "/account/password":
		return "change password"
	case res.StatusCode == http.StatusForbidden && strings.Contains(res.Body, "Your roles do not allow"):
		return "forbidden"
	case res.StatusCode == http.StatusUnauthorized && strings.Contains(res.Header.Get("Content-Type"), "json"):
		return "no API key"
	}
	return "reached"
}

// rawSession stores a session for userID at stage directly, as the sign-in
// would (the matrix needs hundreds; the sign-in itself has its own tests).
func (env *testEnv) rawSession(t *testing.T, userID int64, stage identity.Stage) (id, csrf string) {
	t.Helper()
	b := make([]byte, 32)
	rand.Read(b)
	id = base64.RawURLEncoding.EncodeToString(b)
	csrf = base64.RawURLEncoding.EncodeToString(b[:16])
	now := env.clock.Now()
	_, err := env.db.Exec(context.Background(), `INSERT INTO sessions (id_hash, handle, user_id, stage, csrf_token, created_at, last_seen_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)`, identity.SessionID(id).Hash(), id[:24], userID, string(stage), csrf, now)
	if err != nil {
		t.Fatal(err)
	}
	return id, csrf
}

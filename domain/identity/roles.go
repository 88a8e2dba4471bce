// Package identity is who may do what (PCI DSS requirements 7 and 8): users
// and roles, passwords, TOTP, sessions with their timeouts, step-up, four-eyes
// access requests, API keys, and the lockout and inactivity rules. Storage,
// HTTP and cookies are adapters' business.
package identity

import (
	"slices"
	"strings"
)

// Role is a job function. Permissions are granted to roles, never to users.
type Role string

const (
	Administrator     Role = "administrator"
	ComplianceOfficer Role = "compliance_officer"
	EscrowApprover    Role = "escrow_approver"
	FraudReviewer     Role = "fraud_reviewer"
	Auditor           Role = "auditor"
	Operator          Role = "operator"
)

// Roles lists every role, in the order screens show them.
var Roles = []Role{Administrator, ComplianceOfficer, EscrowApprover, FraudReviewer, Auditor, Operator}

// Label is the role as people say it.
func (r Role) Label() string {
	s := strings.ReplaceAll(string(r), "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Permission names one thing a route or an API scope allows. Areas add
// theirs here, and grant them in rolePermissions, as they land.
type Permission string

const (
	PermAuditRead       Permission = "audit.read"       // browse and verify the audit log
	PermAuditExport     Permission = "audit.export"     // download CSV and evidence bundles
	PermAuditCheckpoint Permission = "audit.checkpoint" // sign a checkpoint on demand (API)
	PermUsersRead       Permission = "users.read"       // see users, roles, sessions (access reviews)
	PermUsersManage     Permission = "users.manage"     // create, disable, unlock, reset, request roles
	PermUsersApprove    Permission = "users.approve"    // decide another administrator's request
	PermAPIKeysManage   Permission = "apikeys.manage"   // create and revoke API keys
	PermPaymentsRead    Permission = "payments.read"    // see payments, refunds, disputes, Radar reviews
	PermPaymentsWrite   Permission = "payments.write"   // create and cancel payments
	PermPaymentsRefund  Permission = "payments.refund"  // request refunds, approve another's
	PermACHRead         Permission = "ach.read"         // see bank accounts, transfers, files, returns
	PermACHWrite        Permission = "ach.write"        // add accounts, create, approve and cancel transfers, confirm corrections
	PermACHFiles        Permission = "ach.files"        // download NACHA files, upload returns, force a cutoff
	PermCasesRead       Permission = "cases.read"       // the compliance case queue, screening results, lists
	PermCasesWork       Permission = "cases.work"       // claim, annotate and decide cases; load lists
	PermScreeningSearch Permission = "screening.search" // ad-hoc sanctions searches (each recorded)
	PermEscrowRead      Permission = "escrow.read"      // see escrows, their ledgers, policies, releases and certificates
	PermEscrowWrite     Permission = "escrow.write"     // open and fund escrows, request releases, propose policy changes
	PermEscrowApprove   Permission = "escrow.approve"   // sign or veto releases, decide policy changes (where designated)
	PermFraudAssess     Permission = "fraud.assess"     // score events through the risk API
	PermFraudRead       Permission = "fraud.read"       // see the review queue, cases, rules, lists and statistics
	PermFraudReview     Permission = "fraud.review"     // claim, annotate and decide review cases; edit the lists
	PermFraudRules      Permission = "fraud.rules"      // draft, backtest and publish (another's) rule versions
	PermPCIRead         Permission = "pci.read"         // see scorecards, their evidence, runs, attestations; export the report
	PermPCIManage       Permission = "pci.manage"       // run an assessment, record attestations and scan results
	PermAlertsRead      Permission = "alerts.read"      // see security alerts and incidents
	PermAlertsManage    Permission = "alerts.manage"    // acknowledge and resolve alerts, open and run incidents
)

// rolePermissions is the one table of who may do what (PCI DSS 7.2.1).
// Reading the audit trail is limited to those who review it (10.3.1);
// administrators, whose own actions it records, do not read it.
var rolePermissions = map[Role][]Permission{
	Administrator: {PermUsersRead, PermUsersManage, PermUsersApprove, PermAPIKeysManage},
	ComplianceOfficer: {PermAuditRead, PermAuditExport, PermUsersRead, PermPaymentsRead, PermACHRead, PermCasesRead, PermCasesWork, PermScreeningSearch, PermEscrowRead, PermFraudRead,
		PermPCIRead, PermPCIManage, PermAlertsRead, PermAlertsManage},
	Auditor:        {PermAuditRead, PermAuditExport, PermUsersRead, PermPaymentsRead, PermACHRead, PermCasesRead, PermEscrowRead, PermFraudRead, PermPCIRead, PermAlertsRead},
	EscrowApprover: {PermEscrowRead, PermEscrowApprove},
	FraudReviewer:  {PermPaymentsRead, PermACHRead, PermFraudRead, PermFraudReview, PermFraudRules},
	Operator:       {PermPaymentsRead, PermPaymentsWrite, PermPaymentsRefund, PermACHRead, PermACHWrite, PermACHFiles, PermEscrowRead, PermEscrowWrite},
}

// APIScopes are the permissions an API key may carry.
var APIScopes = []Permission{PermAuditRead, PermAuditCheckpoint, PermPaymentsRead, PermPaymentsWrite, PermPaymentsRefund,
	PermACHRead, PermACHWrite, PermEscrowRead, PermEscrowWrite, PermFraudAssess, PermFraudRead, PermPCIRead, PermPCIManage}

// Permissions returns what roles together allow.
func Permissions(roles []Role) map[Permission]bool {
	out := map[Permission]bool{}
	for _, r := range roles {
		for _, p := range rolePermissions[r] {
			out[p] = true
		}
	}
	return out
}

// toxic lists the pairs of roles no one may hold together (PCI DSS 7.2.2,
// separation of duties), with the reason a reviewer is shown.
var toxic = []struct {
	a, b   Role
	reason string
}{
	{Administrator, EscrowApprover, "whoever administers users could make themselves the approvers of a release"},
	{Administrator, Operator, "whoever administers users and keys could also move money with them"},
	{Administrator, ComplianceOfficer, "administrators' actions are reviewed by compliance officers, not by themselves"},
	{Administrator, Auditor, "an auditor must be independent of the administration being audited"},
	{Administrator, FraudReviewer, "whoever administers users could clear the fraud reviews of accounts they control"},
	{Operator, EscrowApprover, "whoever initiates a payment must not approve its release"},
	{Operator, FraudReviewer, "whoever moves money must not clear its fraud reviews"},
	{Auditor, Operator, "an auditor must be independent of day-to-day payments"},
	{Auditor, EscrowApprover, "an auditor must be independent of the approvals being audited"},
	{Auditor, FraudReviewer, "an auditor must be independent of the fraud decisions being audited"},
}

// Conflict returns why holding role together with held is forbidden, or ""
// when it is allowed.
func Conflict(held []Role, role Role) string {
	for _, t := range toxic {
		for _, h := range held {
			if (t.a == role && t.b == h) || (t.b == role && t.a == h) {
				return t.reason
			}
		}
	}
	return ""
}

// Privileged reports whether granting r needs a second administrator's
// approval. Only the read-only auditor role does not.
func (r Role) Privileged() bool { return r != Auditor }

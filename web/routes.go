package web

import (
	"net/http"

	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/static"
)

// uploadLimits are the routes that take files, with the body size each
// accepts instead of MaxBodyBytes.
var uploadLimits = map[string]int64{
	"POST /ach/returns":            32 << 20, // the bank's return files
	"POST /cases/{id}/attachments": 6 << 20,  // a 5 MiB document and its form
	"POST /pci/attestations":       52 << 20, // up to 10 evidence files of 5 MiB and the form
}

type route struct {
	pattern string
	access  access // who may use it: every route says (see access.go)
	handler http.Handler
}

// routes is the route table: every path the console answers, and who may
// use it. A route × role test walks this table with every role.
func (s *Server) routes() []route {
	d := s.deps
	h := s.handle
	return []route{
		{"GET /static/", assetAccess, static.Handler()},
		{"GET /healthz", assetAccess, http.HandlerFunc(s.healthz)},
		{"GET /readyz", assetAccess, http.HandlerFunc(s.readyz)},

		// Signing in and out.
		{"GET /login", publicAccess, h(d.SignIn.LoginForm)},
		{"POST /login", publicAccess, h(d.SignIn.Login)},
		{"GET /login/mfa", signingInAccess, h(d.SignIn.MFAForm)},
		{"POST /login/mfa", signingInAccess, h(d.SignIn.MFA)},
		{"GET /login/enroll", signingInAccess, h(d.SignIn.EnrollStart)},
		{"POST /login/enroll", signingInAccess, h(d.SignIn.EnrollBegin)},
		{"GET /login/enroll/qr.png", signingInAccess, h(d.SignIn.EnrollQRCode)},
		{"POST /login/enroll/confirm", signingInAccess, h(d.SignIn.EnrollConfirm)},
		{"POST /logout", signingInAccess, h(d.SignIn.Logout)},
		{"POST /session/keepalive", signedInAccess, h(d.SignIn.KeepAlive)},
		{"GET /stepup", signedInAccess, h(d.SignIn.StepUpForm)},
		{"POST /stepup", signedInAccess, h(d.SignIn.StepUp)},

		// One's own account.
		{"GET /account", signedInAccess, h(d.Account.Show)},
		{"GET /account/password", passwordAccess, h(d.Account.PasswordForm)},
		{"POST /account/password", passwordAccess, h(d.Account.ChangePassword)},
		{"POST /account/mfa", signedInAccess.sensitive(), h(d.SignIn.EnrollBegin)},
		{"GET /account/mfa/qr.png", signedInAccess, h(d.SignIn.EnrollQRCode)},
		{"POST /account/mfa/confirm", signedInAccess, h(d.SignIn.EnrollConfirm)},
		{"POST /sessions/{handle}/end", signedInAccess, h(d.Account.EndSession)},

		// The overview.
		{"GET /{$}", signedInAccess, h(d.Home.Show)},
		{"GET /widgets/system", signedInAccess, h(d.System.Show)},

		// The audit trail.
		{"GET /audit", perm(identity.PermAuditRead), h(d.Audit.List)},
		{"GET /audit/entries/{seq}", perm(identity.PermAuditRead), h(d.Audit.Entry)},
		{"POST /audit/entries/{seq}/verify", perm(identity.PermAuditRead), h(d.Audit.Verify)},
		{"GET /audit/stream", perm(identity.PermAuditRead), h(d.Audit.Stream)},
		{"GET /audit/export.csv", perm(identity.PermAuditExport).sensitive(), h(d.Audit.ExportCSV)},
		{"GET /audit/export.jsonl", perm(identity.PermAuditExport).sensitive(), h(d.Audit.ExportBundle)},

		// User administration.
		{"GET /admin/users", perm(identity.PermUsersRead), h(d.Users.List)},
		{"GET /admin/users/new", perm(identity.PermUsersManage), h(d.Users.NewForm)},
		{"POST /admin/users", perm(identity.PermUsersManage), h(d.Users.Create)},
		{"GET /admin/users/{id}", perm(identity.PermUsersRead), h(d.Users.Show)},
		{"POST /admin/users/{id}/disable", perm(identity.PermUsersManage), h(d.Users.Disable)},
		{"POST /admin/users/{id}/enable", perm(identity.PermUsersManage), h(d.Users.Enable)},
		{"POST /admin/users/{id}/unlock", perm(identity.PermUsersManage), h(d.Users.Unlock)},
		{"POST /admin/users/{id}/password", perm(identity.PermUsersManage).sensitive(), h(d.Users.ResetPassword)},
		{"POST /admin/users/{id}/roles", perm(identity.PermUsersManage).sensitive(), h(d.Users.RequestRole)},
		{"POST /admin/users/{id}/roles/{role}/revoke", perm(identity.PermUsersManage), h(d.Users.RevokeRole)},
		{"POST /admin/users/{id}/mfa-reset", perm(identity.PermUsersManage).sensitive(), h(d.Users.RequestMFAReset)},
		{"GET /admin/requests", perm(identity.PermUsersRead), h(d.Users.Requests)},
		{"POST /admin/requests/{id}/approve", perm(identity.PermUsersApprove).sensitive(), h(d.Users.Approve)},
		{"POST /admin/requests/{id}/reject", perm(identity.PermUsersApprove), h(d.Users.Reject)},
		{"GET /admin/api-keys", perm(identity.PermAPIKeysManage), h(d.APIKeys.List)},
		{"POST /admin/api-keys", perm(identity.PermAPIKeysManage).sensitive(), h(d.APIKeys.Create)},
		{"POST /admin/api-keys/{id}/revoke", perm(identity.PermAPIKeysManage), h(d.APIKeys.Revoke)},

		// Card payments.
		{"GET /payments", perm(identity.PermPaymentsRead), h(d.Payments.List)},
		{"GET /payments/stream", perm(identity.PermPaymentsRead), h(d.Payments.Stream)},
		{"GET /payments/disputes", perm(identity.PermPaymentsRead), h(d.Payments.Disputes)},
		{"GET /payments/reviews", perm(identity.PermPaymentsRead), h(d.Payments.Reviews)},
		{"GET /payments/{id}", perm(identity.PermPaymentsRead), h(d.Payments.Detail)},
		{"POST /payments/{id}/refunds", perm(identity.PermPaymentsRefund), h(d.Payments.Refund)},
		{"POST /payments/{id}/cancel", perm(identity.PermPaymentsWrite), h(d.Payments.Cancel)},
		{"POST /payments/{id}/simulate-dispute", perm(identity.PermPaymentsWrite), h(d.Payments.SimulateDispute)},
		{"POST /payments/refunds/{id}/approve", perm(identity.PermPaymentsRefund).sensitive(), h(d.Payments.ApproveRefund)},
		{"POST /payments/refunds/{id}/reject", perm(identity.PermPaymentsRefund), h(d.Payments.RejectRefund)},

		// ACH.
		{"GET /ach", perm(identity.PermACHRead), h(d.ACH.Transfers)},
		{"GET /ach/stream", perm(identity.PermACHRead), h(d.ACH.Stream)},
		{"GET /ach/transfers/new", perm(identity.PermACHWrite), h(d.ACH.NewTransfer)},
		{"POST /ach/transfers", perm(identity.PermACHWrite), h(d.ACH.CreateTransfer)},
		{"GET /ach/transfers/{id}", perm(identity.PermACHRead), h(d.ACH.Transfer)},
		{"POST /ach/transfers/{id}/approve", perm(identity.PermACHWrite).sensitive(), h(d.ACH.ApproveTransfer)},
		{"POST /ach/transfers/{id}/cancel", perm(identity.PermACHWrite), h(d.ACH.CancelTransfer)},
		{"GET /ach/accounts", perm(identity.PermACHRead), h(d.ACH.Accounts)},
		{"GET /ach/accounts/new", perm(identity.PermACHWrite), h(d.ACH.NewAccount)},
		{"POST /ach/accounts", perm(identity.PermACHWrite), h(d.ACH.CreateAccount)},
		{"GET /ach/accounts/{id}", perm(identity.PermACHRead), h(d.ACH.Account)},
		{"POST /ach/accounts/{id}/verify", perm(identity.PermACHWrite), h(d.ACH.StartVerification)},
		{"POST /ach/accounts/{id}/confirm", perm(identity.PermACHWrite), h(d.ACH.ConfirmVerification)},
		{"GET /ach/files", perm(identity.PermACHRead), h(d.ACH.Files)},
		{"POST /ach/cutoff", perm(identity.PermACHFiles), h(d.ACH.ForceCutoff)},
		{"GET /ach/files/{id}", perm(identity.PermACHRead), h(d.ACH.File)},
		{"GET /ach/files/{id}/download", perm(identity.PermACHFiles).sensitive(), h(d.ACH.DownloadFile)},
		{"GET /ach/returns", perm(identity.PermACHRead), h(d.ACH.Returns)},
		{"POST /ach/returns", perm(identity.PermACHFiles), h(d.ACH.UploadReturns)},
		{"POST /ach/corrections/{id}/apply", perm(identity.PermACHWrite).sensitive(), h(d.ACH.ApplyCorrection)},
		{"POST /ach/corrections/{id}/reject", perm(identity.PermACHWrite), h(d.ACH.RejectCorrection)},

		// Escrow. Signing, vetoing and deciding a policy change carry their
		// own TOTP code (step-up in place, spent by the action itself), so
		// they are not .sensitive(): that would ask for a second code first.
		{"GET /escrow", perm(identity.PermEscrowRead), h(d.Escrow.List)},
		{"GET /escrow/stream", perm(identity.PermEscrowRead), h(d.Escrow.Stream)},
		{"GET /escrow/new", perm(identity.PermEscrowWrite), h(d.Escrow.New)},
		{"POST /escrow", perm(identity.PermEscrowWrite), h(d.Escrow.Create)},
		{"GET /escrow/{id}", perm(identity.PermEscrowRead), h(d.Escrow.Detail)},
		{"POST /escrow/{id}/fund", perm(identity.PermEscrowWrite), h(d.Escrow.Fund)},
		{"POST /escrow/{id}/releases", perm(identity.PermEscrowWrite), h(d.Escrow.RequestRelease)},
		{"POST /escrow/{id}/policies", perm(identity.PermEscrowWrite), h(d.Escrow.ProposePolicy)},
		{"POST /escrow/{id}/policies/{version}/decide", perm(identity.PermEscrowApprove), h(d.Escrow.DecidePolicy)},
		{"GET /escrow/releases/{id}", perm(identity.PermEscrowRead), h(d.Escrow.Release)},
		{"POST /escrow/releases/{id}/approve", perm(identity.PermEscrowApprove), h(d.Escrow.Approve)},
		{"POST /escrow/releases/{id}/reject", perm(identity.PermEscrowApprove), h(d.Escrow.Reject)},
		{"GET /escrow/releases/{id}/certificate", perm(identity.PermEscrowRead), h(d.Escrow.Certificate)},
		{"GET /escrow/releases/{id}/certificate.json", perm(identity.PermEscrowRead), h(d.Escrow.CertificateFile)},

		// Fraud review: the queue and its cases, the rules (maker/checker:
		// publishing, step-up first, is for another reviewer than the
		// draft's maker), the lists and the statistics.
		{"GET /fraud", perm(identity.PermFraudRead), h(d.Fraud.Queue)},
		{"GET /fraud/stream", perm(identity.PermFraudRead), h(d.Fraud.Stream)},
		{"POST /fraud/next", perm(identity.PermFraudReview), h(d.Fraud.Next)},
		{"GET /fraud/cases/{id}", perm(identity.PermFraudRead), h(d.Fraud.Case)},
		{"POST /fraud/cases/{id}/claim", perm(identity.PermFraudReview), h(d.Fraud.Claim)},
		{"POST /fraud/cases/{id}/unclaim", perm(identity.PermFraudReview), h(d.Fraud.Unclaim)},
		{"POST /fraud/cases/{id}/assign", perm(identity.PermFraudReview), h(d.Fraud.Assign)},
		{"POST /fraud/cases/{id}/notes", perm(identity.PermFraudReview), h(d.Fraud.AddNote)},
		{"POST /fraud/cases/{id}/escalate", perm(identity.PermFraudReview), h(d.Fraud.Escalate)},
		{"POST /fraud/cases/{id}/decide", perm(identity.PermFraudReview), h(d.Fraud.Decide)},
		{"POST /fraud/cases/{id}/similar", perm(identity.PermFraudReview), h(d.Fraud.DecideSimilar)},
		{"GET /fraud/rules", perm(identity.PermFraudRead), h(d.Fraud.Rules)},
		{"POST /fraud/rules/draft", perm(identity.PermFraudRules), h(d.Fraud.SaveDraft)},
		{"POST /fraud/rules/draft/start", perm(identity.PermFraudRules), h(d.Fraud.StartDraft)},
		{"POST /fraud/rules/draft/backtest", perm(identity.PermFraudRules), h(d.Fraud.Backtest)},
		{"POST /fraud/rules/versions/{version}/publish", perm(identity.PermFraudRules).sensitive(), h(d.Fraud.Publish)},
		{"POST /fraud/rules/versions/{version}/discard", perm(identity.PermFraudRules), h(d.Fraud.Discard)},
		{"GET /fraud/lists", perm(identity.PermFraudRead), h(d.Fraud.Lists)},
		{"POST /fraud/lists", perm(identity.PermFraudReview), h(d.Fraud.AddToList)},
		{"POST /fraud/lists/{id}/remove", perm(identity.PermFraudReview), h(d.Fraud.RemoveFromList)},
		{"GET /fraud/stats", perm(identity.PermFraudRead), h(d.Fraud.Stats)},

		// PCI DSS: the scorecard (live), runs with their exports, the trend
		// and comparisons, sub-requirements with their attestations, and
		// dependency scans. Officers run, attest and record; auditors read.
		{"GET /pci", perm(identity.PermPCIRead), h(d.PCI.Scorecard)},
		{"GET /pci/stream", perm(identity.PermPCIRead), h(d.PCI.Stream)},
		{"POST /pci/runs", perm(identity.PermPCIManage), h(d.PCI.RunNow)},
		{"GET /pci/runs", perm(identity.PermPCIRead), h(d.PCI.Runs)},
		{"GET /pci/runs/compare", perm(identity.PermPCIRead), h(d.PCI.Compare)},
		{"GET /pci/runs/{id}", perm(identity.PermPCIRead), h(d.PCI.Run)},
		{"GET /pci/runs/{id}/report", perm(identity.PermPCIRead), h(d.PCI.ReportPage)},
		{"GET /pci/runs/{id}/report.json", perm(identity.PermPCIRead), h(d.PCI.ReportFile)},
		{"GET /pci/runs/{id}/report.csv", perm(identity.PermPCIRead), h(d.PCI.ReportCSV)},
		{"GET /pci/subs/{id}", perm(identity.PermPCIRead), h(d.PCI.Sub)},
		{"POST /pci/attestations", perm(identity.PermPCIManage), h(d.PCI.Attest)},
		{"GET /pci/attestations/{id}", perm(identity.PermPCIRead), h(d.PCI.Attestation)},
		{"GET /pci/attestations/{id}/files/{file}", perm(identity.PermPCIRead), h(d.PCI.AttestationFile)},
		{"GET /pci/scans", perm(identity.PermPCIRead), h(d.PCI.Scans)},
		{"POST /pci/scans", perm(identity.PermPCIManage), h(d.PCI.RecordScan)},

		// Security alerts: the alert centre (live), acknowledged and resolved
		// by those who manage alerts.
		{"GET /alerts", perm(identity.PermAlertsRead), h(d.Alerts.Centre)},
		{"GET /alerts/stream", perm(identity.PermAlertsRead), h(d.Alerts.Stream)},
		{"POST /alerts/{id}/acknowledge", perm(identity.PermAlertsManage), h(d.Alerts.Acknowledge)},
		{"POST /alerts/{id}/resolve", perm(identity.PermAlertsManage), h(d.Alerts.Resolve)},

		// Security incidents: read by those who see alerts, run by those who
		// manage them; each officer acknowledges a P1 or P2 for themselves.
		{"GET /incidents", perm(identity.PermAlertsRead), h(d.Incidents.List)},
		{"GET /incidents/stream", perm(identity.PermAlertsRead), h(d.Incidents.Stream)},
		{"GET /incidents/new", perm(identity.PermAlertsManage), h(d.Incidents.New)},
		{"POST /incidents", perm(identity.PermAlertsManage), h(d.Incidents.Open)},
		{"GET /incidents/{id}", perm(identity.PermAlertsRead), h(d.Incidents.Incident)},
		{"POST /incidents/{id}/status", perm(identity.PermAlertsManage), h(d.Incidents.Status)},
		{"POST /incidents/{id}/owner", perm(identity.PermAlertsManage), h(d.Incidents.Owner)},
		{"POST /incidents/{id}/notes", perm(identity.PermAlertsManage), h(d.Incidents.AddNote)},
		{"POST /incidents/{id}/links", perm(identity.PermAlertsManage), h(d.Incidents.AddLink)},
		{"POST /incidents/{id}/acknowledge", perm(identity.PermAlertsManage), h(d.Incidents.Acknowledge)},

		// Compliance: the case queue and sanctions screening.
		{"GET /cases", perm(identity.PermCasesRead), h(d.Cases.Queue)},
		{"GET /cases/{id}", perm(identity.PermCasesRead), h(d.Cases.Case)},
		{"GET /cases/{id}/export", perm(identity.PermCasesRead), h(d.Cases.Export)},
		{"GET /cases/{id}/attachments/{attachment}", perm(identity.PermCasesRead), h(d.Cases.Attachment)},
		{"POST /cases/{id}/claim", perm(identity.PermCasesWork), h(d.Cases.Claim)},
		{"POST /cases/{id}/assign", perm(identity.PermCasesWork), h(d.Cases.Assign)},
		{"POST /cases/{id}/notes", perm(identity.PermCasesWork), h(d.Cases.AddNote)},
		{"POST /cases/{id}/attachments", perm(identity.PermCasesWork), h(d.Cases.Attach)},
		{"POST /cases/{id}/escalate", perm(identity.PermCasesWork), h(d.Cases.Escalate)},
		{"POST /cases/{id}/decide", perm(identity.PermCasesWork).sensitive(), h(d.Cases.Decide)},
		{"GET /screening", perm(identity.PermCasesRead), h(d.Screening.Lists)},
		{"POST /screening/search", perm(identity.PermScreeningSearch), h(d.Screening.Search)},
		{"POST /screening/load", perm(identity.PermCasesWork), h(d.Screening.Load)},
		{"GET /screening/versions/{id}", perm(identity.PermCasesRead), h(d.Screening.Version)},
		{"GET /screening/party", perm(identity.PermCasesRead), h(d.Screening.Party)},

		// The payer's page and Stripe's webhooks: no session; the caller
		// proves itself (a link only the console makes, Stripe's signature).
		{"GET /pay/{id}/{token}", externalAccess, h(d.Pay.Page)},
		{"GET /pay/{id}/{token}/status", externalAccess, h(d.Pay.Status)},
		{"POST /pay/{id}/{token}/simulate", externalAccess, h(d.Pay.Simulate)},
		{"POST /webhooks/stripe", externalAccess, h(d.Webhooks.Receive)},

		// The API, for systems with API keys.
		{"GET /api/v1/openapi.json", assetAccess, http.HandlerFunc(serveOpenAPI)},
		{"GET /api/v1/audit/entries", scope(identity.PermAuditRead), h(d.API.AuditEntries)},
		{"POST /api/v1/audit/checkpoints", scope(identity.PermAuditCheckpoint), h(d.API.CreateCheckpoint)},
		{"POST /api/v1/payments", scope(identity.PermPaymentsWrite), h(d.PaymentsAPI.Create)},
		{"GET /api/v1/payments", scope(identity.PermPaymentsRead), h(d.PaymentsAPI.List)},
		{"GET /api/v1/payments/{id}", scope(identity.PermPaymentsRead), h(d.PaymentsAPI.Get)},
		{"POST /api/v1/payments/{id}/cancel", scope(identity.PermPaymentsWrite), h(d.PaymentsAPI.Cancel)},
		{"POST /api/v1/payments/{id}/refunds", scope(identity.PermPaymentsRefund), h(d.PaymentsAPI.Refund)},
		{"POST /api/v1/bank-accounts", scope(identity.PermACHWrite), h(d.ACHAPI.CreateBankAccount)},
		{"GET /api/v1/bank-accounts", scope(identity.PermACHRead), h(d.ACHAPI.BankAccounts)},
		{"GET /api/v1/bank-accounts/{id}", scope(identity.PermACHRead), h(d.ACHAPI.BankAccount)},
		{"POST /api/v1/transfers", scope(identity.PermACHWrite), h(d.ACHAPI.CreateTransfer)},
		{"GET /api/v1/transfers", scope(identity.PermACHRead), h(d.ACHAPI.Transfers)},
		{"GET /api/v1/transfers/{id}", scope(identity.PermACHRead), h(d.ACHAPI.Transfer)},
		{"POST /api/v1/transfers/{id}/cancel", scope(identity.PermACHWrite), h(d.ACHAPI.CancelTransfer)},
		{"POST /api/v1/escrows", scope(identity.PermEscrowWrite), h(d.EscrowAPI.CreateEscrow)},
		{"GET /api/v1/escrows", scope(identity.PermEscrowRead), h(d.EscrowAPI.Escrows)},
		{"GET /api/v1/escrows/{id}", scope(identity.PermEscrowRead), h(d.EscrowAPI.EscrowByID)},
		{"POST /api/v1/escrows/{id}/fundings", scope(identity.PermEscrowWrite), h(d.EscrowAPI.Fund)},
		{"POST /api/v1/escrows/{id}/releases", scope(identity.PermEscrowWrite), h(d.EscrowAPI.RequestRelease)},
		{"GET /api/v1/escrow-releases/{id}", scope(identity.PermEscrowRead), h(d.EscrowAPI.Release)},
		{"GET /api/v1/escrow-releases/{id}/certificate", scope(identity.PermEscrowRead), h(d.EscrowAPI.Certificate)},
		{"POST /api/v1/risk/assessments", scope(identity.PermFraudAssess), h(d.FraudAPI.Assess)},
		{"GET /api/v1/risk/assessments/{id}", scope(identity.PermFraudRead), h(d.FraudAPI.Assessment)},
		{"POST /api/v1/pci/scans", scope(identity.PermPCIManage), h(d.PCIAPI.RecordScan)},

		{"/", assetAccess, h(s.notFound)},
	}
}

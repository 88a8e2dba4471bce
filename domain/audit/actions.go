package audit

// Action names what happened, as area.object.verb (or area.verb). Every action any area
// records is listed here, in one place, so that auditors can see what the
// system logs (PCI DSS 10.2.1) and filters can offer the full list.
type Action string

// The actions, grouped by area.
const (
	// Identity and access (10.2.1.1, 10.2.1.2, 10.2.1.4, 10.2.1.5).
	LoginSucceeded     Action = "auth.login.succeeded"
	LoginFailed        Action = "auth.login.failed"
	Logout             Action = "auth.logout"
	AccountLocked      Action = "auth.account.locked"
	AccountUnlocked    Action = "auth.account.unlocked"
	MFAEnrolled        Action = "auth.mfa.enrolled"
	MFAFailed          Action = "auth.mfa.failed"
	StepUpSucceeded    Action = "auth.stepup.succeeded"
	SessionRevoked     Action = "auth.session.revoked"
	PasswordChanged    Action = "auth.password.changed"
	UserCreated        Action = "user.created"
	UserDisabled       Action = "user.disabled"
	RoleGrantRequested Action = "user.role.grant_requested"
	RoleGranted        Action = "user.role.granted"
	RoleRevoked        Action = "user.role.revoked"
	UserEnabled        Action = "user.enabled"
	PasswordReset      Action = "user.password.reset"
	MFAResetRequested  Action = "user.mfa.reset_requested"
	MFAReset           Action = "user.mfa.reset"
	// AccessRequestRejected: a four-eyes request (role grant, MFA reset) refused.
	AccessRequestRejected Action = "user.request.rejected"
	APIKeyCreated         Action = "apikey.created"
	APIKeyRevoked         Action = "apikey.revoked"
	// APIRequest is every call made with an API key, with its outcome.
	APIRequest Action = "api.request"

	// Card payments.
	PaymentCreated Action = "payment.created"
	// PaymentCanceled: canceled by an operator or a system, or reported
	// canceled by the processor.
	PaymentCanceled        Action = "payment.canceled"
	RefundRequested        Action = "payment.refund.requested"
	RefundApproved         Action = "payment.refund.approved"
	RefundRejected         Action = "payment.refund.rejected"
	PaymentRefunded        Action = "payment.refunded" // the processor took the refund (or refused it: failure)
	WebhookApplied         Action = "payment.webhook.applied"
	WebhookRejected        Action = "payment.webhook.rejected"  // bad signature or stale timestamp
	WebhooksCaughtUp       Action = "payment.webhook.caught_up" // events listed from the processor's API that no webhook brought
	DisputeOpened          Action = "payment.dispute.opened"
	RadarReviewOpened      Action = "payment.review.opened"
	PaymentOutcomeSimulate Action = "payment.outcome.simulated" // test mode only

	// ACH.
	AccountAdded       Action = "ach.account.added"
	AccountVerified    Action = "ach.account.verified" // micro-deposits confirmed, or not (failure)
	AccountBlocked     Action = "ach.account.blocked"
	TransferCreated    Action = "ach.transfer.created"
	TransferHeld       Action = "ach.transfer.held"
	TransferApproved   Action = "ach.transfer.approved"
	TransferCanceled   Action = "ach.transfer.canceled"
	FileGenerated      Action = "ach.file.generated"
	BatchSent          Action = "ach.batch.sent" // a file delivered to the bank
	FileDownloaded     Action = "ach.file.downloaded"
	InboundReceived    Action = "ach.inbound.received" // or refused (failure): not a valid NACHA file
	ReturnReceived     Action = "ach.return.received"
	CorrectionReceived Action = "ach.correction.received"
	CorrectionDecided  Action = "ach.correction.decided"

	// Screening and AML.
	ListLoaded       Action = "screening.list.loaded" // or refused (failure): unreadable, or shrunk suspiciously
	HitOpened        Action = "screening.hit.opened"
	HitDispositioned Action = "screening.hit.dispositioned"
	ScreeningSearch  Action = "screening.search" // an ad-hoc check
	AMLCaseOpened    Action = "aml.case.opened"
	AMLReportFiled   Action = "aml.report.filed"
	CaseUpdated      Action = "case.updated" // claimed, assigned, a note, an attachment, escalated
	CaseDecided      Action = "case.decided"
	CaseExported     Action = "case.exported" // a case file taken for filing, or an attachment downloaded
	CaseViewed       Action = "case.viewed"   // a SAR case opened: what it holds is confidential

	// Escrow.
	EscrowCreated     Action = "escrow.created"
	EscrowFunded      Action = "escrow.funded"
	EscrowRefunded    Action = "escrow.refunded"
	ReleaseRequested  Action = "escrow.release.requested"
	ReleaseApproved   Action = "escrow.release.approved"
	ReleaseRejected   Action = "escrow.release.rejected"
	ReleaseExpired    Action = "escrow.release.expired"
	ReleaseBlocked    Action = "escrow.release.blocked"
	ReleaseExecuted   Action = "escrow.release.executed"
	PolicyProposed    Action = "escrow.policy.proposed"
	PolicyChanged     Action = "escrow.policy.changed" // a proposal approved: the new version is active
	PolicyRejected    Action = "escrow.policy.rejected"
	CertificateIssued Action = "escrow.certificate.issued"

	// Fraud.
	FraudCaseClaimed   Action = "fraud.case.claimed" // claimed, assigned or given back
	FraudCaseNote      Action = "fraud.case.noted"
	FraudCaseEscalated Action = "fraud.case.escalated"
	FraudCaseDecided   Action = "fraud.case.decided"
	FraudEventStopped  Action = "fraud.event.stopped" // a declined or blocked event's payment or transfer stopped
	FraudRuleChanged   Action = "fraud.rule.changed"  // a draft saved, published or discarded
	FraudBacktested    Action = "fraud.rule.backtested"
	FraudListChanged   Action = "fraud.list.changed"

	// PCI DSS scorecards, security alerts and incidents.
	AttestationRecorded  Action = "pci.attestation.recorded"
	ScanRecorded         Action = "pci.scan.recorded" // a dependency vulnerability scan's result (6.3.3)
	ReportExported       Action = "pci.report.exported"
	AlertRaised          Action = "alert.raised"
	AlertAcknowledged    Action = "alert.acknowledged"
	AlertResolved        Action = "alert.resolved"
	AlertDelivered       Action = "alert.delivered" // sent to the outbound webhook, or given up on
	IncidentOpened       Action = "incident.opened"
	IncidentUpdated      Action = "incident.updated" // status, owner, priority, a note or a link
	IncidentAcknowledged Action = "incident.acknowledged"

	// Compliance and the audit trail itself (10.2.1.3, 10.2.1.6, 10.7.2).
	ScorecardRun       Action = "pci.scorecard.run"
	AuditViewed        Action = "audit.log.viewed"
	AuditExported      Action = "audit.log.exported"
	AuditVerified      Action = "audit.verify.completed"
	AuditCheckpointed  Action = "audit.checkpoint.signed"
	AuditPartitionDrop Action = "audit.partition.dropped"
	KeysRotated        Action = "keys.rotated"
)

// Actions lists every action, for validation and for filter menus.
var Actions = []Action{
	LoginSucceeded, LoginFailed, Logout, AccountLocked, AccountUnlocked, MFAEnrolled, MFAFailed,
	StepUpSucceeded, SessionRevoked, PasswordChanged, UserCreated, UserDisabled, RoleGrantRequested,
	RoleGranted, RoleRevoked, UserEnabled, PasswordReset, MFAResetRequested, MFAReset, AccessRequestRejected,
	APIKeyCreated, APIKeyRevoked, APIRequest,
	PaymentCreated, PaymentCanceled, RefundRequested, RefundApproved, RefundRejected, PaymentRefunded,
	WebhookApplied, WebhookRejected, WebhooksCaughtUp, DisputeOpened, RadarReviewOpened, PaymentOutcomeSimulate,
	AccountAdded, AccountVerified, AccountBlocked, TransferCreated, TransferHeld, TransferApproved, TransferCanceled,
	FileGenerated, BatchSent, FileDownloaded, InboundReceived, ReturnReceived, CorrectionReceived, CorrectionDecided,
	ListLoaded, HitOpened, HitDispositioned, ScreeningSearch, AMLCaseOpened, AMLReportFiled, CaseUpdated, CaseDecided, CaseExported, CaseViewed,
	EscrowCreated, EscrowFunded, EscrowRefunded, ReleaseRequested, ReleaseApproved, ReleaseRejected, ReleaseExpired, ReleaseBlocked,
	ReleaseExecuted, PolicyProposed, PolicyChanged, PolicyRejected, CertificateIssued,
	FraudCaseClaimed, FraudCaseNote, FraudCaseEscalated, FraudCaseDecided, FraudEventStopped, FraudRuleChanged, FraudBacktested, FraudListChanged,
	AttestationRecorded, ScanRecorded, ReportExported, AlertRaised, AlertAcknowledged, AlertResolved, AlertDelivered,
	IncidentOpened, IncidentUpdated, IncidentAcknowledged,
	ScorecardRun, AuditViewed, AuditExported, AuditVerified, AuditCheckpointed, AuditPartitionDrop, KeysRotated,
}

var known = func() map[Action]bool {
	m := make(map[Action]bool, len(Actions))
	for _, a := range Actions {
		m[a] = true
	}
	return m
}()

// Known reports whether a is one of Actions.
func Known(a Action) bool { return known[a] }

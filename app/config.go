package app

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/identity"
)

// Config is everything the console reads from its environment.
type Config struct {
	Addr, AdminAddr      string
	DataDir              string
	DatabaseURL          string
	PGLocalAddr          string
	PGDatabase           string
	PGBinDir             string
	DBMaxConns           int
	DBRole               string
	MigrateOnStart       bool
	Keyring              string // "local" or "awskms"
	KeyFile              string
	AWSRegion            string
	KMSEndpoint          string
	KMSEncryptKeyID      string
	KMSMACKeyID          string
	KMSSignKeyID         string
	MaxBodyBytes         int64
	ShutdownTimeout      time.Duration
	JobWorkers           int
	JobTimeout           time.Duration
	JobRescueAfter       time.Duration
	AuditCheckpointDir   string
	AuditCheckpointEvery time.Duration
	AuditVerifyEvery     time.Duration
	KeyCryptoperiod      time.Duration
	PCIAssessEvery       time.Duration
	AuditRetentionMonths int
	CheckpointS3Bucket   string
	CheckpointS3Prefix   string
	CheckpointS3Mode     string
	S3Endpoint           string
	S3UsePathStyle       bool
	LogFormat            string // "json" or "text"
	LogLevel             string
	SessionIdleTimeout   time.Duration
	SessionMaxAge        time.Duration
	APIRateLimit         int
	PublicURL            string
	StripeSecretKey      string
	StripePublishableKey string
	StripeWebhookSecret  string
	StripeAPIURL         string
	StripeMockBin        string
	StripeTimeout        time.Duration
	StripeMaxRetries     int
	StripeCatchUpEvery   time.Duration
	WebhookTolerance     time.Duration
	RefundApprovalAbove  int64

	ScreeningListDir   string
	ScreeningListURL   string
	ScreeningListEvery time.Duration
	ScreeningThreshold float64
	ScreeningMaxShrink int

	ACHBankRouting   string
	ACHBankName      string
	ACHOriginID      string
	ACHOriginName    string
	ACHCompanyName   string
	ACHCompanyID     string
	ACHCutoffs       string
	ACHTimezone      string
	ACHSameDay       bool
	ACHCutoffGrace   time.Duration
	ACHBalanced      bool
	ACHOffsetRouting string
	ACHOffsetAccount string
	ACHApprovalAbove int64
	ACHDailyLimit    int64
	ACHMaxTransfer   int64
	ACHOutboundDir   string
	ACHInboundDir    string
	ACHS3Bucket      string
	ACHS3OutPrefix   string
	ACHS3InPrefix    string
	ACHS3KMSKeyID    string

	AMLDailyTotal       int64
	AMLStructuringLow   int64
	AMLStructuringCount int
	AMLStructuringDays  int
	AMLRapidWindow      time.Duration
	AMLRapidMinimum     int64
	AMLVelocityFactor   int

	AlertFailedLogins  int
	AlertWebhookURL    string
	AlertWebhookSecret string
}

// testMode is payments without a Stripe key: a local stripe-mock, and
// simulated outcomes on the payer's page.
func (c Config) testMode() bool { return c.StripeSecretKey == "" }

// policy is the authentication policy: PCI DSS's numbers, with the
// session limits and API rate the settings choose.
func (c Config) policy() identity.Policy {
	p := identity.DefaultPolicy()
	p.IdleTimeout, p.MaxSessionAge, p.APIRateLimit = c.SessionIdleTimeout, c.SessionMaxAge, c.APIRateLimit
	return p
}

// setting is one environment variable: its default and what it means. The
// README's configuration table lists every one (a test checks).
type setting struct {
	env, def, help string
	set            func(c *Config, v string) error
}

var settings = []setting{
	{"ADDR", "127.0.0.1:8080", "Address the console and API listen on.", str(func(c *Config) *string { return &c.Addr })},
	{"ADMIN_ADDR", "127.0.0.1:9090", "Address for /metrics, /healthz and /readyz; keep it off the public network.", str(func(c *Config) *string { return &c.AdminAddr })},
	{"DATA_DIR", "./var", "Directory for generated dev keys and a private PostgreSQL cluster (git-ignored).", str(func(c *Config) *string { return &c.DataDir })},
	{"DATABASE_URL", "", "PostgreSQL connection URL. Empty: use the local server on PG_LOCAL_ADDR, or start a private cluster in DATA_DIR.", str(func(c *Config) *string { return &c.DatabaseURL })},
	{"PG_LOCAL_ADDR", "127.0.0.1:5432", "Local PostgreSQL server tried when DATABASE_URL is empty (user postgres, trust auth).", str(func(c *Config) *string { return &c.PGLocalAddr })},
	{"PG_DATABASE", "console", "Database created and used on the local server or private cluster.", str(func(c *Config) *string { return &c.PGDatabase })},
	{"PG_BIN_DIR", "", "Directory with initdb and pg_ctl for a private cluster. Empty: /usr/lib/postgresql/*/bin, then PATH.", str(func(c *Config) *string { return &c.PGBinDir })},
	{"DB_MAX_CONNS", "16", "Maximum connections in this instance's pool.", integer(func(c *Config) *int { return &c.DBMaxConns })},
	{"DB_ROLE", "console_app", "Role the console acts as (SET ROLE); migrations run as the login. The login must be a member of it.", str(func(c *Config) *string { return &c.DBRole })},
	{"MIGRATE_ON_START", "true", "serve applies pending migrations first; set false when DATABASE_URL's login does not own the schema, and run 'console migrate' as the owner at deploy.", boolean(func(c *Config) *bool { return &c.MigrateOnStart })},
	{"KEYRING", "local", "Key store: local (key file in DATA_DIR) or awskms.", oneOf(func(c *Config) *string { return &c.Keyring }, "local", "awskms")},
	{"KEY_FILE", "", "Local key file. Empty: DATA_DIR/keys.json (created with mode 0600 on first run).", str(func(c *Config) *string { return &c.KeyFile })},
	{"AWS_REGION", "", "AWS region of the KMS keys and the checkpoint bucket, when used; credentials come from the standard AWS chain.", str(func(c *Config) *string { return &c.AWSRegion })},
	{"KMS_ENDPOINT", "", "KMS endpoint override (a VPC endpoint, say). Empty: the region's default.", str(func(c *Config) *string { return &c.KMSEndpoint })},
	{"KMS_ENCRYPT_KEY_ID", "", "KMS symmetric key (SYMMETRIC_DEFAULT) for envelope encryption.", str(func(c *Config) *string { return &c.KMSEncryptKeyID })},
	{"KMS_MAC_KEY_ID", "", "KMS HMAC_256 key for deterministic tokens.", str(func(c *Config) *string { return &c.KMSMACKeyID })},
	{"KMS_SIGN_KEY_ID", "", "KMS ECC_NIST_P256 key for signatures.", str(func(c *Config) *string { return &c.KMSSignKeyID })},
	{"MAX_BODY_BYTES", "1048576", "Largest request body accepted; larger ones get 413.", int64Setting(func(c *Config) *int64 { return &c.MaxBodyBytes })},
	{"SHUTDOWN_TIMEOUT", "20s", "How long in-flight requests and jobs get to finish on SIGTERM.", duration(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
	{"JOB_WORKERS", "10", "Jobs this instance works at once.", integer(func(c *Config) *int { return &c.JobWorkers })},
	{"JOB_TIMEOUT", "1m", "How long a job may run before it is cancelled and retried, unless its kind allows longer (re-screening 30m, the PCI assessment 5m).", duration(func(c *Config) *time.Duration { return &c.JobTimeout })},
	{"JOB_RESCUE_AFTER", "5m", "A job still running this long (and past its own time limit) is taken for abandoned by a process that died, and retried; at least JOB_TIMEOUT.", duration(func(c *Config) *time.Duration { return &c.JobRescueAfter })},
	{"AUDIT_CHECKPOINT_DIR", "", "Directory where signed audit checkpoints are also written, write-once. Empty: DATA_DIR/audit-checkpoints. Use storage the database's administrators cannot write.", str(func(c *Config) *string { return &c.AuditCheckpointDir })},
	{"AUDIT_CHECKPOINT_EVERY", "1m", "How often the audit sequencer signs a checkpoint of the chain's head.", duration(func(c *Config) *time.Duration { return &c.AuditCheckpointEvery })},
	{"KEY_CRYPTOPERIOD", "8760h", "How long a key version of the local key file may stay in use (PCI DSS 3.6.1, 3.7.4); the scorecard fails past it: `console keys rotate`.", duration(func(c *Config) *time.Duration { return &c.KeyCryptoperiod })},
	{"PCI_ASSESS_EVERY", "1h", "How often the PCI DSS scorecard is assessed from live evidence (also on demand in the console).", duration(func(c *Config) *time.Duration { return &c.PCIAssessEvery })},
	{"AUDIT_VERIFY_EVERY", "1h", "How often the whole audit chain is verified; a failure raises an alert.", duration(func(c *Config) *time.Duration { return &c.AuditVerifyEvery })},
	{"AUDIT_RETENTION_MONTHS", "120", "How long audit entries are kept, in months (at least 12, PCI DSS 10.5.1); expired months are dropped whole, and each drop is recorded.", integer(func(c *Config) *int { return &c.AuditRetentionMonths })},
	{"AUDIT_CHECKPOINT_S3_BUCKET", "", "S3 bucket with Object Lock to keep signed checkpoints in, locked for AUDIT_RETENTION_MONTHS, instead of AUDIT_CHECKPOINT_DIR (see s3sink/README.md). Empty: the directory.", str(func(c *Config) *string { return &c.CheckpointS3Bucket })},
	{"AUDIT_CHECKPOINT_S3_PREFIX", "audit-checkpoints/", "Key prefix for checkpoints in that bucket.", str(func(c *Config) *string { return &c.CheckpointS3Prefix })},
	{"AUDIT_CHECKPOINT_S3_MODE", "COMPLIANCE", "Object Lock mode: COMPLIANCE (nobody can remove a checkpoint early) or GOVERNANCE.", oneOf(func(c *Config) *string { return &c.CheckpointS3Mode }, "COMPLIANCE", "GOVERNANCE")},
	{"S3_ENDPOINT", "", "S3 endpoint override (a VPC endpoint or an S3-compatible store). Empty: the region's default.", str(func(c *Config) *string { return &c.S3Endpoint })},
	{"S3_USE_PATH_STYLE", "false", "Address the bucket by path rather than by host name (some S3-compatible stores need it).", boolean(func(c *Config) *bool { return &c.S3UsePathStyle })},
	{"SESSION_IDLE_TIMEOUT", "15m", "A session unused this long ends (at most 15m, PCI DSS 8.2.8).", duration(func(c *Config) *time.Duration { return &c.SessionIdleTimeout })},
	{"SESSION_MAX_AGE", "12h", "A session ends this long after sign-in, however active.", duration(func(c *Config) *time.Duration { return &c.SessionMaxAge })},
	{"API_RATE_LIMIT", "600", "Calls per minute each API key may make, across all instances; more get 429.", integer(func(c *Config) *int { return &c.APIRateLimit })},
	{"PUBLIC_URL", "", "Address payers reach the console at (https://pay.example.com), for payer links. Empty: the address each request came to.", str(func(c *Config) *string { return &c.PublicURL })},
	{"STRIPE_SECRET_KEY", "", "Stripe secret key (sk_live_… or sk_test_…). Empty: test mode, against a stripe-mock the console starts, with simulated outcomes on the payer's page.", str(func(c *Config) *string { return &c.StripeSecretKey })},
	{"STRIPE_PUBLISHABLE_KEY", "", "Stripe publishable key (pk_…) for Stripe.js on the payer's page; needed with STRIPE_SECRET_KEY.", str(func(c *Config) *string { return &c.StripePublishableKey })},
	{"STRIPE_WEBHOOK_SECRET", "", "Signing secret (whsec_…) of the Stripe webhook endpoint for /webhooks/stripe; needed with STRIPE_SECRET_KEY. Empty in test mode: generated into DATA_DIR/stripe-webhook-secret.", str(func(c *Config) *string { return &c.StripeWebhookSecret })},
	{"STRIPE_API_URL", "", "Stripe API base URL. Empty: api.stripe.com with a key; without one, the stripe-mock the console starts.", str(func(c *Config) *string { return &c.StripeAPIURL })},
	{"STRIPE_MOCK_BIN", "", "stripe-mock executable for test mode. Empty: bin/stripe-mock (make builds it), then PATH.", str(func(c *Config) *string { return &c.StripeMockBin })},
	{"STRIPE_TIMEOUT", "10s", "How long one call to Stripe may take before it is retried.", duration(func(c *Config) *time.Duration { return &c.StripeTimeout })},
	{"STRIPE_MAX_RETRIES", "2", "Retries of a Stripe call that failed on the network or with a 5xx, with backoff, under the same idempotency key.", integer(func(c *Config) *int { return &c.StripeMaxRetries })},
	{"STRIPE_EVENTS_CATCHUP_EVERY", "5m", "How often Stripe's event list is read for events no webhook brought (after an outage of the endpoint or of this console); each is applied once, as if delivered. 0: never.", duration(func(c *Config) *time.Duration { return &c.StripeCatchUpEvery })},
	{"STRIPE_WEBHOOK_TOLERANCE", "5m", "How old a webhook's signed timestamp may be; older ones are refused (replay protection).", duration(func(c *Config) *time.Duration { return &c.WebhookTolerance })},
	{"REFUND_APPROVAL_ABOVE", "50000", "Refunds of more minor units than this (500.00 in a two-decimal currency) wait for a second operator's approval.", int64Setting(func(c *Config) *int64 { return &c.RefundApprovalAbove })},
	{"SCREENING_LIST_DIR", "", "Directory the OFAC files (sdn.csv, and alt.csv, add.csv, cons_prim.csv … when present) are loaded from. Empty: DATA_DIR/ofac (make run puts a small demo list there).", str(func(c *Config) *string { return &c.ScreeningListDir })},
	{"SCREENING_LIST_URL", "", "Address the OFAC files are downloaded from instead of the directory (https://www.treasury.gov/ofac/downloads/).", str(func(c *Config) *string { return &c.ScreeningListURL })},
	{"SCREENING_LIST_EVERY", "6h", "How often the lists are loaded; a load identical to the active version adds nothing.", duration(func(c *Config) *time.Duration { return &c.ScreeningListEvery })},
	{"SCREENING_THRESHOLD", "0.90", "Match score (0 to 1) at or above which a name is a hit.", fraction(func(c *Config) *float64 { return &c.ScreeningThreshold })},
	{"SCREENING_MAX_SHRINK", "10", "A load with more than this many percent fewer entries than the active version is refused and alerted (a truncated download, say).", integer(func(c *Config) *int { return &c.ScreeningMaxShrink })},
	{"ACH_BANK_ROUTING", "091400606", "Routing number of the bank that sends our files (the ODFI): the file's immediate destination.", str(func(c *Config) *string { return &c.ACHBankRouting })},
	{"ACH_BANK_NAME", "DEMO ODFI", "The ODFI's name on the file header (23 characters).", str(func(c *Config) *string { return &c.ACHBankName })},
	{"ACH_ORIGIN_ID", "1234567890", "Our immediate origin on the file header, as the bank assigned it (10 characters).", str(func(c *Config) *string { return &c.ACHOriginID })},
	{"ACH_ORIGIN_NAME", "PAYMENTS CONSOLE", "Our name on the file header (23 characters).", str(func(c *Config) *string { return &c.ACHOriginName })},
	{"ACH_COMPANY_NAME", "CONSOLE PAY", "Company name on every batch: what account holders' statements show (16 characters).", str(func(c *Config) *string { return &c.ACHCompanyName })},
	{"ACH_COMPANY_ID", "1234567890", "Company identification on every batch (10 characters, often 1 and the EIN).", str(func(c *Config) *string { return &c.ACHCompanyID })},
	{"ACH_CUTOFFS", "10:30,14:45,16:45", "The bank's cutoffs, in ACH_TIMEZONE, in order: one file each banking day at each.", str(func(c *Config) *string { return &c.ACHCutoffs })},
	{"ACH_TIMEZONE", "America/New_York", "Time zone of the cutoffs and of banking days.", str(func(c *Config) *string { return &c.ACHTimezone })},
	{"ACH_CUTOFF_GRACE", "30m", "A cutoff the console missed (it was down) still runs this long after its time; later, its transfers go with the next cutoff.", duration(func(c *Config) *time.Duration { return &c.ACHCutoffGrace })},
	{"ACH_SAME_DAY", "true", "Offer same-day ACH: every cutoff but the last is a same-day window.", boolean(func(c *Config) *bool { return &c.ACHSameDay })},
	{"ACH_BALANCED", "false", "Balanced files: each batch gets an offset entry to our settlement account (ACH_OFFSET_ROUTING, ACH_OFFSET_ACCOUNT).", boolean(func(c *Config) *bool { return &c.ACHBalanced })},
	{"ACH_OFFSET_ROUTING", "", "Routing number of our settlement account, for balanced files.", str(func(c *Config) *string { return &c.ACHOffsetRouting })},
	{"ACH_OFFSET_ACCOUNT", "", "Number of our settlement (checking) account, for balanced files.", str(func(c *Config) *string { return &c.ACHOffsetAccount })},
	{"ACH_APPROVAL_ABOVE", "1000000", "Transfers of more cents than this ($10,000.00) wait for an operator other than their creator.", int64Setting(func(c *Config) *int64 { return &c.ACHApprovalAbove })},
	{"ACH_DAILY_LIMIT", "5000000", "Most cents one customer's transfers may total in a banking day ($50,000.00).", int64Setting(func(c *Config) *int64 { return &c.ACHDailyLimit })},
	{"ACH_MAX_TRANSFER", "2500000", "Most cents one transfer may move ($25,000.00).", int64Setting(func(c *Config) *int64 { return &c.ACHMaxTransfer })},
	{"ACH_OUTBOUND_DIR", "", "Directory NACHA files are delivered to, write-once, for the bank's transfer agent. Empty: DATA_DIR/ach/outbound.", str(func(c *Config) *string { return &c.ACHOutboundDir })},
	{"ACH_INBOUND_DIR", "", "Directory watched for the bank's return and NOC files (taken ones move to processed/, refused ones to rejected/). Empty: DATA_DIR/ach/inbound.", str(func(c *Config) *string { return &c.ACHInboundDir })},
	{"ACH_S3_BUCKET", "", "S3 bucket to deliver NACHA files to (encrypted with KMS) and read returns from, instead of the directories. Empty: the directories.", str(func(c *Config) *string { return &c.ACHS3Bucket })},
	{"ACH_S3_OUTBOUND_PREFIX", "ach/outbound/", "Key prefix for delivered files in ACH_S3_BUCKET.", str(func(c *Config) *string { return &c.ACHS3OutPrefix })},
	{"ACH_S3_INBOUND_PREFIX", "ach/inbound/", "Key prefix the bank's return and NOC files arrive under in ACH_S3_BUCKET.", str(func(c *Config) *string { return &c.ACHS3InPrefix })},
	{"ACH_S3_KMS_KEY_ID", "", "KMS key S3 encrypts the files with (SSE-KMS). Empty: the account's aws/s3 key.", str(func(c *Config) *string { return &c.ACHS3KMSKeyID })},
	{"AML_DAILY_TOTAL", "1000000", "A customer's day above this many cents either way ($10,000.00) is a large-transaction (CTR) candidate.", int64Setting(func(c *Config) *int64 { return &c.AMLDailyTotal })},
	{"AML_STRUCTURING_LOW", "800000", "Transactions from this many cents ($8,000.00) up to AML_DAILY_TOTAL count toward structuring.", int64Setting(func(c *Config) *int64 { return &c.AMLStructuringLow })},
	{"AML_STRUCTURING_COUNT", "3", "This many such transactions within AML_STRUCTURING_DAYS is possible structuring.", integer(func(c *Config) *int { return &c.AMLStructuringCount })},
	{"AML_STRUCTURING_DAYS", "5", "The structuring window, in days.", integer(func(c *Config) *int { return &c.AMLStructuringDays })},
	{"AML_RAPID_WINDOW", "24h", "Money in and 80% of it out again within this long is rapid movement.", duration(func(c *Config) *time.Duration { return &c.AMLRapidWindow })},
	{"AML_RAPID_MINIMUM", "100000", "Money in below this many cents ($1,000.00) is not watched for rapid movement.", int64Setting(func(c *Config) *int64 { return &c.AMLRapidMinimum })},
	{"AML_VELOCITY_FACTOR", "3", "A day with this many times the customer's 30-day daily average of transactions (and at least 5) is a velocity spike.", integer(func(c *Config) *int { return &c.AMLVelocityFactor })},
	{"ALERT_FAILED_LOGINS", "20", "More failed sign-ins (passwords and codes) than this in 15 minutes raise a security alert.", integer(func(c *Config) *int { return &c.AlertFailedLogins })},
	{"ALERT_WEBHOOK_URL", "", "Address each new security alert is POSTed to as JSON, signed in the Console-Signature header (see webhook/). Empty: alerts stay in the console.", str(func(c *Config) *string { return &c.AlertWebhookURL })},
	{"ALERT_WEBHOOK_SECRET", "", "Secret the alert webhook's signatures are made with (HMAC-SHA256). Empty: generated into DATA_DIR/alert-webhook-secret; set it when several instances run.", str(func(c *Config) *string { return &c.AlertWebhookSecret })},
	{"LOG_FORMAT", "json", "Log format: json (for collectors) or text (for people).", oneOf(func(c *Config) *string { return &c.LogFormat }, "json", "text")},
	{"LOG_LEVEL", "info", "Log level: debug, info, warn or error.", oneOf(func(c *Config) *string { return &c.LogLevel }, "debug", "info", "warn", "error")},
}

// LoadConfig reads the settings through getenv, applying defaults, and
// reports every bad value at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	var c Config
	var problems []string
	for _, s := range settings {
		v := getenv(s.env)
		if v == "" {
			v = s.def
		}
		if err := s.set(&c, v); err != nil {
			problems = append(problems, fmt.Sprintf("%s=%q: %v", s.env, v, err))
		}
	}
	if abs, err := filepath.Abs(c.DataDir); err == nil {
		c.DataDir = abs // PostgreSQL runs from another directory; messages name it in full
	}
	if c.AuditCheckpointDir == "" {
		c.AuditCheckpointDir = filepath.Join(c.DataDir, "audit-checkpoints")
	}
	if c.ScreeningListDir == "" {
		c.ScreeningListDir = filepath.Join(c.DataDir, "ofac")
	}
	if c.ACHOutboundDir == "" {
		c.ACHOutboundDir = filepath.Join(c.DataDir, "ach", "outbound")
	}
	if c.ACHInboundDir == "" {
		c.ACHInboundDir = filepath.Join(c.DataDir, "ach", "inbound")
	}
	problems = append(problems, c.achProblems()...)
	if c.JobRescueAfter < c.JobTimeout {
		problems = append(problems, fmt.Sprintf("JOB_RESCUE_AFTER=%s: must be at least JOB_TIMEOUT (%s), or running jobs would be retried", c.JobRescueAfter, c.JobTimeout))
	}
	if c.KeyFile == "" {
		c.KeyFile = filepath.Join(c.DataDir, "keys.json")
	}
	if c.AuditRetentionMonths < 12 {
		problems = append(problems, fmt.Sprintf("AUDIT_RETENTION_MONTHS=%d: PCI DSS 10.5.1 requires at least 12", c.AuditRetentionMonths))
	}
	if c.Keyring == "awskms" && (c.KMSEncryptKeyID == "" || c.KMSMACKeyID == "" || c.KMSSignKeyID == "" || c.AWSRegion == "") {
		problems = append(problems, "KEYRING=awskms needs AWS_REGION, KMS_ENCRYPT_KEY_ID, KMS_MAC_KEY_ID and KMS_SIGN_KEY_ID")
	}
	if !c.testMode() && (c.StripeWebhookSecret == "" || c.StripePublishableKey == "") {
		problems = append(problems, "STRIPE_SECRET_KEY needs STRIPE_WEBHOOK_SECRET and STRIPE_PUBLISHABLE_KEY")
	}
	if u := c.AlertWebhookURL; u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		problems = append(problems, "ALERT_WEBHOOK_URL: must start with https:// (or http:// for a local receiver)")
	}
	if c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "https://") && !strings.HasPrefix(c.PublicURL, "http://") {
		problems = append(problems, fmt.Sprintf("PUBLIC_URL=%q: must start with https:// (or http:// for a local test)", c.PublicURL))
	}
	c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	if err := c.policy().Validate(); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

func fraction(field func(*Config) *float64) func(*Config, string) error {
	return func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 1 {
			return fmt.Errorf("must be a number above 0 and at most 1")
		}
		*field(c) = f
		return nil
	}
}

func str(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *field(c) = v; return nil }
}

func oneOf(field func(*Config) *string, allowed ...string) func(*Config, string) error {
	return func(c *Config, v string) error {
		for _, a := range allowed {
			if v == a {
				*field(c) = v
				return nil
			}
		}
		return fmt.Errorf("must be one of %s", strings.Join(allowed, ", "))
	}
}

func integer(field func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("must be a positive whole number")
		}
		*field(c) = n
		return nil
	}
}

func int64Setting(field func(*Config) *int64) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("must be a positive whole number")
		}
		*field(c) = n
		return nil
	}
}

func boolean(field func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("must be true or false")
		}
		*field(c) = b
		return nil
	}
}

func duration(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("must be a positive duration such as 20s")
		}
		*field(c) = d
		return nil
	}
}

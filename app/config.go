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
	AuditCheckpointDir   string
	AuditCheckpointEvery time.Duration
	AuditVerifyEvery     time.Duration
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
	WebhookTolerance     time.Duration
	RefundApprovalAbove  int64
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
	{"DB_ROLE", "console_app", "Role the console acts as (SET ROLE); migrations run as the login. The login must be a member of it. Empty: act as the login.", str(func(c *Config) *string { return &c.DBRole })},
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
	{"AUDIT_CHECKPOINT_DIR", "", "Directory where signed audit checkpoints are also written, write-once. Empty: DATA_DIR/audit-checkpoints. Use storage the database's administrators cannot write.", str(func(c *Config) *string { return &c.AuditCheckpointDir })},
	{"AUDIT_CHECKPOINT_EVERY", "1m", "How often the audit sequencer signs a checkpoint of the chain's head.", duration(func(c *Config) *time.Duration { return &c.AuditCheckpointEvery })},
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
	{"STRIPE_WEBHOOK_TOLERANCE", "5m", "How old a webhook's signed timestamp may be; older ones are refused (replay protection).", duration(func(c *Config) *time.Duration { return &c.WebhookTolerance })},
	{"REFUND_APPROVAL_ABOVE", "50000", "Refunds of more minor units than this (500.00 in a two-decimal currency) wait for a second operator's approval.", int64Setting(func(c *Config) *int64 { return &c.RefundApprovalAbove })},
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

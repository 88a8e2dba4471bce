package app

import (
	"context"
	"fmt"

	"github.com/paycompliance/console/s3sink"
)

// checkCheckpointSink: the external copy of signed audit checkpoints is
// what catches a rolled-back or rewritten database, so it belongs where the
// database's administrators cannot write: an S3 bucket under Object Lock.
func checkCheckpointSink(ctx context.Context, env *doctorEnv) result {
	const name = "audit-sink"
	cfg := env.cfg
	if cfg.CheckpointS3Bucket == "" {
		what, err := writableDir(cfg.AuditCheckpointDir)
		if err != nil {
			return fail(name, "AUDIT_CHECKPOINT_DIR "+cfg.AuditCheckpointDir+": "+err.Error(), "make it writable by the console's user")
		}
		return warn(name, "checkpoints go to the directory "+cfg.AuditCheckpointDir+" ("+what+"), on this host",
			"in production set AUDIT_CHECKPOINT_S3_BUCKET to a bucket with Object Lock in COMPLIANCE mode (docs/deployment.md, S3)")
	}
	lock, err := bucketLock(ctx, cfg, cfg.CheckpointS3Bucket)
	if err != nil {
		return fail(name, err.Error(), "check AWS_REGION, S3_ENDPOINT, the credentials, and s3:GetBucketObjectLockConfiguration in the console's policy")
	}
	bucket := "s3://" + cfg.CheckpointS3Bucket
	switch {
	case !lock.Enabled:
		return fail(name, bucket+" does not have Object Lock enabled: S3 refuses every checkpoint written with retention",
			"use a bucket created with --object-lock-enabled-for-bucket (s3sink/README.md)")
	case cfg.CheckpointS3Mode != "COMPLIANCE":
		return warn(name, bucket+" has Object Lock, but AUDIT_CHECKPOINT_S3_MODE="+cfg.CheckpointS3Mode+" lets holders of s3:BypassGovernanceRetention remove checkpoints",
			"set AUDIT_CHECKPOINT_S3_MODE=COMPLIANCE in production")
	}
	return pass(name, fmt.Sprintf("%s has Object Lock; each checkpoint is locked in COMPLIANCE mode for %d months%s", bucket, cfg.AuditRetentionMonths, defaultRule(lock)))
}

// checkACHDelivery: NACHA files are handed to the bank's transfer agent
// once; a bucket under Object Lock keeps what was sent provable.
func checkACHDelivery(ctx context.Context, env *doctorEnv) result {
	const name = "ach-delivery"
	cfg := env.cfg
	if cfg.ACHS3Bucket == "" {
		for _, dir := range []string{cfg.ACHOutboundDir, cfg.ACHInboundDir} {
			if _, err := writableDir(dir); err != nil {
				return fail(name, dir+": "+err.Error(), "make ACH_OUTBOUND_DIR and ACH_INBOUND_DIR writable by the console's user")
			}
		}
		return pass(name, "NACHA files go to "+cfg.ACHOutboundDir+" and returns are read from "+cfg.ACHInboundDir+"; both writable")
	}
	lock, err := bucketLock(ctx, cfg, cfg.ACHS3Bucket)
	if err != nil {
		return fail(name, err.Error(), "check AWS_REGION, S3_ENDPOINT, the credentials, and s3:GetBucketObjectLockConfiguration in the console's policy")
	}
	bucket := "s3://" + cfg.ACHS3Bucket
	if !lock.Enabled {
		return warn(name, bucket+" does not have Object Lock: a delivered NACHA file can be deleted or replaced by a new version",
			"deliver to a bucket with Object Lock and a default COMPLIANCE retention rule (docs/deployment.md, S3)")
	}
	return pass(name, bucket+" has Object Lock"+defaultRule(lock))
}

// bucketLock reads a bucket's Object Lock configuration through the same
// client settings the sinks use.
func bucketLock(ctx context.Context, cfg Config, bucket string) (s3sink.Lock, error) {
	client, err := s3sink.NewClient(ctx, cfg.AWSRegion, cfg.S3Endpoint, cfg.S3UsePathStyle)
	if err != nil {
		return s3sink.Lock{}, err
	}
	return s3sink.ObjectLock(ctx, client, bucket)
}

func defaultRule(l s3sink.Lock) string {
	switch {
	case l.DefaultMode == "":
		return " (no default retention rule)"
	case l.DefaultYears > 0:
		return fmt.Sprintf(" (default rule: %s, %d years)", l.DefaultMode, l.DefaultYears)
	}
	return fmt.Sprintf(" (default rule: %s, %d days)", l.DefaultMode, l.DefaultDays)
}

package s3sink

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Lock is a bucket's Object Lock configuration, as GetObjectLockConfiguration
// answers it. The sink sets each checkpoint's retention itself, so a default
// rule is optional; Enabled is what writes with retention need.
type Lock struct {
	Enabled      bool
	DefaultMode  string // "COMPLIANCE", "GOVERNANCE" or "" without a default rule
	DefaultDays  int32  // the default rule's period, in days or in years
	DefaultYears int32
}

// ObjectLock reads bucket's Object Lock configuration, for `console doctor`:
// a bucket without Object Lock refuses every checkpoint write, so it is
// better found before the first one.
func ObjectLock(ctx context.Context, client *s3.Client, bucket string) (Lock, error) {
	out, err := client.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(bucket)})
	if apiErr, ok := errors.AsType[smithy.APIError](err); ok && apiErr.ErrorCode() == "ObjectLockConfigurationNotFoundError" {
		return Lock{}, nil
	}
	if err != nil {
		return Lock{}, fmt.Errorf("s3sink: object lock configuration of s3://%s: %w", bucket, err)
	}
	var l Lock
	if c := out.ObjectLockConfiguration; c != nil {
		l.Enabled = c.ObjectLockEnabled == types.ObjectLockEnabledEnabled
		if c.Rule != nil && c.Rule.DefaultRetention != nil {
			r := c.Rule.DefaultRetention
			l.DefaultMode = string(r.Mode)
			l.DefaultDays, l.DefaultYears = aws.ToInt32(r.Days), aws.ToInt32(r.Years)
		}
	}
	return l, nil
}

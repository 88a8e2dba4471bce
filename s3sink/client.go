package s3sink

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// NewClient builds an S3 client from the standard AWS configuration chain
// (environment, shared files, instance or task role). region overrides the
// chain's region when set; endpoint, when set, replaces the regional
// endpoint (a VPC interface endpoint, say). usePathStyle addresses the
// bucket in the path rather than the host name, which endpoints without
// per-bucket DNS need.
func NewClient(ctx context.Context, region, endpoint string, usePathStyle bool) (*s3.Client, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3sink: load AWS config: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("s3sink: no AWS region: set AWS_REGION")
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.UsePathStyle = usePathStyle
	}), nil
}

// Package s3sink keeps audit checkpoints in an S3 bucket with Object Lock:
// each checkpoint is a write-once object under a retention date, so neither
// the console nor (in COMPLIANCE mode) the bucket's owner can delete or
// overwrite it before then. A database rolled back or rewritten is caught
// against checkpoints it cannot reach. It also delivers NACHA files to a
// bucket, encrypted with KMS, and reads the bank's returns from one
// (ach.go). The adapter is thin on purpose: it has filesink's semantics,
// only the storage differs.
package s3sink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/paycompliance/console/domain/audit"
)

// Config says where checkpoints go and how long S3 must keep them.
type Config struct {
	Bucket string // must have Object Lock enabled (and so versioning)
	Prefix string // prepended verbatim to object keys, e.g. "console/checkpoints/"
	// RetainFor is how long each checkpoint is locked from the moment it is
	// written: at least the audit retention period, since a checkpoint is
	// the evidence for the entries it covers.
	RetainFor time.Duration
	Mode      string // "COMPLIANCE" (default) or "GOVERNANCE"
}

// Sink implements audit.CheckpointSink with S3. It is safe for concurrent use.
type Sink struct {
	client *s3.Client
	cfg    Config
	mode   types.ObjectLockMode
}

var _ audit.CheckpointSink = (*Sink)(nil)

// New returns a Sink writing through client. It checks cfg now, so a
// misconfigured sink fails at startup rather than at the first checkpoint.
func New(client *s3.Client, cfg Config) (*Sink, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("s3sink: Config.Bucket is empty")
	}
	if cfg.RetainFor <= 0 {
		return nil, errors.New("s3sink: Config.RetainFor must be positive: Object Lock needs a retention date")
	}
	mode := types.ObjectLockModeCompliance
	switch cfg.Mode {
	case "", string(types.ObjectLockModeCompliance):
	case string(types.ObjectLockModeGovernance):
		mode = types.ObjectLockModeGovernance
	default:
		return nil, fmt.Errorf("s3sink: Config.Mode %q: want COMPLIANCE or GOVERNANCE", cfg.Mode)
	}
	return &Sink{client: client, cfg: cfg, mode: mode}, nil
}

// key is the object key for seq: filesink's file name, so a bucket and a
// directory of checkpoints can be compared or copied one to one.
func (s *Sink) key(seq int64) string {
	return fmt.Sprintf("%scheckpoint-%020d.json", s.cfg.Prefix, seq)
}

// Put writes c as a new locked object. It never overwrites: the write is
// conditional (If-None-Match: *), and when the key exists the stored
// checkpoint must be the same one (a retry), or Put fails.
func (s *Sink) Put(ctx context.Context, c audit.Checkpoint) error {
	body, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("s3sink: encode checkpoint %d: %w", c.Seq, err)
	}
	key := s.key(c.Seq)
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:                    aws.String(s.cfg.Bucket),
		Key:                       aws.String(key),
		Body:                      bytes.NewReader(body),
		ContentLength:             aws.Int64(int64(len(body))),
		ContentType:               aws.String("application/json"),
		IfNoneMatch:               aws.String("*"),
		ObjectLockMode:            s.mode,
		ObjectLockRetainUntilDate: aws.Time(time.Now().Add(s.cfg.RetainFor).UTC()),
		// S3 refuses Object Lock parameters without an integrity check.
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
	})
	if apiErr, ok := errors.AsType[smithy.APIError](err); ok && apiErr.ErrorCode() == "PreconditionFailed" {
		old, gerr := s.get(ctx, key)
		if gerr != nil {
			return gerr
		}
		if !bytes.Equal(old, body) {
			return fmt.Errorf("s3sink: s3://%s/%s already holds a different checkpoint", s.cfg.Bucket, key)
		}
		return nil // the same checkpoint written twice
	}
	if err != nil {
		return fmt.Errorf("s3sink: put s3://%s/%s: %w", s.cfg.Bucket, key, err)
	}
	return nil
}

// Latest returns the checkpoint with the highest sequence number: its
// signed head pins every entry before it, so verification needs no other.
// Keys sort by sequence number (zero-padded), so only the listing is paged
// through and a single object is read.
func (s *Sink) Latest(ctx context.Context) (audit.Checkpoint, bool, error) {
	var last string
	if err := s.eachKey(ctx, func(key string) { last = max(last, key) }); err != nil {
		return audit.Checkpoint{}, false, err
	}
	if last == "" {
		return audit.Checkpoint{}, false, nil
	}
	c, err := s.read(ctx, last)
	return c, err == nil, err
}

// eachKey calls fn with the key of every checkpoint object, page by page.
func (s *Sink) eachKey(ctx context.Context, fn func(key string)) error {
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(s.cfg.Bucket),
		Prefix: aws.String(s.cfg.Prefix),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("s3sink: list s3://%s/%s: %w", s.cfg.Bucket, s.cfg.Prefix, err)
		}
		for _, obj := range page.Contents {
			key := aws.ToString(obj.Key)
			name := strings.TrimPrefix(key, s.cfg.Prefix)
			if strings.HasPrefix(name, "checkpoint-") && strings.HasSuffix(name, ".json") && !strings.Contains(name, "/") {
				fn(key)
			}
		}
	}
	return nil
}

// read fetches and decodes one checkpoint object.
func (s *Sink) read(ctx context.Context, key string) (audit.Checkpoint, error) {
	var c audit.Checkpoint
	b, err := s.get(ctx, key)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("s3sink: s3://%s/%s: %w", s.cfg.Bucket, key, err)
	}
	return c, nil
}

// get reads a checkpoint object whole (a few hundred bytes).
func (s *Sink) get(ctx context.Context, key string) ([]byte, error) {
	return getObject(ctx, s.client, s.cfg.Bucket, key)
}

// getObject reads an object whole. With checksum mode on, the SDK checks
// the body against the SHA-256 stored at Put, so a damaged copy fails
// here rather than later (as a bad signature, or a file moov refuses).
func getObject(ctx context.Context, client *s3.Client, bucket, key string) ([]byte, error) {
	out, err := client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled,
	})
	if err != nil {
		return nil, fmt.Errorf("s3sink: get s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("s3sink: read s3://%s/%s: %w", bucket, key, err)
	}
	return b, nil
}

package s3sink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/paycompliance/console/domain/ach"
)

// ACHOutbox delivers NACHA files as objects under Prefix, encrypted by S3
// with the KMS key KMSKeyID (SSE-KMS; empty: the account's aws/s3 key). A
// file is written once: the write is conditional, and the same content
// again is a retried delivery.
type ACHOutbox struct {
	Client   *s3.Client
	Bucket   string
	Prefix   string
	KMSKeyID string
}

var (
	_ ach.Outbox = ACHOutbox{}
	_ ach.Inbox  = ACHInbox{}
)

// Deliver implements ach.Outbox.
func (o ACHOutbox) Deliver(ctx context.Context, name string, content []byte) (string, error) {
	if name == "" || strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("s3sink: %q is not a file name", name)
	}
	key := o.Prefix + name
	if err := putOnce(ctx, o.Client, o.Bucket, key, o.KMSKeyID, content); err != nil {
		return "", err
	}
	return "s3://" + o.Bucket + "/" + key, nil
}

// putOnce writes content at key unless the key exists; when it does, it
// must hold the same content (a retry).
func putOnce(ctx context.Context, client *s3.Client, bucket, key, kmsKeyID string, content []byte) error {
	in := &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(content),
		ContentLength: aws.Int64(int64(len(content))), ContentType: aws.String("text/plain"),
		IfNoneMatch: aws.String("*"), ServerSideEncryption: types.ServerSideEncryptionAwsKms,
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
	}
	if kmsKeyID != "" {
		in.SSEKMSKeyId = aws.String(kmsKeyID)
	}
	_, err := client.PutObject(ctx, in)
	if apiErr, ok := errors.AsType[smithy.APIError](err); ok && apiErr.ErrorCode() == "PreconditionFailed" {
		old, gerr := getObject(ctx, client, bucket, key)
		if gerr != nil {
			return gerr
		}
		if !bytes.Equal(old, content) {
			return fmt.Errorf("s3sink: s3://%s/%s %w", bucket, key, errOtherContent)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("s3sink: put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

// errOtherContent is a key that holds something else already.
var errOtherContent = errors.New("exists with other content: not replaced")

// ACHInbox is an S3 prefix the bank's files of returns and changes arrive
// under. A file taken is moved to processed/ (or rejected/) under the
// prefix, so it is read once.
type ACHInbox struct {
	Client   *s3.Client
	Bucket   string
	Prefix   string
	KMSKeyID string // for the moved copies
}

// List implements ach.Inbox: the objects directly under the prefix, in
// name order.
func (i ACHInbox) List(ctx context.Context) ([]string, error) {
	var names []string
	pages := s3.NewListObjectsV2Paginator(i.Client, &s3.ListObjectsV2Input{Bucket: aws.String(i.Bucket), Prefix: aws.String(i.Prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("s3sink: list s3://%s/%s: %w", i.Bucket, i.Prefix, err)
		}
		for _, obj := range page.Contents {
			name := strings.TrimPrefix(aws.ToString(obj.Key), i.Prefix)
			if name != "" && !strings.Contains(name, "/") && !strings.HasPrefix(name, ".") {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return names, nil
}

// Read implements ach.Inbox.
func (i ACHInbox) Read(ctx context.Context, name string) ([]byte, error) {
	return getObject(ctx, i.Client, i.Bucket, i.Prefix+name)
}

// Done implements ach.Inbox: a copy under processed/ or rejected/ (stamped
// with the time when the bank used the name before), then the original
// removed. A move cut short is finished by the next one.
func (i ACHInbox) Done(ctx context.Context, name string, rejected bool) error {
	content, err := i.Read(ctx, name)
	if err != nil {
		return err
	}
	dir := "processed/"
	if rejected {
		dir = "rejected/"
	}
	key := i.Prefix + dir + name
	err = putOnce(ctx, i.Client, i.Bucket, key, i.KMSKeyID, content)
	if errors.Is(err, errOtherContent) { // the bank used the name before: keep both
		err = putOnce(ctx, i.Client, i.Bucket, key+"."+time.Now().UTC().Format("20060102T150405.000000000"), i.KMSKeyID, content)
	}
	if err != nil {
		return err
	}
	if _, err := i.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(i.Bucket), Key: aws.String(i.Prefix + name)}); err != nil {
		return fmt.Errorf("s3sink: delete s3://%s/%s%s: %w", i.Bucket, i.Prefix, name, err)
	}
	return nil
}

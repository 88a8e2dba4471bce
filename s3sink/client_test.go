package s3sink

import (
	"context"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// isolateAWSConfig points the AWS configuration chain at the environment
// only, so the test machine's files and variables cannot leak in.
func isolateAWSConfig(t *testing.T) {
	none := filepath.Join(t.TempDir(), "none")
	for name, value := range map[string]string{
		"AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none, "AWS_PROFILE": "",
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": "",
		"AWS_ACCESS_KEY_ID": fakeAccessKey, "AWS_SECRET_ACCESS_KEY": fakeSecret, "AWS_SESSION_TOKEN": "",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CA_BUNDLE": "", "AWS_S3_USE_ARN_REGION": "",
	} {
		t.Setenv(name, value)
	}
}

func TestNewClient_UsesRegionEndpointPathStyleAndCredentialChain(t *testing.T) {
	isolateAWSConfig(t)
	ctx := context.Background()
	f, _, ring := newTestSink(t, true)
	// Trust the fake's certificate the way an operator would trust a
	// private endpoint's CA.
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw})
	if err := os.WriteFile(bundle, cert, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CA_BUNDLE", bundle)
	client, err := NewClient(ctx, fakeRegion, f.srv.URL, true)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(client, Config{Bucket: fakeBucket, Prefix: testPrefix, RetainFor: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// The fake checks region and credentials in the signature, and routes
	// only path-style requests.
	if err := s.Put(ctx, checkpoint(t, ring, 1, "head")); err != nil {
		t.Fatal(err)
	}
	if cs, err := list(s, ctx); err != nil || len(cs) != 1 {
		t.Fatalf("List = %d checkpoints, %v", len(cs), err)
	}
}

func TestNewClient_PathStyleIsOptional(t *testing.T) {
	isolateAWSConfig(t)
	for _, pathStyle := range []bool{true, false} {
		client, err := NewClient(context.Background(), fakeRegion, "", pathStyle)
		if err != nil {
			t.Fatal(err)
		}
		if got := client.Options().UsePathStyle; got != pathStyle {
			t.Errorf("UsePathStyle = %v, want %v", got, pathStyle)
		}
		if client.Options().BaseEndpoint != nil {
			t.Errorf("BaseEndpoint = %q, want the regional default", *client.Options().BaseEndpoint)
		}
	}
}

func TestNewClient_RequiresARegion(t *testing.T) {
	isolateAWSConfig(t)
	if _, err := NewClient(context.Background(), "", "", false); err == nil || !strings.Contains(err.Error(), "region") {
		t.Fatalf("NewClient without a region: err = %v", err)
	}
}

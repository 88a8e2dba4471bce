package awskms

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// isolateAWSConfig points the AWS configuration chain at the environment
// only, so the test machine's files and variables cannot leak in.
func isolateAWSConfig(t *testing.T) {
	none := filepath.Join(t.TempDir(), "none")
	for name, value := range map[string]string{
		"AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none, "AWS_PROFILE": "",
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_KMS": "",
		"AWS_ACCESS_KEY_ID": fakeAccessKey, "AWS_SECRET_ACCESS_KEY": fakeSecret, "AWS_SESSION_TOKEN": "",
		"AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(name, value)
	}
}

func TestNewClient_UsesRegionEndpointAndCredentialChain(t *testing.T) {
	isolateAWSConfig(t)
	ctx := context.Background()
	f := newFakeKMS(t)
	client, err := NewClient(ctx, fakeRegion, f.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := New(client, Config{SignKeyID: f.createKey("ECC_NIST_P256")})
	sig, err := p.Sign(ctx, []byte("probe")) // the fake checks region and credentials in the signature
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Verify(ctx, []byte("probe"), sig); err != nil {
		t.Fatal(err)
	}
}

func TestNewClient_RequiresARegion(t *testing.T) {
	isolateAWSConfig(t)
	if _, err := NewClient(context.Background(), "", ""); err == nil || !strings.Contains(err.Error(), "region") {
		t.Fatalf("NewClient without a region: err = %v", err)
	}
}

func TestProvider_MissingKeyIDsFailWithoutCallingKMS(t *testing.T) {
	ctx := context.Background()
	f := newFakeKMS(t)
	p := New(f.client(), Config{})
	_, _, err1 := p.NewDataKey(ctx)
	_, _, err2 := p.MAC(ctx, []byte("msg"))
	_, err3 := p.Sign(ctx, []byte("msg"))
	for i, want := range []string{"EncryptKeyID", "MACKeyID", "SignKeyID"} {
		if err := []error{err1, err2, err3}[i]; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to name Config.%s", err, want)
		}
	}
	if n := len(f.requestsFor("")); n != 0 {
		t.Errorf("%d KMS calls, want none", n)
	}
}

package keys

import (
	"context"
	"crypto/rand"
	"sync/atomic"
	"testing"
	"time"
)

// countingProvider is a minimal in-memory Provider that counts data keys,
// to test the Keyring's own reuse bounds (the providers have their own
// contract tests in keystest).
type countingProvider struct {
	Provider
	newKeys, unwraps atomic.Int32
}

func (p *countingProvider) NewDataKey(context.Context) ([]byte, []byte, error) {
	p.newKeys.Add(1)
	k := make([]byte, 32)
	rand.Read(k)
	return k, append([]byte("wrapped:"), k...), nil // a toy wrap: fine for counting
}

func (p *countingProvider) UnwrapDataKey(_ context.Context, w []byte) ([]byte, error) {
	p.unwraps.Add(1)
	return w[len("wrapped:"):], nil
}

func TestKeyring_DataKeyReuseIsBounded(t *testing.T) {
	ctx := context.Background()
	p := &countingProvider{}
	now := time.Unix(1_800_000_000, 0)
	k := New(p, Options{DataKeyMaxUses: 3, DataKeyMaxAge: time.Minute})
	k.now = func() time.Time { return now }

	var cts [][]byte
	for range 7 {
		ct, err := k.Encrypt(ctx, []byte("x"), nil)
		if err != nil {
			t.Fatal(err)
		}
		cts = append(cts, ct)
	}
	if got := p.newKeys.Load(); got != 3 { // uses 1-3, 4-6, 7
		t.Fatalf("7 encryptions with at most 3 uses per key made %d data keys, want 3", got)
	}
	now = now.Add(2 * time.Minute)
	k.Encrypt(ctx, []byte("x"), nil)
	if got := p.newKeys.Load(); got != 4 {
		t.Fatalf("after the key aged out: %d data keys, want 4", got)
	}

	for _, ct := range cts {
		if _, err := k.Decrypt(ctx, ct, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got := p.unwraps.Load(); got != 3 {
		t.Fatalf("decrypting under 3 data keys unwrapped %d times, want 3 (cached)", got)
	}
}

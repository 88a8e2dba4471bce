package keyfile

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/paycompliance/console/domain/keys"
)

func benchKeyring(b *testing.B) *keys.Keyring {
	p, err := Open(filepath.Join(b.TempDir(), "keys.json"))
	if err != nil {
		b.Fatal(err)
	}
	return keys.New(p, keys.Options{})
}

// A bank account number: the typical value the keyring seals.
var accountNumber = []byte("000123456789")

func BenchmarkKeyring_Encrypt(b *testing.B) {
	ring, ctx := benchKeyring(b), context.Background()
	for b.Loop() {
		if _, err := ring.Encrypt(ctx, accountNumber, []byte("bank_account:42")); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKeyring_Decrypt(b *testing.B) {
	ring, ctx := benchKeyring(b), context.Background()
	ct, _ := ring.Encrypt(ctx, accountNumber, []byte("bank_account:42"))
	for b.Loop() {
		if _, err := ring.Decrypt(ctx, ct, []byte("bank_account:42")); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKeyring_Token(b *testing.B) {
	ring, ctx := benchKeyring(b), context.Background()
	for b.Loop() {
		if _, err := ring.Token(ctx, accountNumber); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKeyring_Sign(b *testing.B) {
	ring, ctx := benchKeyring(b), context.Background()
	for b.Loop() {
		if _, err := ring.Sign(ctx, []byte("checkpoint 1000 head=ab12")); err != nil {
			b.Fatal(err)
		}
	}
}

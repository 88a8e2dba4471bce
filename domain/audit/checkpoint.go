package audit

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/paycompliance/console/domain/keys"
)

// Checkpoint is a signed statement that the chain had head Hash at Seq at
// time SignedAt. Kept in the database and in an external sink, it exposes
// truncation, rollback and a wholesale rewrite of the chain: nobody without
// the signing key can make a checkpoint for a rewritten head.
type Checkpoint struct {
	Seq       int64          `json:"seq"`
	HeadHash  Hash           `json:"head_hash"`
	SignedAt  time.Time      `json:"signed_at"`
	Statement []byte         `json:"statement"`
	Signature keys.Signature `json:"signature"`
}

// Signer signs checkpoint statements (the keyring).
type Signer interface {
	Sign(ctx context.Context, msg []byte) (keys.Signature, error)
}

// statement is the exact text a checkpoint signs.
func statement(seq int64, head Hash, at time.Time) []byte {
	return fmt.Appendf(nil, "console-audit-checkpoint/v1\nseq %d\nhead %s\ntime %s\n",
		seq, hex.EncodeToString(head[:]), at.UTC().Format(time.RFC3339Nano))
}

// SignCheckpoint signs (seq, head, at).
func SignCheckpoint(ctx context.Context, s Signer, seq int64, head Hash, at time.Time) (Checkpoint, error) {
	st := statement(seq, head, at)
	sig, err := s.Sign(ctx, st)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: sign checkpoint %d: %w", seq, err)
	}
	return Checkpoint{Seq: seq, HeadHash: head, SignedAt: at.UTC(), Statement: st, Signature: sig}, nil
}

// KeySource returns public keys by id: the keyring online, or the keys
// shipped in an evidence bundle offline.
type KeySource interface {
	PublicKey(ctx context.Context, keyID string) (keys.PublicKey, error)
}

// verifyCheckpoint checks that c's statement says what its fields say and
// that its signature is good.
func verifyCheckpoint(ctx context.Context, ks KeySource, c Checkpoint) error {
	if string(statement(c.Seq, c.HeadHash, c.SignedAt)) != string(c.Statement) {
		return fmt.Errorf("statement does not match the checkpoint's fields")
	}
	pub, err := ks.PublicKey(ctx, c.Signature.KeyID)
	if err != nil {
		return fmt.Errorf("no public key %q: %w", c.Signature.KeyID, err)
	}
	return pub.Verify(c.Statement, c.Signature)
}

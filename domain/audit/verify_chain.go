package audit

import (
	"context"
	"encoding/hex"
	"slices"

	"fmt"
	"github.com/paycompliance/console/domain"
)

// Store is the stored chain, as verification reads it.
type Store interface {
	// Records calls fn for every entry after seq, in sequence order.
	Records(ctx context.Context, after int64, fn func(Record) error) error
	Checkpoints(ctx context.Context) ([]Checkpoint, error)
	// RetentionAnchor is where the retained chain starts after retention
	// dropped older entries; ok is false while nothing was dropped.
	RetentionAnchor(ctx context.Context) (seq int64, hash Hash, ok bool, err error)
}

// CheckpointSink keeps checkpoints outside the database (a directory, an S3
// bucket with Object Lock), so that a database restored from an old backup,
// or rewritten wholesale with its checkpoints, is caught against them.
type CheckpointSink interface {
	Put(ctx context.Context, c Checkpoint) error
	// Latest is the checkpoint with the highest sequence number. It is all
	// verification needs from the sink: its signed head pins, through the
	// chain, every entry before it.
	Latest(ctx context.Context) (c Checkpoint, found bool, err error)
}

// Verify checks the whole stored chain against every checkpoint, those in
// the database and those in the sink (nil for none): a checkpoint that only
// the sink still has exposes a truncated or rolled-back database. After
// retention, it starts from the retention anchor, which the retained chain
// must vouch for with the recorded drop.
func Verify(ctx context.Context, store Store, sink CheckpointSink, ks KeySource) (Report, error) {
	return VerifyFrom(ctx, store, sink, ks, 0)
}

// VerifyFrom verifies only what came after the signed checkpoint at seq
// from (0: the whole chain), trusting that checkpoint once its signature
// verifies: a quick incremental check between full ones.
func VerifyFrom(ctx context.Context, store Store, sink CheckpointSink, ks KeySource, from int64) (Report, error) {
	cps, err := store.Checkpoints(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("audit: read checkpoints: %w", err)
	}
	if sink != nil {
		external, found, err := sink.Latest(ctx)
		if err != nil {
			return Report{}, fmt.Errorf("audit: read checkpoint sink: %w", err)
		}
		if found {
			cps = mergeCheckpoints(cps, []Checkpoint{external})
		}
	}
	seqs := make([]int64, len(cps))
	for i, c := range cps {
		seqs[i] = c.Seq
	}
	anchorSeq, anchorHash, anchored, err := store.RetentionAnchor(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("audit: read retention anchor: %w", err)
	}
	if !anchored {
		anchorSeq, anchorHash = 0, Genesis
	}
	if from > 0 {
		i := slices.IndexFunc(cps, func(c Checkpoint) bool { return c.Seq == from })
		if i < 0 {
			return Report{}, domain.Errorf(domain.ENOTFOUND, "no signed checkpoint at seq %d", from)
		}
		if err := verifyCheckpoint(ctx, ks, cps[i]); err != nil {
			return Report{}, domain.Errorf(domain.EINVALID, "the checkpoint at seq %d does not verify: %v", from, err)
		}
		anchorSeq, anchorHash, anchored = from, cps[i].HeadHash, false // a signed start needs no retention witness
	}
	witness := anchorWitness{seq: anchorSeq, hash: hex.EncodeToString(anchorHash[:])}
	v := NewVerifier(anchorSeq, anchorHash, seqs)
	if err := store.Records(ctx, anchorSeq, func(r Record) error {
		v.Add(r)
		if anchored {
			witness.see(r)
		}
		return nil
	}); err != nil {
		return Report{}, fmt.Errorf("audit: read entries: %w", err)
	}
	if anchored && !witness.found {
		v.fail(anchorSeq, AnchorUnconfirmed, "no recorded retention drop ends at this entry and hash")
	}
	return v.Finish(ctx, ks, cps), nil
}

// mergeCheckpoints is the union of two lists; a checkpoint present in both
// with different contents is kept twice, so each copy is checked on its own.
func mergeCheckpoints(a, b []Checkpoint) []Checkpoint {
	out := append([]Checkpoint(nil), a...)
	have := map[string]bool{}
	for _, c := range a {
		have[string(c.Statement)+string(c.Signature.Value)] = true
	}
	for _, c := range b {
		if !have[string(c.Statement)+string(c.Signature.Value)] {
			out = append(out, c)
		}
	}
	return out
}

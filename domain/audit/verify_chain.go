package audit

import (
	"context"
	"fmt"
)

// Store is the stored chain, as verification reads it.
type Store interface {
	// Records calls fn for every entry after seq, in sequence order.
	Records(ctx context.Context, after int64, fn func(Record) error) error
	Checkpoints(ctx context.Context) ([]Checkpoint, error)
}

// CheckpointSink keeps checkpoints outside the database (a directory, an S3
// bucket with Object Lock), so that a database restored from an old backup,
// or rewritten wholesale with its checkpoints, is caught against them.
type CheckpointSink interface {
	Put(ctx context.Context, c Checkpoint) error
	List(ctx context.Context) ([]Checkpoint, error)
}

// Verify checks the whole stored chain against every checkpoint, those in
// the database and those in the sink (nil for none): a checkpoint that only
// the sink still has exposes a truncated or rolled-back database.
func Verify(ctx context.Context, store Store, sink CheckpointSink, ks KeySource) (Report, error) {
	cps, err := store.Checkpoints(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("audit: read checkpoints: %w", err)
	}
	if sink != nil {
		external, err := sink.List(ctx)
		if err != nil {
			return Report{}, fmt.Errorf("audit: read checkpoint sink: %w", err)
		}
		cps = mergeCheckpoints(cps, external)
	}
	seqs := make([]int64, len(cps))
	for i, c := range cps {
		seqs[i] = c.Seq
	}
	v := NewVerifier(0, Genesis, seqs)
	if err := store.Records(ctx, 0, func(r Record) error { v.Add(r); return nil }); err != nil {
		return Report{}, fmt.Errorf("audit: read entries: %w", err)
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

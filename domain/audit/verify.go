package audit

import (
	"context"
	"fmt"
	"slices"
)

// BreakKind names how a chain is broken.
type BreakKind string

const (
	ContentChanged BreakKind = "content changed"     // an entry's bytes, time, sequence or previous hash differ from what was hashed
	LinkBroken     BreakKind = "link broken"         // an entry does not point at the hash of the one before it
	Gap            BreakKind = "gap"                 // sequence numbers are missing: entries deleted
	Reordered      BreakKind = "reorder"             // a sequence number repeats or goes back
	Truncated      BreakKind = "truncation"          // a signed checkpoint is past the end of the chain
	Rewritten      BreakKind = "checkpoint mismatch" // the entry at a signed checkpoint has another hash: the chain was rewritten
	BadSignature   BreakKind = "bad signature"       // a checkpoint's signature does not verify
)

// Break is one place where verification failed.
type Break struct {
	Seq    int64
	Kind   BreakKind
	Detail string
}

func (b Break) String() string { return fmt.Sprintf("seq %d: %s: %s", b.Seq, b.Kind, b.Detail) }

// Report is the outcome of a verification.
type Report struct {
	From, To    int64 // first and last sequence number seen
	Entries     int64
	Checkpoints int     // checkpoints whose signature and head were checked
	Breaks      []Break // in order; the first is where the chain first fails
}

// OK reports whether the chain verified.
func (r Report) OK() bool { return len(r.Breaks) == 0 }

// maxBreaks bounds a report: after a rewrite every entry may fail.
const maxBreaks = 100

// Verifier checks records fed to it in sequence order, then the signed
// checkpoints against what it saw. It holds only the previous entry, so it
// runs over any number of records in constant memory.
type Verifier struct {
	report   Report
	wantSeq  int64
	wantPrev Hash
	hashAt   map[int64]Hash // hashes at checkpointed sequence numbers
}

// NewVerifier starts a verification after (seq, head): (0, Genesis) for
// the whole chain, or a trusted checkpoint's sequence and head to verify
// only what came after it. checkpointSeqs are the sequence numbers whose
// hashes must be remembered to check checkpoints at Finish.
func NewVerifier(seq int64, head Hash, checkpointSeqs []int64) *Verifier {
	v := &Verifier{wantSeq: seq + 1, wantPrev: head, hashAt: map[int64]Hash{}}
	v.report.From = seq + 1
	if seq > 0 {
		v.hashAt[seq] = head
	}
	for _, s := range checkpointSeqs {
		if s > seq {
			v.hashAt[s] = Hash{}
		}
	}
	return v
}

// Add checks the next record.
func (v *Verifier) Add(r Record) {
	v.report.Entries++
	v.report.To = r.Seq
	if ChainHash(r.Seq, r.Time, r.PrevHash, r.Entry) != r.Hash {
		v.fail(r.Seq, ContentChanged, "the stored hash is not the hash of the stored entry")
	}
	switch {
	case r.Seq > v.wantSeq:
		v.fail(r.Seq, Gap, fmt.Sprintf("entries %d to %d are missing", v.wantSeq, r.Seq-1))
	case r.Seq < v.wantSeq:
		v.fail(r.Seq, Reordered, fmt.Sprintf("expected sequence %d next", v.wantSeq))
	case r.PrevHash != v.wantPrev:
		v.fail(r.Seq, LinkBroken, "previous hash is not the hash of the entry before")
	}
	if _, ok := v.hashAt[r.Seq]; ok {
		v.hashAt[r.Seq] = r.Hash
	}
	v.wantSeq, v.wantPrev = r.Seq+1, r.Hash
}

// Finish checks each checkpoint's signature, that the chain reaches it and
// that the entry there has the signed hash, and returns the report.
func (v *Verifier) Finish(ctx context.Context, ks KeySource, checkpoints []Checkpoint) Report {
	slices.SortFunc(checkpoints, func(a, b Checkpoint) int { return int(a.Seq - b.Seq) })
	last := v.wantSeq - 1
	for _, c := range checkpoints {
		if c.Seq < v.report.From-1 {
			continue // before the range verified
		}
		if err := verifyCheckpoint(ctx, ks, c); err != nil {
			v.fail(c.Seq, BadSignature, err.Error())
			continue
		}
		v.report.Checkpoints++
		switch h, seen := v.hashAt[c.Seq]; {
		case c.Seq > last:
			v.fail(c.Seq, Truncated, fmt.Sprintf("a checkpoint signed at %s covers entry %d, but the chain ends at %d",
				c.SignedAt.Format("2006-01-02 15:04:05Z07:00"), c.Seq, last))
		case !seen || h == (Hash{}):
			v.fail(c.Seq, Gap, "the checkpointed entry is missing")
		case h != c.HeadHash:
			v.fail(c.Seq, Rewritten, "the entry's hash differs from the signed head: the chain up to here was rewritten")
		}
	}
	return v.report
}

func (v *Verifier) fail(seq int64, kind BreakKind, detail string) {
	if len(v.report.Breaks) < maxBreaks {
		v.report.Breaks = append(v.report.Breaks, Break{Seq: seq, Kind: kind, Detail: detail})
	}
}

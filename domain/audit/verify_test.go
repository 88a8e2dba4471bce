package audit

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/keyfile"
)

func testKeyring(t testing.TB) *keys.Keyring {
	p, err := keyfile.Open(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	return keys.New(p, keys.Options{})
}

// testChain is n chained records and signed checkpoints at the given seqs.
func testChain(t testing.TB, ring *keys.Keyring, n int, checkpointAt ...int64) ([]Record, []Checkpoint) {
	base := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	times, entries := make([]time.Time, n), make([][]byte, n)
	for i := range n {
		e := validEvent()
		e.Target.ID = fmt.Sprintf("pay_%d", i+1)
		entries[i], _ = e.Canonical()
		times[i] = base.Add(time.Duration(i) * time.Millisecond)
	}
	recs := Chain(0, Genesis, times, entries)
	var cps []Checkpoint
	for _, s := range checkpointAt {
		c, err := SignCheckpoint(context.Background(), ring, s, recs[s-1].Hash, base.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		cps = append(cps, c)
	}
	return recs, cps
}

func verify(ring *keys.Keyring, recs []Record, cps []Checkpoint) Report {
	var seqs []int64
	for _, c := range cps {
		seqs = append(seqs, c.Seq)
	}
	v := NewVerifier(0, Genesis, seqs)
	for _, r := range recs {
		v.Add(r)
	}
	return v.Finish(context.Background(), ring, cps)
}

// The mutation tests: every way of altering a stored chain must be detected
// and located, in the spirit of transparency-dev's corrupted-proof tests.
func TestVerifier_DetectsEveryMutation(t *testing.T) {
	ring := testKeyring(t)
	intact, intactCPs := testChain(t, ring, 10, 5, 10)
	if r := verify(ring, intact, intactCPs); !r.OK() || r.Entries != 10 || r.Checkpoints != 2 {
		t.Fatalf("intact chain: %+v", r)
	}

	tests := []struct {
		name     string
		mutate   func(recs []Record, cps []Checkpoint) ([]Record, []Checkpoint)
		wantSeq  int64
		wantKind BreakKind
	}{
		{"EntryByteChanged", func(r []Record, c []Checkpoint) ([]Record, []Checkpoint) {
			r[4].Entry = append([]byte(nil), r[4].Entry...)
			r[4].Entry[10] ^= 0x20
			return r, c
		}, 5, ContentChanged},
		{"TimeChanged", func(r []Record, c []Checkpoint) ([]Record, []Checkpoint) {
			r[2].Time = r[2].Time.Add(time.Second)
			return r, c
		}, 3, ContentChanged},
		{"SeqColumnChanged", func(r []Record, c []Checkpoint) ([]Record, []Checkpoint) {
			r[6].Seq = 70
			return r, c
		}, 70, ContentChanged},
		{"PrevHashChanged", func(r []Record, c []Checkpoint) ([]Record, []Checkpoint) {
			r[3].PrevHash[0] ^= 1
			return r, c
		}, 4, ContentChanged},
		{"EntryDeleted", func(r []Record, c []Checkpoint) ([]Record, []Checkpoint) {
			return append(r[:4:4], r[5:]...), c
		}, 6, Gap},
		{"TwoEntriesSwapped", func(r []Record, c []Checkpoint) ([]Record, []Checkpoint) {
			r[3], r[4] = r[4], r[3] // 5 arrives where 4 is due (a gap), then 4 (a reorder)
			return r, c
		}, 5, Gap},
		{"EntryContentsSwapped", func(r []Record, c []Checkpoint) ([]Record, []Checkpoint) {
			r[3].Entry, r[4].Entry = r[4].Entry, r[3].Entry
			return r, c
		}, 4, ContentChanged},
		{"ForgedEntryInserted", func(r []Record, c []Checkpoint) ([]Record, []Checkpoint) {
			forged := Chain(r[4].Seq, r[4].Hash, []time.Time{r[4].Time}, [][]byte{[]byte(`{"action":"forged"}`)})[0]
			return append(append(r[:5:5], forged), r[5:]...), c
		}, 6, Reordered},
		{"RecomputedHashAfterEdit", func(r []Record, c []Checkpoint) ([]Record, []Checkpoint) {
			// An insider edits an entry and recomputes its hash: the next link breaks.
			r[4].Entry = []byte(`{"action":"payment.refunded","amount":"0"}`)
			r[4].Hash = ChainHash(r[4].Seq, r[4].Time, r[4].PrevHash, r[4].Entry)
			return r, c
		}, 6, LinkBroken},
		{"TailTruncated", func(r []Record, c []Checkpoint) ([]Record, []Checkpoint) {
			return r[:7], c
		}, 10, Truncated},
		{"WholeChainRewritten", func(r []Record, c []Checkpoint) ([]Record, []Checkpoint) {
			// Self-consistent rewrite of everything: only the signatures show it.
			times, entries := make([]time.Time, len(r)), make([][]byte, len(r))
			for i := range r {
				times[i], entries[i] = r[i].Time, r[i].Entry
			}
			entries[1] = []byte(`{"action":"auth.login.succeeded","rewritten":true}`)
			return Chain(0, Genesis, times, entries), c
		}, 5, Rewritten},
		{"CheckpointSignatureForged", func(r []Record, c []Checkpoint) ([]Record, []Checkpoint) {
			c[1].Signature.Value = append([]byte(nil), c[1].Signature.Value...)
			c[1].Signature.Value[3] ^= 1
			return r, c
		}, 10, BadSignature},
		{"CheckpointHeadEdited", func(r []Record, c []Checkpoint) ([]Record, []Checkpoint) {
			c[0].HeadHash[0] ^= 1 // the statement no longer matches the fields
			return r, c
		}, 5, BadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, cps := tt.mutate(testChain(t, ring, 10, 5, 10))
			rep := verify(ring, recs, cps)
			if rep.OK() {
				t.Fatal("mutation not detected")
			}
			first := rep.Breaks[0]
			if first.Seq != tt.wantSeq || first.Kind != tt.wantKind {
				t.Fatalf("first break = %v; want seq %d: %s (all: %v)", first, tt.wantSeq, tt.wantKind, rep.Breaks)
			}
		})
	}
}

func TestVerifier_FromCheckpoint(t *testing.T) {
	ring := testKeyring(t)
	recs, cps := testChain(t, ring, 10, 5, 10)
	v := NewVerifier(cps[0].Seq, cps[0].HeadHash, []int64{10})
	for _, r := range recs[5:] {
		v.Add(r)
	}
	if rep := v.Finish(context.Background(), ring, cps); !rep.OK() || rep.From != 6 || rep.Entries != 5 || rep.Checkpoints != 2 {
		t.Fatalf("incremental verification: %+v", rep)
	}
}

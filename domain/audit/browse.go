package audit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
)

// Filter selects entries for browsing and export. Zero fields match all.
type Filter struct {
	From, To   time.Time // occurred_at in [From, To)
	ActorID    string
	Action     Action
	Outcome    Outcome
	TargetType string
	TargetID   string
	Text       string // anywhere in the entry, case-insensitive
}

// Validate refuses filters that make no sense, with a message for the user.
func (f Filter) Validate() error {
	switch {
	case !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From):
		return domain.Errorf(domain.EINVALID, "The end of the time range must be after its start.")
	case f.Action != "" && !Known(f.Action):
		return domain.Errorf(domain.EINVALID, "Unknown action %q.", f.Action)
	case f.Outcome != "" && f.Outcome != Success && f.Outcome != Failure:
		return domain.Errorf(domain.EINVALID, "Outcome must be success or failure.")
	case len(f.Text) > 200 || len(f.ActorID) > maxFieldLength || len(f.TargetID) > maxFieldLength || len(f.TargetType) > maxFieldLength:
		return domain.Errorf(domain.EINVALID, "A filter field is too long.")
	}
	return nil
}

// String describes the filter for the audit record of who looked at what.
func (f Filter) String() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	if !f.From.IsZero() {
		add("from", f.From.UTC().Format(time.RFC3339))
	}
	if !f.To.IsZero() {
		add("to", f.To.UTC().Format(time.RFC3339))
	}
	add("actor", f.ActorID)
	add("action", string(f.Action))
	add("outcome", string(f.Outcome))
	add("target_type", f.TargetType)
	add("target_id", f.TargetID)
	add("text", strconv.Quote(f.Text))
	if f.Text == "" {
		parts = parts[:len(parts)-1]
	}
	return strings.Join(parts, " ")
}

// Page is a keyset position. Entries come newest first (Oldest: oldest
// first), ordered by sequence number or, when the filter has a time range,
// by time; Before continues after entry Before. A live tail (Tail) instead
// takes the entries after After, in sequence order. MaxSeq, when set,
// leaves out entries after it.
type Page struct {
	Before, After int64
	Tail, Oldest  bool
	MaxSeq        int64
	Limit         int
}

// Entry is a record with its event decoded for display.
type Entry struct {
	Record
	Event Event
}

// Reader finds entries.
type Reader interface {
	Search(ctx context.Context, f Filter, p Page) ([]Record, error)
	Get(ctx context.Context, seq int64) (Record, bool, error)
	// Range calls fn for entries after `after` through `through`, in order.
	Range(ctx context.Context, after, through int64, fn func(Record) error) error
	Checkpoints(ctx context.Context) ([]Checkpoint, error)
}

// Browser is what compliance officers and auditors use to read the log.
// Every read is itself recorded (PCI DSS 10.2.1.3), and fails if it cannot be.
type Browser struct {
	Reader Reader
	Log    *Log
	Keys   KeySource
}

// PageSize is how many entries a page shows.
const PageSize = 50

// List returns a page of entries matching f, recording the view.
func (b *Browser) List(ctx context.Context, f Filter, p Page) ([]Entry, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if p.Limit <= 0 || p.Limit > 500 {
		p.Limit = PageSize
	}
	recs, err := b.Reader.Search(ctx, f, p)
	if err != nil {
		return nil, err
	}
	if !p.Tail { // a live tail's updates are part of the view that opened it
		detail := map[string]string{"filter": truncate(f.String(), maxDetailValue), "entries": strconv.Itoa(len(recs))}
		if p.Before > 0 {
			detail["before_seq"] = strconv.FormatInt(p.Before, 10)
		}
		if err := b.Log.Record(ctx, Event{Action: AuditViewed, Outcome: Success, Target: Target{Type: "audit_log"}, Detail: detail}); err != nil {
			return nil, err
		}
	}
	return decode(recs), nil
}

// Signer returns the fingerprint of the key that signs checkpoints now,
// for auditors to compare with what a bundle check prints; "" before the
// first checkpoint.
func (b *Browser) Signer(ctx context.Context) (string, error) {
	cps, err := b.Reader.Checkpoints(ctx)
	if err != nil || len(cps) == 0 {
		return "", err
	}
	pub, err := b.Keys.PublicKey(ctx, cps[len(cps)-1].Signature.KeyID)
	if err != nil {
		return "", err
	}
	return pub.Fingerprint(), nil
}

// Get returns one entry, recording the view.
func (b *Browser) Get(ctx context.Context, seq int64) (Entry, error) {
	r, ok, err := b.Reader.Get(ctx, seq)
	if err != nil {
		return Entry{}, err
	}
	if !ok {
		return Entry{}, domain.Errorf(domain.ENOTFOUND, "There is no audit entry %d.", seq)
	}
	err = b.Log.Record(ctx, Event{Action: AuditViewed, Outcome: Success,
		Target: Target{Type: "audit_entry", ID: strconv.FormatInt(seq, 10)}})
	return decode([]Record{r})[0], err
}

// EntryProof is the outcome of verifying one entry: its own hash, and the
// chain from it up to the first signed checkpoint after it.
type EntryProof struct {
	Seq        int64
	OK         bool
	Checkpoint *Checkpoint // the checkpoint that covers it; nil if none yet
	Problem    string
}

// VerifyEntry checks that entry seq is intact and pinned by a signed
// checkpoint: its hash recomputes, and the chain from it links up to a
// checkpoint whose signature verifies.
func (b *Browser) VerifyEntry(ctx context.Context, seq int64) (EntryProof, error) {
	proof := EntryProof{Seq: seq}
	r, ok, err := b.Reader.Get(ctx, seq)
	if err != nil || !ok {
		if err == nil {
			err = domain.Errorf(domain.ENOTFOUND, "There is no audit entry %d.", seq)
		}
		return proof, err
	}
	cps, err := b.Reader.Checkpoints(ctx)
	if err != nil {
		return proof, err
	}
	var covering *Checkpoint
	for i := range cps {
		if cps[i].Seq >= seq && (covering == nil || cps[i].Seq < covering.Seq) {
			covering = &cps[i]
		}
	}
	if covering == nil {
		if ChainHash(r.Seq, r.Time, r.PrevHash, r.Entry) != r.Hash {
			proof.Problem = fmt.Sprintf("seq %d: %s", seq, ContentChanged)
			return proof, nil
		}
		proof.Problem = "The entry's hash is correct, but no signed checkpoint covers it yet; one is signed every few minutes."
		return proof, nil
	}
	v := NewVerifier(seq-1, r.PrevHash, []int64{covering.Seq})
	if err := b.Reader.Range(ctx, seq-1, covering.Seq, func(r Record) error { v.Add(r); return nil }); err != nil {
		return proof, err
	}
	rep := v.Finish(ctx, b.Keys, []Checkpoint{*covering})
	proof.Checkpoint = covering
	if proof.OK = rep.OK(); !proof.OK {
		proof.Problem = rep.Breaks[0].String()
	}
	return proof, nil
}

func decode(recs []Record) []Entry {
	out := make([]Entry, len(recs))
	for i, r := range recs {
		out[i].Record = r
		out[i].Event, _ = ParseEntry(r.Entry) // a mangled entry still shows, and fails verification
	}
	return out
}

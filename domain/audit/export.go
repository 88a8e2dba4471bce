package audit

import (
	"bytes"
	"context"
	"io"
	"math"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/keys"
)

// Matches reports whether r falls within f, as Search does in the database.
func (f Filter) Matches(r Record) bool {
	if !f.From.IsZero() && r.Time.Before(f.From) || !f.To.IsZero() && !r.Time.Before(f.To) {
		return false
	}
	if f.Text != "" && !bytes.Contains(bytes.ToLower(r.Entry), bytes.ToLower([]byte(f.Text))) {
		return false
	}
	if f.ActorID == "" && f.Action == "" && f.Outcome == "" && f.TargetType == "" && f.TargetID == "" {
		return true
	}
	e, err := ParseEntry(r.Entry)
	return err == nil &&
		(f.ActorID == "" || e.Actor.ID == f.ActorID) && (f.Action == "" || e.Action == f.Action) &&
		(f.Outcome == "" || e.Outcome == f.Outcome) && (f.TargetType == "" || e.Target.Type == f.TargetType) &&
		(f.TargetID == "" || e.Target.ID == f.TargetID)
}

// Exporter hands auditors what they ask for, and records that it did.
type Exporter struct {
	Reader Reader
	Log    *Log
	Keys   KeySource
	Now    func() time.Time
}

func (x *Exporter) record(ctx context.Context, format string, f Filter) error {
	return x.Log.Record(ctx, Event{Action: AuditExported, Outcome: Success, Target: Target{Type: "audit_log"},
		Detail: map[string]string{"format": format, "filter": truncate(f.String(), maxDetailValue)}})
}

// CSV writes every entry matching f as CSV for spreadsheets.
func (x *Exporter) CSV(ctx context.Context, f Filter, w io.Writer) error {
	if err := f.Validate(); err != nil {
		return err
	}
	if err := x.record(ctx, "csv", f); err != nil {
		return err
	}
	cw, err := NewCSVWriter(w)
	if err != nil {
		return err
	}
	if err := x.Reader.Range(ctx, 0, math.MaxInt64, func(r Record) error {
		if f.Matches(r) {
			return cw.Write(r)
		}
		return nil
	}); err != nil {
		return err
	}
	return cw.Flush()
}

// Bundle writes an evidence bundle: the entries matching f, the chain of
// hashes around them from a signed anchor to the signed checkpoint after the
// last of them, the checkpoints and the public keys, so that `console audit
// verify --bundle` proves it with no database. Entries after the newest
// checkpoint are left out: nothing signed covers them yet.
func (x *Exporter) Bundle(ctx context.Context, f Filter, w io.Writer) error {
	if err := f.Validate(); err != nil {
		return err
	}
	cps, err := x.Reader.Checkpoints(ctx)
	if err != nil {
		return err
	}
	if len(cps) == 0 {
		return domain.Errorf(domain.EUNAVAILABLE, "No signed checkpoint exists yet; one is signed within minutes. Try again then.")
	}
	latest := cps[len(cps)-1]
	// The first and last matches that a signed checkpoint covers.
	first, err := x.Reader.Search(ctx, f, Page{Oldest: true, MaxSeq: latest.Seq, Limit: 1})
	if err != nil {
		return err
	}
	last, err := x.Reader.Search(ctx, f, Page{MaxSeq: latest.Seq, Limit: 1})
	if err != nil {
		return err
	}
	// The spine runs from the last checkpoint before the first match (or the
	// start) to the first checkpoint at or after the last match.
	var anchor *Checkpoint
	end := latest
	if len(first) > 0 && len(last) > 0 {
		for i := range cps {
			if cps[i].Seq < first[0].Seq {
				anchor = &cps[i]
			}
		}
		for i := len(cps) - 1; i >= 0 && cps[i].Seq >= last[0].Seq; i-- {
			end = cps[i]
		}
	} else {
		anchor = &latest // nothing provable matches: an empty bundle at the head
	}
	h := BundleHeader{GeneratedAt: x.Now().UTC(), ToSeq: end.Seq, Filter: f.String()}
	var included []Checkpoint
	if anchor != nil {
		h.AnchorSeq, h.AnchorHash, h.FromSeq = anchor.Seq, anchor.HeadHash, anchor.Seq+1
		included = append(included, *anchor)
	} else {
		h.FromSeq = 1
	}
	for _, c := range cps {
		if c.Seq > h.AnchorSeq && c.Seq <= end.Seq {
			included = append(included, c)
		}
	}
	if err := x.record(ctx, "bundle", f); err != nil {
		return err
	}
	bw, err := NewBundleWriter(w, h)
	if err != nil {
		return err
	}
	if err := x.Reader.Range(ctx, h.AnchorSeq, end.Seq, func(r Record) error {
		if f.Matches(r) {
			return bw.WriteRecord(r)
		}
		return bw.WriteLink(r)
	}); err != nil {
		return err
	}
	pubs := map[string]keys.PublicKey{}
	for _, c := range included {
		if _, ok := pubs[c.Signature.KeyID]; !ok {
			if pubs[c.Signature.KeyID], err = x.Keys.PublicKey(ctx, c.Signature.KeyID); err != nil {
				return err
			}
		}
	}
	list := make([]keys.PublicKey, 0, len(pubs))
	for _, p := range pubs {
		list = append(list, p)
	}
	return bw.Close(included, list)
}

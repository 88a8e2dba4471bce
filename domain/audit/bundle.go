package audit

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/paycompliance/console/domain/keys"
)

// An evidence bundle is a range of the chain that an auditor verifies
// offline, with no database: JSON Lines holding a header, then the chain from
// the anchor to the header's to_seq (an "entry" line per record shown, a
// "link" line, hashes only, per record withheld), then the signed checkpoints,
// then the public keys that signed them.
//
// Each entry's hash is recomputed from its content, every line must link to
// the one before, the chain must start at genesis or at a signed checkpoint
// and end at one. So whatever the bundle shows is authentic and sits in the
// chain where it says; a filtered bundle does not prove that it shows every
// entry its filter matches. The bundle carries its own public keys: compare
// their fingerprints (BundleReport.Keys) with the ones the operator publishes.

// BundleFormat names the format in the header line.
const BundleFormat = "console-audit-bundle/v1"

// Unanchored: a bundle's chain does not start, or does not end, at genesis or
// at a signed checkpoint, so nothing vouches for the hashes it links.
const Unanchored BreakKind = "unanchored"

// maxBundleLine bounds one line; an entry is a few kilobytes at most.
const maxBundleLine = 1 << 20

// BundleHeader describes a bundle. The chain runs from after AnchorSeq
// (0 with the Genesis hash, or a checkpointed seq) to ToSeq; FromSeq is where
// the requested range starts, records before it are links.
type BundleHeader struct {
	GeneratedAt    time.Time
	FromSeq, ToSeq int64
	AnchorSeq      int64
	AnchorHash     Hash
	Filter         string // what the export selected, in words; not authenticated
}

func (h BundleHeader) check() error {
	if h.AnchorSeq < 0 || h.FromSeq <= h.AnchorSeq || h.ToSeq < h.FromSeq {
		return fmt.Errorf("range must satisfy 0 <= anchor (%d) < from (%d) <= to (%d)", h.AnchorSeq, h.FromSeq, h.ToSeq)
	}
	if h.AnchorSeq == 0 && h.AnchorHash != Genesis {
		return errors.New("a bundle anchored at seq 0 must start from the genesis hash")
	}
	return nil
}

// The line types. Hashes are hex; an entry's canonical bytes are embedded
// as raw JSON, byte for byte (see WriteRecord).
type (
	hexHash    Hash
	headerLine struct {
		Type        string    `json:"type"`
		Format      string    `json:"format"`
		GeneratedAt time.Time `json:"generated_at"`
		FromSeq     int64     `json:"from_seq"`
		ToSeq       int64     `json:"to_seq"`
		AnchorSeq   int64     `json:"anchor_seq"`
		AnchorHash  hexHash   `json:"anchor_hash"`
		Filter      string    `json:"filter"`
	}
	entryLine struct {
		Type     string          `json:"type"`
		Seq      int64           `json:"seq"`
		Time     time.Time       `json:"time"`
		PrevHash hexHash         `json:"prev_hash"`
		Hash     hexHash         `json:"hash"`
		Entry    json.RawMessage `json:"entry"`
	}
	linkLine struct {
		Type     string  `json:"type"`
		Seq      int64   `json:"seq"`
		PrevHash hexHash `json:"prev_hash"`
		Hash     hexHash `json:"hash"`
	}
	checkpointLine struct {
		Type      string         `json:"type"`
		Seq       int64          `json:"seq"`
		HeadHash  hexHash        `json:"head_hash"`
		SignedAt  time.Time      `json:"signed_at"`
		Statement string         `json:"statement"` // ASCII text: readable as is
		Signature keys.Signature `json:"signature"`
	}
	keyLine struct {
		Type string `json:"type"`
		keys.PublicKey
	}
)

func (h hexHash) MarshalText() ([]byte, error) { return hex.AppendEncode(nil, h[:]), nil }

func (h *hexHash) UnmarshalText(b []byte) error {
	if len(b) != 2*HashSize {
		return fmt.Errorf("a hash is %d hex digits, not %d", 2*HashSize, len(b))
	}
	_, err := hex.Decode(h[:], b)
	return err
}

// BundleWriter writes a bundle: the header, then WriteRecord or WriteLink
// for every record from AnchorSeq+1 to ToSeq in order, then Close.
type BundleWriter struct {
	w       *bufio.Writer
	enc     *json.Encoder
	h       BundleHeader
	last    int64
	compact bytes.Buffer
}

// NewBundleWriter writes the header line.
func NewBundleWriter(w io.Writer, h BundleHeader) (*BundleWriter, error) {
	if err := h.check(); err != nil {
		return nil, fmt.Errorf("audit: bundle header: %w", err)
	}
	b := &BundleWriter{w: bufio.NewWriter(w), h: h, last: h.AnchorSeq}
	b.enc = json.NewEncoder(b.w)
	b.enc.SetEscapeHTML(false) // with escaping on, raw entries would be rewritten (< as \u003c)
	return b, b.enc.Encode(headerLine{Type: "header", Format: BundleFormat, GeneratedAt: h.GeneratedAt.UTC(),
		FromSeq: h.FromSeq, ToSeq: h.ToSeq, AnchorSeq: h.AnchorSeq, AnchorHash: hexHash(h.AnchorHash), Filter: h.Filter})
}

// WriteRecord writes a record with its content. The entry is embedded as raw
// JSON: the encoder copies compact JSON verbatim (with HTML escaping off) and
// the decoder hands back the exact bytes, so the hash still recomputes. The
// log's canonical entries are compact; anything else is refused here rather
// than silently altered.
func (b *BundleWriter) WriteRecord(r Record) error {
	if err := b.next(r.Seq); err != nil {
		return err
	}
	b.compact.Reset()
	if err := json.Compact(&b.compact, r.Entry); err != nil || !bytes.Equal(b.compact.Bytes(), r.Entry) {
		return fmt.Errorf("audit: bundle: entry %d is not compact JSON, so it cannot be embedded byte for byte", r.Seq)
	}
	return b.enc.Encode(entryLine{Type: "entry", Seq: r.Seq, Time: r.Time.UTC(),
		PrevHash: hexHash(r.PrevHash), Hash: hexHash(r.Hash), Entry: r.Entry})
}

// WriteLink writes a record outside the filter: its place in the chain
// (seq, previous hash, hash) without its content.
func (b *BundleWriter) WriteLink(r Record) error {
	if err := b.next(r.Seq); err != nil {
		return err
	}
	return b.enc.Encode(linkLine{Type: "link", Seq: r.Seq, PrevHash: hexHash(r.PrevHash), Hash: hexHash(r.Hash)})
}

func (b *BundleWriter) next(seq int64) error {
	if seq <= b.last || seq > b.h.ToSeq {
		return fmt.Errorf("audit: bundle: record %d out of order or outside %d..%d", seq, b.h.AnchorSeq+1, b.h.ToSeq)
	}
	b.last = seq
	return nil
}

// Close writes the checkpoints (those from AnchorSeq to ToSeq: the anchor's
// and the last record's at least) and the public keys that signed them, and
// flushes. It does not close the underlying writer.
func (b *BundleWriter) Close(checkpoints []Checkpoint, pubkeys []keys.PublicKey) error {
	cps := slices.Clone(checkpoints)
	slices.SortStableFunc(cps, func(x, y Checkpoint) int { return cmp.Compare(x.Seq, y.Seq) })
	for _, c := range cps {
		if c.Seq < b.h.AnchorSeq || c.Seq > b.h.ToSeq {
			return fmt.Errorf("audit: bundle: checkpoint %d outside %d..%d", c.Seq, b.h.AnchorSeq, b.h.ToSeq)
		}
		if err := b.enc.Encode(checkpointLine{Type: "checkpoint", Seq: c.Seq, HeadHash: hexHash(c.HeadHash),
			SignedAt: c.SignedAt.UTC(), Statement: string(c.Statement), Signature: c.Signature}); err != nil {
			return err
		}
	}
	seen := map[string]keys.PublicKey{}
	for _, k := range pubkeys {
		if prev, dup := seen[k.KeyID]; dup {
			if prev.Algorithm != k.Algorithm || !bytes.Equal(prev.DER, k.DER) {
				return fmt.Errorf("audit: bundle: two different public keys named %q", k.KeyID)
			}
			continue
		}
		seen[k.KeyID] = k
		if err := b.enc.Encode(keyLine{Type: "public_key", PublicKey: k}); err != nil {
			return err
		}
	}
	return b.w.Flush()
}

// BundleReport is the outcome of verifying a bundle.
type BundleReport struct {
	Entries, Links int   // lines with content, lines with hashes only
	From, To       int64 // first and last seq of the chain checked
	Checkpoints    int   // checkpoints whose signature and head were checked
	Keys           []string
	Breaks         []Break
}

// OK reports whether the bundle verified.
func (r BundleReport) OK() bool { return len(r.Breaks) == 0 }

// bundleKeys is the KeySource of the keys a bundle carries.
type bundleKeys map[string]keys.PublicKey

func (k bundleKeys) PublicKey(_ context.Context, id string) (keys.PublicKey, error) {
	if p, ok := k[id]; ok {
		return p, nil
	}
	return keys.PublicKey{}, errors.New("not in the bundle")
}

// Sections, in the order a bundle has them.
var bundleSection = map[string]int{"header": 0, "entry": 1, "link": 1, "checkpoint": 2, "public_key": 3}

// VerifyBundle reads and verifies a bundle with nothing but its contents.
// A malformed bundle (bad JSON, an unknown line type, sections out of order,
// a seq outside the header's range) is an error naming the line; tampering
// is reported as Breaks, located by seq. Memory grows with the bundle's
// length (a hash per line), as checkpoints come after the lines they cover.
func VerifyBundle(ctx context.Context, r io.Reader) (BundleReport, error) {
	var (
		rep     BundleReport
		h       headerLine
		v       *Verifier
		cps     []Checkpoint
		ks      = bundleKeys{}
		section = -1
		n       = 0
	)
	fail := func(format string, a ...any) (BundleReport, error) {
		return BundleReport{}, fmt.Errorf("audit: bundle line %d: %s", n, fmt.Sprintf(format, a...))
	}
	inRange := func(seq int64) bool { return seq > h.AnchorSeq && seq <= h.ToSeq }
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxBundleLine)
	for sc.Scan() {
		if n++; n%4096 == 0 && ctx.Err() != nil {
			return BundleReport{}, ctx.Err()
		}
		line := sc.Bytes()
		var probe struct{ Type string }
		if err := json.Unmarshal(line, &probe); err != nil {
			return fail("not a JSON object: %v", err)
		}
		sec, known := bundleSection[probe.Type]
		switch {
		case !known:
			return fail("unknown line type %q", probe.Type)
		case (n == 1) != (sec == 0):
			return fail("the header must be the first line, and only it")
		case sec < section:
			return fail("%s line after the %s", probe.Type, [...]string{"header", "entries", "checkpoints", "public keys"}[section])
		}
		section = sec
		switch probe.Type {
		case "header":
			if err := decodeStrict(line, &h); err != nil {
				return fail("%v", err)
			}
			hdr := BundleHeader{FromSeq: h.FromSeq, ToSeq: h.ToSeq, AnchorSeq: h.AnchorSeq, AnchorHash: Hash(h.AnchorHash)}
			if h.Format != BundleFormat {
				return fail("format %q, want %q", h.Format, BundleFormat)
			}
			if err := hdr.check(); err != nil {
				return fail("%v", err)
			}
			v = NewVerifier(h.AnchorSeq, Hash(h.AnchorHash), nil)
		case "entry":
			var e entryLine
			if err := decodeStrict(line, &e); err != nil {
				return fail("%v", err)
			}
			if !inRange(e.Seq) || len(e.Entry) == 0 {
				return fail("entry %d is outside %d..%d or has no content", e.Seq, h.AnchorSeq+1, h.ToSeq)
			}
			v.Add(Record{Seq: e.Seq, Time: e.Time, PrevHash: Hash(e.PrevHash), Hash: Hash(e.Hash), Entry: e.Entry})
			v.hashAt[e.Seq] = Hash(e.Hash)
			rep.Entries++
		case "link":
			var l linkLine
			if err := decodeStrict(line, &l); err != nil {
				return fail("%v", err)
			}
			if !inRange(l.Seq) {
				return fail("link %d is outside %d..%d", l.Seq, h.AnchorSeq+1, h.ToSeq)
			}
			v.addLink(l.Seq, Hash(l.PrevHash), Hash(l.Hash))
			rep.Links++
		case "checkpoint":
			var c checkpointLine
			if err := decodeStrict(line, &c); err != nil {
				return fail("%v", err)
			}
			if c.Seq < h.AnchorSeq || c.Seq > h.ToSeq {
				return fail("checkpoint %d is outside %d..%d", c.Seq, h.AnchorSeq, h.ToSeq)
			}
			cps = append(cps, Checkpoint{Seq: c.Seq, HeadHash: Hash(c.HeadHash), SignedAt: c.SignedAt,
				Statement: []byte(c.Statement), Signature: c.Signature})
		case "public_key":
			var k keyLine
			if err := decodeStrict(line, &k); err != nil {
				return fail("%v", err)
			}
			if _, dup := ks[k.KeyID]; dup {
				return fail("a second public key %q", k.KeyID)
			}
			ks[k.KeyID] = k.PublicKey
			rep.Keys = append(rep.Keys, k.PublicKey.Fingerprint())
		}
	}
	if err := sc.Err(); err != nil {
		n++
		return fail("%v", err)
	}
	if v == nil {
		return BundleReport{}, errors.New("audit: bundle is empty")
	}

	last, lastHash := v.wantSeq-1, v.wantPrev
	v.Finish(ctx, ks, cps) // each signature, and each signed head against the chain
	signed := func(seq int64, head Hash) bool {
		return slices.ContainsFunc(cps, func(c Checkpoint) bool {
			return c.Seq == seq && c.HeadHash == head && verifyCheckpoint(ctx, ks, c) == nil
		})
	}
	if h.AnchorSeq > 0 && !signed(h.AnchorSeq, Hash(h.AnchorHash)) {
		v.fail(h.AnchorSeq, Unanchored, "no signed checkpoint in the bundle vouches for the hash the chain starts from")
	}
	if last != h.ToSeq && !slices.ContainsFunc(v.report.Breaks, func(b Break) bool { return b.Seq == h.ToSeq && b.Kind == Truncated }) {
		v.fail(h.ToSeq, Truncated, fmt.Sprintf("the header says the chain runs to %d, it stops at %d", h.ToSeq, last))
	}
	if !signed(last, lastHash) {
		v.fail(last, Unanchored, "the chain does not end at a signed checkpoint, so nothing vouches for it")
	}
	rep.From, rep.To, rep.Checkpoints, rep.Breaks = v.report.From, last, v.report.Checkpoints, v.report.Breaks
	return rep, nil
}

// addLink is Add for a line whose content is withheld: its hash cannot be
// recomputed, but it must be next in sequence and link to the line before,
// and its hash is pinned by the next line's link and by the checkpoints.
// It remembers every hash, since a bundle's checkpoints come after its lines.
func (v *Verifier) addLink(seq int64, prev, hash Hash) {
	v.report.To = seq
	switch {
	case seq > v.wantSeq:
		v.fail(seq, Gap, fmt.Sprintf("entries %d to %d are missing", v.wantSeq, seq-1))
	case seq < v.wantSeq:
		v.fail(seq, Reordered, fmt.Sprintf("expected sequence %d next", v.wantSeq))
	case prev != v.wantPrev:
		v.fail(seq, LinkBroken, "previous hash is not the hash of the entry before")
	}
	v.hashAt[seq] = hash
	v.wantSeq, v.wantPrev = seq+1, hash
}

// decodeStrict decodes one line, refusing fields its type does not have.
func decodeStrict(line []byte, dst any) error {
	d := json.NewDecoder(bytes.NewReader(line))
	d.DisallowUnknownFields()
	return d.Decode(dst)
}

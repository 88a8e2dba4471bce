package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/keyfile"
)

func bundleKeyring(t *testing.T) *keys.Keyring {
	t.Helper()
	p, err := keyfile.Open(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	return keys.New(p, keys.Options{})
}

var bundleBase = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// bundleChain is n records (every third a screening disposition, the rest
// refunds; target ids tgt-001...) and checkpoints signed at the given seqs.
func bundleChain(t *testing.T, ring *keys.Keyring, n int, checkpointAt ...int64) ([]Record, []Checkpoint) {
	t.Helper()
	times, entries := make([]time.Time, n), make([][]byte, n)
	for i := range n {
		e := Event{Actor: Actor{Type: ActorUser, ID: "u_42"}, Action: PaymentRefunded, Outcome: Success,
			Target: Target{Type: "payment", ID: fmt.Sprintf("tgt-%03d", i+1)}}
		if (i+1)%3 == 0 {
			e.Action = HitDispositioned
		}
		entries[i], _ = e.Canonical()
		times[i] = bundleBase.Add(time.Duration(i+1) * time.Millisecond)
	}
	recs := Chain(0, Genesis, times, entries)
	var cps []Checkpoint
	for _, s := range checkpointAt {
		c, err := SignCheckpoint(context.Background(), ring, s, recs[s-1].Hash, bundleBase.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		cps = append(cps, c)
	}
	return recs, cps
}

func publicKeys(t *testing.T, ring *keys.Keyring, cps []Checkpoint) []keys.PublicKey {
	t.Helper()
	var out []keys.PublicKey
	for _, c := range cps {
		k, err := ring.PublicKey(context.Background(), c.Signature.KeyID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k) // repeats: Close keeps one of each
	}
	return out
}

// writeBundle writes recs after the anchor, in full where show says so
// (nil: all), as links otherwise.
func writeBundle(t *testing.T, h BundleHeader, recs []Record, cps []Checkpoint, pub []keys.PublicKey, show func(Event) bool) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewBundleWriter(&buf, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Seq <= h.AnchorSeq {
			continue
		}
		e, _ := ParseEntry(r.Entry)
		if show == nil || show(e) {
			err = w.WriteRecord(r)
		} else {
			err = w.WriteLink(r)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(cps, pub); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func verifyBundleString(t *testing.T, s string) BundleReport {
	t.Helper()
	rep, err := VerifyBundle(context.Background(), strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func fullHeader(to int64) BundleHeader {
	return BundleHeader{GeneratedAt: bundleBase.Add(2 * time.Hour), FromSeq: 1, ToSeq: to}
}

func dispositions(e Event) bool { return e.Action == HitDispositioned }

// lineOf is the index of the line of type typ at seq.
func lineOf(t *testing.T, lines []string, typ string, seq int64) int {
	t.Helper()
	for i, l := range lines {
		var p struct {
			Type string
			Seq  int64
		}
		if json.Unmarshal([]byte(l), &p) == nil && p.Type == typ && p.Seq == seq {
			return i
		}
	}
	t.Fatalf("no %s line at seq %d", typ, seq)
	return -1
}

func TestBundle_FullRoundTrip(t *testing.T) {
	ring := bundleKeyring(t)
	recs, cps := bundleChain(t, ring, 10, 5, 10)
	b := writeBundle(t, fullHeader(10), recs, cps, publicKeys(t, ring, cps), nil)
	rep := verifyBundleString(t, b)
	if !rep.OK() || rep.Entries != 10 || rep.Links != 0 || rep.Checkpoints != 2 || rep.From != 1 || rep.To != 10 {
		t.Fatalf("report: %+v", rep)
	}
	if len(rep.Keys) != 1 || !strings.HasPrefix(rep.Keys[0], cps[0].Signature.KeyID+" (ed25519) sha256:") {
		t.Fatalf("keys: %v", rep.Keys)
	}
	if n := strings.Count(b, "\n"); n != 1+10+2+1 {
		t.Fatalf("%d lines, want header, 10 entries, 2 checkpoints, 1 key:\n%s", n, b)
	}
}

func TestBundle_FilteredWithholdsContent(t *testing.T) {
	ring := bundleKeyring(t)
	recs, cps := bundleChain(t, ring, 10, 10)
	h := fullHeader(10)
	h.Filter = "action=" + string(HitDispositioned)
	b := writeBundle(t, h, recs, cps, publicKeys(t, ring, cps), dispositions)
	rep := verifyBundleString(t, b)
	if !rep.OK() || rep.Entries != 3 || rep.Links != 7 || rep.Checkpoints != 1 {
		t.Fatalf("report: %+v", rep)
	}
	for seq := 1; seq <= 10; seq++ {
		if shown := strings.Contains(b, fmt.Sprintf("tgt-%03d", seq)); shown != (seq%3 == 0) {
			t.Errorf("entry %d: content in the bundle = %v", seq, shown)
		}
	}
	if strings.Contains(b, string(PaymentRefunded)) {
		t.Error("a withheld entry's action is in the bundle")
	}
}

func TestBundle_FromCheckpointAnchor(t *testing.T) {
	ring := bundleKeyring(t)
	recs, cps := bundleChain(t, ring, 10, 5, 10)
	h := BundleHeader{FromSeq: 7, ToSeq: 10, AnchorSeq: 5, AnchorHash: cps[0].HeadHash}
	pub := publicKeys(t, ring, cps)
	rep := verifyBundleString(t, writeBundle(t, h, recs, cps, pub, func(e Event) bool { return e.Target.ID >= "tgt-007" }))
	if !rep.OK() || rep.From != 6 || rep.Entries != 4 || rep.Links != 1 || rep.Checkpoints != 2 {
		t.Fatalf("report: %+v", rep)
	}
	// Without the anchor's checkpoint, nothing vouches for where the chain starts.
	rep = verifyBundleString(t, writeBundle(t, h, recs, cps[1:], pub, nil))
	if len(rep.Breaks) != 1 || rep.Breaks[0].Seq != 5 || rep.Breaks[0].Kind != Unanchored {
		t.Fatalf("breaks: %v", rep.Breaks)
	}
}

// Every way of tampering with a bundle is detected and located.
func TestBundle_DetectsEveryMutation(t *testing.T) {
	ring := bundleKeyring(t)
	recs, cps := bundleChain(t, ring, 10, 5, 10)
	pub := publicKeys(t, ring, cps)
	full := strings.Split(strings.TrimSuffix(writeBundle(t, fullHeader(10), recs, cps, pub, nil), "\n"), "\n")
	filtered := strings.Split(strings.TrimSuffix(writeBundle(t, fullHeader(10), recs, cps, pub, dispositions), "\n"), "\n")
	otherKey := strings.Split(writeBundle(t, fullHeader(10), recs, nil, publicKeys(t, bundleKeyring(t), cps), nil), "\n")

	tests := []struct {
		name     string
		filtered bool
		mutate   func(t *testing.T, l []string) []string
		wantSeq  int64
		wantKind BreakKind
	}{
		{"EntryByteChanged", false, func(t *testing.T, l []string) []string {
			i := lineOf(t, l, "entry", 3)
			l[i] = strings.Replace(l[i], "tgt-003", "tgt-00E", 1)
			return l
		}, 3, ContentChanged},
		{"EntryTimeChanged", false, func(t *testing.T, l []string) []string {
			i := lineOf(t, l, "entry", 3)
			l[i] = strings.Replace(l[i], "09:00:00.003Z", "09:00:01.003Z", 1)
			return l
		}, 3, ContentChanged},
		{"EntryEditedAndRehashed", false, func(t *testing.T, l []string) []string {
			r := recs[2]
			r.Entry = []byte(`{"action":"payment.refunded","amount":"0"}`)
			r.Hash = ChainHash(r.Seq, r.Time, r.PrevHash, r.Entry)
			l[lineOf(t, l, "entry", 3)] = entryJSON(t, r)
			return l
		}, 4, LinkBroken},
		{"EntryDeleted", false, func(t *testing.T, l []string) []string {
			return slices.Delete(l, lineOf(t, l, "entry", 4), lineOf(t, l, "entry", 4)+1)
		}, 5, Gap},
		{"LinkDeleted", true, func(t *testing.T, l []string) []string {
			return slices.Delete(l, lineOf(t, l, "link", 4), lineOf(t, l, "link", 4)+1)
		}, 5, Gap},
		{"LinesSwapped", false, func(t *testing.T, l []string) []string {
			i, j := lineOf(t, l, "entry", 4), lineOf(t, l, "entry", 5)
			l[i], l[j] = l[j], l[i]
			return l
		}, 5, Gap},
		{"ForgedEntryInserted", false, func(t *testing.T, l []string) []string {
			forged := Chain(5, recs[4].Hash, []time.Time{recs[5].Time}, [][]byte{[]byte(`{"action":"forged"}`)})[0]
			return slices.Insert(l, lineOf(t, l, "entry", 6), entryJSON(t, forged))
		}, 6, Reordered},
		{"LinkHashAltered", true, func(t *testing.T, l []string) []string {
			i := lineOf(t, l, "link", 4)
			var k linkLine
			_ = json.Unmarshal([]byte(l[i]), &k)
			k.Hash[0] ^= 1
			l[i] = mustJSON(t, k)
			return l
		}, 5, LinkBroken},
		{"LastLineDeleted", false, func(t *testing.T, l []string) []string {
			return slices.Delete(l, lineOf(t, l, "entry", 10), lineOf(t, l, "entry", 10)+1)
		}, 10, Truncated},
		{"FinalCheckpointDropped", true, func(t *testing.T, l []string) []string {
			return slices.Delete(l, lineOf(t, l, "checkpoint", 10), lineOf(t, l, "checkpoint", 10)+1)
		}, 10, Unanchored},
		{"CheckpointSignatureTampered", false, func(t *testing.T, l []string) []string {
			i := lineOf(t, l, "checkpoint", 10)
			var c checkpointLine
			_ = json.Unmarshal([]byte(l[i]), &c)
			c.Signature.Value[3] ^= 1
			l[i] = mustJSON(t, c)
			return l
		}, 10, BadSignature},
		{"CheckpointHeadEdited", false, func(t *testing.T, l []string) []string {
			i := lineOf(t, l, "checkpoint", 5)
			var c checkpointLine
			_ = json.Unmarshal([]byte(l[i]), &c)
			c.HeadHash = hexHash(recs[5].Hash) // statement no longer matches
			l[i] = mustJSON(t, c)
			return l
		}, 5, BadSignature},
		{"PublicKeyReplaced", false, func(t *testing.T, l []string) []string {
			l[len(l)-1] = otherKey[len(otherKey)-2]
			return l
		}, 5, BadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := slices.Clone(full)
			if tt.filtered {
				lines = slices.Clone(filtered)
			}
			rep := verifyBundleString(t, strings.Join(tt.mutate(t, lines), "\n")+"\n")
			if rep.OK() {
				t.Fatal("mutation not detected")
			}
			if first := rep.Breaks[0]; first.Seq != tt.wantSeq || first.Kind != tt.wantKind {
				t.Fatalf("first break = %v; want seq %d: %s (all: %v)", first, tt.wantSeq, tt.wantKind, rep.Breaks)
			}
		})
	}
}

func entryJSON(t *testing.T, r Record) string {
	return mustJSON(t, entryLine{Type: "entry", Seq: r.Seq, Time: r.Time, PrevHash: hexHash(r.PrevHash), Hash: hexHash(r.Hash), Entry: r.Entry})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A malformed bundle is an error that names the line.
func TestVerifyBundle_Malformed(t *testing.T) {
	ring := bundleKeyring(t)
	recs, cps := bundleChain(t, ring, 4, 4)
	good := strings.Split(writeBundle(t, fullHeader(4), recs, cps, publicKeys(t, ring, cps), dispositions), "\n")
	// 1 header, 2-4 links 1-2 and entry 3, 5 link 4, 6 checkpoint, 7 key
	tests := []struct {
		name   string
		mutate func(l []string) []string
		want   string
	}{
		{"BrokenJSON", func(l []string) []string { l[2] = `{"type":"link","seq":2,`; return l }, "line 3: not a JSON object"},
		{"NotAnObject", func(l []string) []string { l[2] = `[1,2]`; return l }, "line 3: not a JSON object"},
		{"BlankLine", func(l []string) []string { return slices.Insert(l, 3, "") }, "line 4: not a JSON object"},
		{"UnknownType", func(l []string) []string { l[4] = `{"type":"comment"}`; return l }, `line 5: unknown line type "comment"`},
		{"UnknownField", func(l []string) []string {
			l[3] = strings.Replace(l[3], `{"type":"entry",`, `{"type":"entry","note":"x",`, 1)
			return l
		}, `line 4: json: unknown field "note"`},
		{"ContentOnLink", func(l []string) []string {
			l[1] = strings.Replace(l[1], `{"type":"link",`, `{"type":"link","entry":{},`, 1)
			return l
		}, `line 2: json: unknown field "entry"`},
		{"BadHash", func(l []string) []string {
			l[1] = strings.Replace(l[1], `"hash":"`, `"hash":"zz`, 1)
			return l
		}, "line 2:"},
		{"NoHeader", func(l []string) []string { return l[1:] }, "line 1: the header must be the first line"},
		{"SecondHeader", func(l []string) []string { return slices.Insert(l, 2, l[0]) }, "line 3: the header must be the first line"},
		{"WrongFormat", func(l []string) []string { l[0] = strings.Replace(l[0], "/v1", "/v9", 1); return l }, "line 1: format"},
		{"EntryAfterCheckpoint", func(l []string) []string { l[4], l[5] = l[5], l[4]; return l }, "line 6: link line after the checkpoints"},
		{"KeyBeforeCheckpoint", func(l []string) []string { l[5], l[6] = l[6], l[5]; return l }, "line 7: checkpoint line after the public keys"},
		{"SeqOutsideRange", func(l []string) []string {
			l[4] = strings.Replace(l[4], `"seq":4`, `"seq":5`, 1)
			return l
		}, "line 5: link 5 is outside 1..4"},
		{"DuplicateKey", func(l []string) []string { return slices.Insert(l, 7, l[6]) }, `line 8: a second public key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyBundle(context.Background(), strings.NewReader(strings.Join(tt.mutate(slices.Clone(good)), "\n")))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := VerifyBundle(context.Background(), strings.NewReader("")); err == nil {
		t.Fatal("an empty bundle verified")
	}
}

// Entries are embedded as raw JSON and must come back byte for byte, or
// their hashes would not recompute: non-ASCII, HTML-ish characters, escapes
// that a re-encoder would normalise.
func TestBundle_EntriesByteExact(t *testing.T) {
	ring := bundleKeyring(t)
	canonical, _ := Event{Actor: Actor{Type: ActorUser, ID: "u_é"}, Action: AuditExported, Outcome: Success,
		Detail: map[string]string{"note": "<script>&amp; café 😀 \u2028"}}.Canonical()
	entries := [][]byte{
		canonical,
		[]byte(`{"note":"<b>&</b> é 😀 ` + "\u2028" + `"}`), // raw, unescaped
		[]byte(`{"esc":"\u00e9\/\u003c","n":1.50,"z":[]}`), // escapes and a number a re-encoder would rewrite
	}
	times := []time.Time{bundleBase, bundleBase.Add(time.Microsecond), bundleBase.Add(2 * time.Microsecond)}
	recs := Chain(0, Genesis, times, entries)
	cp, err := SignCheckpoint(context.Background(), ring, 3, recs[2].Hash, bundleBase)
	if err != nil {
		t.Fatal(err)
	}
	b := writeBundle(t, fullHeader(3), recs, []Checkpoint{cp}, publicKeys(t, ring, []Checkpoint{cp}), nil)
	if rep := verifyBundleString(t, b); !rep.OK() || rep.Entries != 3 {
		t.Fatalf("report: %+v\n%s", rep, b)
	}
	lines := strings.Split(b, "\n")
	for i, want := range entries {
		var e entryLine
		if err := json.Unmarshal([]byte(lines[1+i]), &e); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(e.Entry, want) {
			t.Errorf("entry %d:\n got %s\nwant %s", i+1, e.Entry, want)
		}
	}
}

func TestBundleWriter_RefusesMisuse(t *testing.T) {
	recs := Chain(0, Genesis, []time.Time{bundleBase, bundleBase}, [][]byte{[]byte(`{"a":1}`), []byte(`{"a": 2}`)})
	for _, h := range []BundleHeader{{FromSeq: 0, ToSeq: 2}, {FromSeq: 3, ToSeq: 2}, {FromSeq: 1, ToSeq: 2, AnchorHash: recs[0].Hash}} {
		if _, err := NewBundleWriter(&bytes.Buffer{}, h); err == nil {
			t.Errorf("header %+v accepted", h)
		}
	}
	w, err := NewBundleWriter(&bytes.Buffer{}, BundleHeader{FromSeq: 1, ToSeq: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteLink(recs[1]); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRecord(recs[0]); err == nil {
		t.Error("a record out of order was written")
	}
	w, _ = NewBundleWriter(&bytes.Buffer{}, BundleHeader{FromSeq: 1, ToSeq: 2})
	_ = w.WriteRecord(recs[0])
	if err := w.WriteRecord(recs[1]); err == nil || !strings.Contains(err.Error(), "compact") {
		t.Errorf("a non-compact entry was embedded: %v", err)
	}
	if err := w.Close([]Checkpoint{{Seq: 3}}, nil); err == nil {
		t.Error("a checkpoint past the range was written")
	}
}

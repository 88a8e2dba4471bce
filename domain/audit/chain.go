package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// HashSize is the size of an entry hash (SHA-256).
const HashSize = sha256.Size

// Hash is an entry's chain hash.
type Hash [HashSize]byte

// Genesis is the previous hash of the first entry.
var Genesis Hash

// chainDomain separates these hashes from any other SHA-256 use.
const chainDomain = "console-audit-entry/v1\x00"

// Record is one sequenced entry as stored.
type Record struct {
	Seq      int64
	Time     time.Time
	PrevHash Hash
	Hash     Hash
	Entry    []byte // canonical bytes of the Event
}

// ChainHash is SHA-256 over the sequence number, the time in microseconds,
// the previous hash and the entry bytes: changing any of them, or the order,
// changes every hash after it.
func ChainHash(seq int64, t time.Time, prev Hash, entry []byte) Hash {
	var head [len(chainDomain) + 16 + HashSize]byte
	n := copy(head[:], chainDomain)
	binary.BigEndian.PutUint64(head[n:], uint64(seq))
	binary.BigEndian.PutUint64(head[n+8:], uint64(t.UnixMicro()))
	copy(head[n+16:], prev[:])
	h := sha256.New()
	h.Write(head[:])
	h.Write(entry)
	var out Hash
	h.Sum(out[:0])
	return out
}

// Chain links entries onto a head: it assigns sequence numbers and hashes
// in order. The sequencer is its only user, so sequence order is chain order.
func Chain(headSeq int64, headHash Hash, times []time.Time, entries [][]byte) []Record {
	out := make([]Record, len(entries))
	prev := headHash
	for i, e := range entries {
		seq := headSeq + int64(i) + 1
		h := ChainHash(seq, times[i], prev, e)
		out[i] = Record{Seq: seq, Time: times[i], PrevHash: prev, Hash: h, Entry: e}
		prev = h
	}
	return out
}

package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"strconv"

	"github.com/paycompliance/console/domain"
)

// MinRetentionMonths is PCI DSS 10.5.1's floor: a year of audit history.
const MinRetentionMonths = 12

// Dropped is one expired month removed by retention: the entries through
// ThroughSeq are gone; the retained chain continues from ThroughHash.
type Dropped struct {
	Partition   string
	ThroughSeq  int64
	ThroughHash Hash
	Entries     int64
}

// Partitions drops whole expired months of the log.
type Partitions interface {
	DropExpired(ctx context.Context, keepMonths int) ([]Dropped, error)
}

// Retention enforces the retention period. Each drop is recorded in the log
// in the same transaction, so the retained chain itself says what was
// removed, and verification can trust the anchor it starts from.
type Retention struct {
	Partitions Partitions
	Log        *Log
	Tx         domain.Transactor
	KeepMonths int
}

// Enforce drops what has expired and records each drop.
func (r *Retention) Enforce(ctx context.Context) ([]Dropped, error) {
	if r.KeepMonths < MinRetentionMonths {
		return nil, domain.Errorf(domain.EINVALID, "audit retention must be at least %d months, not %d", MinRetentionMonths, r.KeepMonths)
	}
	var dropped []Dropped
	err := r.Tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if dropped, err = r.Partitions.DropExpired(ctx, r.KeepMonths); err != nil {
			return err
		}
		for _, d := range dropped {
			if err := r.Log.Record(ctx, Event{Actor: System, Action: AuditPartitionDrop, Outcome: Success,
				Target: Target{Type: "audit_partition", ID: d.Partition},
				Detail: dropDetail(d.ThroughSeq, d.ThroughHash, d.Entries, r.KeepMonths)}); err != nil {
				return err
			}
		}
		return nil
	})
	return dropped, err
}

func dropDetail(seq int64, hash Hash, entries int64, keep int) map[string]string {
	return map[string]string{"through_seq": strconv.FormatInt(seq, 10), "through_hash": hex.EncodeToString(hash[:]),
		"entries": strconv.FormatInt(entries, 10), "retention_months": strconv.Itoa(keep)}
}

// AnchorUnconfirmed: the chain starts after a retention anchor that no
// recorded drop vouches for (entries were removed outside retention).
const AnchorUnconfirmed BreakKind = "unconfirmed retention anchor"

// anchorWitness looks, while records stream past, for the drop event that
// vouches for the anchor the verification started from.
type anchorWitness struct {
	seq   int64
	hash  string
	found bool
}

var dropAction = []byte(`"action":"` + string(AuditPartitionDrop) + `"`)

func (w *anchorWitness) see(r Record) {
	if w.found || !bytes.Contains(r.Entry, dropAction) { // cheap test before decoding
		return
	}
	if e, err := ParseEntry(r.Entry); err == nil &&
		e.Detail["through_seq"] == strconv.FormatInt(w.seq, 10) && e.Detail["through_hash"] == w.hash {
		w.found = true
	}
}

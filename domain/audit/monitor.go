package audit

import (
	"context"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
)

// Verification is the stored outcome of one verification.
type Verification struct {
	At          time.Time
	OK          bool
	Entries     int64
	LastSeq     int64
	Checkpoints int
	FirstBreak  string
}

// Results stores verification outcomes.
type Results interface {
	SaveVerification(ctx context.Context, v Verification) error
	LatestVerification(ctx context.Context) (v Verification, found bool, err error)
}

// Monitor verifies the chain on a schedule or on demand, stores the outcome
// and records it in the log itself: a failure is an alert that compliance
// officers see and that stays on record (PCI DSS 10.7.2).
type Monitor struct {
	Store   Store
	Sink    CheckpointSink
	Keys    KeySource
	Results Results
	Log     *Log
	Tx      domain.Transactor
}

// Verify runs a full verification (from 0) or one from the signed
// checkpoint at seq from, and records its outcome.
func (m *Monitor) Verify(ctx context.Context, from int64) (Report, error) {
	rep, err := VerifyFrom(ctx, m.Store, m.Sink, m.Keys, from)
	if err != nil {
		return rep, err
	}
	v := Verification{OK: rep.OK(), Entries: rep.Entries, LastSeq: rep.To, Checkpoints: rep.Checkpoints}
	e := Event{Actor: System, Action: AuditVerified, Outcome: Success, Detail: map[string]string{
		"entries": strconv.FormatInt(rep.Entries, 10), "last_seq": strconv.FormatInt(rep.To, 10),
		"checkpoints": strconv.Itoa(rep.Checkpoints),
	}}
	if !rep.OK() {
		v.FirstBreak = rep.Breaks[0].String()
		e.Outcome = Failure
		e.Detail["first_break"] = truncate(v.FirstBreak, maxDetailValue)
		e.Detail["breaks"] = strconv.Itoa(len(rep.Breaks))
	}
	return rep, m.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := m.Results.SaveVerification(ctx, v); err != nil {
			return err
		}
		return m.Log.Record(ctx, e)
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

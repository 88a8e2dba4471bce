package drills

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	moov "github.com/moov-io/ach"
)

// An instance dies by SIGKILL while delivering a NACHA file: half way
// through writing it (mid-write), or once it is in the bank's directory
// but before the file and its transfers are marked sent (after-write).
// Restarted without the failpoint, River rescues the delivery job: the
// bank's directory then holds the file once, whole and as generated, with
// every transfer of it exactly once; each transfer is sent once, the
// delivery is in the audit trail once, and the trail verifies.
func TestKill_ACHFileDelivery(t *testing.T) {
	t.Parallel()
	for _, point := range []string{"ach.deliver.mid-write", "ach.deliver.after-write"} {
		t.Run(point, func(t *testing.T) {
			t.Parallel()
			killDuringDelivery(t, point)
		})
	}
}

func killDuringDelivery(t *testing.T, point string) {
	cl := NewCluster(t)
	cl.Env = quickRescue
	a := cl.Start(t)
	ctx := context.Background()
	outbound := filepath.Join(cl.DataDir, "ach", "outbound")
	waitFor(t, "the demo's file to be delivered", func() bool {
		return count(t, cl, `SELECT count(*) FROM ach_files WHERE status = 'delivered'`) == 1 &&
			count(t, cl, `SELECT count(*) FROM ach_files WHERE status <> 'delivered'`) == 0
	})

	// Three new credits to Jane Ordinary, approved (under the threshold).
	var account string
	if err := cl.DB.QueryRow(ctx, `SELECT public_id FROM ach_accounts WHERE customer_ref = 'cus-jane' ORDER BY id LIMIT 1`).Scan(&account); err != nil {
		t.Fatalf("no demo account of Jane's: %v", err)
	}
	op := a.Console().SignInHTTP(t, "dana.reyes")
	var refs []string
	for _, amount := range []string{"11.01", "22.02", "33.03"} {
		n := nonce()
		op.Post(t, "/ach/transfers", url.Values{"nonce": {n}, "account": {account}, "direction": {"credit"}, "amount": {amount},
			"sec": {"PPD"}, "description": {"DRILL"}})
		refs = append(refs, "console:"+n)
	}
	waitFor(t, "the drill's transfers to be approved", func() bool {
		return count(t, cl, `SELECT count(*) FROM ach_transfers WHERE request_ref = ANY($1) AND status = 'approved'`, refs) == len(refs)
	})

	// Restarted with the failpoint, a forced cutoff makes the file and the
	// delivery job kills the instance.
	a.Stop(t)
	a.RestartWith(t, failpoint(point))
	a.Console() // on the restarted instance's address; the session is in the database
	op.Post(t, "/ach/cutoff", url.Values{"confirmed": {"yes"}})
	a.WaitCrash(t, 15*time.Second)
	var fileID int64
	var name, status string
	var entries int
	if err := cl.DB.QueryRow(ctx, `SELECT f.id, f.name, f.status, f.entries FROM ach_files f
		WHERE f.id = (SELECT file_id FROM ach_transfers WHERE request_ref = $1)`, refs[0]).Scan(&fileID, &name, &status, &entries); err != nil {
		t.Fatalf("the drill's transfers are in no file: %v", err)
	}
	if status != "generated" {
		t.Fatalf("after the kill the file is %s, want generated (not yet marked delivered)", status)
	}
	_, err := os.Stat(filepath.Join(outbound, name))
	if delivered := err == nil; delivered != (point == "ach.deliver.after-write") {
		t.Fatalf("killed at %s, %s is in the bank's directory: %v", point, name, delivered)
	}

	start := time.Now()
	a.RestartWith(t)
	waitRescue(t, "the file to be delivered after the restart", func() bool {
		return count(t, cl, `SELECT count(*) FROM ach_files WHERE id = $1 AND status = 'delivered'`, fileID) == 1
	})
	t.Logf("delivered %s after the restart began", time.Since(start).Round(100*time.Millisecond))

	// The bank's directory: the demo's file and this one, each once (a
	// dot-file is a delivery's temporary, never picked up).
	dir, err := os.ReadDir(outbound)
	if err != nil {
		t.Fatal(err)
	}
	var visible, partial []string
	for _, e := range dir {
		if strings.HasPrefix(e.Name(), ".") {
			partial = append(partial, e.Name())
		} else {
			visible = append(visible, e.Name())
		}
	}
	if len(visible) != 2 || !slices.Contains(visible, name) {
		t.Fatalf("the bank's directory holds %v, want the demo's file and %s", visible, name)
	}
	if len(partial) > 0 {
		t.Logf("left by the killed delivery, under temporary names the bank's agent skips: %v", partial)
	}
	content, err := os.ReadFile(filepath.Join(outbound, name))
	if err != nil {
		t.Fatal(err)
	}
	file, err := moov.NewReader(bytes.NewReader(content)).Read()
	if err != nil {
		t.Fatalf("the delivered file does not read: %v", err)
	}
	if err := file.Validate(); err != nil {
		t.Fatalf("the delivered file is not valid: %v", err)
	}
	traces := map[string]int{}
	for _, b := range file.Batches {
		for _, e := range b.GetEntries() {
			traces[e.TraceNumber]++
		}
	}
	rows, err := cl.DB.Query(ctx, `SELECT public_id, trace_number, status,
		(SELECT count(*) FROM ach_transfer_events e WHERE e.transfer_id = t.id AND e.status = 'sent')
		FROM ach_transfers t WHERE file_id = $1`, fileID)
	if err != nil {
		t.Fatal(err)
	}
	inFile := 0
	for rows.Next() {
		var id, trace, st string
		var sent int
		if err := rows.Scan(&id, &trace, &st, &sent); err != nil {
			t.Fatal(err)
		}
		inFile++
		if traces[trace] != 1 || st != "sent" || sent != 1 {
			t.Errorf("transfer %s (trace %s): %d times in the file, %s, sent %d times; want once, sent, once", id, trace, traces[trace], st, sent)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if inFile != entries || len(traces) != entries || inFile < len(refs) {
		t.Errorf("the file has %d entries (%d recorded), %d transfers point at it; the drill made %d", len(traces), entries, inFile, len(refs))
	}
	if n := audited(t, cl, "ach.batch.sent", strconv.FormatInt(fileID, 10)); n != 1 {
		t.Errorf("%d ach.batch.sent audit entries for the file, want 1", n)
	}
	verifyAudit(t, cl)
}

package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/pci"
	"github.com/paycompliance/console/postgres"
)

// verifyReport is `console pci verify-report FILE`: a PCI DSS report
// checked offline, with no database or keyring.
func verifyReport(path string, stdout io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	r, err := pci.VerifyReport(data)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "report verifies: %s, run %d assessed at %s (%s)\n", r.Standard, r.Run, r.AssessedAt.Format(time.RFC3339), r.Trigger)
	fmt.Fprintf(stdout, "  %.1f%%: %d passed, %d failed, %d not applicable; issued by %s at %s\n", r.Score.Percent, r.Score.Passed,
		r.Score.Failed, r.Score.NotApplicable, r.IssuedBy, r.IssuedAt.Format(time.RFC3339))
	fmt.Fprintln(stdout, "signed by (compare with the keys the operator publishes):")
	for _, k := range r.Keys {
		fmt.Fprintf(stdout, "  %s\n", k.Fingerprint())
	}
	return nil
}

// recordScan is `console pci record-scan TOOL FINDINGS [REPORT]`: CI (or an
// operator) records a dependency vulnerability scan's result, such as
// govulncheck's, with its output file, for PCI DSS 6.3.3.
func recordScan(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer, args []string) error {
	findings, err := strconv.Atoi(args[1])
	if err != nil || findings < 0 {
		return fmt.Errorf("FINDINGS is the number of vulnerabilities found, not %q", args[1])
	}
	var report []byte
	if len(args) == 3 {
		if report, err = os.ReadFile(args[2]); err != nil {
			return err
		}
	}
	db, trail, err := openTrail(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.cleanup(context.WithoutCancel(ctx))
	svc := &pci.Service{Store: postgres.PCIStore{DB: db.pool}, Tx: postgres.Transactor{DB: db.pool}, Audit: trail.log}
	ctx = identity.WithServiceCaller(ctx, audit.Actor{Type: audit.ActorSystem, ID: "console-cli"}, identity.PermPCIManage)
	s, err := svc.RecordScan(ctx, args[0], time.Time{}, findings, string(report))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "scan %d recorded: %s, %d findings\n", s.ID, s.Tool, s.Findings)
	return nil
}

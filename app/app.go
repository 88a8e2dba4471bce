// Package app wires the console together: configuration, then adapters,
// then services, then the web server. It holds no logic of its own beyond
// the order things start and stop in.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strconv"

	"github.com/paycompliance/console/domain/identity"
)

// Version is set at build time (-ldflags "-X .../app.Version=v1.2.3").
var Version = "dev"

// usage lists the subcommands.
const usage = `usage: console <command>

commands:
  serve [--demo]   run the console (migrates first; --demo loads demo data)
  migrate          apply database migrations and exit
  doctor           check this deployment's configuration, database, keys
                   and storage: one OK/WARN/FAIL line each, exit 1 on a FAIL
  seed [--scale large|FACTOR]
                   load demo data and exit; --scale adds the large load-test
                   dataset (1M payments, 10M audit entries; FACTOR of it)
  audit verify [--from SEQ]
                   verify the audit chain against its signed checkpoints:
                   all of it, or only after the checkpoint at SEQ
  audit checkpoint sign a checkpoint of the audit chain's head now
  audit verify --bundle FILE
                   verify an exported evidence bundle offline (no database)
  escrow verify-certificate FILE
                   verify an executed release's approval certificate offline
  pci record-scan TOOL FINDINGS [REPORT]
                   record a dependency vulnerability scan's result (such as
                   govulncheck's in CI) for PCI DSS 6.3.3
  pci verify-report FILE
                   verify an exported PCI DSS report offline (no database)
  users add-admin USERNAME EMAIL "FULL NAME"
                   create an administrator with a temporary password, for a
                   new installation (only while there are fewer than two)
  keys rotate      add a new version of every local key (KEYRING=local)
  version          print the version

Configuration is read from environment variables; see the README.
`

// Main runs the command in args and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if args[0] == "version" {
		fmt.Fprintf(stdout, "console %s\n", buildVersion())
		return 0
	}
	if args[0] == "doctor" && len(args) == 1 {
		return doctor(ctx, getenv, stdout, stderr) // a bad configuration is one of its findings
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "console: %v\n", err)
		return 2
	}
	log := newLogger(stderr, cfg)
	switch {
	case args[0] == "serve" && (len(args) == 1 || len(args) == 2 && args[1] == "--demo"):
		err = serve(ctx, cfg, log, stdout, len(args) == 2)
	case args[0] == "migrate" && len(args) == 1:
		cfg.MigrateOnStart = true // migrating is the point
		err = migrateOnly(ctx, cfg, log, stdout)
	case args[0] == "seed" && (len(args) == 1 || len(args) == 3 && args[1] == "--scale"):
		err = seedOnly(ctx, cfg, log, stdout, args[1:])
	case args[0] == "audit" && len(args) == 2 && args[1] == "checkpoint":
		err = checkpointAudit(ctx, cfg, log, stdout)
	case args[0] == "audit" && len(args) == 4 && args[1] == "verify" && args[2] == "--bundle":
		err = verifyBundle(ctx, args[3], stdout)
	case args[0] == "audit" && len(args) >= 2 && args[1] == "verify":
		var from int64
		if from, err = verifyFromArgs(args[2:]); err != nil {
			fmt.Fprintf(stderr, "console: %v\n%s", err, usage)
			return 2
		}
		err = verifyAudit(ctx, cfg, log, stdout, from)
	case args[0] == "escrow" && len(args) == 3 && args[1] == "verify-certificate":
		err = verifyCertificate(args[2], stdout)
	case args[0] == "pci" && len(args) == 3 && args[1] == "verify-report":
		err = verifyReport(args[2], stdout)
	case args[0] == "pci" && (len(args) == 4 || len(args) == 5) && args[1] == "record-scan":
		err = recordScan(ctx, cfg, log, stdout, args[2:])
	case args[0] == "users" && len(args) == 5 && args[1] == "add-admin":
		err = addAdmin(ctx, cfg, log, stdout, identity.NewUser{Username: args[2], Email: args[3], DisplayName: args[4]})
	case args[0] == "keys" && len(args) == 2 && args[1] == "rotate":
		err = rotateKeys(cfg, stdout)
	default:
		fmt.Fprint(stderr, usage)
		return 2
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "console: %v\n", err)
		return 1
	}
	return 0
}

// verifyFromArgs reads `--from SEQ`, if given.
func verifyFromArgs(args []string) (int64, error) {
	switch {
	case len(args) == 0:
		return 0, nil
	case len(args) == 2 && args[0] == "--from":
		n, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("--from takes the sequence number of a signed checkpoint, not %q", args[1])
		}
		return n, nil
	}
	return 0, fmt.Errorf("unexpected arguments %q", args)
}

func newLogger(w io.Writer, cfg Config) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// buildVersion is Version plus the VCS revision when the build recorded one.
func buildVersion() string {
	v := Version
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
	}
	return v
}

package screening

import (
	"context"
	"time"
)

// Store keeps parties, their results and whitelists, and list versions;
// each method joins the transaction its ctx carries.
type Store interface {
	// Party returns the party as screened last; forUpdate locks it.
	Party(ctx context.Context, ref string, forUpdate bool) (Record, bool, error)
	SaveParty(ctx context.Context, r Record) error
	// Parties pages through every party by ref, for re-screening.
	Parties(ctx context.Context, afterRef string, limit int) ([]Party, error)
	InsertResult(ctx context.Context, r *Result) error
	LatestResult(ctx context.Context, ref string) (Result, bool, error)
	Results(ctx context.Context, ref string, limit int) ([]Result, error)
	Whitelist(ctx context.Context, ref string) ([]Whitelist, error)
	AddWhitelist(ctx context.Context, w Whitelist) error

	// InsertVersion makes v the only active version; replaces is the version
	// it was compared with (0 for none), and ECONFLICT means another load
	// made a different one active meanwhile.
	InsertVersion(ctx context.Context, v *Version, replaces int64, entries []Entry) error
	ActiveVersion(ctx context.Context) (Version, bool, error)
	Version(ctx context.Context, id int64) (Version, bool, error)
	Versions(ctx context.Context, limit int) ([]Version, error)
	// PreviousVersion is the version loaded before id.
	PreviousVersion(ctx context.Context, id int64) (Version, bool, error)
	VersionEntries(ctx context.Context, id int64) ([]Entry, error)
	Entry(ctx context.Context, version int64, id string) (Entry, bool, error)
	// RecordLoadFailure keeps why a load was refused, for the alert; a
	// successful check (a new version, or the same lists again) clears it.
	RecordLoadFailure(ctx context.Context, source, reason string) error
	RecordCheck(ctx context.Context) error
	LastLoadFailure(ctx context.Context) (string, bool, error)
	// LastCheck is when the lists were last fetched and found good.
	LastCheck(ctx context.Context) (time.Time, bool, error)
	// ListsChanged tells every instance to reload the active index.
	ListsChanged(ctx context.Context) error
}

// Holder is an area that holds money for screening (ACH, escrow): told in
// the decision's transaction when a party is cleared or blocked, it lets
// what it held go on, or stops it.
type Holder interface {
	PartyCleared(ctx context.Context, ref string) error
	PartyBlocked(ctx context.Context, ref string) error
}

// Jobs queues work in the caller's transaction.
type Jobs interface {
	RescreenLater(ctx context.Context, fromVersion, toVersion int64) error
}

// Source fetches the published list files.
type Source interface {
	Fetch(ctx context.Context) (Fetched, error)
}

// Fetched is one fetch of the list files, as bytes (their hash names the
// version). Absent optional files are nil.
type Fetched struct {
	Source                     string
	SDN, Alt, Add              []byte
	ConsPrim, ConsAlt, ConsAdd []byte
}

// Names lists the files the fetch holds, by their published names.
func (f Fetched) Names() []string {
	var out []string
	for _, file := range []struct {
		name string
		b    []byte
	}{{"sdn.csv", f.SDN}, {"alt.csv", f.Alt}, {"add.csv", f.Add}, {"cons_prim.csv", f.ConsPrim}, {"cons_alt.csv", f.ConsAlt}, {"cons_add.csv", f.ConsAdd}} {
		if file.b != nil {
			out = append(out, file.name)
		}
	}
	return out
}

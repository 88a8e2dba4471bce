package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/screening"
)

// ScreeningListsChannel is notified when a new list version is active:
// every instance reloads its index.
const ScreeningListsChannel = "screening_lists_changed"

// ScreeningStore implements screening.Store.
type ScreeningStore struct {
	DB *pgxpool.Pool
}

var _ screening.Store = ScreeningStore{}

// Party implements screening.Store.
func (s ScreeningStore) Party(ctx context.Context, ref string, lock bool) (screening.Record, bool, error) {
	sql := `SELECT ref, name, type, dob_year, country, status, screened_at, version_id FROM screening_parties WHERE ref = $1`
	if lock {
		sql += " FOR UPDATE"
	}
	return one(ctx, Conn(ctx, s.DB), sql, func(row pgx.CollectableRow) (screening.Record, error) {
		var r screening.Record
		err := row.Scan(&r.Ref, &r.Name, &r.Type, &r.DOBYear, &r.Country, &r.Status, &r.ScreenedAt, &r.Version)
		return r, err
	}, ref)
}

// SaveParty implements screening.Store.
func (s ScreeningStore) SaveParty(ctx context.Context, r screening.Record) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO screening_parties (ref, name, type, dob_year, country, status, screened_at, version_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (ref) DO UPDATE SET name = $2, type = $3, dob_year = $4, country = $5,
		status = $6, screened_at = $7, version_id = $8`, r.Ref, r.Name, r.Type, r.DOBYear, r.Country, r.Status, r.ScreenedAt, r.Version)
	return err
}

// Parties implements screening.Store.
func (s ScreeningStore) Parties(ctx context.Context, after string, limit int) ([]screening.Party, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT ref, name, type, dob_year, country FROM screening_parties WHERE ref > $1 ORDER BY ref LIMIT $2`, after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[screening.Party])
}

// InsertResult implements screening.Store.
func (s ScreeningStore) InsertResult(ctx context.Context, r *screening.Result) error {
	hits, err := json.Marshal(r.Hits)
	if err != nil {
		return err
	}
	return Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO screening_results (party_ref, version_id, status, hits, case_id, trigger, at)
		VALUES ($1, $2, $3, $4, nullif($5, 0), $6, $7) RETURNING id`, r.PartyRef, r.Version, r.Status, hits, r.CaseID, r.Trigger, r.At).Scan(&r.ID)
}

const resultColumns = `id, party_ref, version_id, status, hits, coalesce(case_id, 0), trigger, at`

func scanResult(row pgx.CollectableRow) (screening.Result, error) {
	var r screening.Result
	var hits []byte
	err := row.Scan(&r.ID, &r.PartyRef, &r.Version, &r.Status, &hits, &r.CaseID, &r.Trigger, &r.At)
	if err == nil {
		err = json.Unmarshal(hits, &r.Hits)
	}
	return r, err
}

// LatestResult implements screening.Store.
func (s ScreeningStore) LatestResult(ctx context.Context, ref string) (screening.Result, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `SELECT `+resultColumns+` FROM screening_results WHERE party_ref = $1 ORDER BY id DESC LIMIT 1`, scanResult, ref)
}

// Results implements screening.Store.
func (s ScreeningStore) Results(ctx context.Context, ref string, limit int) ([]screening.Result, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+resultColumns+` FROM screening_results WHERE party_ref = $1 ORDER BY id DESC LIMIT $2`, ref, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanResult)
}

// Whitelist implements screening.Store.
func (s ScreeningStore) Whitelist(ctx context.Context, ref string) ([]screening.Whitelist, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT party_ref, entry_id, fingerprint, reason, decided_by, until, case_id
		FROM screening_whitelist WHERE party_ref = $1 ORDER BY id`, ref)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[screening.Whitelist])
}

// AddWhitelist implements screening.Store.
func (s ScreeningStore) AddWhitelist(ctx context.Context, w screening.Whitelist) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO screening_whitelist (party_ref, entry_id, fingerprint, reason, decided_by, until, case_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, w.PartyRef, w.EntryID, w.Fingerprint, w.Reason, w.By, w.Until, w.CaseID)
	return err
}

// InsertVersion implements screening.Store: the version, made the only
// active one, and its entries by COPY.
func (s ScreeningStore) InsertVersion(ctx context.Context, v *screening.Version, replaces int64, entries []screening.Entry) error {
	tx, ok := TxFrom(ctx)
	if !ok {
		return errors.New("postgres: a list version is stored in a transaction")
	}
	// The row lock makes a concurrent load wait, then see no active row.
	var current int64
	err := tx.QueryRow(ctx, `UPDATE screening_versions SET active = false WHERE active RETURNING id`).Scan(&current)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	raced := domain.Errorf(domain.ECONFLICT, "Another load made a list version active meanwhile; load again to compare with it.")
	if current != replaces {
		return raced
	}
	err = tx.QueryRow(ctx, `INSERT INTO screening_versions (source, loaded_at, sha256, entries, added, removed, changed, active, files)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, v.Source, v.LoadedAt, v.SHA256, v.Entries, v.Added, v.Removed, v.Changed,
		v.Active, nonNil(v.Files)).Scan(&v.ID)
	if isUniqueViolation(err) { // two first loads at once
		return raced
	}
	if err != nil {
		return err
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"screening_entries"},
		[]string{"version_id", "entry_id", "position", "name", "type", "programs", "title", "remarks", "aliases", "dob_years", "countries", "addresses", "extra"},
		pgx.CopyFromSlice(len(entries), func(i int) ([]any, error) {
			e := entries[i]
			extra, err := json.Marshal(e.Extra)
			return []any{v.ID, e.ID, i, e.Name, string(e.Type), nonNil(e.Programs), e.Title, e.Remarks, nonNil(e.Aliases),
				nonNilInts(e.DOBYears), nonNil(e.Countries), nonNil(e.Addresses), extra}, err
		}))
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilInts(s []int) []int32 {
	out := make([]int32, len(s))
	for i, v := range s {
		out[i] = int32(v)
	}
	return out
}

const versionColumns = `id, source, loaded_at, sha256, entries, added, removed, changed, active, files`

// ActiveVersion implements screening.Store.
func (s ScreeningStore) ActiveVersion(ctx context.Context) (screening.Version, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `SELECT `+versionColumns+` FROM screening_versions WHERE active`, pgx.RowToStructByPos[screening.Version])
}

// Version implements screening.Store.
func (s ScreeningStore) Version(ctx context.Context, id int64) (screening.Version, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `SELECT `+versionColumns+` FROM screening_versions WHERE id = $1`, pgx.RowToStructByPos[screening.Version], id)
}

// Versions implements screening.Store.
func (s ScreeningStore) Versions(ctx context.Context, limit int) ([]screening.Version, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+versionColumns+` FROM screening_versions ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[screening.Version])
}

// PreviousVersion implements screening.Store.
func (s ScreeningStore) PreviousVersion(ctx context.Context, id int64) (screening.Version, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `SELECT `+versionColumns+` FROM screening_versions WHERE id < $1 ORDER BY id DESC LIMIT 1`,
		pgx.RowToStructByPos[screening.Version], id)
}

const entryColumns = `entry_id, name, type, programs, title, remarks, aliases, dob_years, countries, addresses, extra`

func scanEntry(row pgx.CollectableRow) (screening.Entry, error) {
	var e screening.Entry
	var dob []int32
	var extra []byte
	err := row.Scan(&e.ID, &e.Name, &e.Type, &e.Programs, &e.Title, &e.Remarks, &e.Aliases, &dob, &e.Countries, &e.Addresses, &extra)
	for _, y := range dob {
		e.DOBYears = append(e.DOBYears, int(y))
	}
	if err == nil && len(extra) > 0 && string(extra) != "null" {
		err = json.Unmarshal(extra, &e.Extra)
	}
	return normalizeEntry(e), err
}

// normalizeEntry gives empty lists as nil, as Parse does, so that an
// entry read back has the fingerprint it was stored with.
func normalizeEntry(e screening.Entry) screening.Entry {
	for _, l := range []*[]string{&e.Programs, &e.Aliases, &e.Countries, &e.Addresses} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	return e
}

// VersionEntries implements screening.Store.
func (s ScreeningStore) VersionEntries(ctx context.Context, id int64) ([]screening.Entry, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+entryColumns+` FROM screening_entries WHERE version_id = $1 ORDER BY position`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanEntry)
}

// Entry implements screening.Store.
func (s ScreeningStore) Entry(ctx context.Context, version int64, id string) (screening.Entry, bool, error) {
	return one(ctx, Conn(ctx, s.DB), `SELECT `+entryColumns+` FROM screening_entries WHERE version_id = $1 AND entry_id = $2`, scanEntry, version, id)
}

// RecordLoadFailure implements screening.Store.
func (s ScreeningStore) RecordLoadFailure(ctx context.Context, source, reason string) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO screening_load_failures (at, source, reason) VALUES (now(), $1, $2)`, source, reason)
	return err
}

// RecordCheck implements screening.Store.
func (s ScreeningStore) RecordCheck(ctx context.Context) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO screening_list_checks (id, checked_at) VALUES (1, now())
		ON CONFLICT (id) DO UPDATE SET checked_at = now()`)
	return err
}

// LastCheck implements screening.Store.
func (s ScreeningStore) LastCheck(ctx context.Context) (time.Time, bool, error) {
	var at time.Time
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT checked_at FROM screening_list_checks WHERE id = 1`).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return at, false, nil
	}
	return at, err == nil, err
}

// LastLoadFailure implements screening.Store: the latest failure, unless a
// check succeeded since (both stamped by the database's clock).
func (s ScreeningStore) LastLoadFailure(ctx context.Context) (string, bool, error) {
	var reason string
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT reason FROM screening_load_failures f
		WHERE f.at > coalesce((SELECT checked_at FROM screening_list_checks WHERE id = 1), '-infinity') ORDER BY f.id DESC LIMIT 1`).Scan(&reason)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	return reason, err == nil, err
}

// ListsChanged implements screening.Store.
func (s ScreeningStore) ListsChanged(ctx context.Context) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `SELECT pg_notify($1, '')`, ScreeningListsChannel)
	return err
}

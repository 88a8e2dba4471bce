package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/domain/pan"
	"github.com/paycompliance/console/domain/pci"
)

// The incremental scan for stored card numbers (PCI DSS 3.3, 3.4.1): each
// run reads, per table, the rows added since the last run (by the table's
// bigint key, up to panScanBatch; the rest wait for the next run), a
// sample of the older rows, and the rows earlier runs found something in.
// The database picks candidate values out with a regular expression; the
// Luhn check is done here.
const (
	panScanBatch     = 25_000
	panSamplePercent = 0.5
	panCandidate     = `'\d([ -]?\d){12,18}'`
)

// panScanExempt are columns that hold what is not card data by design,
// with why; every other text, JSON and bytea column is scanned.
var panScanExempt = map[string]string{
	"screening_entries":          "the public OFAC list, whose identity document numbers are not card numbers",
	"ach_accounts.ciphertext":    "keyring ciphertext (checked by sensitive_encrypted)",
	"ach_files.ciphertext":       "keyring ciphertext",
	"ach_corrections.ciphertext": "keyring ciphertext",
	"users.totp_secret":          "keyring ciphertext",
	"users.totp_pending":         "keyring ciphertext",
	"payments.client_secret":     "keyring ciphertext",
	"pci_pan_findings":           "the scan's own findings, masked",
}

type scanTable struct {
	name, key string // key is "" for a table without a bigint id or seq
	columns   []scanColumn
}

type scanColumn struct{ name, typ string }

func (c scanColumn) text() string {
	if c.typ == "bytea" {
		return "encode(" + pgx.Identifier{c.name}.Sanitize() + ", 'escape')"
	}
	return pgx.Identifier{c.name}.Sanitize() + "::text"
}

func scanTables(ctx context.Context, db DBTX) ([]scanTable, error) {
	rows, err := db.Query(ctx, `SELECT c.relname, a.attname, t.typname,
			coalesce((SELECT k.attname FROM pg_attribute k WHERE k.attrelid = c.oid AND k.attname IN ('id', 'seq')
				AND k.atttypid = 'int8'::regtype AND NOT k.attisdropped ORDER BY k.attname LIMIT 1), '')
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_type t ON t.oid = a.atttypid
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
		  AND a.attnum > 0 AND NOT a.attisdropped AND t.typname IN ('text', 'varchar', 'bpchar', 'json', 'jsonb', 'bytea')
		ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []scanTable
	for rows.Next() {
		var table, column, typ, key string
		if err := rows.Scan(&table, &column, &typ, &key); err != nil {
			return nil, err
		}
		if panScanExempt[table] != "" || panScanExempt[table+"."+column] != "" {
			continue
		}
		if len(out) == 0 || out[len(out)-1].name != table {
			out = append(out, scanTable{name: table, key: key})
		}
		out[len(out)-1].columns = append(out[len(out)-1].columns, scanColumn{column, typ})
	}
	return out, rows.Err()
}

// ScanPANs implements pci.Store.
func (s PCIStore) ScanPANs(ctx context.Context) (pci.PANScan, error) {
	db := Conn(ctx, s.DB)
	scan := pci.PANScan{SamplePercent: panSamplePercent}
	tables, err := scanTables(ctx, db)
	if err != nil {
		return scan, err
	}
	found := map[[3]string]string{}
	for _, t := range tables {
		scan.Columns += len(t.columns)
		if err := s.scanTable(ctx, db, t, &scan, found); err != nil {
			return scan, err
		}
	}
	if err := s.recheck(ctx, db, tables, found); err != nil {
		return scan, err
	}
	for k, masked := range found {
		if _, err := db.Exec(ctx, `INSERT INTO pci_pan_findings (table_name, column_name, row_key, masked, found_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (table_name, column_name, row_key) DO UPDATE SET masked = excluded.masked`, k[0], k[1], k[2], masked, time.Now()); err != nil {
			return scan, err
		}
	}
	rows, err := db.Query(ctx, `SELECT table_name, column_name, row_key, masked FROM pci_pan_findings ORDER BY 1, 2, 3`)
	if err != nil {
		return scan, err
	}
	scan.Findings, err = pgx.CollectRows(rows, pgx.RowToStructByPos[pci.PANFinding])
	return scan, err
}

// scanTable reads t's new rows and a sample of its older ones.
func (s PCIStore) scanTable(ctx context.Context, db DBTX, t scanTable, scan *pci.PANScan, found map[[3]string]string) error {
	var values []string
	for _, c := range t.columns {
		values = append(values, c.text())
	}
	// One match per row over its columns joined by a character that breaks
	// a digit run, rather than one per column: a wide table's scan costs
	// what a narrow one's does. The columns are told apart here.
	from, match := pgx.Identifier{t.name}.Sanitize(), "concat_ws('|', "+strings.Join(values, ", ")+") ~ "+panCandidate
	if t.key == "" { // a table without a key (small by nature) is read whole each run
		var n int64
		if err := db.QueryRow(ctx, `SELECT count(*) FROM `+from).Scan(&n); err != nil {
			return err
		}
		scan.Scanned += n
		return collect(ctx, db, t, `SELECT ctid::text, `+strings.Join(values, ", ")+` FROM `+from+` WHERE `+match, found)
	}
	key := pgx.Identifier{t.key}.Sanitize()
	var mark, upto, newest, n int64
	if err := db.QueryRow(ctx, `SELECT coalesce((SELECT last_key FROM pci_scan_marks WHERE table_name = $1), 0)`, t.name).Scan(&mark); err != nil {
		return err
	}
	if err := db.QueryRow(ctx, `SELECT coalesce(max(k), $1), count(*), coalesce((SELECT max(`+key+`) FROM `+from+`), 0)
		FROM (SELECT `+key+` AS k FROM `+from+` WHERE `+key+` > $1 ORDER BY `+key+` LIMIT $2) batch`, mark, panScanBatch).Scan(&upto, &n, &newest); err != nil {
		return err
	}
	scan.Scanned, scan.Backlog = scan.Scanned+n, scan.Backlog+max(newest-upto, 0)
	cols := key + "::text, " + strings.Join(values, ", ")
	if n > 0 {
		if err := collect(ctx, db, t, `SELECT `+cols+` FROM `+from+` WHERE `+key+` > $1 AND `+key+` <= $2 AND `+match, found, mark, upto); err != nil {
			return err
		}
		if _, err := db.Exec(ctx, `INSERT INTO pci_scan_marks (table_name, last_key) VALUES ($1, $2)
			ON CONFLICT (table_name) DO UPDATE SET last_key = excluded.last_key`, t.name, upto); err != nil {
			return err
		}
	}
	if mark == 0 || newest > upto {
		return nil // older rows are sampled once the new ones are caught up with: until then the batches read them all
	}
	return collect(ctx, db, t, `SELECT `+cols+` FROM `+from+` TABLESAMPLE SYSTEM ($2) WHERE `+key+` <= $1 AND `+match, found, mark, panSamplePercent)
}

// collect runs a candidates query (row key, then t's columns) and keeps
// what holds a card number.
func collect(ctx context.Context, db DBTX, t scanTable, sql string, found map[[3]string]string, args ...any) error {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	dest := make([]*string, len(t.columns)+1)
	ptrs := make([]any, len(dest))
	for i := range dest {
		ptrs[i] = &dest[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, c := range t.columns {
			if v := dest[i+1]; v != nil {
				if number, ok := pan.Find(*v); ok {
					found[[3]string{t.name, c.name, *dest[0]}] = mask(number)
				}
			}
		}
	}
	return rows.Err()
}

// recheck forgets what earlier scans found once the value is gone: one
// query by key (or ctid) per table and column, however many findings.
func (s PCIStore) recheck(ctx context.Context, db DBTX, tables []scanTable, found map[[3]string]string) error {
	rows, err := db.Query(ctx, `SELECT table_name, column_name, row_key FROM pci_pan_findings`)
	if err != nil {
		return err
	}
	earlier, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Table, Column, Row string }])
	if err != nil {
		return err
	}
	byPlace := map[[2]string][]string{}
	for _, e := range earlier {
		place := [2]string{e.Table, e.Column}
		byPlace[place] = append(byPlace[place], e.Row)
	}
	for place, keys := range byPlace {
		still := map[string]bool{}
		if t, c, ok := scanned(tables, place); ok {
			sql := `SELECT ctid::text, ` + c.text() + ` FROM ` + pgx.Identifier{t.name}.Sanitize() + ` WHERE ctid = ANY($1::tid[])`
			if t.key != "" {
				key := pgx.Identifier{t.key}.Sanitize()
				sql = `SELECT ` + key + `::text, ` + c.text() + ` FROM ` + pgx.Identifier{t.name}.Sanitize() + ` WHERE ` + key + ` = ANY($1::int8[])`
			}
			rows, err := db.Query(ctx, sql, keys)
			if err != nil {
				return err
			}
			var key string
			var v *string
			if _, err := pgx.ForEachRow(rows, []any{&key, &v}, func() error {
				if v != nil {
					if number, ok := pan.Find(*v); ok {
						found[[3]string{place[0], place[1], key}], still[key] = mask(number), true
					}
				}
				return nil
			}); err != nil {
				return err
			}
		}
		var gone []string
		for _, k := range keys {
			if !still[k] {
				gone = append(gone, k)
			}
		}
		if len(gone) > 0 {
			if _, err := db.Exec(ctx, `DELETE FROM pci_pan_findings WHERE table_name = $1 AND column_name = $2 AND row_key = ANY($3)`,
				place[0], place[1], gone); err != nil {
				return err
			}
		}
	}
	return nil
}

// scanned finds a table and column the scan reads.
func scanned(tables []scanTable, place [2]string) (scanTable, scanColumn, bool) {
	for _, t := range tables {
		if t.name != place[0] {
			continue
		}
		for _, c := range t.columns {
			if c.name == place[1] {
				return t, c, true
			}
		}
	}
	return scanTable{}, scanColumn{}, false
}

// mask shows a card number as PCI DSS 3.4.1 allows at most: the first six
// and last four digits.
func mask(number string) string {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, number)
	if len(digits) < 10 {
		return strings.Repeat("•", len(digits))
	}
	return digits[:6] + strings.Repeat("•", len(digits)-10) + digits[len(digits)-4:]
}

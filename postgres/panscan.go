package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/domain/pan"
)

// PANFinding is a stored value holding what passes for a card number.
type PANFinding struct {
	Table, Column, Row string // Row is the row's ctid
}

// ScanForPANs reads every text, JSON and bytea column of every table in
// the schema and reports each value holding a Luhn-valid run of 13 to 19
// digits (PCI DSS 3.3, 3.4.1: no card number is stored anywhere). The
// database picks the digit runs out; the Luhn check is done here.
func ScanForPANs(ctx context.Context, db DBTX) ([]PANFinding, error) {
	rows, err := db.Query(ctx, `SELECT c.relname, a.attname, t.typname
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_type t ON t.oid = a.atttypid
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
		  AND a.attnum > 0 AND NOT a.attisdropped AND t.typname IN ('text', 'varchar', 'bpchar', 'json', 'jsonb', 'bytea')
		ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	type column struct{ table, name, typ string }
	columns, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (column, error) {
		var c column
		return c, r.Scan(&c.table, &c.name, &c.typ)
	})
	if err != nil {
		return nil, err
	}
	var found []PANFinding
	for _, c := range columns {
		value := pgx.Identifier{c.name}.Sanitize() + "::text"
		if c.typ == "bytea" {
			value = "encode(" + pgx.Identifier{c.name}.Sanitize() + ", 'escape')"
		}
		rows, err := db.Query(ctx, `SELECT ctid::text, `+value+` FROM `+pgx.Identifier{c.table}.Sanitize()+
			` WHERE `+value+` ~ '\d([ -]?\d){12,18}'`)
		if err != nil {
			return nil, err
		}
		type hit struct{ row, value string }
		hits, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (hit, error) {
			var h hit
			return h, r.Scan(&h.row, &h.value)
		})
		if err != nil {
			return nil, err
		}
		for _, h := range hits {
			if _, ok := pan.Find(h.value); ok {
				found = append(found, PANFinding{Table: c.table, Column: c.name, Row: h.row})
			}
		}
	}
	return found, nil
}

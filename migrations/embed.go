// Package migrations holds the schema as numbered SQL files, embedded in the
// binary. Each file is applied once, in order, in its own transaction.
// Create one with `make migration name=what_it_does`.
package migrations

import "embed"

// FS holds the *.sql files: NNNN_name.sql.
//
//go:embed *.sql
var FS embed.FS

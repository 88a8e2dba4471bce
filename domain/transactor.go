package domain

import "context"

// Transactor runs fn in one database transaction: whatever fn does through
// the adapters (a change and its audit record, say) commits or rolls back as
// one. The transaction travels in the context fn receives; a call made
// inside an open transaction joins it.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

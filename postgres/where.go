package postgres

import (
	"strconv"
	"strings"
)

// where builds a WHERE clause from the filters that are set only, so each
// query gets a plan on its own index (an "$1 = ” OR ..." query defeats
// them at millions of rows). A condition's "?" becomes its placeholder.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(w.args))))
}

func (w *where) addIf(set bool, cond string, arg any) {
	if set {
		w.add(cond, arg)
	}
}

// onlyIf adds a condition with no parameter when set.
func (w *where) onlyIf(set bool, cond string) {
	if set {
		w.conds = append(w.conds, cond)
	}
}

// sql is " WHERE …", or "" with no conditions.
func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// limit appends n as a parameter and returns " LIMIT $k".
func (w *where) limit(n int) string {
	w.args = append(w.args, n)
	return " LIMIT $" + strconv.Itoa(len(w.args))
}

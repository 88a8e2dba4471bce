package audit

import (
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// csvHeader names the export's columns, in order.
var csvHeader = []string{"seq", "time", "actor_type", "actor_id", "actor_roles", "action", "outcome",
	"ip", "user_agent", "target_type", "target_id", "request_id", "detail", "hash", "prev_hash"}

// CSVWriter streams records as CSV for spreadsheets. The export is for
// reading, not evidence (that is the bundle): cells that a spreadsheet would
// run as a formula are defused, which changes them.
type CSVWriter struct {
	w *csv.Writer
}

// NewCSVWriter writes the header row to w.
func NewCSVWriter(w io.Writer) (*CSVWriter, error) {
	c := &CSVWriter{w: csv.NewWriter(w)}
	if err := c.w.Write(csvHeader); err != nil {
		return nil, fmt.Errorf("audit: write CSV header: %w", err)
	}
	return c, nil
}

// Write writes one record as a row.
func (c *CSVWriter) Write(r Record) error {
	e, err := ParseEntry(r.Entry)
	if err != nil {
		return fmt.Errorf("audit: CSV row %d: %w", r.Seq, err)
	}
	row := []string{
		strconv.FormatInt(r.Seq, 10), r.Time.UTC().Format(time.RFC3339Nano),
		string(e.Actor.Type), e.Actor.ID, strings.Join(e.Actor.Roles, " "),
		string(e.Action), string(e.Outcome), e.Origin.IP, e.Origin.UserAgent,
		e.Target.Type, e.Target.ID, e.RequestID, csvDetail(e.Detail),
		hex.EncodeToString(r.Hash[:]), hex.EncodeToString(r.PrevHash[:]),
	}
	for i := range row {
		row[i] = defuse(row[i])
	}
	return c.w.Write(row)
}

// Flush writes any buffered rows and reports any earlier write error.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// csvDetail is "k=v; k=v" in key order. Values are defused one by one too,
// so splitting the cell (Text to Columns on "=") cannot make a formula.
func csvDetail(d map[string]string) string {
	ks := make([]string, 0, len(d))
	for k := range d {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = k + "=" + defuse(d[k])
	}
	return strings.Join(parts, "; ")
}

// defuse prefixes a single quote to a cell a spreadsheet would evaluate as a
// formula (OWASP CSV injection; ASVS 1.2.10): one starting with = + - @, a
// tab, a carriage return or NUL, or the full-width = + - @ that some
// spreadsheets normalise to ASCII.
func defuse(s string) string {
	for _, p := range []string{"=", "+", "-", "@", "\t", "\r", "\x00", "＝", "＋", "－", "＠"} {
		if strings.HasPrefix(s, p) {
			return "'" + s
		}
	}
	return s
}

// Defuse makes a cell safe to open in a spreadsheet, as this export's
// cells are, for the console's other CSV exports.
func Defuse(s string) string { return defuse(s) }

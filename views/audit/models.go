// Package audit renders the audit log for compliance officers and auditors:
// the filtered list with its live tail, one entry, and its proof.
package audit

import (
	"encoding/hex"
	"net/url"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain/audit"
)

// ListView is the audit log page.
type ListView struct {
	Filter  audit.Filter
	Query   url.Values // the filter as submitted, to refill the form and build links
	Entries []audit.Entry
	Older   int64  // seq to page back from; 0 when there is nothing older
	Newest  int64  // the newest seq shown, for the live tail; 0 on an older page
	Live    bool   // first page: new entries stream in
	Signer  string // fingerprint of the key that signs checkpoints now
}

// with returns the query with key set to value.
func (v ListView) with(key, value string) string {
	q := url.Values{}
	for k, vs := range v.Query {
		q[k] = vs
	}
	q.Set(key, value)
	return q.Encode()
}

// OlderURL is the keyset link to the next page back.
func (v ListView) OlderURL() string {
	return "/audit?" + v.with("before", strconv.FormatInt(v.Older, 10))
}

// StreamURL is the live tail's event source.
func (v ListView) StreamURL() string {
	return "/audit/stream?" + v.with("after", strconv.FormatInt(v.Newest, 10))
}

// ExportURL is the download of the filtered range in a format.
func (v ListView) ExportURL(format string) string {
	q := url.Values{}
	for k, vs := range v.Query {
		if k != "before" {
			q[k] = vs
		}
	}
	return "/audit/export." + format + "?" + q.Encode()
}

// EntryURL links to one entry.
func EntryURL(seq int64) string { return "/audit/entries/" + strconv.FormatInt(seq, 10) }

func timeUTC(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000") }

func hexHash(h audit.Hash) string { return hex.EncodeToString(h[:]) }

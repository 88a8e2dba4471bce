package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	auditview "github.com/paycompliance/console/views/audit"
	"github.com/paycompliance/console/web/render"
)

// AuditLog is the audit log for compliance officers and auditors.
type AuditLog struct {
	Browser  *audit.Browser
	Exporter *audit.Exporter
	Appended Subscriber // new entries chained
	Sessions SessionResumer
}

// List shows a page of entries matching the query's filters.
func (h *AuditLog) List(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		return err
	}
	before, err := optionalSeq(r.URL.Query().Get("before"))
	if err != nil {
		return err
	}
	entries, err := h.Browser.List(r.Context(), f, audit.Page{Before: before})
	if err != nil {
		return err
	}
	signer, err := h.Browser.Signer(r.Context())
	if err != nil {
		return err
	}
	v := auditview.ListView{Filter: f, Query: r.URL.Query(), Entries: entries, Live: before == 0, Signer: signer}
	if len(entries) == audit.PageSize {
		v.Older = entries[len(entries)-1].Seq
	}
	if v.Live {
		v.Newest = newestSeq(entries)
	}
	return render.Page(w, r, http.StatusOK, "Audit log", "/audit", auditview.List(v))
}

// Entry shows one entry.
func (h *AuditLog) Entry(w http.ResponseWriter, r *http.Request) error {
	seq, err := pathSeq(r)
	if err != nil {
		return err
	}
	e, err := h.Browser.Get(r.Context(), seq)
	if err != nil {
		return err
	}
	return render.Page(w, r, http.StatusOK, "Audit entry "+strconv.FormatInt(seq, 10), "/audit", auditview.Entry(e))
}

// Verify proves one entry against the signed checkpoints.
func (h *AuditLog) Verify(w http.ResponseWriter, r *http.Request) error {
	seq, err := pathSeq(r)
	if err != nil {
		return err
	}
	proof, err := h.Browser.VerifyEntry(r.Context(), seq)
	if err != nil {
		return err
	}
	return render.Page(w, r, http.StatusOK, "Audit entry "+strconv.FormatInt(seq, 10), "/audit", auditview.Proof(proof))
}

// Stream is the live tail: each time entries are chained, the new ones
// that match the filters are sent as rows, oldest first, so the page's
// afterbegin swap leaves the newest on top.
func (h *AuditLog) Stream(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		return err
	}
	after, err := optionalSeq(r.URL.Query().Get("after"))
	if err != nil {
		return err
	}
	// What was chained between the page and the stream comes with the
	// first notification: the tail continues from the page's newest entry.
	return liveStream(w, r, h.Appended, h.Sessions, nil, func(ctx context.Context, stream *render.EventStream, _ string) error {
		entries, err := h.Browser.List(ctx, f, audit.Page{After: after, Tail: true, Limit: 200})
		if err != nil || len(entries) == 0 {
			return nil
		}
		after = entries[len(entries)-1].Seq
		for _, e := range entries {
			if err := stream.Send(ctx, "entry", auditview.Rows([]audit.Entry{e})); err != nil {
				return err
			}
		}
		return nil
	})
}

// parseFilter reads the filter form. Times are the form's datetime-local
// values, taken as UTC.
func parseFilter(q url.Values) (audit.Filter, error) {
	return filterOf(q, "2006-01-02T15:04", "YYYY-MM-DDTHH:MM")
}

// filterOf reads filter parameters with times in layout (described to the
// user as example).
func filterOf(q url.Values, layout, example string) (audit.Filter, error) {
	f := audit.Filter{
		ActorID: q.Get("actor"), Action: audit.Action(q.Get("action")), Outcome: audit.Outcome(q.Get("outcome")),
		TargetType: q.Get("target_type"), TargetID: q.Get("target_id"), Text: q.Get("q"),
	}
	for _, t := range []struct {
		field string
		into  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(t.field); v != "" {
			parsed, err := time.Parse(layout, v)
			if err != nil {
				return f, domain.Errorf(domain.EINVALID, "%s=%q is not a date and time (%s).", t.field, v, example)
			}
			*t.into = parsed
		}
	}
	return f, f.Validate()
}

func optionalSeq(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, domain.Errorf(domain.EINVALID, "%q is not a sequence number.", v)
	}
	return n, nil
}

func pathSeq(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil || n <= 0 {
		return 0, domain.Errorf(domain.ENOTFOUND, "There is no audit entry %q.", r.PathValue("seq"))
	}
	return n, nil
}

func newestSeq(entries []audit.Entry) int64 {
	if len(entries) == 0 {
		return 0
	}
	return entries[0].Seq
}

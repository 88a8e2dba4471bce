package handlers

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
)

// Checkpointer signs a checkpoint of the audit chain's head on demand.
type Checkpointer interface {
	Checkpoint(ctx context.Context) (audit.Checkpoint, error)
}

// API is the JSON API for systems, authenticated by API keys (see the web
// layer's guard) and described by the OpenAPI document.
type API struct {
	Browser      *audit.Browser
	Checkpointer Checkpointer
}

type apiEntry struct {
	Seq      int64           `json:"seq"`
	Time     time.Time       `json:"time"`
	Hash     string          `json:"hash"`
	PrevHash string          `json:"prev_hash"`
	Event    json.RawMessage `json:"event"` // the canonical bytes, exactly as hashed
}

// AuditEntries lists audit entries, newest first, filtered as the console's
// log is; next_before continues the list.
func (h *API) AuditEntries(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, err := filterOf(q, time.RFC3339, "RFC 3339, such as 2026-01-31T09:00:00Z")
	if err != nil {
		return err
	}
	before, err := optionalSeq(q.Get("before"))
	if err != nil {
		return err
	}
	limit := audit.PageSize
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 500 {
			return domain.Errorf(domain.EINVALID, "limit must be a whole number from 1 to 500.")
		}
	}
	entries, err := h.Browser.List(r.Context(), f, audit.Page{Before: before, Limit: limit})
	if err != nil {
		return err
	}
	out := struct {
		Entries    []apiEntry `json:"entries"`
		NextBefore *int64     `json:"next_before"`
	}{Entries: make([]apiEntry, len(entries))}
	for i, e := range entries {
		out.Entries[i] = apiEntry{Seq: e.Seq, Time: e.Time, Hash: hex.EncodeToString(e.Hash[:]), PrevHash: hex.EncodeToString(e.PrevHash[:]), Event: e.Entry}
	}
	if len(entries) == limit {
		out.NextBefore = &entries[len(entries)-1].Seq
	}
	return writeJSON(w, http.StatusOK, out)
}

// CreateCheckpoint signs a checkpoint of the chain's head now, for a
// system that is about to hand over evidence.
func (h *API) CreateCheckpoint(w http.ResponseWriter, r *http.Request) error {
	c, err := h.Checkpointer.Checkpoint(r.Context())
	if err != nil {
		return err
	}
	if c.Seq == 0 {
		return domain.Errorf(domain.ECONFLICT, "The audit log is empty: there is nothing to sign.")
	}
	return writeJSON(w, http.StatusCreated, struct {
		Seq       int64     `json:"seq"`
		HeadHash  string    `json:"head_hash"`
		SignedAt  time.Time `json:"signed_at"`
		KeyID     string    `json:"key_id"`
		Algorithm string    `json:"algorithm"`
		Signature []byte    `json:"signature"`
	}{c.Seq, hex.EncodeToString(c.HeadHash[:]), c.SignedAt, c.Signature.KeyID, string(c.Signature.Algorithm), c.Signature.Value})
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

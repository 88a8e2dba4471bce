package handlers

import (
	"net/http"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/screening"
)

// EscrowAPI is /api/v1/escrows and /api/v1/escrow-releases, for systems
// with API keys: opening and funding escrows and requesting releases.
// Approving one needs a person and their TOTP code, so it is the console's
// alone. Every POST carries an Idempotency-Key, which also names what it
// creates.
type EscrowAPI struct {
	Escrow *escrow.Service
}

type apiGroup struct {
	Name      string   `json:"name"`
	Threshold int      `json:"threshold"`
	Members   []string `json:"members"`
}

type apiPolicy struct {
	Version         int        `json:"version,omitempty"`
	Groups          []apiGroup `json:"groups"`
	TimeLock        *time.Time `json:"time_lock,omitempty"`
	RequestTTLHours int        `json:"request_ttl_hours,omitempty"`
	MaxRelease      int64      `json:"max_release,omitempty"`
}

func policyToAPI(version int, r escrow.PolicyRules) apiPolicy {
	out := apiPolicy{Version: version, TimeLock: r.TimeLock, RequestTTLHours: int(r.RequestTTL / time.Hour), MaxRelease: r.MaxRelease}
	for _, g := range r.Groups {
		out.Groups = append(out.Groups, apiGroup(g))
	}
	return out
}

func (p apiPolicy) rules() escrow.PolicyRules {
	r := escrow.PolicyRules{TimeLock: p.TimeLock, RequestTTL: time.Duration(p.RequestTTLHours) * time.Hour, MaxRelease: p.MaxRelease}
	for _, g := range p.Groups {
		r.Groups = append(r.Groups, escrow.Group(g))
	}
	return r
}

type apiBalances struct {
	Available int64 `json:"available"`
	Held      int64 `json:"held"`
	Paid      int64 `json:"paid"`
	Funded    int64 `json:"funded"`
	Refunded  int64 `json:"refunded"`
}

type apiEscrow struct {
	ID           string               `json:"id"`
	Object       string               `json:"object"`
	Payer        string               `json:"payer"`
	PayerName    string               `json:"payer_name"`
	PayeeName    string               `json:"payee_name"`
	PayeeType    screening.EntityType `json:"payee_type"`
	PayeeKind    escrow.PayeeKind     `json:"payee_kind"`
	PayeeAccount string               `json:"payee_account"`
	Currency     money.Currency       `json:"currency"`
	Conditions   string               `json:"conditions"`
	Balances     *apiBalances         `json:"balances,omitempty"`
	Policy       *apiPolicy           `json:"policy,omitempty"`
	Created      time.Time            `json:"created"`
}

func escrowToAPI(e escrow.Escrow) apiEscrow {
	return apiEscrow{ID: e.PublicID, Object: "escrow", Payer: e.PayerRef, PayerName: e.PayerName, PayeeName: e.Payee.Name, PayeeType: e.Payee.Type,
		PayeeKind: e.Payee.Kind, PayeeAccount: e.Payee.Account, Currency: e.Currency, Conditions: e.Conditions, Created: e.CreatedAt}
}

type apiRelease struct {
	ID            string               `json:"id"`
	Object        string               `json:"object"`
	Escrow        string               `json:"escrow"`
	Amount        int64                `json:"amount"`
	Currency      string               `json:"currency"`
	Reason        string               `json:"reason"`
	Status        escrow.ReleaseStatus `json:"status"`
	Note          string               `json:"note,omitempty"`
	PolicyVersion int                  `json:"policy_version"`
	PayloadHash   string               `json:"payload_sha256"`
	RequestedBy   string               `json:"requested_by"`
	ExpiresAt     time.Time            `json:"expires_at"`
	PayoutRef     string               `json:"payout,omitempty"`
	ExecutedAt    *time.Time           `json:"executed_at,omitempty"`
	Created       time.Time            `json:"created"`
}

func releaseToAPI(r escrow.Release) apiRelease {
	return apiRelease{ID: r.PublicID, Object: "escrow_release", Escrow: r.EscrowPublic, Amount: r.Amount, Currency: r.Currency, Reason: r.Reason,
		Status: r.Status, Note: r.Note, PolicyVersion: r.PolicyVersion, PayloadHash: r.Payload().Hash(), RequestedBy: r.RequestedBy,
		ExpiresAt: r.ExpiresAt, PayoutRef: r.PayoutRef, ExecutedAt: r.ExecutedAt, Created: r.RequestedAt}
}

// CreateEscrow opens an escrow with its release policy.
func (h *EscrowAPI) CreateEscrow(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Payer        string               `json:"payer"`
		PayerName    string               `json:"payer_name"`
		PayeeName    string               `json:"payee_name"`
		PayeeType    screening.EntityType `json:"payee_type"`
		PayeeKind    escrow.PayeeKind     `json:"payee_kind"`
		PayeeAccount string               `json:"payee_account"`
		Currency     string               `json:"currency"`
		Conditions   string               `json:"conditions"`
		Policy       apiPolicy            `json:"policy"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	currency, err := money.ParseCurrency(in.Currency)
	if err != nil {
		return err
	}
	e, err := h.Escrow.Create(r.Context(), escrow.NewEscrow{RequestRef: apiRequestRef(r), PayerRef: in.Payer, PayerName: in.PayerName,
		PayeeName: in.PayeeName, PayeeType: in.PayeeType, PayeeKind: in.PayeeKind, PayeeAccount: in.PayeeAccount, Currency: currency,
		Conditions: in.Conditions, Policy: in.Policy.rules()})
	if err != nil {
		return err
	}
	return h.writeEscrow(w, r, e.PublicID, http.StatusCreated)
}

func (h *EscrowAPI) writeEscrow(w http.ResponseWriter, r *http.Request, id string, status int) error {
	d, err := h.Escrow.Get(r.Context(), id)
	if err != nil {
		return err
	}
	out := escrowToAPI(d.Escrow)
	b := d.Balances
	out.Balances = &apiBalances{Available: b.Available, Held: b.Held, Paid: b.Paid, Funded: b.Funded, Refunded: b.Refunded}
	p := policyToAPI(d.Active.Version, d.Active.Rules)
	out.Policy = &p
	return writeJSON(w, status, out)
}

// EscrowByID returns one escrow with its balances and active policy.
func (h *EscrowAPI) EscrowByID(w http.ResponseWriter, r *http.Request) error {
	return h.writeEscrow(w, r, r.PathValue("id"), http.StatusOK)
}

// Escrows lists escrows, newest first, a page at a time.
func (h *EscrowAPI) Escrows(w http.ResponseWriter, r *http.Request) error {
	list, more, err := h.Escrow.List(r.Context(), r.URL.Query().Get("starting_after"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageOf(list, more, escrowToAPI, func(e escrow.Escrow) string { return e.PublicID }))
}

// Fund credits an escrow with a succeeded payment or a settled ACH debit.
func (h *EscrowAPI) Fund(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Source string `json:"source"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if _, err := h.Escrow.Fund(r.Context(), r.PathValue("id"), in.Source); err != nil {
		return err
	}
	return h.writeEscrow(w, r, r.PathValue("id"), http.StatusCreated)
}

// RequestRelease asks for a release; the amount is held at once.
func (h *EscrowAPI) RequestRelease(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Amount *int64 `json:"amount"`
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if in.Amount == nil {
		return domain.Errorf(domain.EINVALID, "amount is required: minor units of the escrow's currency.")
	}
	rel, err := h.Escrow.RequestRelease(r.Context(), r.PathValue("id"), escrow.NewRelease{RequestRef: apiRequestRef(r), Amount: *in.Amount, Reason: in.Reason})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, releaseToAPI(rel))
}

// Release returns one release request.
func (h *EscrowAPI) Release(w http.ResponseWriter, r *http.Request) error {
	v, err := h.Escrow.Release(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, releaseToAPI(v.Release))
}

// Certificate returns an executed release's approval certificate, the
// bytes `console escrow verify-certificate` checks.
func (h *EscrowAPI) Certificate(w http.ResponseWriter, r *http.Request) error {
	c, err := h.Escrow.Certificate(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(c.Encode())
	return err
}

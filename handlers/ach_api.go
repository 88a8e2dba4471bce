package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/ach"
)

// ACHAPI is /api/v1/bank-accounts and /api/v1/transfers, for systems with
// API keys. Every POST carries an Idempotency-Key, which also names what
// it creates: a retry after any failure returns the same account or
// transfer.
type ACHAPI struct {
	ACH *ach.Service
}

type apiBankAccount struct {
	ID         string            `json:"id"`
	Object     string            `json:"object"`
	Customer   string            `json:"customer"`
	HolderName string            `json:"holder_name"`
	HolderType ach.HolderType    `json:"holder_type"`
	Type       ach.AccountType   `json:"type"`
	Routing    string            `json:"routing_number"`
	Last4      string            `json:"last4"`
	Status     ach.AccountStatus `json:"status"`
	Created    time.Time         `json:"created"`
}

func bankAccountToAPI(a ach.BankAccount) apiBankAccount {
	return apiBankAccount{ID: a.PublicID, Object: "bank_account", Customer: a.CustomerRef, HolderName: a.HolderName, HolderType: a.HolderType,
		Type: a.Type, Routing: a.Routing, Last4: a.Last4, Status: a.Status, Created: a.CreatedAt}
}

type apiTransfer struct {
	ID           string         `json:"id"`
	Object       string         `json:"object"`
	BankAccount  string         `json:"bank_account"`
	Customer     string         `json:"customer"`
	Direction    ach.Direction  `json:"direction"`
	Amount       *int64         `json:"amount"` // null for a micro-deposit: the holder proves the account with it
	SEC          ach.SEC        `json:"sec_code"`
	Purpose      string         `json:"purpose"`
	CompanyName  string         `json:"company_name,omitempty"`
	Description  string         `json:"description"`
	Effective    string         `json:"effective_date"`
	SameDay      bool           `json:"same_day"`
	Status       ach.Status     `json:"status"`
	HoldReason   ach.HoldReason `json:"hold_reason,omitempty"`
	TraceNumber  string         `json:"trace_number,omitempty"`
	ReturnCode   string         `json:"return_code,omitempty"`
	ReturnReason string         `json:"return_reason,omitempty"`
	Created      time.Time      `json:"created"`
}

func transferToAPI(t ach.Transfer) apiTransfer {
	out := apiTransfer{ID: t.PublicID, Object: "transfer", BankAccount: t.AccountPublic, Customer: t.CustomerRef, Direction: t.Direction,
		SEC: t.SEC, Purpose: t.Purpose, CompanyName: t.CompanyName, Description: t.Description, Effective: t.Effective.Format(time.DateOnly),
		SameDay: t.SameDay, Status: t.Status, HoldReason: t.HoldReason, TraceNumber: t.TraceNumber, ReturnCode: t.ReturnCode,
		ReturnReason: t.ReturnReason, Created: t.CreatedAt}
	if t.Purpose != ach.PurposeMicroDeposit {
		out.Amount = &t.Amount
	}
	return out
}

// apiList is a page of a list: next_cursor goes into starting_after.
type apiList[T any] struct {
	Object     string `json:"object"`
	Data       []T    `json:"data"`
	HasMore    bool   `json:"has_more"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// pageOf is a page of list as the API shows it, its cursor the last item's.
func pageOf[D, T any](list []D, more bool, show func(D) T, id func(D) string) apiList[T] {
	out := apiList[T]{Object: "list", Data: make([]T, len(list)), HasMore: more}
	for i, d := range list {
		out.Data[i] = show(d)
	}
	if more {
		out.NextCursor = id(list[len(list)-1])
	}
	return out
}

// CreateBankAccount adds a bank account; the number never comes back.
func (h *ACHAPI) CreateBankAccount(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Customer      string          `json:"customer"`
		HolderName    string          `json:"holder_name"`
		HolderType    ach.HolderType  `json:"holder_type"`
		Type          ach.AccountType `json:"type"`
		Routing       string          `json:"routing_number"`
		AccountNumber string          `json:"account_number"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	a, err := h.ACH.AddAccount(r.Context(), ach.NewAccount{RequestRef: apiRequestRef(r), CustomerRef: in.Customer, HolderName: in.HolderName,
		HolderType: in.HolderType, Type: in.Type, Routing: in.Routing, AccountNumber: in.AccountNumber})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, bankAccountToAPI(a))
}

// BankAccount returns one bank account.
func (h *ACHAPI) BankAccount(w http.ResponseWriter, r *http.Request) error {
	a, _, err := h.ACH.Account(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, bankAccountToAPI(a))
}

// BankAccounts lists bank accounts, newest first, a page at a time.
func (h *ACHAPI) BankAccounts(w http.ResponseWriter, r *http.Request) error {
	list, more, err := h.ACH.Accounts(r.Context(), r.URL.Query().Get("customer"), r.URL.Query().Get("starting_after"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageOf(list, more, bankAccountToAPI, func(a ach.BankAccount) string { return a.PublicID }))
}

// CreateTransfer creates a transfer, screened at once: 201 with its status
// (approved, or held for screening or approval).
func (h *ACHAPI) CreateTransfer(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		BankAccount   string        `json:"bank_account"`
		Direction     ach.Direction `json:"direction"`
		Amount        *int64        `json:"amount"`
		SEC           ach.SEC       `json:"sec_code"`
		CompanyName   string        `json:"company_name"`
		Description   string        `json:"description"`
		EffectiveDate string        `json:"effective_date"`
		SameDay       bool          `json:"same_day"`
		Authorization *struct {
			Reference string    `json:"reference"`
			At        time.Time `json:"at"`
			IP        string    `json:"ip"`
		} `json:"authorization"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if in.Amount == nil {
		return domain.Errorf(domain.EINVALID, "amount is required: a whole number of cents, e.g. 12500 for $125.00.")
	}
	n := ach.NewTransfer{RequestRef: apiRequestRef(r), Account: in.BankAccount, Direction: in.Direction, Amount: *in.Amount, SEC: in.SEC,
		CompanyName: in.CompanyName, Description: in.Description, SameDay: in.SameDay}
	if in.EffectiveDate != "" {
		var err error
		if n.Effective, err = time.Parse(time.DateOnly, in.EffectiveDate); err != nil {
			return domain.Errorf(domain.EINVALID, "effective_date is a date, YYYY-MM-DD.")
		}
	}
	if in.Authorization != nil {
		n.Authorization = ach.Authorization{Reference: in.Authorization.Reference, At: in.Authorization.At, IP: in.Authorization.IP}
	}
	t, err := h.ACH.CreateTransfer(r.Context(), n)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, transferToAPI(t))
}

// Transfer returns one transfer.
func (h *ACHAPI) Transfer(w http.ResponseWriter, r *http.Request) error {
	d, err := h.ACH.Transfer(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, transferToAPI(d.Transfer))
}

// Transfers lists transfers, newest first, a page at a time.
func (h *ACHAPI) Transfers(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	q := ach.Query{Status: ach.Status(v.Get("status")), Customer: v.Get("customer"), Account: v.Get("bank_account"),
		After: v.Get("starting_after"), Limit: 20}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return domain.Errorf(domain.EINVALID, "limit must be a whole number from 1 to 100.")
		}
		q.Limit = n
	}
	list, more, err := h.ACH.Transfers(r.Context(), q)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageOf(list, more, transferToAPI, func(t ach.Transfer) string { return t.PublicID }))
}

// CancelTransfer cancels a transfer not yet in a file.
func (h *ACHAPI) CancelTransfer(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &in, true); err != nil {
		return err
	}
	t, err := h.ACH.Cancel(r.Context(), r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, transferToAPI(t))
}

package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/payments"
)

// PaymentsAPI is /api/v1/payments, for systems with API keys.
type PaymentsAPI struct {
	Payments  *payments.Service
	PublicURL string
}

type apiPayment struct {
	ID             string            `json:"id"`
	Object         string            `json:"object"`
	Amount         int64             `json:"amount"`
	Currency       string            `json:"currency"`
	Status         payments.Status   `json:"status"`
	Customer       string            `json:"customer"`
	Description    string            `json:"description"`
	Metadata       map[string]string `json:"metadata"`
	AmountRefunded int64             `json:"amount_refunded"`
	Card           *apiCard          `json:"card"`
	Risk           *apiRisk          `json:"risk"`
	Failure        *apiFailure       `json:"failure"`
	PayURL         string            `json:"pay_url,omitempty"`
	Livemode       bool              `json:"livemode"`
	Created        time.Time         `json:"created"`
}

type apiCard struct {
	Brand   string `json:"brand"`
	Last4   string `json:"last4"`
	Country string `json:"country"`
	Wallet  string `json:"wallet,omitempty"`
}

type apiRisk struct {
	Level  payments.RiskLevel `json:"level"`
	Score  *int               `json:"score"`
	Reason string             `json:"reason,omitempty"`
}

type apiFailure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type apiRefund struct {
	ID       int64                 `json:"id"`
	Object   string                `json:"object"`
	Payment  string                `json:"payment"`
	Amount   int64                 `json:"amount"`
	Currency string                `json:"currency"`
	Reason   payments.RefundReason `json:"reason"`
	Status   payments.RefundStatus `json:"status"`
	Created  time.Time             `json:"created"`
}

func (h *PaymentsAPI) toAPI(r *http.Request, p payments.Payment) (apiPayment, error) {
	out := apiPayment{ID: p.PublicID, Object: "payment", Amount: p.Amount.Minor, Currency: string(p.Amount.Currency), Status: p.Status,
		Customer: p.CustomerRef, Description: p.Description, Metadata: p.Metadata, AmountRefunded: p.Refunded, Livemode: p.Livemode, Created: p.CreatedAt}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	if p.Card.Last4 != "" {
		out.Card = &apiCard{Brand: p.Card.Brand, Last4: p.Card.Last4, Country: p.Card.Country, Wallet: p.Card.Wallet}
	}
	if p.Risk.Level != "" {
		out.Risk = &apiRisk{Level: p.Risk.Level, Reason: p.Risk.Reason}
		if p.Risk.Score >= 0 {
			out.Risk.Score = &p.Risk.Score
		}
	}
	if p.Status == payments.Failed {
		out.Failure = &apiFailure{Code: p.FailureCode, Message: p.FailureMessage}
	}
	if caller, _ := identity.CallerFrom(r.Context()); caller.Can(identity.PermPaymentsWrite) && !p.Status.Terminal() {
		token, err := h.Payments.PayerLink(r.Context(), p.PublicID)
		if err != nil {
			return out, err
		}
		out.PayURL = publicBase(r, h.PublicURL) + PayPath(p.PublicID, token)
	}
	return out, nil
}

func refundToAPI(rf payments.Refund) apiRefund {
	return apiRefund{ID: rf.ID, Object: "refund", Payment: rf.PaymentPublic, Amount: rf.Amount.Minor, Currency: string(rf.Amount.Currency),
		Reason: rf.Reason, Status: rf.Status, Created: rf.CreatedAt}
}

func (h *PaymentsAPI) write(w http.ResponseWriter, r *http.Request, status int, p payments.Payment) error {
	out, err := h.toAPI(r, p)
	if err != nil {
		return err
	}
	return writeJSON(w, status, out)
}

// Create creates a payment; its Idempotency-Key (required on every POST)
// also names it, so a retry after any failure returns the same payment.
func (h *PaymentsAPI) Create(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Amount      *int64            `json:"amount"`
		Currency    string            `json:"currency"`
		Customer    string            `json:"customer"`
		Description string            `json:"description"`
		Metadata    map[string]string `json:"metadata"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if in.Amount == nil {
		return domain.Errorf(domain.EINVALID, "amount is required: a whole number of minor units, e.g. 1234 for 12.34 USD.")
	}
	currency, err := money.ParseCurrency(in.Currency)
	if err != nil {
		return err
	}
	p, err := h.Payments.Create(r.Context(), payments.NewPayment{
		RequestRef: apiRequestRef(r),
		Amount:     money.Amount{Minor: *in.Amount, Currency: currency}, CustomerRef: in.Customer, Description: in.Description, Metadata: in.Metadata})
	if err != nil {
		return err
	}
	return h.write(w, r, http.StatusCreated, p)
}

// apiRequestRef names an API call for the service: its key and its
// Idempotency-Key, which every POST carries.
func apiRequestRef(r *http.Request) string {
	key, _ := identity.APIKeyFrom(r.Context())
	return "api:" + strconv.FormatInt(key.ID, 10) + ":" + r.Header.Get("Idempotency-Key")
}

// Get returns one payment.
func (h *PaymentsAPI) Get(w http.ResponseWriter, r *http.Request) error {
	p, err := h.Payments.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.write(w, r, http.StatusOK, p)
}

// List returns payments, newest first, a page at a time: next_cursor goes
// into starting_after for the next page.
func (h *PaymentsAPI) List(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	q := payments.Query{Status: payments.Status(v.Get("status")), Customer: v.Get("customer"), After: v.Get("starting_after"), Limit: 20}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return domain.Errorf(domain.EINVALID, "limit must be a whole number from 1 to 100.")
		}
		q.Limit = n
	}
	list, more, err := h.Payments.List(r.Context(), q)
	if err != nil {
		return err
	}
	out := struct {
		Object     string       `json:"object"`
		Data       []apiPayment `json:"data"`
		HasMore    bool         `json:"has_more"`
		NextCursor string       `json:"next_cursor,omitempty"`
	}{Object: "list", Data: make([]apiPayment, len(list)), HasMore: more}
	for i, p := range list {
		if out.Data[i], err = h.toAPI(r, p); err != nil {
			return err
		}
	}
	if out.HasMore {
		out.NextCursor = list[len(list)-1].PublicID
	}
	return writeJSON(w, http.StatusOK, out)
}

// Cancel cancels a payment the payer has not completed.
func (h *PaymentsAPI) Cancel(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &in, true); err != nil {
		return err
	}
	p, err := h.Payments.Cancel(r.Context(), r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	return h.write(w, r, http.StatusOK, p)
}

// Refund asks for a refund: 202, as it goes to Stripe by a job (or waits
// for a second operator's approval above the threshold).
func (h *PaymentsAPI) Refund(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Amount *int64                `json:"amount"`
		Reason payments.RefundReason `json:"reason"`
	}
	if err := decodeJSON(r, &in, true); err != nil {
		return err
	}
	if in.Reason == "" {
		in.Reason = payments.ReasonRequestedByCustomer
	}
	var amount int64
	if in.Amount != nil {
		if amount = *in.Amount; amount <= 0 {
			return domain.Errorf(domain.EINVALID, "amount must be positive, or left out to refund all that remains.")
		}
	}
	rf, err := h.Payments.RequestRefund(r.Context(), payments.NewRefund{PaymentID: r.PathValue("id"), Amount: amount, Reason: in.Reason,
		RequestRef: apiRequestRef(r)})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, refundToAPI(rf))
}

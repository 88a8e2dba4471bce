package handlers

import (
	"context"
	"time"

	"github.com/a-h/templ"

	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/views/home"
)

// PaymentsStatus is the overview's payments widget.
type PaymentsStatus struct {
	Payments *payments.Service
}

// Widget implements Widget.
func (p *PaymentsStatus) Widget(ctx context.Context) (templ.Component, error) {
	s, err := p.Payments.Summary(ctx)
	if err != nil {
		return nil, err
	}
	return home.PaymentsStatus(s, time.Now()), nil
}

package handlers

import (
	"context"

	"github.com/a-h/templ"

	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/views/home"
)

// FraudQueue is the overview's widget for fraud reviewers: the queue's
// open cases, theirs, and those past their SLA.
type FraudQueue struct {
	Fraud *fraud.Service
}

// Widget implements Widget.
func (f *FraudQueue) Widget(ctx context.Context) (templ.Component, error) {
	s, err := f.Fraud.Summary(ctx)
	if err != nil {
		return nil, err
	}
	return home.FraudQueue(s), nil
}

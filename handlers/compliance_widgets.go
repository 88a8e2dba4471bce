package handlers

import (
	"context"
	"time"

	"github.com/a-h/templ"

	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/cases"
	"github.com/paycompliance/console/domain/screening"
	"github.com/paycompliance/console/views/home"
)

// CasesStatus is the overview's compliance widget.
type CasesStatus struct {
	Cases     *cases.Service
	Screening *screening.Service
}

// Widget implements Widget.
func (c *CasesStatus) Widget(ctx context.Context) (templ.Component, error) {
	s, err := c.Cases.Summary(ctx)
	if err != nil {
		return nil, err
	}
	failure, err := c.Screening.LoadFailure(ctx)
	if err != nil {
		return nil, err
	}
	return home.CasesStatus(s, failure, time.Now()), nil
}

// ACHStatus is the overview's ACH widget.
type ACHStatus struct {
	ACH *ach.Service
}

// Widget implements Widget.
func (a *ACHStatus) Widget(ctx context.Context) (templ.Component, error) {
	s, err := a.ACH.Summary(ctx)
	if err != nil {
		return nil, err
	}
	return home.ACHStatus(s), nil
}

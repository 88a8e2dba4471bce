package handlers

import (
	"context"
	"time"

	"github.com/a-h/templ"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/views/home"
)

// AuditReader is what the audit widget reads.
type AuditReader interface {
	Head(ctx context.Context) (int64, audit.Hash, error)
	LatestCheckpoint(ctx context.Context) (audit.Checkpoint, bool, error)
}

// AuditStatus is the audit trail widget: size, last checkpoint, last
// verification, and an alert when a verification failed.
type AuditStatus struct {
	Store          AuditReader
	Results        audit.Results
	VerifyInterval time.Duration
}

// Widget implements Widget.
func (a *AuditStatus) Widget(ctx context.Context) (templ.Component, error) {
	s := home.AuditSummary{VerifyInterval: a.VerifyInterval}
	var err error
	if s.HeadSeq, _, err = a.Store.Head(ctx); err != nil {
		return nil, err
	}
	if c, ok, err := a.Store.LatestCheckpoint(ctx); err != nil {
		return nil, err
	} else if ok {
		s.Checkpoint = &c
	}
	if v, ok, err := a.Results.LatestVerification(ctx); err != nil {
		return nil, err
	} else if ok {
		s.Verification = &v
	}
	return home.AuditStatus(s), nil
}

package handlers

import (
	"context"

	"github.com/a-h/templ"

	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/views/format"
	"github.com/paycompliance/console/views/home"
)

// EscrowInbox is the overview's escrow widget, for approvers: how many
// release requests wait for their signature.
type EscrowInbox struct {
	Escrow *escrow.Service
}

// Widget implements Widget.
func (e *EscrowInbox) Widget(ctx context.Context) (templ.Component, error) {
	inbox, err := e.Escrow.Inbox(ctx)
	if err != nil {
		return nil, err
	}
	soonest := ""
	if len(inbox) > 0 { // the inbox is soonest to expire first
		soonest = format.When(inbox[0].Release.ExpiresAt)
	}
	return home.EscrowInbox(len(inbox), soonest), nil
}

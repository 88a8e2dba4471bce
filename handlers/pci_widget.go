package handlers

import (
	"context"

	"github.com/a-h/templ"

	"github.com/paycompliance/console/domain/pci"
	"github.com/paycompliance/console/views/home"
)

// PCIScore is the overview's PCI DSS widget: the latest run's score, how
// many results fail and when it ran.
type PCIScore struct {
	PCI *pci.Service
}

// Widget implements Widget.
func (p *PCIScore) Widget(ctx context.Context) (templ.Component, error) {
	sc, found, err := p.PCI.Latest(ctx)
	if err != nil {
		return nil, err
	}
	return home.PCIScore(sc, found), nil
}

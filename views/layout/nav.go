// Package layout is the page shell every console page renders into.
package layout

import "github.com/paycompliance/console/domain/identity"

// NavItem is one entry of the main navigation, shown to those whose roles
// grant Perm ("" for anyone signed in). Areas add theirs here when they
// land; nothing is listed that does not exist.
type NavItem struct {
	Label string
	Href  string
	Perm  identity.Permission
}

// Nav is the main navigation, in order.
var Nav = []NavItem{
	{Label: "Home", Href: "/"},
	{Label: "Payments", Href: "/payments", Perm: identity.PermPaymentsRead},
	{Label: "ACH", Href: "/ach", Perm: identity.PermACHRead},
	{Label: "Escrow", Href: "/escrow", Perm: identity.PermEscrowRead},
	{Label: "Fraud", Href: "/fraud", Perm: identity.PermFraudRead},
	{Label: "Alerts", Href: "/alerts", Perm: identity.PermAlertsRead},
	{Label: "Incidents", Href: "/incidents", Perm: identity.PermAlertsRead},
	{Label: "Cases", Href: "/cases", Perm: identity.PermCasesRead},
	{Label: "Screening", Href: "/screening", Perm: identity.PermCasesRead},
	{Label: "PCI DSS", Href: "/pci", Perm: identity.PermPCIRead},
	{Label: "Audit log", Href: "/audit", Perm: identity.PermAuditRead},
	{Label: "Users", Href: "/admin/users", Perm: identity.PermUsersRead},
	{Label: "API keys", Href: "/admin/api-keys", Perm: identity.PermAPIKeysManage},
}

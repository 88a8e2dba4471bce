// Package layout is the page shell every console page renders into.
package layout

// NavItem is one entry of the main navigation. Areas add theirs here when
// they land; nothing is listed that does not exist.
type NavItem struct {
	Label string
	Href  string
}

// Nav is the main navigation, in order.
var Nav = []NavItem{
	{Label: "Home", Href: "/"},
	{Label: "Audit log", Href: "/audit"},
}

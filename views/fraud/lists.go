package fraud

import (
	"net/url"

	"github.com/paycompliance/console/domain/fraud"
)

// ListsPage is one page of block and allow list entries, oldest first,
// with the form to add one.
type ListsPage struct {
	Entries []fraud.ListEntry
	After   int64 // the page starts after this entry
	Next    int64 // the entry to continue after; 0 on the last page
	CanEdit bool
	Form    url.Values // the add form as typed, after a refusal
	Notice  string
	Error   string
}

func listsPage(after int64) string {
	if after == 0 {
		return ListsPath
	}
	return ListsPath + "?" + url.Values{"after": {itoa(after)}}.Encode()
}

func entryAction(id int64) string { return ListsPath + "/" + itoa(id) + "/remove" }

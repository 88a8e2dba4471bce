package ach

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"regexp"
	"slices"
	"strings"

	moov "github.com/moov-io/ach"
	"github.com/moov-io/base"

	"github.com/paycompliance/console/domain"
)

// ReturnKind tells a plain return from the dishonored and contested ones.
type ReturnKind string

const (
	PlainReturn     ReturnKind = "return"     // the receiving bank returned the entry
	DishonoredKind  ReturnKind = "dishonored" // the originating bank refused a return (R61-R69)
	ContestedReturn ReturnKind = "contested"  // the receiving bank contested that refusal (R71-R77)
)

// ReturnItem is one returned entry of an inbound file.
type ReturnItem struct {
	OriginalTrace string
	Kind          ReturnKind
	Code          string
	Reason        string // moov-io/ach's name for the code
	Description   string
	Amount        int64
	Information   string // the bank's addenda information
}

// NOCItem is one notification of change.
type NOCItem struct {
	OriginalTrace string
	Code          string
	Reason        string
	CorrectedData string // as the bank sent it
	// What it corrects, as moov-io/ach reads the corrected data.
	Routing       string
	AccountNumber string
	TxCode        int
}

// Inbound is what an inbound file (returns, NOCs) holds.
type Inbound struct {
	SHA256      string
	Returns     []ReturnItem
	Corrections []NOCItem
	Entries     int
}

// administrative returns mean the account cannot take entries: it is
// blocked until an operator looks at it.
var administrative = []string{"R02", "R03", "R04", "R13", "R14", "R15", "R16", "R20"}

// unauthorized returns mean the account holder says they never agreed to
// the debit: each raises an alert.
var unauthorized = []string{"R05", "R07", "R10", "R11", "R29", "R51"}

// Administrative reports whether code closes the account to entries.
func Administrative(code string) bool { return slices.Contains(administrative, code) }

// Unauthorized reports whether code disputes the debit's authorization.
func Unauthorized(code string) bool { return slices.Contains(unauthorized, code) }

// ReadInbound parses and validates an inbound file with moov-io/ach and
// lists its returns and notifications of change. A file that does not
// parse or validate is refused with moov's error: nothing of it is used.
func ReadInbound(r io.Reader) (Inbound, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxInbound+1))
	if err != nil {
		return Inbound{}, err
	}
	if len(raw) > maxInbound {
		return Inbound{}, domain.Errorf(domain.ETOOLARGE, "An inbound file may be at most %d MiB.", maxInbound>>20)
	}
	f, err := moov.NewReader(bytes.NewReader(raw)).Read()
	if err == nil {
		err = f.Validate()
	}
	if err != nil {
		return Inbound{}, domain.Errorf(domain.EINVALID, "The file is not a valid NACHA file: %s", moovError(err))
	}
	sum := sha256.Sum256(raw)
	in := Inbound{SHA256: hex.EncodeToString(sum[:])}
	for _, b := range append(append(append([]moov.Batcher{}, f.Batches...), f.ReturnEntries...), f.NotificationOfChange...) {
		for _, ed := range b.GetEntries() {
			in.add(ed)
		}
	}
	if err := in.check(); err != nil {
		return Inbound{}, err
	}
	return in, nil
}

// maxInbound bounds an inbound file: a return file is small; a
// 100,000-entry file is about 9 MiB.
const maxInbound = 64 << 20

// add notes an entry's return or change; one listed both among the batches
// and among the returns is noted once.
func (in *Inbound) add(ed *moov.EntryDetail) {
	// A contested dishonored return carries the return, the dishonor and
	// the contest: each is noted.
	var items []ReturnItem
	if a := ed.Addenda99; a != nil {
		items = append(items, ReturnItem{OriginalTrace: strings.TrimSpace(a.OriginalTrace), Kind: PlainReturn, Code: a.ReturnCode, Information: strings.TrimSpace(a.AddendaInformation)})
	}
	if a := ed.Addenda99Dishonored; a != nil {
		items = append(items, ReturnItem{OriginalTrace: strings.TrimSpace(a.OriginalEntryTraceNumber), Kind: DishonoredKind, Code: a.DishonoredReturnReasonCode,
			Information: strings.TrimSpace(a.AddendaInformation)})
	}
	if a := ed.Addenda99Contested; a != nil {
		items = append(items, ReturnItem{OriginalTrace: strings.TrimSpace(a.OriginalEntryTraceNumber), Kind: ContestedReturn, Code: a.ContestedReturnCode})
	}
	for _, item := range items {
		item.Amount = int64(ed.Amount)
		if rc := moov.LookupReturnCode(item.Code); rc != nil {
			item.Reason, item.Description = rc.Reason, rc.Description
		}
		if !slices.Contains(in.Returns, item) {
			in.Returns = append(in.Returns, item)
			in.Entries++
		}
	}
	if a := ed.Addenda98; a != nil {
		c := NOCItem{OriginalTrace: strings.TrimSpace(a.OriginalTrace), Code: a.ChangeCode, CorrectedData: strings.TrimSpace(a.CorrectedData)}
		if d := a.ParseCorrectedData(moov.PartialCorrectedData()); d != nil {
			c.Routing, c.AccountNumber, c.TxCode = d.RoutingNumber, d.AccountNumber, d.TransactionCode
		}
		if cc := moov.LookupChangeCode(a.ChangeCode); cc != nil {
			c.Reason = cc.Reason
		}
		if !slices.Contains(in.Corrections, c) {
			in.Corrections = append(in.Corrections, c)
			in.Entries++
		}
	}
}

// originalTrace is an original entry trace number: NACHA's 15 digits.
var originalTrace = regexp.MustCompile(`^[0-9]{15}$`)

// check refuses a return or change that names no original entry: moov-io/ach
// does not check the original trace number, and one that is not 15 digits
// (a dishonored return's may even carry trailing spaces) matches no transfer.
func (in Inbound) check() error {
	for _, r := range in.Returns {
		if !originalTrace.MatchString(r.OriginalTrace) {
			return domain.Errorf(domain.EINVALID, "The file is not a valid NACHA file: the %s %s names original trace %q, not 15 digits.", r.Kind, r.Code, r.OriginalTrace)
		}
	}
	for _, c := range in.Corrections {
		if !originalTrace.MatchString(c.OriginalTrace) {
			return domain.Errorf(domain.EINVALID, "The file is not a valid NACHA file: the change %s names original trace %q, not 15 digits.", c.Code, c.OriginalTrace)
		}
	}
	return nil
}

// moovError is moov-io/ach's error, its first lines only, with any run of
// six or more digits masked: moov quotes the field it refused, and that
// may be an account number.
func moovError(err error) string {
	msg := err.Error()
	var list base.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		msgs := make([]string, 0, min(3, len(list)))
		for _, e := range list[:min(3, len(list))] {
			msgs = append(msgs, e.Error())
		}
		msg = strings.Join(msgs, "; ")
	}
	return longDigits.ReplaceAllStringFunc(msg, func(d string) string { return "…" + d[len(d)-4:] })
}

var longDigits = regexp.MustCompile(`\d{6,}`)

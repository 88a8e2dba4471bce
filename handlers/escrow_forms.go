package handlers

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/screening"
	escrowview "github.com/paycompliance/console/views/escrow"
)

// newEscrowFromForm reads the new-escrow form. The policy's limits are
// read in the escrow's currency, so the currency is checked first; the
// rest is the domain's to judge.
func newEscrowFromForm(v url.Values) (escrow.NewEscrow, error) {
	n := escrow.NewEscrow{PayerRef: v.Get("payer_ref"), PayerName: v.Get("payer_name"), PayeeName: v.Get("payee_name"),
		PayeeType: screening.EntityType(v.Get("payee_type")), PayeeKind: escrow.PayeeKind(v.Get("payee_kind")),
		PayeeAccount: v.Get("payee_account"), Conditions: v.Get("conditions")}
	var err error
	if n.Currency, err = money.ParseCurrency(v.Get("currency")); err != nil {
		return n, err
	}
	n.Policy, err = policyFromForm(v, n.Currency)
	return n, err
}

// policyFromForm reads the policy fields: the groups filled in (a group
// with neither a name nor members is left out), the time lock as a UTC
// datetime-local value, the request TTL in hours, the ceiling in major
// units of c.
func policyFromForm(v url.Values, c money.Currency) (escrow.PolicyRules, error) {
	var r escrow.PolicyRules
	for i := 1; i <= escrowview.MaxGroups; i++ {
		n := strconv.Itoa(i)
		name, list := strings.TrimSpace(v.Get("group_name_"+n)), strings.TrimSpace(v.Get("group_members_"+n))
		if name == "" && list == "" {
			continue
		}
		g := escrow.Group{Name: name, Members: strings.Split(list, ",")}
		threshold, err := strconv.Atoi(strings.TrimSpace(v.Get("group_threshold_" + n)))
		if err != nil || threshold < 1 {
			return r, domain.Errorf(domain.EINVALID, "Group %s: say how many of its members must sign (a whole number, at least 1).", or(name, n))
		}
		g.Threshold = threshold
		r.Groups = append(r.Groups, g)
	}
	if s := strings.TrimSpace(v.Get("time_lock")); s != "" {
		t, err := parseTimeLock(s)
		if err != nil {
			return r, err
		}
		r.TimeLock = &t
	}
	if s := strings.TrimSpace(v.Get("ttl_hours")); s != "" {
		hours, err := strconv.Atoi(s)
		if err != nil {
			return r, domain.Errorf(domain.EINVALID, "Give how long a request waits as a whole number of hours.")
		}
		r.RequestTTL = time.Duration(hours) * time.Hour
	}
	if s := strings.TrimSpace(v.Get("max_release")); s != "" {
		var err error
		if r.MaxRelease, err = money.ParseMajor(s, c); err != nil {
			return r, err
		}
	}
	return r, nil
}

// parseTimeLock reads a datetime-local value, with or without seconds, as
// UTC (the form says so).
func parseTimeLock(s string) (time.Time, error) {
	for _, layout := range []string{escrowview.TimeLockLayout, "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, domain.Errorf(domain.EINVALID, "%q is not a date and time (YYYY-MM-DDTHH:MM, UTC).", truncateInput(s))
}

func or(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

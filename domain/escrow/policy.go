package escrow

import (
	"slices"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
)

// Group is a set of approvers of whom Threshold must sign.
type Group struct {
	Name      string   `json:"name"`
	Threshold int      `json:"threshold"`
	Members   []string `json:"members"` // usernames
}

// PolicyRules is what a release must satisfy. Every group is required.
type PolicyRules struct {
	Groups []Group `json:"groups"`
	// TimeLock: no release executes before it (the database's clock).
	TimeLock *time.Time `json:"time_lock,omitempty"`
	// RequestTTL is how long a request may wait for its approvals.
	RequestTTL time.Duration `json:"request_ttl"`
	// MaxRelease caps one release in minor units; 0 for no cap beyond the
	// balance.
	MaxRelease int64 `json:"max_release"`
}

// DefaultRequestTTL is how long a request waits unless the policy says.
const DefaultRequestTTL = 72 * time.Hour

const (
	maxGroups  = 5
	maxMembers = 20
	minTTL     = time.Hour
	maxTTL     = 30 * 24 * time.Hour
)

func (r *PolicyRules) validate() error {
	if r.RequestTTL == 0 {
		r.RequestTTL = DefaultRequestTTL
	}
	switch {
	case len(r.Groups) == 0:
		return domain.Errorf(domain.EINVALID, "A release policy needs at least one approver group.")
	case len(r.Groups) > maxGroups:
		return domain.Errorf(domain.EINVALID, "A release policy has at most %d approver groups.", maxGroups)
	case r.RequestTTL < minTTL || r.RequestTTL > maxTTL:
		return domain.Errorf(domain.EINVALID, "A request may wait between an hour and 30 days for its approvals.")
	case r.MaxRelease < 0:
		return domain.Errorf(domain.EINVALID, "The largest single release cannot be negative.")
	}
	names := map[string]bool{}
	for i := range r.Groups {
		g := &r.Groups[i]
		g.Name = strings.TrimSpace(g.Name)
		members := []string{}
		for _, m := range g.Members {
			if m = strings.TrimSpace(m); m != "" && !slices.Contains(members, m) {
				members = append(members, m)
			}
		}
		g.Members = members
		switch {
		case g.Name == "" || names[g.Name]:
			return domain.Errorf(domain.EINVALID, "Each approver group needs a name of its own.")
		case len(g.Members) > maxMembers:
			return domain.Errorf(domain.EINVALID, "Group %s has more than %d members.", g.Name, maxMembers)
		case g.Threshold < 1 || g.Threshold > len(g.Members):
			return domain.Errorf(domain.EINVALID, "Group %s needs between 1 and %d of its %d members.", g.Name, len(g.Members), len(g.Members))
		}
		names[g.Name] = true
	}
	return nil
}

// Designated reports whether user is a member of any group: who may
// approve, and who may veto.
func (r PolicyRules) Designated(user string) bool {
	for _, g := range r.Groups {
		if slices.Contains(g.Members, user) {
			return true
		}
	}
	return false
}

// PolicyStatus is where a policy version stands.
type PolicyStatus string

const (
	PolicyProposed   PolicyStatus = "proposed"
	PolicyActive     PolicyStatus = "active"
	PolicySuperseded PolicyStatus = "superseded"
	PolicyRejected   PolicyStatus = "rejected"
)

// Policy is one version of an escrow's release policy. The first comes
// with the escrow; each change is proposed and takes effect only when a
// designated approver of the active version, not its proposer, approves.
type Policy struct {
	EscrowID   int64
	Version    int
	Rules      PolicyRules
	Status     PolicyStatus
	ProposedBy string
	ProposedAt time.Time
	DecidedBy  string
	DecidedAt  *time.Time
}

// GroupProgress is one group's part of the approvals.
type GroupProgress struct {
	Name      string
	Threshold int
	Members   []string
	Counted   []string // signers counted towards this group
}

// Done reports whether the group has its threshold.
func (g GroupProgress) Done() bool { return len(g.Counted) >= g.Threshold }

// Progress assigns each signer (named once, however often listed) to at
// most one group, so that one signature never counts twice, choosing the assignment that fills the most of the
// groups' thresholds (a matching of signers to group seats).
func (r PolicyRules) Progress(signers []string) []GroupProgress {
	signers = slices.Compact(slices.Sorted(slices.Values(signers)))
	type seat struct{ group int }
	var seats []seat
	for gi, g := range r.Groups {
		for range g.Threshold {
			seats = append(seats, seat{gi})
		}
	}
	holder := make([]int, len(seats)) // signer index holding each seat, or -1
	for i := range holder {
		holder[i] = -1
	}
	var take func(s int, seen []bool) bool
	take = func(s int, seen []bool) bool {
		for i, st := range seats {
			if seen[i] || !slices.Contains(r.Groups[st.group].Members, signers[s]) {
				continue
			}
			seen[i] = true
			if holder[i] < 0 || take(holder[i], seen) {
				holder[i] = s
				return true
			}
		}
		return false
	}
	for s := range signers {
		take(s, make([]bool, len(seats)))
	}
	out := make([]GroupProgress, len(r.Groups))
	for gi, g := range r.Groups {
		out[gi] = GroupProgress{Name: g.Name, Threshold: g.Threshold, Members: g.Members}
	}
	for i, s := range holder {
		if s >= 0 {
			g := &out[seats[i].group]
			g.Counted = append(g.Counted, signers[s])
		}
	}
	return out
}

// Satisfied reports whether the signers meet every group's threshold.
func (r PolicyRules) Satisfied(signers []string) bool {
	for _, g := range r.Progress(signers) {
		if !g.Done() {
			return false
		}
	}
	return true
}

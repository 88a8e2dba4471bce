package identity

import (
	"slices"
	"testing"
)

func TestRoles_Conflicts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		held  []Role
		add   Role
		toxic bool
	}{
		{[]Role{Administrator}, EscrowApprover, true},
		{[]Role{EscrowApprover}, Administrator, true},
		{[]Role{Administrator}, Operator, true},
		{[]Role{Administrator}, ComplianceOfficer, true},
		{[]Role{Administrator}, Auditor, true},
		{[]Role{FraudReviewer}, Administrator, true},
		{[]Role{Operator}, EscrowApprover, true},
		{[]Role{Operator}, FraudReviewer, true},
		{[]Role{Auditor}, Operator, true},
		{[]Role{FraudReviewer, Auditor}, EscrowApprover, true},
		{[]Role{ComplianceOfficer}, EscrowApprover, false},
		{[]Role{ComplianceOfficer}, Auditor, false},
		{[]Role{EscrowApprover}, FraudReviewer, false},
		{nil, Administrator, false},
	}
	for _, tt := range tests {
		if got := Conflict(tt.held, tt.add) != ""; got != tt.toxic {
			t.Errorf("%v + %s: toxic %v, want %v", tt.held, tt.add, got, tt.toxic)
		}
	}
}

func TestRoles_Table(t *testing.T) {
	t.Parallel()
	for _, r := range Roles {
		if !r.Valid() || r.Label() == "" {
			t.Errorf("role %q", r)
		}
		if _, ok := rolePermissions[r]; !ok {
			t.Errorf("role %s has no row in the permission table", r)
		}
		if r.Privileged() == (r == Auditor) {
			t.Errorf("%s privileged = %v", r, r.Privileged())
		}
	}
	if Role("root").Valid() {
		t.Fatal("an unknown role is valid")
	}
	for _, r := range Roles {
		if got := Permissions([]Role{r})[PermUsersManage]; got != (r == Administrator) {
			t.Errorf("%s manages users: %v", r, got)
		}
	}
	if Permissions([]Role{Administrator})[PermAuditRead] {
		t.Error("administrators read the audit trail of their own actions")
	}
	union := Permissions([]Role{ComplianceOfficer, EscrowApprover})
	if !union[PermAuditRead] || !union[PermAuditExport] || union[PermUsersManage] {
		t.Errorf("permissions of two roles = %v", union)
	}
	for _, s := range APIScopes {
		if slices.Contains([]Permission{PermUsersManage, PermUsersApprove, PermAPIKeysManage}, s) {
			t.Errorf("API keys may carry %s, which only people should", s)
		}
	}
}

func TestPrincipal_CanOnlyWhenFullySignedIn(t *testing.T) {
	t.Parallel()
	p := Principal{Session: Session{Stage: StagePassword}, Roles: []Role{ComplianceOfficer}}
	if p.Can(PermAuditRead) {
		t.Fatal("a session past the password alone has permissions")
	}
	p.Stage = StageFull
	if !p.Can(PermAuditRead) || p.Can(PermUsersManage) {
		t.Fatal("a full session's permissions are not its roles'")
	}
	p.MustChangePassword = true
	if p.Can(PermAuditRead) {
		t.Fatal("a session that must change its password has permissions")
	}
}

func TestPolicy(t *testing.T) {
	t.Parallel()
	if err := DefaultPolicy().Validate(); err != nil {
		t.Fatalf("the default policy: %v", err)
	}
	weaker := []func(*Policy){
		func(p *Policy) { p.MaxFailures = 11 },
		func(p *Policy) { p.LockoutFor = 29 * 60e9 },
		func(p *Policy) { p.IdleTimeout = 16 * 60e9 },
		func(p *Policy) { p.InactiveAfter = 91 * 24 * 3600e9 },
		func(p *Policy) { p.PasswordHistory = 3 },
		func(p *Policy) { p.APIRateLimit = 0 },
	}
	for i, weaken := range weaker {
		p := DefaultPolicy()
		weaken(&p)
		if p.Validate() == nil {
			t.Errorf("weakening %d accepted: %+v", i, p)
		}
	}
}

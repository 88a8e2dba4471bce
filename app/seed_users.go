package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/paycompliance/console/domain/identity"
)

// demoUsers are the people `make run` can sign in as: one for every role,
// a second administrator, operator and fraud reviewer so that four-eyes
// approvals (of roles, of large refunds, of fraud rules) can be tried, and
// three escrow approvers, the group of the demo escrow's 2-of-3 policy.
// The first names match the demo audit history's actors.
var demoUsers = []struct {
	username, name string
	role           identity.Role
}{
	{"erin.hale", "Erin Hale", identity.Administrator},
	{"farid.haddad", "Farid Haddad", identity.Administrator},
	{"amelia.ortiz", "Amelia Ortiz", identity.ComplianceOfficer},
	{"ben.okafor", "Ben Okafor", identity.EscrowApprover},
	{"priya.shah", "Priya Shah", identity.EscrowApprover},
	{"tomas.lind", "Tomas Lind", identity.EscrowApprover},
	{"chen.wu", "Chen Wu", identity.FraudReviewer},
	{"ines.moreau", "Ines Moreau", identity.FraudReviewer}, // a second reviewer: rules are published by another than their maker
	{"dana.reyes", "Dana Reyes", identity.Operator},
	{"omar.said", "Omar Said", identity.Operator}, // a second operator, for four-eyes refunds
	{"gita.rao", "Gita Rao", identity.Auditor},
}

// DemoCredentialsFile is where `serve --demo` keeps the demo users'
// passwords and TOTP secrets, in DATA_DIR with mode 0600: generated at the
// first run, printed at every run, never in the repository.
const DemoCredentialsFile = "demo-users.json"

// DemoUser is one line of the credentials file.
type DemoUser struct {
	Username string        `json:"username"`
	Role     identity.Role `json:"role"`
	identity.DemoCredentials
}

// seedUsers creates the demo users that are missing. Credentials come from
// the file when it has them, so that they stay the same from run to run.
func seedUsers(ctx context.Context, env seedEnv) (int, error) {
	path := filepath.Join(env.dataDir, DemoCredentialsFile)
	known, err := readDemoUsers(path)
	if err != nil {
		return 0, err
	}
	byName := map[string]DemoUser{}
	for _, u := range known {
		byName[u.Username] = u
	}
	var out []DemoUser
	added := 0
	for _, d := range demoUsers {
		u, ok := byName[d.username]
		if !ok {
			c, err := identity.NewDemoCredentials(d.username)
			if err != nil {
				return added, err
			}
			u = DemoUser{Username: d.username, Role: d.role, DemoCredentials: c}
		}
		created, err := env.identity.EnsureDemoAccount(ctx, identity.NewUser{Username: d.username, DisplayName: d.name,
			Email: d.username + "@demo.example"}, []identity.Role{d.role}, u.DemoCredentials, !ok)
		if err != nil {
			return added, fmt.Errorf("demo user %s: %w", d.username, err)
		}
		if created {
			added++
		}
		out = append(out, u)
	}
	return added, writeDemoUsers(path, out)
}

func readDemoUsers(path string) ([]DemoUser, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var users []DemoUser
	if err := json.Unmarshal(b, &users); err != nil {
		return nil, fmt.Errorf("%s: %w (delete it to make new demo credentials)", path, err)
	}
	return users, nil
}

func writeDemoUsers(path string, users []DemoUser) error {
	b, err := json.MarshalIndent(users, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// printDemoUsers tells a developer how to sign in: development mode only.
func printDemoUsers(w io.Writer, dataDir string) error {
	users, err := readDemoUsers(filepath.Join(dataDir, DemoCredentialsFile))
	if err != nil || len(users) == 0 {
		return err
	}
	fmt.Fprintf(w, "  Demo users (development mode only; kept in %s):\n", filepath.Join(dataDir, DemoCredentialsFile))
	fmt.Fprintln(w, "  Add each TOTP secret to an authenticator app, or type it in as a key.")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  username\trole\tpassword\tTOTP secret")
	for _, u := range users {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", u.Username, strings.ReplaceAll(string(u.Role), "_", " "), u.Password, u.TOTPSecret)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return nil
}

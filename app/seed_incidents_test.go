package app

import (
	"bytes"
	"context"
	"testing"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/incidents"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// The demo incident log: a P1 under investigation that waits on the demo
// officer's overview, and a P2 through to its review; seeding again adds
// nothing.
func TestSeed_DemoIncidents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, url := pgtest.NewDB(t)
	env := map[string]string{"DATABASE_URL": url, "DATA_DIR": t.TempDir()}
	for range 2 {
		var out bytes.Buffer
		if code := Main(ctx, []string{"seed"}, &out, &out, func(k string) string { return env[k] }); code != 0 {
			t.Fatalf("seed: exit %d\n%s", code, out.String())
		}
	}
	db, err := postgres.Connect(ctx, url, 4, postgres.AppRole)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := newIncidents(db, nil, nil, nil)
	amelia := identity.WithServiceCaller(ctx, audit.Actor{Type: audit.ActorUser, ID: "amelia.ortiz"}, identity.PermAlertsRead, identity.PermAlertsManage)
	list, _, err := svc.List(amelia, incidents.Query{})
	if err != nil || len(list) != len(demoIncidents) {
		t.Fatalf("%d demo incidents, want %d: %v", len(list), len(demoIncidents), err)
	}
	if list[0].Priority != incidents.P1 || list[0].Status != incidents.Investigating || list[1].Status != incidents.Reviewed || list[1].Review == "" {
		t.Errorf("the demo incidents: %+v", list)
	}
	waiting, err := svc.Unacknowledged(amelia)
	if err != nil || len(waiting) != 1 || waiting[0].ID != list[0].ID {
		t.Errorf("the demo officer's overview waits for %+v (%v), want the P1", waiting, err)
	}
}

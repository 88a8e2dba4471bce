package postgres_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/cases"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/screening"
	"github.com/paycompliance/console/internal/fixtures"
	"github.com/paycompliance/console/internal/wait"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/jobs/jobstest"
	"github.com/paycompliance/console/ofac"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// screeningFixture is screening and the case queue on a fresh database,
// with the job queue running and a holder that records what it is told.
type screeningFixture struct {
	db, owner *pgxpool.Pool
	svc       *screening.Service
	cases     *cases.Service
	holder    *recordingHolder
	dir       string // the list directory the source reads
	clock     time.Time
	mu        sync.Mutex
}

// recordingHolder stands for an area that holds money for screening.
type recordingHolder struct {
	mu               sync.Mutex
	cleared, blocked []string
}

func (h *recordingHolder) PartyCleared(_ context.Context, ref string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cleared = append(h.cleared, ref)
	return nil
}

func (h *recordingHolder) PartyBlocked(_ context.Context, ref string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.blocked = append(h.blocked, ref)
	return nil
}

func newScreeningFixture(t testing.TB) *screeningFixture {
	t.Helper()
	owner, url := pgtest.NewDB(t)
	db, err := postgres.Connect(context.Background(), url, 8, postgres.AppRole)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	inserter, err := jobs.NewInserter(db)
	if err != nil {
		t.Fatal(err)
	}
	f := &screeningFixture{db: db, owner: owner, holder: &recordingHolder{}, dir: t.TempDir(), clock: time.Now().UTC()}
	log := audit.NewLog(postgres.AuditOutbox{DB: db})
	f.cases = &cases.Service{Store: postgres.CaseStore{DB: db}, Tx: postgres.Transactor{DB: db}, Audit: log, Now: f.now}
	f.svc = &screening.Service{Store: postgres.ScreeningStore{DB: db}, Tx: postgres.Transactor{DB: db}, Audit: log, Cases: f.cases,
		Lists: &screening.Lists{}, Holders: []screening.Holder{f.holder}, Jobs: inserter, MaxShrinkPercent: 10, Now: f.now}
	f.cases.Deciders = map[cases.Kind]cases.Decider{cases.ScreeningHit: f.svc}
	var opts jobs.Options
	jobs.AddScreeningJobs(&opts, f.svc, nil, time.Hour) // the tests load the lists themselves
	jobstest.Start(t, db, opts)
	return f
}

func (f *screeningFixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clock
}

func (f *screeningFixture) advance(d time.Duration) {
	f.mu.Lock()
	f.clock = f.clock.Add(d)
	f.mu.Unlock()
}

// useList puts a fixture list where the source reads, as an operator's
// download would be.
func (f *screeningFixture) useList(t testing.TB, name string) {
	t.Helper()
	b, err := os.ReadFile(fixtures.Path(t, "ofac/"+name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, "sdn.csv"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func officer() context.Context {
	return identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorUser, ID: "amelia.ortiz"},
		identity.PermCasesRead, identity.PermCasesWork, identity.PermScreeningSearch)
}

func (f *screeningFixture) load(t testing.TB) screening.Version {
	t.Helper()
	v, _, err := f.svc.Load(context.Background(), ofac.Dir{Path: f.dir})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// latest is the id of the party's latest screening: what a decision is on.
func (f *screeningFixture) latest(t testing.TB, ref string) int64 {
	t.Helper()
	r, found, err := f.svc.Store.LatestResult(context.Background(), ref)
	if err != nil || !found {
		t.Fatalf("no screening of %s: %v", ref, err)
	}
	return r.ID
}

func (f *screeningFixture) openCases(t *testing.T) []cases.Case {
	t.Helper()
	list, _, err := f.cases.Queue(officer(), cases.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// Nothing is screened without a list: screening fails closed.
func TestScreening_FailsClosedWithoutAList(t *testing.T) {
	t.Parallel()
	f := newScreeningFixture(t)
	_, err := f.svc.Screen(context.Background(), screening.Party{Ref: "bank_account:ba_1", Name: "Jane Doe", Type: screening.Individual}, screening.TriggerCreated)
	if domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Fatalf("screening with no list = %v, want unavailable", err)
	}
}

// Loading both published versions: the second records its diff; the
// re-screening it queues opens cases only for parties matching entries it
// added, never again for a party cleared as a false positive against an
// entry that did not change.
func TestScreening_ListUpdateRescreensOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	f := newScreeningFixture(t)
	f.useList(t, "sdn-2024-04-26.csv")
	v1 := f.load(t)
	if v1.Entries != 14668 || !v1.Active {
		t.Fatalf("first version %+v", v1)
	}
	older, _ := f.svc.Store.VersionEntries(context.Background(), v1.ID)
	f.useList(t, "sdn-2024-05-03.csv")
	newerEntries := readFixture(t, "sdn-2024-05-03.csv")
	added := screening.Compare(older, newerEntries).Added
	var newcomer screening.Entry
	for _, e := range added {
		if e.Type == screening.Individual && strings.Contains(e.Name, ", ") {
			newcomer = e
			break
		}
	}
	var known screening.Entry
	for _, e := range older {
		if e.Type == screening.Individual && strings.Contains(e.Name, ", ") && len(e.Aliases) == 0 {
			known = e
			break
		}
	}
	parties := []screening.Party{
		{Ref: "p:known", Name: reorder(known.Name), Type: screening.Individual},
		{Ref: "p:newcomer", Name: reorder(newcomer.Name), Type: screening.Individual},
		{Ref: "p:clean", Name: "Jane Ordinary", Type: screening.Individual},
	}
	for _, p := range parties {
		if _, err := f.svc.Screen(context.Background(), p, screening.TriggerCreated); err != nil {
			t.Fatal(err)
		}
	}
	open := f.openCases(t)
	if len(open) != 1 || open[0].Subject != "p:known" {
		t.Fatalf("after the first version, open cases %+v; want one, for the known designee", open)
	}
	// The officer clears it as a false positive for a year.
	if _, err := f.cases.Decide(officer(), open[0].ID, cases.DecisionInput{Decision: cases.FalsePositive, Reviewed: f.latest(t, "p:known"),
		Reason: "Different person: date of birth and nationality differ", Until: f.now().AddDate(0, 6, 0)}); err != nil {
		t.Fatal(err)
	}
	if len(f.holder.cleared) != 1 || f.holder.cleared[0] != "p:known" {
		t.Fatalf("holders were told %v", f.holder.cleared)
	}

	v2 := f.load(t)
	if v2.Entries != 14965 || v2.Added != len(added) || v2.ID == v1.ID {
		t.Fatalf("second version %+v", v2)
	}
	changes, err := f.svc.VersionChanges(officer(), v2.ID)
	if err != nil || changes.Previous == nil || changes.Previous.ID != v1.ID || len(changes.Diff.Added) != len(added) ||
		len(changes.Diff.Removed) != v2.Removed || changes.Diff.Added[0].ID != added[0].ID {
		t.Fatalf("the second version's changes: %v, %d added, %d removed", err, len(changes.Diff.Added), len(changes.Diff.Removed))
	}
	wait.For(t, "the newcomer was not found by the re-screening", func() bool {
		st, _, _ := f.svc.Standing(context.Background(), "p:newcomer")
		return st.Status == screening.Held
	})
	open = f.openCases(t)
	if len(open) != 1 || open[0].Subject != "p:newcomer" {
		t.Fatalf("after the update, open cases %+v; want only the newcomer's", open)
	}
	for ref, want := range map[string]screening.Status{"p:known": screening.Clear, "p:clean": screening.Clear} {
		if st, _, _ := f.svc.Standing(context.Background(), ref); st.Status != want {
			t.Errorf("%s is %s after the update, want %s", ref, st.Status, want)
		}
	}
	// Loading the same files again adds no version.
	if again := f.load(t); again.ID != v2.ID {
		t.Fatalf("the same list loaded as version %d", again.ID)
	}
}

// Loads compared with the same version cannot all become active: one wins,
// the others are refused as conflicts and store nothing, so a diff is never
// recorded against a version that was no longer the active one.
func TestScreening_ConcurrentLoadsActivateOne(t *testing.T) {
	t.Parallel()
	f := newScreeningFixture(t)
	f.useList(t, "sdn-2024-04-26.csv")
	v1 := f.load(t)
	entries := readFixture(t, "sdn-2024-05-03.csv")
	insert := func(replaces int64, hash string) error {
		return f.svc.Tx.InTx(context.Background(), func(ctx context.Context) error {
			v := screening.Version{Source: "race", LoadedAt: f.now(), SHA256: hash, Entries: len(entries), Active: true}
			return f.svc.Store.InsertVersion(ctx, &v, replaces, entries)
		})
	}
	if err := insert(0, "stale"); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("a load compared with no version while one is active = %v, want a conflict", err)
	}
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = insert(v1.ID, strconv.Itoa(i))
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case domain.ErrorCode(err) != domain.ECONFLICT:
			t.Fatalf("a concurrent load failed with %v, want a conflict", err)
		}
	}
	versions, err := f.svc.Store.Versions(context.Background(), 10)
	if err != nil || won != 1 || len(versions) != 2 {
		t.Fatalf("%d loads won, %d versions stored (%v); want one winner beside the first version", won, len(versions), err)
	}
	if active, _, _ := f.svc.Store.ActiveVersion(context.Background()); active.ID == v1.ID || active.Source != "race" {
		t.Fatalf("the active version is %+v", active)
	}
}

func readFixture(t *testing.T, name string) []screening.Entry {
	t.Helper()
	fh, err := os.Open(fixtures.Path(t, "ofac/"+name))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	entries, err := screening.Parse(screening.Files{SDN: fh})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// reorder writes "SURNAME, Given" as people do.
func reorder(name string) string {
	surname, given, _ := strings.Cut(name, ", ")
	return given + " " + surname
}

// A load that does not parse, or shrinks the list by more than allowed,
// keeps the active version, is recorded, and raises the alert.
func TestScreening_RefusedLoadsKeepTheActiveVersion(t *testing.T) {
	t.Parallel()
	f := newScreeningFixture(t)
	f.useList(t, "sdn-2024-05-03.csv")
	v := f.load(t)
	full, _ := os.ReadFile(filepath.Join(f.dir, "sdn.csv"))
	for name, content := range map[string][]byte{
		"half the list":  full[:len(full)/2-len(full)/2%1000+indexOfLineEnd(full[len(full)/2:])],
		"not the format": []byte("this,is\r\nnot,a,list\r\n"),
	} {
		os.WriteFile(filepath.Join(f.dir, "sdn.csv"), content, 0o644)
		if _, _, err := f.svc.Load(context.Background(), ofac.Dir{Path: f.dir}); err == nil {
			t.Errorf("%s: the load was taken", name)
		}
		active, _, _ := f.svc.Store.ActiveVersion(context.Background())
		if active.ID != v.ID {
			t.Fatalf("%s: the active version changed to %d", name, active.ID)
		}
		if reason, failed, _ := f.svc.Store.LastLoadFailure(context.Background()); !failed || reason == "" {
			t.Fatalf("%s: no failure recorded for the alert", name)
		}
	}
	var refusals int
	f.owner.QueryRow(context.Background(), `SELECT count(*) FROM audit_outbox WHERE convert_from(entry, 'UTF8')::jsonb->>'action' = 'screening.list.loaded'
		AND convert_from(entry, 'UTF8')::jsonb->>'outcome' = 'failure'`).Scan(&refusals)
	if refusals != 2 {
		t.Fatalf("%d refusals recorded, want 2", refusals)
	}
}

func indexOfLineEnd(b []byte) int {
	return strings.Index(string(b), "\r\n") + 2
}

// A false positive's whitelist lasts until its expiry; a true match blocks
// the party and opens a SAR case due 30 days from the hit's detection.
func TestScreening_Disposition(t *testing.T) {
	t.Parallel()
	f := newScreeningFixture(t)
	f.useList(t, "sdn-2024-05-03.csv")
	f.load(t)
	entries := readFixture(t, "sdn-2024-05-03.csv")
	var a, b screening.Entry
	for _, e := range entries {
		if e.Type == screening.Individual && strings.Contains(e.Name, ", ") {
			if a.ID == "" {
				a = e
			} else if b.ID == "" && e.Name != a.Name {
				b = e
				break
			}
		}
	}
	pa := screening.Party{Ref: "p:a", Name: reorder(a.Name), Type: screening.Individual}
	pb := screening.Party{Ref: "p:b", Name: reorder(b.Name), Type: screening.Individual}
	ra, _ := f.svc.Screen(context.Background(), pa, screening.TriggerCreated)
	rb, _ := f.svc.Screen(context.Background(), pb, screening.TriggerCreated)
	detected := f.now() // the SAR clock runs from here, however long the decision takes
	if ra.Status != screening.Held || rb.Status != screening.Held || ra.CaseID == 0 {
		t.Fatalf("designees screened as %s and %s", ra.Status, rb.Status)
	}
	if _, err := f.cases.Decide(officer(), ra.CaseID, cases.DecisionInput{Decision: cases.FalsePositive, Reason: "too short", Until: f.now().AddDate(0, 1, 0)}); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("a decision without a real reason = %v", err)
	}
	if _, err := f.cases.Decide(officer(), ra.CaseID, cases.DecisionInput{Decision: cases.FalsePositive, Reason: "Different person, checked passport",
		Until: f.now().AddDate(2, 0, 0), Reviewed: ra.ID}); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("a whitelist for two years = %v, want refused", err)
	}
	if _, err := f.cases.Decide(officer(), ra.CaseID, cases.DecisionInput{Decision: cases.FalsePositive, Reason: "Different person, checked passport",
		Until: f.now().AddDate(0, 1, 0), Reviewed: ra.ID}); err != nil {
		t.Fatal(err)
	}
	if r, _ := f.svc.Screen(context.Background(), pa, screening.TriggerBeforeMove); r.Status != screening.Clear || len(r.Hits) == 0 || !r.Hits[0].Whitelisted {
		t.Fatalf("a whitelisted party screened as %+v", r)
	}
	f.advance(32 * 24 * time.Hour)
	if r, _ := f.svc.Screen(context.Background(), pa, screening.TriggerBeforeMove); r.Status != screening.Held {
		t.Fatalf("after the whitelist's expiry the party screened %s, want held", r.Status)
	}

	if _, err := f.cases.Decide(officer(), rb.CaseID, cases.DecisionInput{Decision: cases.TrueMatch, Reason: "Confirmed by date of birth and passport",
		Reviewed: rb.ID}); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := f.svc.Standing(context.Background(), "p:b"); st.Status != screening.Blocked || len(f.holder.blocked) != 1 {
		t.Fatalf("a true match left the party %s; holders told %v", st.Status, f.holder.blocked)
	}
	sar, found, _ := f.cases.Store.OpenCase(context.Background(), cases.SAR, "p:b")
	if !found || !sar.DueAt.Equal(cases.SARDue(detected)) || sar.ParentID != rb.CaseID {
		t.Fatalf("SAR case %+v (found %v), want due %v", sar, found, cases.SARDue(detected))
	}
	if r, _ := f.svc.Screen(context.Background(), pb, screening.TriggerBeforeMove); r.Status != screening.Blocked {
		t.Fatalf("a blocked party screened %s", r.Status)
	}
}

// A decision is on the screening the officer saw: one made since (a list
// update found something else) refuses it. While the case is open the
// party stays held, whatever a later screening finds, and what changed is
// on the case's timeline.
func TestScreening_DecisionOnTheLatestScreening(t *testing.T) {
	t.Parallel()
	f := newScreeningFixture(t)
	os.WriteFile(filepath.Join(f.dir, "sdn.csv"), []byte("900,\"SANCTIONOV, Viktor\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"), 0o644)
	f.load(t)
	p := screening.Party{Ref: "p:v", Name: "Viktor Sanctionov", Type: screening.Individual}
	seen, err := f.svc.Screen(context.Background(), p, screening.TriggerCreated)
	if err != nil || seen.Status != screening.Held {
		t.Fatalf("screened %+v, %v", seen, err)
	}
	p.Name = "Victoria Ordinary" // the holder's name corrected: nothing matches now
	again, err := f.svc.Screen(context.Background(), p, screening.TriggerChanged)
	if err != nil || again.Status != screening.Held || again.CaseID != seen.CaseID {
		t.Fatalf("with the case open, a clean screening gave %+v, %v; want still held on the case", again, err)
	}
	d, _ := f.cases.Get(officer(), seen.CaseID)
	if last := d.Events[len(d.Events)-1]; last.Action != "screened again" || !strings.Contains(last.Detail, "no open hit") {
		t.Fatalf("the case's timeline ends with %+v", last)
	}
	in := cases.DecisionInput{Decision: cases.FalsePositive, Reason: "Different person: the name was mistyped", Until: f.now().AddDate(0, 1, 0), Reviewed: seen.ID}
	if _, err := f.cases.Decide(officer(), seen.CaseID, in); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("a decision on a screening that is no longer the latest = %v", err)
	}
	in.Reviewed = again.ID
	if _, err := f.cases.Decide(officer(), seen.CaseID, in); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := f.svc.Standing(context.Background(), "p:v"); st.Status != screening.Clear {
		t.Fatalf("after the decision the party is %s", st.Status)
	}
}

// What a load must hold: an empty list is refused even as the first; a
// load lacking a file the active version had is refused (its aliases
// would be lost); the same lists again clear the alert; lists not fetched
// good for two days raise one. An instance that has not heard of a new
// version yet re-screens against it all the same.
func TestScreening_LoadGuards(t *testing.T) {
	t.Parallel()
	f := newScreeningFixture(t)
	ctx := context.Background()
	write := func(name, content string) { os.WriteFile(filepath.Join(f.dir, name), []byte(content), 0o644) }
	load := func() (screening.Version, bool, error) { return f.svc.Load(ctx, ofac.Dir{Path: f.dir}) }
	alert := func() string { a, _ := f.svc.LoadFailure(ctx); return a }

	write("sdn.csv", "")
	if _, _, err := load(); err == nil || !screening.Refused(err) {
		t.Fatalf("an empty list as the first load = %v", err)
	}
	if _, found, _ := f.svc.Store.ActiveVersion(ctx); found {
		t.Fatal("an empty list became the active version")
	}
	write("sdn.csv", "900,\"SANCTIONOV, Viktor\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n")
	write("alt.csv", "900,1,\"aka\",\"VIKTOROV, Sanction\",-0-\r\n")
	v1, _, err := load()
	if err != nil || !slices.Equal(v1.Files, []string{"sdn.csv", "alt.csv"}) || alert() != "" {
		t.Fatalf("first load = %+v, %v; alert %q", v1, err, alert())
	}
	os.Remove(filepath.Join(f.dir, "alt.csv"))
	if _, _, err := load(); err == nil || !strings.Contains(alert(), "alt.csv") {
		t.Fatalf("a load without alt.csv = %v; alert %q", err, alert())
	}
	write("alt.csv", "900,1,\"aka\",\"VIKTOROV, Sanction\",-0-\r\n")
	if again, loaded, err := load(); err != nil || loaded || again.ID != v1.ID || alert() != "" {
		t.Fatalf("the same lists again = %+v, %v, %v; alert %q", again, loaded, err, alert())
	}

	// A second instance, still holding the first version in memory.
	other := *f.svc
	other.Lists = &screening.Lists{}
	if err := other.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	p := screening.Party{Ref: "p:new", Name: "Olga Newlisted", Type: screening.Individual}
	if r, _ := f.svc.Screen(ctx, p, screening.TriggerCreated); r.Status != screening.Clear {
		t.Fatalf("before she is listed, %s screens %s", p.Name, r.Status)
	}
	write("sdn.csv", "900,\"SANCTIONOV, Viktor\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"+
		"901,\"NEWLISTED, Olga\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n")
	v2, _, err := load()
	if err != nil {
		t.Fatal(err)
	}
	if n, err := other.Rescreen(ctx, v1.ID, v2.ID); err != nil || n != 1 {
		t.Fatalf("the other instance re-screened %d, %v", n, err)
	}
	if st, _, _ := f.svc.Standing(ctx, "p:new"); st.Status != screening.Held {
		t.Fatalf("after the update %s is %s", p.Name, st.Status)
	}

	f.advance(49 * time.Hour)
	if a := alert(); !strings.Contains(a, "last fetched and found good") {
		t.Fatalf("two days unchecked: alert %q", a)
	}
}

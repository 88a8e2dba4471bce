package web_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paycompliance/console/postgres/pgtest"
)

// The load scenarios: the console as `console serve` runs it, driven over
// loopback HTTP by loadWorkers() keep-alive clients at once (see
// load_console_test.go for the console and its database). The benchmark
// report runs them on the seed's database:
//
//	LOAD_DATABASE_URL=… LOAD_DATA_DIR=… go test -run '^$' -bench '^BenchmarkPageMix$' -benchtime 60000x ./web/
//
// and without those variables they run on a fresh database with the demo data.

// view is one page of the mix, as one user sees it.
type view struct {
	s    *loadSession
	path string
	list bool // a list page (the list-p99-ms metric)
}

// pageMix signs in a compliance officer, two escrow approvers and two
// fraud reviewers, finds an escrow, a fraud case and the audit log's head
// to link to, and returns one round of the views they make, in the
// proportions of a working day: the officer's overview, PCI scorecard and
// audit log pages (newest, filtered, an older page), the approvers' escrow
// list and an escrow's page, the reviewers' queue and a case's page, and
// the payments list (read by the officer and the reviewers).
func pageMix(b *testing.B, c *loadConsole) []view {
	b.Helper()
	officer := c.session(b, "amelia.ortiz")
	approvers := []*loadSession{c.session(b, "ben.okafor"), c.session(b, "priya.shah")}
	reviewers := []*loadSession{c.session(b, "chen.wu"), c.session(b, "ines.moreau")}
	head := firstLink(b, c.page(b, officer, "/audit"), `/audit/entries/(\d+)`)
	seq, _ := strconv.Atoi(head)
	escrow := firstLink(b, c.page(b, approvers[0], "/escrow"), `/escrow/([A-Za-z0-9_-]+)"`, "new", "stream", "releases")
	fraudCase := firstLink(b, c.page(b, reviewers[0], "/fraud"), `/fraud/cases/([A-Za-z0-9_-]+)"`)
	day := time.Now().UTC().Add(-7 * 24 * time.Hour)
	mix := []view{
		{officer, "/", false},
		{officer, "/pci", false},
		{officer, "/audit", true},
		{officer, "/audit?outcome=failure", true},
		{officer, "/audit?action=auth.login.succeeded", true},
		{officer, "/audit?before=" + strconv.Itoa(max(1, seq/2)), true},
		{officer, "/audit?outcome=failure&from=" + day.Format("2006-01-02T15:04") + "&to=" + day.Add(24*time.Hour).Format("2006-01-02T15:04"), true},
		{officer, "/payments", true},
	}
	for _, a := range approvers {
		mix = append(mix, view{a, "/", false}, view{a, "/escrow", true}, view{a, "/escrow/" + escrow, false}, view{a, "/escrow", true})
	}
	for _, r := range reviewers {
		mix = append(mix, view{r, "/", false}, view{r, "/fraud", true}, view{r, "/fraud/cases/" + fraudCase, false},
			view{r, "/fraud", true}, view{r, "/payments", true})
	}
	return mix
}

// firstLink is the first capture of pattern in page whose value is not
// one of skip; b fails without one.
func firstLink(b *testing.B, page, pattern string, skip ...string) string {
	b.Helper()
	for _, m := range regexp.MustCompile(pattern).FindAllStringSubmatch(page, -1) {
		if !slices.Contains(skip, m[1]) {
			return m[1]
		}
	}
	b.Fatalf("no link like %s on the page: %.500s", pattern, page)
	return ""
}

// latencies are one worker's request durations, with which of the mix's
// requests each was (kinds, beside all), and the list pages' apart.
type latencies struct {
	all, lists []time.Duration
	kinds      []int
}

func (l *latencies) add(kind int, took time.Duration) {
	l.all = append(l.all, took)
	l.kinds = append(l.kinds, kind)
}

func (l *latencies) merge(o latencies) {
	l.all = append(l.all, o.all...)
	l.lists = append(l.lists, o.lists...)
	l.kinds = append(l.kinds, o.kinds...)
}

// logSlowest logs the p99 of the eight slowest kinds of request, slowest
// first, for finding the page or call that holds the whole p99 up; not
// for the b.N = 1 run.
func (l *latencies) logSlowest(b *testing.B, name func(kind int) string) {
	if b.N == 1 {
		return
	}
	by := map[string][]time.Duration{}
	for i, k := range l.kinds {
		by[name(k)] = append(by[name(k)], l.all[i])
	}
	type row struct {
		name string
		p99  float64
		n    int
	}
	var rows []row
	for n, took := range by {
		rows = append(rows, row{n, p99(took), len(took)})
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(b.p99, a.p99) })
	var out strings.Builder
	for _, r := range rows[:min(8, len(rows))] {
		fmt.Fprintf(&out, "\n  p99 %7.2f ms  %6d×  %s", r.p99, r.n, r.name)
	}
	b.Logf("by request, slowest first:%s", out.String())
}

// visit fetches v, counting a transport error or a status other than 200.
func (c *loadConsole) visit(kind int, v view, lat *latencies, errs *errorLog) {
	t0 := time.Now()
	status, _, err := c.get(v.s, v.path, false)
	took := time.Since(t0)
	lat.add(kind, took)
	if v.list {
		lat.lists = append(lat.lists, took)
	}
	if err != nil || status != http.StatusOK {
		errs.add("%s: GET %s = %d %v", v.s.user, v.path, status, err)
	}
}

// runWorkers runs loadWorkers() workers, each calling work with its own
// latencies (preallocated for per requests) until work says stop, and
// returns them merged and the wall time they took.
func runWorkers(per int, work func(worker int, lat *latencies) bool) (latencies, time.Duration) {
	n := loadWorkers()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var out latencies
	start := time.Now()
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := latencies{all: make([]time.Duration, 0, per/n+1), lists: make([]time.Duration, 0, per/n+1), kinds: make([]int, 0, per/n+1)}
			for work(w, &lat) {
			}
			mu.Lock()
			out.merge(lat)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out, time.Since(start)
}

// p99 is the 99th percentile of took in milliseconds (sorting it).
func p99(took []time.Duration) float64 {
	if len(took) == 0 {
		return 0
	}
	slices.Sort(took)
	return float64(took[len(took)*99/100].Microseconds()) / 1000
}

// BenchmarkPageMix is b.N signed-in page views of the mix (pageMix) over
// loopback, from loadWorkers() clients at once, each view's whole answer
// read. Targets (seed at the report's scale): ≥ 5,000 views/s; p99 and
// list pages' p99 ≤ 10 ms; no errors. Failed views are counted (errors),
// not fatal, and fail the benchmark once the metrics are out.
//
//	go test -run '^$' -bench PageMix -benchtime 20000x ./web/
func BenchmarkPageMix(b *testing.B) {
	c := startLoadConsole(b)
	mix := pageMix(b, c)
	var errs errorLog
	var next atomic.Int64
	b.ResetTimer()
	lat, elapsed := runWorkers(b.N, func(_ int, lat *latencies) bool {
		i := int(next.Add(1) - 1)
		if i >= b.N {
			return false
		}
		c.visit(i%len(mix), mix[i%len(mix)], lat, &errs)
		return true
	})
	b.StopTimer()
	lat.logSlowest(b, func(k int) string { return mix[k].s.user + " GET " + mix[k].path })
	b.ReportMetric(float64(len(lat.all))/elapsed.Seconds(), "views/s")
	b.ReportMetric(p99(lat.lists), "list-p99-ms")
	pgtest.ReportLatency(b, lat.all, 0)
	errs.report(b)
}

// apiMix is the API traffic of a payments backend: payments created
// (through to stripe-mock), events scored, ACH transfers made, and reads.
type apiMix struct {
	c              *loadConsole
	key, run       string
	accounts       []string // made at setup: the transfers' bank accounts
	payment, event string   // made at setup, for the reads
	seq            atomic.Int64
}

// newAPIMix creates the API key (as a demo administrator: sign-in,
// step-up, the form), the bank accounts the transfers pay, and what the
// reads name: a payment and a scored event.
func newAPIMix(b *testing.B, c *loadConsole, admin string) *apiMix {
	b.Helper()
	m := &apiMix{c: c, run: strconv.FormatInt(time.Now().UnixNano(), 36),
		key: c.apiKey(b, admin, "payments.read", "payments.write", "fraud.assess", "fraud.read", "ach.read", "ach.write", "audit.read")}
	id := regexp.MustCompile(`"id":\s*"([^"]+)"`)
	setup := func(path, body string, want int) string {
		status, answer, err := m.call(http.MethodPost, path, body, true)
		got := id.FindStringSubmatch(answer)
		if err != nil || status != want || got == nil {
			b.Fatalf("POST %s = %d %v %.300s", path, status, err, answer)
		}
		return got[1]
	}
	// Transfers go to eight customers' accounts: one customer's transfers
	// are made one at a time (an advisory lock per customer), which a
	// single account would turn into the mix's bottleneck.
	for k := range 8 {
		m.accounts = append(m.accounts, setup("/api/v1/bank-accounts", `{"customer": "cus-load-`+m.run+`-`+strconv.Itoa(k)+`", "holder_name": "Jane Ordinary",
			"holder_type": "individual", "type": "checking", "routing_number": "021000021", "account_number": "`+strconv.FormatInt(time.Now().UnixNano()%1e10*10+int64(k), 10)+`"}`, http.StatusCreated))
	}
	m.payment = setup("/api/v1/payments", m.paymentBody(0), http.StatusCreated)
	m.event = setup("/api/v1/risk/assessments", m.eventBody(rand.New(rand.NewPCG(0, 0)), 0), http.StatusOK)
	return m
}

func (m *apiMix) paymentBody(i int64) string {
	return fmt.Sprintf(`{"amount": %d, "currency": "USD", "customer": "cus-load-%d", "description": "Load test order", "metadata": {"order": "%s-%d"}}`,
		1000+i%50000, i%997, m.run, i)
}

func (m *apiMix) eventBody(rng *rand.Rand, i int64) string {
	c := rng.IntN(5000)
	return fmt.Sprintf(`{"type": "card_payment", "ref": "load-%s-%d", "amount": %d, "currency": "USD", "customer": "cus-%d",
		"card_fingerprint": "fp-%d", "ip": "10.%d.%d.1", "device_id": "dev-%d", "email": "c%d@example.com",
		"country": "US", "card_country": "US", "radar_score": %d}`, m.run, i, 1000+rng.IntN(60000), c, c, rng.IntN(200), rng.IntN(250), c, c, rng.IntN(60))
}

// call sends one API call with the key (POSTs with a fresh
// Idempotency-Key) and returns its status (and body if keep).
func (m *apiMix) call(method, path, body string, keep bool) (int, string, error) {
	req, err := http.NewRequest(method, m.c.URL+path, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+m.key)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "load-"+m.run+"-"+strconv.FormatInt(m.seq.Add(1), 10))
	}
	return m.c.do(req, keep)
}

// request is the i-th call of the mix, of twenty: four payments, six risk
// assessments, two ACH transfers and eight reads.
func (m *apiMix) request(rng *rand.Rand, i int64) (method, path, body string, want int) {
	method, want = http.MethodGet, http.StatusOK
	switch i % 20 {
	case 0, 5, 10, 15:
		method, path, body, want = http.MethodPost, "/api/v1/payments", m.paymentBody(i), http.StatusCreated
	case 1, 4, 8, 11, 14, 18:
		method, path, body = http.MethodPost, "/api/v1/risk/assessments", m.eventBody(rng, i)
	case 2, 12:
		method, path, want = http.MethodPost, "/api/v1/transfers", http.StatusCreated
		body = `{"bank_account": "` + m.accounts[i/10%int64(len(m.accounts))] + `", "direction": "credit", "amount": ` + strconv.FormatInt(100+i%900, 10) + `, "sec_code": "PPD", "description": "PAYOUT"}`
	case 3, 13:
		path = "/api/v1/payments?limit=20"
	case 6, 16:
		path = "/api/v1/payments/" + m.payment
	case 7, 17:
		path = "/api/v1/risk/assessments/" + m.event
	case 9:
		path = "/api/v1/transfers?limit=20"
	case 19:
		path = "/api/v1/audit/entries?limit=20"
	}
	return method, path, body, want
}

// name names the kind (i % 20) of call, for logSlowest.
func (m *apiMix) name(kind int) string {
	method, path, _, _ := m.request(rand.New(rand.NewPCG(0, 0)), int64(kind))
	return method + " " + path
}

// next makes the i-th call, counting a transport error or an unexpected
// status.
func (m *apiMix) next(rng *rand.Rand, i int64, lat *latencies, errs *errorLog) {
	method, path, body, want := m.request(rng, i)
	t0 := time.Now()
	status, _, err := m.call(method, path, body, false)
	lat.add(int(i%20), time.Since(t0))
	if err != nil || status != want {
		errs.add("%s %s = %d %v", method, path, status, err)
	}
}

// BenchmarkAPIMix is b.N API calls of the mix (apiMix.request) over loopback
// from loadWorkers() clients at once, with one key (API_RATE_LIMIT raised
// for it, see startLoadConsole). Payments go through to stripe-mock, which
// the console starts in test mode. Targets: p99 ≤ 10 ms; no errors.
//
//	go test -run '^$' -bench APIMix -benchtime 5000x ./web/
func BenchmarkAPIMix(b *testing.B) {
	c := startLoadConsole(b)
	m := newAPIMix(b, c, "erin.hale")
	var errs errorLog
	var next atomic.Int64
	b.ResetTimer()
	lat, elapsed := runWorkers(b.N, func(w int, lat *latencies) bool {
		i := next.Add(1) - 1
		if i >= int64(b.N) {
			return false
		}
		m.next(rand.New(rand.NewPCG(uint64(i), uint64(w))), i, lat, &errs)
		return true
	})
	b.StopTimer()
	lat.logSlowest(b, m.name)
	b.ReportMetric(float64(len(lat.all))/elapsed.Seconds(), "req/s")
	pgtest.ReportLatency(b, lat.all, 0)
	errs.report(b)
}

// BenchmarkSoak runs the page mix, with an API call for every tenth view,
// for SOAK_DURATION (default 1m; b.N is ignored, run it with -benchtime
// 1x) after a 10 s warm-up, and checks that memory stays steady: the
// heap in use (HeapAlloc after a GC) and the goroutines at the start and
// at the end, each sampled with the clients paused between requests.
// The console runs in this process, so the heap is the server's plus the
// clients' (whose part is small and does not grow). Targets: no errors;
// heap growth ≤ 10 %; no goroutine growth.
//
//	SOAK_DURATION=10m go test -run '^$' -bench Soak -benchtime 1x -timeout 30m ./web/
func BenchmarkSoak(b *testing.B) {
	d := time.Minute
	if s := os.Getenv("SOAK_DURATION"); s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d <= 0 {
			b.Fatalf("SOAK_DURATION=%q is not a duration", s)
		}
	}
	const warmUp = 10 * time.Second
	c := startLoadConsole(b)
	mix := pageMix(b, c)
	m := newAPIMix(b, c, "farid.haddad")
	var errs errorLog
	var views atomic.Int64
	var next, pages atomic.Int64
	var pause sync.RWMutex // held for writing while a sample is taken
	var measuring atomic.Bool
	stop := make(chan struct{})
	type sample struct {
		heap       uint64
		goroutines int
	}
	take := func() sample {
		pause.Lock()
		defer pause.Unlock()
		c.client.CloseIdleConnections() // the server's connection goroutines end with them
		// The fewest goroutines over a second: a job or timer that happens
		// to run at one instant is not growth.
		goroutines := runtime.NumGoroutine()
		for range 10 {
			time.Sleep(100 * time.Millisecond)
			goroutines = min(goroutines, runtime.NumGoroutine())
		}
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return sample{ms.HeapAlloc, goroutines}
	}
	// Both samples are taken here, with the workers alive and paused, so
	// that the clients' goroutines count the same in each.
	var start, end sample
	go func() {
		time.Sleep(warmUp)
		start = take()
		measuring.Store(true)
		time.Sleep(d)
		measuring.Store(false)
		end = take()
		close(stop)
	}()
	b.ResetTimer()
	runWorkers(0, func(w int, lat *latencies) bool {
		select {
		case <-stop:
			return false
		default:
		}
		pause.RLock()
		defer pause.RUnlock()
		i := next.Add(1) - 1
		lat.all, lat.lists, lat.kinds = lat.all[:0], lat.lists[:0], lat.kinds[:0] // only the errors and counts matter here
		if i%10 == 9 {
			m.next(rand.New(rand.NewPCG(uint64(i), uint64(w))), i/10, lat, &errs)
			return true
		}
		c.visit(0, mix[pages.Add(1)%int64(len(mix))], lat, &errs)
		if measuring.Load() {
			views.Add(1)
		}
		return true
	})
	b.StopTimer()
	mb := func(n uint64) float64 { return float64(n) / (1 << 20) }
	b.ReportMetric(float64(views.Load()), "views")
	b.ReportMetric(mb(start.heap), "heap-start-MB")
	b.ReportMetric(mb(end.heap), "heap-end-MB")
	b.ReportMetric(100*(float64(end.heap)-float64(start.heap))/float64(start.heap), "heap-growth-pct")
	b.ReportMetric(float64(end.goroutines-start.goroutines), "goroutine-growth")
	errs.report(b)
}

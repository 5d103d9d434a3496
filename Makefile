# tslogs: typed Tailscale log decoders generated from Panther's schemas.
#
#   make demo      the bundled sample: stats, rows and report (piped: the rows)
#   make test      everything CI checks: lint, generated code current, tests
#   make generate  regenerate tailscale/*_gen.go from schemas/*.yml
#   make fuzz      run each fuzz target for FUZZTIME (default 30s)
#   make bench     every decoder against every serious Go JSON decoder (bench/)
#   make bench-parse  tslogs parse/validate/stats end to end on a 100 MB stream, 1 core and all
#   make bench-encode the generated encoders against encoding/json, goccy, easyjson
#   make loadtest  bounded load test of tslogs serve on loopback
#   make chaos     the receiver's chaos suite (part of make test)
#   make test-browser  the HTML report rendered in headless chromium
#   make test-cloud  the tests with real heavy components (DuckDB, an S3 server)

GO       ?= go
FUZZTIME ?= 30s
BENCHTIME ?= 1s
COUNT    ?= 6

export PATH := $(PATH):/usr/local/go/bin:$(shell $(GO) env GOPATH 2>/dev/null)/bin

# No "Entering directory" lines, even when make runs make: make demo's
# standard output must stay pure NDJSON when piped.
MAKEFLAGS += --no-print-directory

.PHONY: all demo samples report-screenshot test-browser build generate test unit race chaos check fuzz bench bench-report bench-decode bench-encode bench-check bench-parse loadtest clean test-cloud

all: test

# demo: the bundled sample, as a first look. On a terminal: the stats
# summary, then where the rows and the report went (out/). Piped, as in
# make demo | jq ., standard output is the rows alone, NDJSON.
DEMO_IN = testdata/sample/network.log testdata/sample/audit.log
demo:
	@$(GO) build -o bin/tslogs ./cmd/tslogs
	@if [ -t 1 ]; then \
		mkdir -p out && \
		bin/tslogs stats $(DEMO_IN) && \
		bin/tslogs parse -o out/demo-rows.ndjson $(DEMO_IN) && \
		bin/tslogs report -o out/demo-report.html --title "tslogs demo: the bundled sample" $(DEMO_IN) 2>/dev/null && \
		printf '\nRows:   out/demo-rows.ndjson (%s Panther-style rows, NDJSON)\n' "$$(wc -l < out/demo-rows.ndjson | tr -d ' ')" && \
		printf 'Report: out/demo-report.html (open it in a browser)\n' && \
		printf 'Piped, make demo writes the rows to standard output: make demo | jq .\n'; \
	else \
		bin/tslogs parse $(DEMO_IN); \
	fi

build:
	$(GO) build -o bin/tslogs ./cmd/tslogs

# samples: rewrite testdata/sample/ with tslogs synth (deterministic: the
# same command always writes the same bytes). network-api.json wraps bare
# records in a REST API response.
SAMPLE = testdata/sample
samples:
	$(GO) build -o bin/tslogs ./cmd/tslogs
	bin/tslogs synth --log-type network --records 300 --seed 1 -o $(SAMPLE)/network.log
	bin/tslogs synth --log-type audit --records 150 --seed 1 -o $(SAMPLE)/audit.log
	bin/tslogs synth --log-type audit --records 30 --seed 3 --bare -o $(SAMPLE)/audit-export.ndjson
	{ printf '{"version":"1.1","tailnetId":"example.com","logs":['; \
	  bin/tslogs synth --log-type network --records 40 --seed 4 --bare | paste -sd, -; \
	  printf ']}\n'; } > $(SAMPLE)/network-api.json

generate:
	$(GO) generate ./...

# check: static checks and that generated code matches the schemas.
check:
	@echo "== go vet"; $(GO) vet ./...
	@echo "== gofmt"; out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@echo "== go mod tidy"; $(GO) mod tidy -diff
	@echo "== builds for macOS and Windows"; GOOS=darwin $(GO) build ./... && GOOS=windows $(GO) build ./...
	@echo "== generated code current"; $(GO) generate ./... && \
		if git rev-parse --git-dir >/dev/null 2>&1; then git diff --exit-code -- '*_gen.go' || \
		{ echo "generated code is stale: run make generate and commit"; exit 1; }; fi

# unit runs every test; race runs the packages with concurrency or unsafe
# code again under the race detector (-short keeps the big inputs small).
unit:
	$(GO) test -count=1 ./...

race:
	$(GO) test -race -short -count=1 ./jlex/... ./internal/stream/... ./internal/serve/... ./tailscale/... ./cmd/...

test: check unit race chaos bench-check

# chaos: the receiver's chaos suite, bounded (about a minute) and on
# loopback: kill -9 and restart loops of the real binary under concurrent
# senders; faults in each file in turn (ENOSPC on a tmpfs and chattr +i when
# root, EIO through the injection seam, a directory replaced by a file);
# two receivers sharing OUT; the clock set back across restarts; the peak
# RSS of hostile and maximum-size bodies. Every run compares the
# acknowledged records with the rows on disk. It prints its figures (lines
# "chaos:") and, on failure, the end of the log.
chaos:
	@log=$$(mktemp); TSLOGS_CHAOS=1 $(GO) test -count=1 -v -timeout 5m -run '^TestChaos' ./internal/serve ./cmd/tslogs >$$log 2>&1; st=$$?; \
	grep -E '^(--- |ok |FAIL|panic)|chaos:|skipped:' $$log | sed -e 's/^ *//'; \
	if [ $$st -ne 0 ]; then echo "== end of the chaos log"; tail -150 $$log; fi; rm -f $$log; exit $$st

FUZZ_TARGETS = \
	./tailscale:FuzzNetworkRoundTrip \
	./tailscale:FuzzAuditRoundTrip \
	./gen/internal/everything:FuzzEverythingRoundTrip \
	./gen/internal/everything:FuzzNamingRoundTrip \
	./gen/internal/everything:FuzzWebAccessRoundTrip \
	./tailscale:FuzzNetwork \
	./tailscale:FuzzAudit \
	./gen/internal/everything:FuzzWebAccess \
	./internal/stream:FuzzScanner

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

# bench: every decoder on every corpus (the nested module bench/, whose
# peers stay out of tslogs' go.mod); bench-report reruns it interleaved, with
# tslogs' end-to-end benchmarks on one core and on all, and writes
# docs/benchmarks.md and docs/benchmarks.png (~15 minutes on 2 cores).
bench:
	cd bench && $(GO) test -run '^$$' -bench . -benchmem -benchtime 200ms -count $(COUNT)

bench-report:
	cd bench && $(GO) run ./cmd/benchreport

# bench-decode: the quick in-package comparison (tslogs, encoding/json,
# goccy/go-json on one network and one audit record).
bench-decode:
	$(GO) test ./tailscale -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count $(COUNT)

# bench-encode: AppendJSON and MarshalJSON against encoding/json, goccy/go-json
# and easyjson Marshal on 2,000 distinct network and 2,000 audit records, in
# COUNT interleaved rounds (each runs every encoder once), wall and CPU time,
# summarized by benchstat; the raw output goes to bench/results/encode.txt.
bench-encode:
	cd bench && $(GO) test -run '^TestSameEncoding$$' -count=1 . && $(GO) test -c -o encode.test . && \
	: > results/encode.txt && for i in $$(seq $(COUNT)); do \
		BENCH_CORPUS_READY=1 ./encode.test -test.run '^$$' -test.bench '^BenchmarkEncode$$' -test.benchmem \
			-test.benchtime $(BENCHTIME) >> results/encode.txt || exit 1; \
	done; rm -f encode.test; $(GO) run golang.org/x/perf/cmd/benchstat -col /enc results/encode.txt

# bench-check: the benchmark module builds, is tidy, and every peer decodes
# the corpora to the same values as tslogs (no timing).
bench-check:
	cd bench && $(GO) vet ./... && $(GO) mod tidy -diff && $(GO) test -count=1 ./...

# bench-parse: tslogs parse, validate and stats end to end on a 100 MB
# synthetic network stream, with --jobs 1 on one core, then on every core.
bench-parse:
	GOMAXPROCS=1 $(GO) test ./cmd/tslogs -run '^$$' -bench 'EndToEnd/.*/jobs=1$$' -benchmem -benchtime 3x -count 3
	$(GO) test ./cmd/tslogs -run '^$$' -bench 'EndToEnd/.*/jobs=all$$' -benchmem -benchtime 3x -count 3

loadtest:
	$(GO) run ./cmd/tslogs/loadtest

# test-browser: tslogs report's page rendered by a real browser (Debian's
# chromium, headless): its script runs without errors and it draws.
# report-screenshot rewrites docs/report.png, the README's picture, from it.
test-browser:
	TSLOGS_BROWSER_TEST=1 $(GO) test -count=1 -run Browser ./internal/report

report-screenshot:
	TSLOGS_BROWSER_TEST=1 $(GO) test -count=1 -run BrowserRendersReport ./internal/report -screenshot $(CURDIR)/docs/report.png

# test-cloud: the nested module cloudtest, whose tests need real heavy
# components: DuckDB (cgo, through github.com/duckdb/duckdb-go/v2) reading
# the Parquet tslogs writes, and versitygw, an S3-compatible server
# installed here from the Go module proxy and started by the tests on
# loopback. CI runs it after make test.
VERSITYGW_VERSION ?= v1.8.0
CLOUD_BIN := $(CURDIR)/.cache/bin

test-cloud:
	GOBIN=$(CLOUD_BIN) $(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION)
	cd cloudtest && $(GO) vet ./... && $(GO) mod tidy -diff && \
		TSLOGS_S3_SERVER=$(CLOUD_BIN)/versitygw $(GO) test -count=1 -timeout 10m ./...

clean:
	rm -rf bin

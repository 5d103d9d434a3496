# tslogs: typed Tailscale log decoders generated from Panther's schemas.
#
#   make demo      parse the bundled sample into Panther-style rows
#   make test      everything CI checks: lint, generated code current, tests
#   make generate  regenerate tailscale/*_gen.go from schemas/*.yml
#   make fuzz      run each fuzz target for FUZZTIME (default 30s)
#   make bench     every decoder against every serious Go JSON decoder (bench/)
#   make bench-parse  tslogs parse end to end on a 100 MB stream, one core
#   make loadtest  bounded load test of tslogs serve on loopback
#   make test-cloud  the tests with real heavy components (DuckDB, an S3 server)

GO       ?= go
FUZZTIME ?= 30s
BENCHTIME ?= 1s
COUNT    ?= 6

export PATH := $(PATH):/usr/local/go/bin:$(shell $(GO) env GOPATH 2>/dev/null)/bin

.PHONY: all demo build generate test unit race check fuzz bench bench-report bench-decode bench-check bench-parse loadtest clean test-cloud

all: test

demo:
	$(GO) run ./cmd/tslogs parse testdata/sample/network.log testdata/sample/audit.log

build:
	$(GO) build -o bin/tslogs ./cmd/tslogs

generate:
	$(GO) generate ./...

# check: static checks and that generated code matches the schemas.
check:
	@echo "== go vet"; $(GO) vet ./...
	@echo "== gofmt"; out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@echo "== go mod tidy"; $(GO) mod tidy -diff
	@echo "== generated code current"; $(GO) generate ./... && \
		if git rev-parse --git-dir >/dev/null 2>&1; then git diff --exit-code -- '*_gen.go' || \
		{ echo "generated code is stale: run make generate and commit"; exit 1; }; fi

# unit runs every test; race runs the packages with concurrency or unsafe
# code again under the race detector (-short keeps the big inputs small).
unit:
	$(GO) test -count=1 ./...

race:
	$(GO) test -race -short -count=1 ./jlex/... ./internal/stream/... ./internal/serve/... ./tailscale/... ./cmd/...

test: check unit race bench-check

FUZZ_TARGETS = \
	./tailscale:FuzzNetwork \
	./tailscale:FuzzAudit \
	./internal/stream:FuzzScanner

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

# bench: every decoder on every corpus (the nested module bench/, whose
# peers stay out of tslogs' go.mod); bench-report reruns it interleaved and
# writes docs/benchmarks.md and docs/benchmarks.png (~10 minutes).
bench:
	cd bench && $(GO) test -run '^$$' -bench . -benchmem -benchtime 200ms -count $(COUNT)

bench-report:
	cd bench && $(GO) run ./cmd/benchreport

# bench-decode: the quick in-package comparison (tslogs, encoding/json,
# goccy/go-json on one network and one audit record).
bench-decode:
	$(GO) test ./tailscale -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count $(COUNT)

# bench-check: the benchmark module builds, is tidy, and every peer decodes
# the corpora to the same values as tslogs (no timing).
bench-check:
	cd bench && $(GO) vet ./... && $(GO) mod tidy -diff && $(GO) test -count=1 ./...

# bench-parse: tslogs parse and validate end to end on a 100 MB synthetic
# network stream, on one core.
bench-parse:
	GOMAXPROCS=1 $(GO) test ./cmd/tslogs -run '^$$' -bench EndToEnd -benchmem -benchtime 3x -count 3

loadtest:
	$(GO) run ./cmd/tslogs/loadtest

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

// Package bench compares tslogs' decoders with the other Go JSON decoders
// on synthetic Tailscale logs. It is a separate module so that the peers
// stay out of tslogs' own go.mod.
//
// The benchmarks and the test that every decoder produces the same values
// are in the _test.go files; cmd/benchreport runs them and writes
// docs/benchmarks.md and docs/benchmarks.png. The corpora are written into
// testdata/corpus/ by tslogs synth on first use (see package corpus).
//
//	go test -run '^$' -bench . -benchmem            # all benchmarks
//	go test -run TestSameValues                     # the equality test
//	GOEXPERIMENT=jsonv2 go test -bench 'Decode//dec=jsonv2' # encoding/json/v2
//	go run ./cmd/benchreport                        # the report
package bench

// Command benchreport runs the bench module's decoder benchmarks and writes
// docs/benchmarks.md (tables with medians and 95% confidence intervals
// computed with golang.org/x/perf's benchmath, benchstat's statistics) and
// docs/benchmarks.png (MB/s per decoder on distinct realistic records), and
// tslogs' end-to-end benchmarks (cmd/tslogs BenchmarkEndToEnd: parse,
// validate and stats on one core and on all).
//
// Run it from the bench module:
//
//	go run ./cmd/benchreport                      # the full report (~15 min on 2 cores)
//	go run ./cmd/benchreport -count 3 -benchtime 50ms -bench 'corpus=net30'
//	go run ./cmd/benchreport -from results/benchmarks.txt   # render again
//
// It first runs the equality test (TestSameValues), with and without
// GOEXPERIMENT=jsonv2, then builds two test binaries, the second with
// GOEXPERIMENT=jsonv2 for encoding/json/v2, and runs them -count times in
// turn with -test.count 1, so every decoder's runs are spread over the
// whole run rather than back to back; the end-to-end benchmarks run in the
// same rounds, once with GOMAXPROCS=1 and --jobs 1, once on every core.
// The raw output goes to
// results/benchmarks.txt, which benchstat reads as is.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/tslogs/tslogs/bench/corpus"
)

func main() {
	count := flag.Int("count", 10, "runs of each benchmark")
	benchtime := flag.String("benchtime", "200ms", "go test -benchtime")
	bench := flag.String("bench", ".", "go test -bench pattern for the main binary")
	jsonv2 := flag.Bool("jsonv2", true, "also benchmark encoding/json/v2 (GOEXPERIMENT=jsonv2)")
	benchv2 := flag.String("bench-jsonv2", jsonv2Bench, "go test -bench pattern for the GOEXPERIMENT=jsonv2 binary")
	e2e := flag.String("e2e", "2x", "go test -benchtime of tslogs' end-to-end benchmarks (cmd/tslogs BenchmarkEndToEnd, 100 MB per op); empty: leave them out")
	from := flag.String("from", "", "render this raw benchmark output instead of running")
	raw := flag.String("raw", "results/benchmarks.txt", "where to write the raw benchmark output")
	md := flag.String("md", "../docs/benchmarks.md", "Markdown report to write")
	png := flag.String("png", "../docs/benchmarks.png", "chart to write")
	regen := flag.Bool("regen", false, "write the corpora again even when they are current")
	flag.Parse()
	log := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "benchreport: "+format+"\n", a...)
	}

	dir, err := moduleDir()
	if err != nil {
		log("%v", err)
		os.Exit(1)
	}
	if err := os.Chdir(dir); err != nil {
		log("%v", err)
		os.Exit(1)
	}
	if err := corpus.Ensure(filepath.Join("testdata", "corpus"), *regen, os.Stderr); err != nil {
		log("%v", err)
		os.Exit(1)
	}
	mach := machineInfo()

	var output []byte
	run := runInfo{Count: *count, Benchtime: *benchtime, JSONv2: *jsonv2}
	if *from != "" {
		if output, err = os.ReadFile(*from); err != nil {
			log("%v", err)
			os.Exit(1)
		}
		if !readMeta(output, &mach, &run) {
			run.From = *from
			if fi, err := os.Stat(*from); err == nil {
				mach.Date = fi.ModTime()
			}
		}
	} else {
		start := time.Now()
		if output, err = runBenchmarks(*count, *benchtime, *bench, *benchv2, *jsonv2, *e2e, log); err != nil {
			log("%v", err)
			os.Exit(1)
		}
		run.Duration = time.Since(start)
		mach.LoadEnd = loadAvg()
		output = appendMeta(output, mach, run)
		if err := os.MkdirAll(filepath.Dir(*raw), 0o755); err != nil {
			log("%v", err)
			os.Exit(1)
		}
		if err := os.WriteFile(*raw, output, 0o644); err != nil {
			log("%v", err)
			os.Exit(1)
		}
		log("raw output: %s", *raw)
	}

	res, err := parse(output)
	if err != nil {
		log("%v", err)
		os.Exit(1)
	}
	info, err := corpusInfo()
	if err != nil {
		log("%v", err)
		os.Exit(1)
	}
	run.Versions = moduleVersions()
	doc := report(res, info, mach, run, filepath.Base(*png))
	if err := os.WriteFile(*md, []byte(doc), 0o644); err != nil {
		log("%v", err)
		os.Exit(1)
	}
	log("wrote %s", *md)
	img, err := chart(res, chartCorpus, info[chartCorpus])
	if err != nil {
		log("chart: %v", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*png, img, 0o644); err != nil {
		log("%v", err)
		os.Exit(1)
	}
	log("wrote %s", *png)
}

// moduleDir returns the bench module's directory, from the current one.
func moduleDir() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run benchreport inside the bench module")
	}
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	if !bytes.Contains(data, []byte("module github.com/tslogs/tslogs/bench")) {
		return "", fmt.Errorf("%s is not the bench module: run benchreport in bench/", gomod)
	}
	return filepath.Dir(gomod), nil
}

// jsonv2Bench selects what the GOEXPERIMENT=jsonv2 binary runs: only what
// differs from the main binary.
const jsonv2Bench = "Decode//dec=(jsonv2|encoding-json-v2engine)/"

func runBenchmarks(count int, benchtime, bench, benchv2 string, jsonv2 bool, e2e string, log func(string, ...any)) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "benchreport")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	type binary struct {
		name, path, bench string
		env               []string
		benchtime         string // "" for benchtime
	}
	bins := []binary{{name: "main", path: filepath.Join(tmp, "bench.test"), bench: bench}}
	if jsonv2 {
		bins = append(bins, binary{name: "jsonv2", path: filepath.Join(tmp, "bench-jsonv2.test"),
			bench: benchv2, env: []string{"GOEXPERIMENT=jsonv2"}})
	}
	for _, b := range bins {
		log("%s: equality test", b.name)
		if err := goCmd(b.env, os.Stderr, "test", "-count", "1", "-run", "TestSameValues", "."); err != nil {
			return nil, fmt.Errorf("%s: equality test failed: %w", b.name, err)
		}
		if err := goCmd(b.env, os.Stderr, "test", "-c", "-o", b.path, "."); err != nil {
			return nil, fmt.Errorf("%s: building the test binary: %w", b.name, err)
		}
	}
	if e2e != "" {
		// tslogs parse, validate and stats end to end (the main module's
		// cmd/tslogs): with --jobs 1 on one core (GOMAXPROCS=1), and on
		// every core.
		path := filepath.Join(tmp, "tslogs.test")
		log("end to end: building %s", path)
		if err := goCmd(nil, os.Stderr, "test", "-c", "-o", path, "../cmd/tslogs"); err != nil {
			return nil, fmt.Errorf("end to end: building the test binary: %w", err)
		}
		bins = append(bins,
			binary{name: "end-to-end, 1 core", path: path, bench: "EndToEnd/.*/jobs=1$", env: []string{"GOMAXPROCS=1"}, benchtime: e2e},
			binary{name: "end-to-end, all cores", path: path, bench: "EndToEnd/.*/jobs=all$", benchtime: e2e})
	}
	var out bytes.Buffer
	start := time.Now()
	for i := 1; i <= count; i++ {
		for _, b := range bins {
			log("run %d/%d: %s (%s elapsed)", i, count, b.name, time.Since(start).Round(time.Second))
			bt := benchtime
			if b.benchtime != "" {
				bt = b.benchtime
			}
			cmd := exec.Command(b.path, "-test.run", "^$", "-test.bench", b.bench, "-test.benchmem",
				"-test.benchtime", bt, "-test.count", "1", "-test.timeout", "0")
			cmd.Env = append(os.Environ(), append(b.env, "BENCH_CORPUS_READY=1")...)
			cmd.Stdout = &out
			cmd.Stderr = os.Stderr
			if err := cmd.Run(); err != nil {
				return nil, fmt.Errorf("%s: %w", b.name, err)
			}
		}
	}
	return out.Bytes(), nil
}

func goCmd(env []string, stderr io.Writer, args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), append(env, "BENCH_CORPUS_READY=1")...)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	return cmd.Run()
}

// metaPrefix starts the line at the end of the raw output that records the
// machine and the run, so that -from renders the same report. benchstat
// ignores it.
const metaPrefix = "# benchreport: "

type meta struct {
	Machine machine
	Run     runInfo
}

func appendMeta(output []byte, m machine, r runInfo) []byte {
	b, _ := json.Marshal(meta{m, r})
	return append(append(append(output, metaPrefix...), b...), '\n')
}

// readMeta restores the machine and run from output's meta line.
func readMeta(output []byte, m *machine, r *runInfo) bool {
	i := bytes.LastIndex(output, []byte(metaPrefix))
	if i < 0 {
		return false
	}
	line, _, _ := bytes.Cut(output[i+len(metaPrefix):], []byte("\n"))
	var x meta
	if json.Unmarshal(line, &x) != nil {
		return false
	}
	*m, *r = x.Machine, x.Run
	return true
}

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tslogs/tslogs/internal/synth"
)

// benchCorpusSize is the size of the synthetic network stream the end-to-end
// benchmarks read: at least 100 MB, as issue 3 asks.
const benchCorpusSize = 100 << 20

var (
	benchCorpusOnce sync.Once
	benchCorpusPath string
	benchCorpusRecs int
	benchCorpusErr  error
)

// benchCorpus writes the corpus once per test binary run, in a temporary
// directory removed when the benchmarks end (TestMain).
func benchCorpus(b *testing.B) (string, int) {
	benchCorpusOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tslogs-bench-")
		if err != nil {
			benchCorpusErr = err
			return
		}
		cleanups = append(cleanups, func() { os.RemoveAll(dir) })
		benchCorpusPath = filepath.Join(dir, "network.log")
		f, err := os.Create(benchCorpusPath)
		if err != nil {
			benchCorpusErr = err
			return
		}
		w := bufio.NewWriterSize(f, 1<<20)
		_, benchCorpusRecs, benchCorpusErr = synth.WriteSize(w, synth.Options{Kind: synth.Network, Seed: 1}, benchCorpusSize)
		if err := w.Flush(); benchCorpusErr == nil {
			benchCorpusErr = err
		}
		if err := f.Close(); benchCorpusErr == nil {
			benchCorpusErr = err
		}
	})
	if benchCorpusErr != nil {
		b.Fatal(benchCorpusErr)
	}
	return benchCorpusPath, benchCorpusRecs
}

// BenchmarkEndToEnd runs tslogs parse (with and without p_enrichment),
// validate and stats end to end on a 100 MB synthetic network stream read
// from a file, writing to io.Discard (as to /dev/null): reading, framing,
// decoding, rows and buffered output, with --jobs 1 and with every core;
// and parse --format parquet (with and without p_enrichment) to a temporary
// directory, which reads on one core: the same reading and decoding, then
// Parquet files (zstd, partitioned by hour, renamed into place when
// complete) instead of NDJSON rows. parse-file is parse with its rows written
// to a file in a temporary directory (-o), as a user keeps them: the same
// disk as the Parquet files, so that the two formats compare like for like
// (io.Discard leaves out writing 2.5 times the input's bytes).
//
//	BenchmarkEndToEnd/cmd=parse|parse-plain|validate|stats/jobs=1|all
//	BenchmarkEndToEnd/cmd=parse-file|parquet|parquet-plain/jobs=1
//	BenchmarkEndToEnd/cmd=parse-ideal/jobs=all
//
// parse-ideal is the ceiling the machine sets on parse's all-cores run:
// GOMAXPROCS independent `parse --jobs 1`, at once, each on its own part of
// the stream (split between records), with nothing shared and nothing put
// back in order. Its wall time over parse's 1-core one is the best that
// every core can give this work here (a second vCPU of a shared machine may
// give much less than a second core's worth).
//
// Besides go test's figures it reports the process' CPU time per op
// (cpu-ns/op, every thread), records/s and cpu-MB/s.
func BenchmarkEndToEnd(b *testing.B) {
	for _, c := range []struct {
		name string
		args []string
	}{
		{"parse", []string{"parse"}},
		{"parse-plain", []string{"parse", "--enrich=false"}},
		{"validate", []string{"validate"}},
		{"stats", []string{"stats"}},
		{"parse-file", []string{"parse"}},
		{"parquet", []string{"parse", "--format", "parquet"}},
		{"parquet-plain", []string{"parse", "--format", "parquet", "--enrich=false"}},
		{"parse-ideal", []string{"parse"}},
	} {
		for _, jobs := range []string{"1", "all"} {
			parquet := strings.HasPrefix(c.name, "parquet")
			file := c.name == "parse-file"
			if (parquet || file) && jobs == "all" {
				continue
			}
			if c.name == "parse-ideal" && jobs == "1" {
				continue
			}
			b.Run("cmd="+c.name+"/jobs="+jobs, func(b *testing.B) {
				j := runtime.GOMAXPROCS(0)
				if jobs == "1" {
					j = 1
				}
				args := append(append([]string(nil), c.args...), fmt.Sprintf("--jobs=%d", j))
				switch {
				case c.name == "parse-ideal":
					benchIdeal(b, j, "parse", "--jobs=1")
					return
				case parquet:
					args = append(args, "--out", b.TempDir())
				case file:
					args = append(args, "-o", filepath.Join(b.TempDir(), "rows.ndjson"))
				}
				benchCommand(b, args...)
			})
		}
	}
}

func benchCommand(b *testing.B, args ...string) {
	path, recs := benchCorpus(b)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	var errs strings.Builder
	cpu0 := cpuTime()
	for b.Loop() {
		if code := run(append(args, path), io.Discard, &errs); code != exitOK {
			b.Fatalf("exit %d: %s", code, errs.String())
		}
	}
	reportRun(b, recs, st.Size(), cpu0)
}

// reportRun reports, for a benchmark of recs records and size bytes per op
// begun at CPU time cpu0, records/s, the process' CPU time per op and the
// bytes per CPU second.
func reportRun(b *testing.B, recs int, size int64, cpu0 time.Duration) {
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(recs)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(size)*float64(b.N)/1e6/cpu.Seconds(), "cpu-MB/s")
}

// benchIdeal runs n copies of the command given by args at once, each on
// its own n-th of the corpus, split between records.
func benchIdeal(b *testing.B, n int, args ...string) {
	path, recs := benchCorpus(b)
	parts, size, err := splitCorpus(path, n)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i, part := range parts {
			wg.Go(func() {
				var stderr strings.Builder
				if code := run(append(args, part), io.Discard, &stderr); code != exitOK {
					errs[i] = fmt.Errorf("%s: exit %d: %s", part, code, stderr.String())
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	reportRun(b, recs, size, cpu0)
}

// splitCorpus writes the corpus at path as n files beside it, split where
// a record begins (the synthetic stream's records follow one another, each
// starting with its "time" key), and returns their names and total size.
func splitCorpus(path string, n int) ([]string, int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	var names []string
	start := 0
	for i := 1; i <= n; i++ {
		end := len(data)
		if i < n {
			at := bytes.Index(data[len(data)*i/n:], []byte(`}{"time":`))
			if at < 0 {
				return nil, 0, fmt.Errorf("%s: no record boundary after byte %d", path, len(data)*i/n)
			}
			end = len(data)*i/n + at + 1
		}
		name := fmt.Sprintf("%s.part%dof%d", path, i, n)
		if err := os.WriteFile(name, data[start:end], 0o644); err != nil {
			return nil, 0, err
		}
		names = append(names, name)
		start = end
	}
	return names, int64(len(data)), nil
}

// cpuTime returns the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

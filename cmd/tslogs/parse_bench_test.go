package main

import (
	"bufio"
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
	} {
		for _, jobs := range []string{"1", "all"} {
			parquet := strings.HasPrefix(c.name, "parquet")
			file := c.name == "parse-file"
			if (parquet || file) && jobs == "all" {
				continue
			}
			b.Run("cmd="+c.name+"/jobs="+jobs, func(b *testing.B) {
				j := runtime.GOMAXPROCS(0)
				if jobs == "1" {
					j = 1
				}
				args := append(append([]string(nil), c.args...), fmt.Sprintf("--jobs=%d", j))
				switch {
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
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(recs)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(st.Size())*float64(b.N)/1e6/cpu.Seconds(), "cpu-MB/s")
}

// cpuTime returns the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

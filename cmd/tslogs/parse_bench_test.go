package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

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

// BenchmarkParseEndToEnd runs tslogs parse on a 100 MB synthetic network
// stream read from a file, writing the rows to io.Discard (as to /dev/null):
// reading, framing, decoding, row encoding and buffered output.
// The rows carry p_enrichment, as parse writes them by default.
func BenchmarkParseEndToEnd(b *testing.B) { benchCommand(b, "parse") }

// BenchmarkParsePlainEndToEnd is parse --enrich=false: rows without
// p_enrichment, for the cost of the names beside BenchmarkParseEndToEnd.
func BenchmarkParsePlainEndToEnd(b *testing.B) { benchCommand(b, "parse", "--enrich=false") }

// BenchmarkValidateEndToEnd is the same reading without rows: the decode-only
// figure beside parse's.
func BenchmarkValidateEndToEnd(b *testing.B) { benchCommand(b, "validate") }

func benchCommand(b *testing.B, cmd string, flags ...string) {
	path, recs := benchCorpus(b)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	var errs strings.Builder
	for b.Loop() {
		if code := parseOrValidate(cmd, append(flags, path), os.Stdin, io.Discard, &errs); code != exitOK {
			b.Fatalf("exit %d: %s", code, errs.String())
		}
	}
	b.ReportMetric(float64(recs)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkParquetEndToEnd is parse --format parquet to a temporary
// directory: the same reading and decoding, then Parquet files (zstd,
// partitioned by hour, renamed into place when complete) instead of NDJSON
// rows. Its rows carry p_enrichment, like BenchmarkParseEndToEnd's.
func BenchmarkParquetEndToEnd(b *testing.B) { benchParquet(b) }

// BenchmarkParquetPlainEndToEnd is parse --format parquet --enrich=false,
// beside BenchmarkParsePlainEndToEnd.
func BenchmarkParquetPlainEndToEnd(b *testing.B) { benchParquet(b, "--enrich=false") }

func benchParquet(b *testing.B, flags ...string) {
	dir := b.TempDir()
	benchCommand(b, "parse", append([]string{"--format", "parquet", "--out", dir}, flags...)...)
}

package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/internal/synth"
	"github.com/tslogs/tslogs/tailscale"
)

// jobsMemoryBound is the memory bound of parse --jobs J that the README
// states: at most 2J+2 chunks in flight, each with its input (at most
// chunk + MaxRecordSize + 64 KiB, its buffer up to twice that), its rows
// and what enrichment needs of them (rowsPerByte bytes per input byte, and
// up to 1 KiB for each of at most maxChunkRecords records) and the node IDs
// its RowBatch remembers (384 KiB), and J+1 Readers (each at most
// MaxRecordSize + 64 KiB of buffer and 1 MiB of decoded record and address
// memories); the node directory comes on top (maxNodes × NodeBytesBound).
func jobsMemoryBound(jobs, chunk, maxRecord int, rowsPerByte float64) int64 {
	in := int64(chunk + maxRecord + 64<<10)
	records := int64(max(4096, chunk/64)) << 10
	perChunk := 2*in + int64(rowsPerByte*float64(in)) + records + 384<<10
	perReader := int64(maxRecord+64<<10) + 1<<20
	return int64(2*jobs+2)*perChunk + int64(jobs+1)*perReader
}

// peakHeap runs f and returns the most heap its objects took meanwhile
// beyond what they took before, sampled every half millisecond.
func peakHeap(f func()) int64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() int64 {
		metrics.Read(sample)
		return int64(sample[0].Value.Uint64())
	}
	base := read()
	var peak atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(500 * time.Microsecond):
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	return peak.Load() - base
}

// TestJobsMemoryBounded: parse --jobs 4 holds what the records in flight
// need, not the input: its peak heap stays under the stated bound, and
// reading four times the input does not raise it.
func TestJobsMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads 64 MB")
	}
	dir := t.TempDir()
	write := func(name string, size int64) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		require.NoError(t, err)
		w := bufio.NewWriterSize(f, 1<<20)
		_, _, err = synth.WriteSize(w, synth.Options{Kind: synth.Network, Seed: 11}, size)
		require.NoError(t, err)
		require.NoError(t, w.Flush())
		require.NoError(t, f.Close())
		return p
	}
	small, large := write("small.log", 16<<20), write("large.log", 64<<20)
	const jobs, chunk = 4, 256 << 10
	parallelChunkSize = chunk
	defer func() { parallelChunkSize = 0 }()
	parse := func(path string) int64 {
		return peakHeap(func() {
			var errs strings.Builder
			code := run([]string{"parse", "--jobs=4", "--max-record-size=1048576", path}, io.Discard, &errs)
			require.Equal(t, exitOK, code, errs.String())
		})
	}
	parse(small) // warm up: the first run sets up what every run shares
	pSmall, pLarge := parse(small), parse(large)
	// Rows of these records take 2.5 bytes per input byte (with
	// p_enrichment); the directory of their ~50 nodes is small.
	bound := jobsMemoryBound(jobs, chunk, 1<<20, 2.5) + 1<<20
	t.Logf("peak heap: %d bytes reading 16 MB, %d reading 64 MB; bound %d", pSmall, pLarge, bound)
	assert.Less(t, pLarge, bound)
	assert.Less(t, pLarge, pSmall+pSmall/2+4<<20, "the peak grows with the input")
}

// TestJobsMemoryBoundedSmallRecords: records far smaller than Tailscale's
// take more memory than their bytes (a row's p_* members, an error, a place
// in the chunk each): parse --jobs 4 of 4 MB of them, most of them {} and
// bad, with dead letters, stays under the README's bound for any input
// (rows and copies of at most tailscale.RowBatchBytesPerByte bytes per
// input byte, and 1 KiB for each of at most 4,096 records a chunk).
func TestJobsMemoryBoundedSmallRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 660,000 records")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "small.log")
	var in strings.Builder
	for in.Len() < 4<<20 {
		in.WriteString(`{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{"nodeId":"a"}{"time":1,"event":{"nodeId":"b","dstNodes":[{"nodeId":"c"}]}}{"time":"x"}` + "\n")
	}
	require.NoError(t, os.WriteFile(path, []byte(in.String()), 0o644))
	const jobs, chunk = 4, 256 << 10
	parallelChunkSize = chunk
	defer func() { parallelChunkSize = 0 }()
	peak := peakHeap(func() {
		var errs countingWriter
		code := run([]string{"parse", "--jobs=4", "--max-record-size=4096", "--dead-letter", filepath.Join(dir, "dead.ndjson"), path}, io.Discard, &errs)
		require.Equal(t, exitRejected, code)
		require.Positive(t, errs.n)
	})
	bound := jobsMemoryBound(jobs, chunk, 4096, tailscale.RowBatchBytesPerByte) + 1<<20
	t.Logf("peak heap: %d bytes; bound %d", peak, bound)
	assert.Less(t, peak, bound)
}

// countingWriter counts what is written to it.
type countingWriter struct{ n int }

func (w *countingWriter) Write(b []byte) (int, error) {
	w.n += len(b)
	return len(b), nil
}

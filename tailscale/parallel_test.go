package tailscale

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/internal/synth"
)

// rtChunk is ReadParallel's state in the tests: what Record saw.
type rtChunk struct {
	got  []rtGot
	meta *RowMeta
}

// rtParallelAll reads input with ReadParallel and returns what the records
// gave, as rtReadAll does, and the fatal error.
func rtParallelAll(t testing.TB, input []byte, opt ReaderOptions, jobs, chunk int) ([]rtGot, error) {
	t.Helper()
	var out []rtGot
	err := ReadParallel(bytes.NewReader(input), opt, ParallelOptions{Jobs: jobs, ChunkSize: chunk}, ParallelFuncs[*rtChunk]{
		New:   func() *rtChunk { return &rtChunk{meta: rtMeta()} },
		Reset: func(c *rtChunk) { c.got = c.got[:0] },
		Record: func(c *rtChunk, r *Reader) {
			g := rtGot{record: r.Record(), offset: r.Offset(), typ: r.LogType(), bare: r.Bare(),
				raw: bytes.Clone(r.Raw()), err: r.Err()}
			if g.err == nil {
				g.row = r.AppendRow(nil, c.meta)
			}
			c.got = append(c.got, g)
		},
		Deliver: func(c *rtChunk, first int) error {
			for i, g := range c.got {
				g.record = first + i
				out = append(out, g)
			}
			return nil
		},
	})
	return out, err
}

// rtSameInParallel checks that ReadParallel reports exactly what a Reader
// reports for input, with chunks of several sizes (down to a byte, which
// cuts records everywhere) and several goroutines.
func rtSameInParallel(t *testing.T, input []byte, opt ReaderOptions) {
	t.Helper()
	r := NewReader(bytes.NewReader(input), opt)
	want := rtReadAll(t, r)
	wantFatal := fmt.Sprint(r.Fatal())
	for _, c := range []struct{ jobs, chunk int }{{1, 1 << 20}, {2, 1}, {3, 17}, {4, 300}, {2, 4096}} {
		got, err := rtParallelAll(t, input, opt, c.jobs, c.chunk)
		rtSameRecords(t, fmt.Sprintf("%d jobs, chunks of %d bytes", c.jobs, c.chunk), want, got)
		require.Equal(t, wantFatal, fmt.Sprint(err), "%d jobs, chunks of %d bytes: fatal error", c.jobs, c.chunk)
	}
}

func rtSameRecords(t *testing.T, what string, want, got []rtGot) {
	t.Helper()
	require.Len(t, got, len(want), "%s: records", what)
	for i := range want {
		w, g := want[i], got[i]
		require.Equal(t, w.record, g.record, "%s: record %d", what, i+1)
		require.Equal(t, w.offset, g.offset, "%s: record %d offset", what, i+1)
		require.Equal(t, string(w.raw), string(g.raw), "%s: record %d raw", what, i+1)
		require.Equal(t, fmt.Sprint(w.err), fmt.Sprint(g.err), "%s: record %d error", what, i+1)
		require.Equal(t, w.typ, g.typ, "%s: record %d type", what, i+1)
		require.Equal(t, w.bare, g.bare, "%s: record %d bare", what, i+1)
		require.Equal(t, string(w.row), string(g.row), "%s: record %d row", what, i+1)
	}
}

// TestReadParallelMatrix: every framing, compression, envelope and log
// type of the reader matrix, read in parallel, gives what a Reader gives.
func TestReadParallelMatrix(t *testing.T) {
	s := rtLoadSets(t)
	recs := rtInterleave(rtInterleave(s.auditEnv, s.netEnv), rtInterleave(s.auditBare, s.netBare))
	for _, fr := range rtFramings {
		for _, cp := range rtCompressions {
			t.Run(fr.name+"/"+cp.name, func(t *testing.T) {
				plain, _ := fr.build(recs)
				rtSameInParallel(t, cp.compress(t, plain), ReaderOptions{})
				rtSameInParallel(t, cp.compress(t, plain), ReaderOptions{LogType: LogTypeNetwork})
			})
		}
	}
}

// TestReadParallelDamaged: streams damaged at random (bytes changed,
// dropped and added, so that records break, lines are cut and '}{' appears
// inside strings) read in parallel give what a Reader gives: the chunks a
// wrong guess or a bad record spoils are read again in one.
func TestReadParallelDamaged(t *testing.T) {
	var recs []rtRec
	recs = append(recs, rtSynth(t, synth.Network, false, 7, 60)...)
	recs = append(recs, rtSynth(t, synth.Audit, false, 8, 60)...)
	rng := rand.New(rand.NewPCG(3, 4))
	rng.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
	const alphabet = "\"\"{}[]\\:,\n x0}{"
	w0, s0, r0 := parallelCounts.worker.Load(), parallelCounts.sequential.Load(), parallelCounts.resync.Load()
	for round := range 40 {
		var buf bytes.Buffer
		for i, r := range recs[:20+rng.IntN(100)] {
			buf.Write(r.data)
			buf.WriteString([]string{"", "\n", "\r\n", " ", ""}[(i+round)%5])
		}
		data := buf.Bytes()
		for range rng.IntN(6) {
			k := rng.IntN(len(data))
			switch rng.IntN(4) {
			case 0:
				data[k] = alphabet[rng.IntN(len(alphabet))]
			case 1:
				data = append(data[:k], data[k+1:]...)
			case 2:
				data = append(data[:k], append([]byte(`"}{"`), data[k:]...)...)
			default:
				data = append(data[:k], append([]byte{alphabet[rng.IntN(len(alphabet))]}, data[k:]...)...)
			}
		}
		if round%7 == 3 { // an array document in the middle of the stream
			k := bytes.IndexByte(data[len(data)/2:], '{') + len(data)/2
			data = append(data[:k], append([]byte(`[`+string(recs[0].data)+`,`+string(recs[1].data)+`]`), data[k:]...)...)
		}
		rtSameInParallel(t, data, ReaderOptions{})
	}
	// Both ways of reading were taken.
	require.Positive(t, parallelCounts.worker.Load()-w0, "chunks read by workers")
	require.Positive(t, parallelCounts.sequential.Load()-s0, "input read on from a spoilt chunk")
	require.Positive(t, parallelCounts.resync.Load()-r0, "chunks read by workers again after that")
}

// TestReadParallelFatal: an I/O error, a decompression error and the
// MaxDecompressed limit end reading in parallel where they end a Reader,
// with the same error.
func TestReadParallelFatal(t *testing.T) {
	recs := rtSynth(t, synth.Network, false, 9, 200)
	plain, _ := rtFramings[1].build(recs)
	boom := errors.New("boom")
	for _, n := range []int{0, 1, len(plain) / 3, len(plain) - 1} {
		in := io.MultiReader(bytes.NewReader(plain[:n]), &rtErrReader{err: boom})
		r := NewReader(in, ReaderOptions{})
		want := rtReadAll(t, r)
		wantFatal := fmt.Sprint(r.Fatal())
		require.Contains(t, wantFatal, "boom")
		in = io.MultiReader(bytes.NewReader(plain[:n]), &rtErrReader{err: boom})
		var got []rtGot
		err := ReadParallel(in, ReaderOptions{}, ParallelOptions{Jobs: 3, ChunkSize: 1000}, ParallelFuncs[*rtChunk]{
			New:   func() *rtChunk { return &rtChunk{meta: rtMeta()} },
			Reset: func(c *rtChunk) { c.got = c.got[:0] },
			Record: func(c *rtChunk, r *Reader) {
				c.got = append(c.got, rtGot{offset: r.Offset(), raw: bytes.Clone(r.Raw()), err: r.Err(), typ: r.LogType()})
			},
			Deliver: func(c *rtChunk, first int) error {
				for i, g := range c.got {
					g.record = first + i
					got = append(got, g)
				}
				return nil
			},
		})
		require.Len(t, got, len(want), "cut at %d", n)
		require.Equal(t, wantFatal, fmt.Sprint(err), "cut at %d", n)
	}
	gz := rtGzip(t, plain)
	rtSameInParallel(t, gz[:len(gz)/2], ReaderOptions{})
	rtSameInParallel(t, plain, ReaderOptions{MaxDecompressed: int64(len(plain) / 2)})
	rtSameInParallel(t, []byte("\x1f\x8bnot gzip"), ReaderOptions{})
}

// TestReadParallelSmallRecords: a chunk of records smaller than 64 bytes on
// average (a hostile input of {} and bare {"nodeId":"a"}, which take more
// memory as rows, errors and places in a chunk than as bytes) is not
// delivered whole: a worker stops after maxChunkRecords of them and the
// caller's goroutine reads the chunk again, delivering at most seqBatch
// records at a time, or a chunk's size of input. What is read is what a
// Reader reads, and the chunks of ordinary records in between are read by
// the workers again.
func TestReadParallelSmallRecords(t *testing.T) {
	const chunk = 64 << 10
	var in bytes.Buffer
	for part := range 3 {
		// Two chunks of small records: about 7,700 of them in a chunk.
		for end := in.Len() + 2*chunk; in.Len() < end; {
			in.WriteString(`{}{"nodeId":"a"}` + "\n")
		}
		// Ordinary records, over two chunks.
		g := synth.New(synth.Options{Kind: synth.Network, Seed: uint64(part)})
		for end := in.Len() + 2*chunk; in.Len() < end; {
			in.Write(g.AppendRecord(nil))
			in.WriteByte('\n')
		}
	}
	input := in.Bytes()
	r := NewReader(bytes.NewReader(input), ReaderOptions{})
	want := rtReadAll(t, r)
	require.NoError(t, r.Fatal())

	seq0, worker0 := parallelCounts.sequential.Load(), parallelCounts.worker.Load()
	var got []rtGot
	most := 0
	err := ReadParallel(bytes.NewReader(input), ReaderOptions{}, ParallelOptions{Jobs: 2, ChunkSize: chunk}, ParallelFuncs[*rtChunk]{
		New:   func() *rtChunk { return &rtChunk{meta: rtMeta()} },
		Reset: func(c *rtChunk) { c.got = c.got[:0] },
		Record: func(c *rtChunk, r *Reader) {
			g := rtGot{record: r.Record(), offset: r.Offset(), typ: r.LogType(), bare: r.Bare(), raw: bytes.Clone(r.Raw()), err: r.Err()}
			if g.err == nil {
				g.row = r.AppendRow(nil, c.meta)
			}
			c.got = append(c.got, g)
		},
		Deliver: func(c *rtChunk, first int) error {
			most = max(most, len(c.got))
			for i, g := range c.got {
				g.record = first + i
				got = append(got, g)
			}
			return nil
		},
	})
	require.NoError(t, err)
	rtSameRecords(t, "small records", want, got)
	require.LessOrEqual(t, most, maxChunkRecords(chunk), "records delivered at once")
	assert.Greater(t, parallelCounts.sequential.Load()-seq0, int64(1), "read again on the caller's goroutine")
	assert.Greater(t, parallelCounts.worker.Load()-worker0, int64(3), "chunks read by the workers")
}

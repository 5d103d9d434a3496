//go:build !race

package stream

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allocsPerRun scans input (after a warm-up run that sizes the buffers
// and decoders) and returns the allocations of one whole run over its
// want records.
func allocsPerRun(t *testing.T, input []byte, want int) float64 {
	rd := bytes.NewReader(input)
	s := NewScanner(rd, Options{})
	run := func() {
		rd.Reset(input)
		s.Reset(rd)
		n := 0
		for s.Next() {
			if s.Err() != nil {
				t.Fatal(s.Err())
			}
			n++
		}
		if n != want || s.Fatal() != nil {
			t.Fatalf("%d records, fatal %v; want %d", n, s.Fatal(), want)
		}
	}
	run()
	return testing.AllocsPerRun(20, run)
}

func TestAllocsPerRecord(t *testing.T) {
	var buf bytes.Buffer
	const n = 2000
	for i := range n {
		buf.Write(envelope(i, i%40))
		if i%3 == 0 {
			buf.WriteByte('\n')
		}
	}
	in := buf.Bytes()

	// Uncompressed: nothing at all, whatever the number of records.
	assert.Zero(t, allocsPerRun(t, in, n))

	array := append(append([]byte("["), bytes.ReplaceAll(bytes.TrimSpace(in), []byte("}\n{"), []byte("},{"))...), ']')
	array = bytes.ReplaceAll(array, []byte("}{\"event\""), []byte("},{\"event\""))
	require.Equal(t, byte(']'), array[len(array)-1])
	assert.Zero(t, allocsPerRun(t, array, n))

	// Compressed: the decoders' per-stream allocations, if any, are not
	// per record.
	for _, c := range []Compression{Gzip, Zstd} {
		a := allocsPerRun(t, compress(t, c, in), n)
		t.Logf("%v: %v allocations per run of %d records", c, a, n)
		assert.Less(t, a/n, 0.01)
	}
}

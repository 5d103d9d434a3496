//go:build !race

// The race detector allocates, so these allocation counts hold only without
// it.

package tailscale

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/internal/synth"
)

// rtAllocInput returns n records of every shape, concatenated as NDJSON:
// network and audit, envelopes and bare records.
func rtAllocInput(t testing.TB, n int) []byte {
	t.Helper()
	var recs []rtRec
	for i := range 4 {
		recs = append(recs, rtSynth(t, []synth.Kind{synth.Network, synth.Audit}[i%2], i >= 2, uint64(100+i), n/4)...)
	}
	s := rtLoadSets(t)
	recs = append(recs, s.auditEnv...)
	recs = append(recs, s.netEnv...)
	recs = append(recs, s.auditBare...)
	recs = append(recs, s.netBare...)
	data, _ := rtFramings[1].build(recs)
	return data
}

// rtAllocsReading returns the allocations of reading all of data (and
// making a row of each record) with a reused Reader.
func rtAllocsReading(t *testing.T, data []byte, wantRecords int) float64 {
	t.Helper()
	br := bytes.NewReader(data)
	r := NewReader(br, ReaderOptions{})
	meta := rtMeta()
	var row []byte
	read := func() int {
		br.Reset(data)
		r.Reset(br)
		n := 0
		for r.Next() {
			if r.Err() != nil {
				t.Fatalf("record %d: %v", r.Record(), r.Err())
			}
			row = r.AppendRow(row[:0], meta)
			_ = r.EventTime()
			n++
		}
		if r.Fatal() != nil {
			t.Fatal(r.Fatal())
		}
		return n
	}
	require.Equal(t, wantRecords, read()) // grow the buffers
	return testing.AllocsPerRun(5, func() { read() })
}

func TestReaderAllocs(t *testing.T) {
	small := rtAllocInput(t, 40)
	large := rtAllocInput(t, 800)
	nSmall := bytes.Count(small, []byte("\n"))
	nLarge := bytes.Count(large, []byte("\n"))
	aSmall := rtAllocsReading(t, small, nSmall)
	aLarge := rtAllocsReading(t, large, nLarge)
	t.Logf("allocations: %v reading %d records, %v reading %d", aSmall, nSmall, aLarge, nLarge)
	// O(1) in total: no allocation per record once the buffers have grown.
	assert.Zero(t, aLarge, "allocations reading %d records with a reused Reader", nLarge)
	assert.Zero(t, aSmall, "allocations reading %d records with a reused Reader", nSmall)
}

// Compressed input: resetting the decompressor may allocate a little, but
// not per record.
func TestReaderAllocsCompressed(t *testing.T) {
	small := rtAllocInput(t, 40)
	large := rtAllocInput(t, 800)
	nSmall := bytes.Count(small, []byte("\n"))
	nLarge := bytes.Count(large, []byte("\n"))
	for _, cp := range rtCompressions[1:] {
		t.Run(cp.name, func(t *testing.T) {
			aSmall := rtAllocsReading(t, cp.compress(t, small), nSmall)
			aLarge := rtAllocsReading(t, cp.compress(t, large), nLarge)
			t.Logf("allocations: %v reading %d records, %v reading %d", aSmall, nSmall, aLarge, nLarge)
			assert.LessOrEqual(t, aLarge, aSmall+2, "allocations grow with the number of records")
			assert.Less(t, aLarge, float64(nLarge)/20)
		})
	}
}

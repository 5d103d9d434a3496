//go:build !race

package tailscale

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/internal/synth"
)

// Resolving every entry of a record, with srcNode and dstNodes, allocates
// nothing once the index has grown.
func TestNodeIndexAllocs(t *testing.T) {
	g := synth.New(synth.Options{Kind: synth.Network, Seed: 5, Entries: 400})
	var recs []*Network
	for len(recs) < 8 {
		var x Network
		require.NoError(t, x.Decode(g.AppendRecord(nil)))
		if x.Event.HasSrcNode() && len(x.Event.DstNodes) > 3 {
			recs = append(recs, &x)
		}
	}
	var ix NodeIndex
	resolved := 0
	run := func() {
		resolved = 0
		for _, x := range recs {
			ix.Reset(x)
			for _, ts := range [][]NetworkTraffic{x.Event.VirtualTraffic, x.Event.SubnetTraffic, x.Event.ExitTraffic} {
				for i := range ts {
					if ix.Src(&ts[i]) != nil {
						resolved++
					}
					if ix.Dst(&ts[i]) != nil {
						resolved++
					}
				}
			}
		}
	}
	run()
	require.Positive(t, resolved)
	assert.Zero(t, testing.AllocsPerRun(20, run))
}

// A Reader that learns nodes and enriches rows allocates nothing per record
// once the nodes are known.
func TestReaderEnrichmentAllocs(t *testing.T) {
	var in bytes.Buffer
	g := synth.New(synth.Options{Kind: synth.Network, Seed: 6})
	for range 300 {
		in.Write(g.AppendRecord(nil))
	}
	d := NewNodeDirectory(0)
	br := bytes.NewReader(in.Bytes())
	r := NewReader(br, ReaderOptions{Nodes: d})
	meta := rtMeta()
	var row []byte
	enriched := 0
	read := func() {
		br.Reset(in.Bytes())
		r.Reset(br)
		enriched = 0
		for r.Next() {
			if r.Err() != nil {
				t.Fatal(r.Err())
			}
			row = r.AppendRow(row[:0], meta)
			if bytes.Contains(row, []byte(`"p_enrichment"`)) {
				enriched++
			}
		}
	}
	read()
	require.Positive(t, enriched)
	require.Positive(t, d.Len())
	assert.Zero(t, testing.AllocsPerRun(5, read))
}

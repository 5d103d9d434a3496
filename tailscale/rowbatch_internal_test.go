package tailscale

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRowBatchIDsBounded checks that a batch of more distinct nodes than
// it remembers keeps its map of IDs at maxBatchIDs, and still writes the
// rows a Reader writes: nodes beyond the bound are copied every time.
func TestRowBatchIDsBounded(t *testing.T) {
	var in strings.Builder
	const records, perRecord = 120, 100 // 6,000 distinct nodes, each named twice
	for rec := range records {
		fmt.Fprintf(&in, `{"time":%d,"event":{"nodeId":"nSRC","dstNodes":[`, 1780488000+rec)
		for k := range perRecord {
			if k > 0 {
				in.WriteByte(',')
			}
			id := (rec/2)*perRecord + k // records 2i and 2i+1 name the same nodes
			fmt.Fprintf(&in, `{"nodeId":"n%d","name":"host-%d","addresses":["100.64.%d.%d"]}`, id, id, id/250, id%250+1)
		}
		in.WriteString(`],"virtualTraffic":[{"proto":6,"src":"100.64.0.1:1","dst":"100.64.0.2:2"}]}}` + "\n")
	}
	parseTime := time.Date(2026, 6, 3, 16, 0, 0, 0, time.UTC)

	var want []string
	r := NewReader(strings.NewReader(in.String()), ReaderOptions{Nodes: NewNodeDirectory(0)})
	m := &RowMeta{ParseTime: parseTime, RowIDPrefix: "r-"}
	for r.Next() {
		require.NoError(t, r.Err())
		want = append(want, string(r.AppendRow(nil, m)))
	}
	require.NoError(t, r.Fatal())

	var b RowBatch
	r = NewReader(strings.NewReader(in.String()), ReaderOptions{})
	for r.Next() {
		require.NoError(t, r.Err())
		b.Add(r, parseTime)
	}
	require.Equal(t, maxBatchIDs, len(b.byID), "IDs remembered")
	require.Less(t, len(b.nodes), 2*records*perRecord, "no node was found again")
	d := NewNodeDirectory(0)
	m = &RowMeta{ParseTime: parseTime, RowIDPrefix: "r-"}
	for i := range b.Len() {
		require.Equal(t, want[i], string(b.AppendRow(nil, i, m, d)), "row %d", i+1)
	}
}

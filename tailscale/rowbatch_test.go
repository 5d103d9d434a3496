package tailscale_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/tailscale"
)

// TestRowBatchNodeChanges checks the rows a RowBatch writes when the same
// node comes back changed within one batch (renamed, re-addressed, tagged,
// then as it was): a batch keeps one copy of a node seen again unchanged,
// and the rows' p_enrichment must still name each node as the records
// before it left it, as a Reader's rows do.
func TestRowBatchNodeChanges(t *testing.T) {
	type version struct{ name, addrs, tags string }
	versions := []version{
		{"db-1", `"100.64.0.1","fd7a:115c:a1e0::1"`, `"tag:db"`},
		{"db-1", `"100.64.0.1","fd7a:115c:a1e0::1"`, `"tag:db"`}, // unchanged
		{"db-renamed", `"100.64.0.1","fd7a:115c:a1e0::1"`, `"tag:db"`},
		{"db-renamed", `"100.64.0.9"`, `"tag:db"`},
		{"db-renamed", `"100.64.0.9"`, `"tag:db","tag:prod"`},
		{"db-renamed", `"100.64.0.9"`, `"tag:prod","tag:db"`},
		{"db-1", `"100.64.0.1","fd7a:115c:a1e0::1"`, `"tag:db"`}, // back as it was
	}
	var in strings.Builder
	for i, v := range versions {
		// The node is a destination of one record and the source of the
		// next, so that both ways of naming nodes are checked.
		fmt.Fprintf(&in, `{"time":%d,"event":{"nodeId":"nSRC","srcNode":{"nodeId":"nSRC","name":"laptop","addresses":["100.64.0.2"],"os":"linux","user":"a@example.com"},`+
			`"dstNodes":[{"nodeId":"nDB","name":%q,"addresses":[%s],"os":"linux","tags":[%s]}],`+
			`"virtualTraffic":[{"proto":6,"src":"100.64.0.2:40000","dst":"100.64.0.1:5432","txPkts":1,"txBytes":100},{"proto":6,"src":"100.64.0.2:40001","dst":"100.64.0.9:5432","txPkts":2,"txBytes":200}]}}`+"\n",
			1780488000+i, v.name, v.addrs, v.tags)
		fmt.Fprintf(&in, `{"time":%d,"event":{"nodeId":"nDB","srcNode":{"nodeId":"nDB","name":%q,"addresses":[%s],"os":"linux","tags":[%s]},`+
			`"virtualTraffic":[{"proto":6,"src":"100.64.0.1:5432","dst":"100.64.0.2:40000","rxPkts":1,"rxBytes":100}]}}`+"\n",
			1780488000+i, v.name, v.addrs, v.tags)
	}

	meta := func() *tailscale.RowMeta { return &tailscale.RowMeta{ParseTime: fzParseTime, RowIDPrefix: "r-"} }
	var want []string
	r := tailscale.NewReader(strings.NewReader(in.String()), tailscale.ReaderOptions{Nodes: tailscale.NewNodeDirectory(0)})
	m := meta()
	for r.Next() {
		require.NoError(t, r.Err())
		want = append(want, string(r.AppendRow(nil, m)))
	}
	require.NoError(t, r.Fatal())
	require.Len(t, want, 2*len(versions))
	require.Contains(t, want[5], "db-renamed", "the records' nodes are not what the test means them to be")

	var got []string
	d := tailscale.NewNodeDirectory(0)
	m = meta()
	type chunk struct{ rows tailscale.RowBatch }
	err := tailscale.ReadParallel(strings.NewReader(in.String()), tailscale.ReaderOptions{}, tailscale.ParallelOptions{Jobs: 2, ChunkSize: 1 << 20},
		tailscale.ParallelFuncs[*chunk]{
			New:    func() *chunk { return new(chunk) },
			Reset:  func(c *chunk) { c.rows.Reset() },
			Record: func(c *chunk, r *tailscale.Reader) { c.rows.Add(r, fzParseTime) },
			Deliver: func(c *chunk, _ int) error {
				for i := range c.rows.Len() {
					got = append(got, string(c.rows.AppendRow(nil, i, m, d)))
				}
				return nil
			},
		})
	require.NoError(t, err)
	require.Equal(t, len(want), len(got))
	for i := range want {
		require.Equal(t, want[i], got[i], "row %d", i+1)
	}
}

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

// TestRowBatchEnrichmentAddresses checks the p_enrichment of rows whose
// addresses a RowBatch keeps in address order with their text, for the
// enrichment to look up and copy: IPv4, IPv6, IPv4-mapped IPv6 and zoned
// addresses (a zone with a quote and a backslash, escaped in the row), of
// nodes the records name, in an order unlike their text's. The rows must
// be those a Reader writes.
func TestRowBatchEnrichmentAddresses(t *testing.T) {
	nodes := `"srcNode":{"nodeId":"nA","name":"a","addresses":["100.64.0.2","fe80::1%eth0","fd7a:115c:a1e0::2"]},` +
		`"dstNodes":[{"nodeId":"nB","name":"b","addresses":["100.64.0.10","::ffff:100.64.0.3","fe80::1%eth1"]},` +
		`{"nodeId":"nC","name":"c","addresses":["9.9.9.9","fe80::2%a\"b\\c","fd7a:115c:a1e0::ab"]}],`
	traffic := []string{
		`{"proto":6,"src":"100.64.0.2:40000","dst":"100.64.0.10:22","txPkts":1}`,
		`{"proto":6,"src":"[fe80::1%eth0]:40000","dst":"[fe80::1%eth1]:22","txPkts":2}`,
		`{"proto":6,"src":"[::ffff:100.64.0.3]:80","dst":"[fd7a:115c:a1e0::ab]:443","txPkts":3}`,
		`{"proto":17,"src":"[fe80::2%a\"b\\c]:53","dst":"9.9.9.9:53","txPkts":4}`,
		`{"proto":6,"src":"[fd7a:115c:a1e0::2]:1","dst":"1.2.3.4:443","txPkts":5}`,
		`{"proto":6,"src":"[fe80::2%a\"b\\d]:53","dst":"[fe80::1]:53","txPkts":6}`,
	}
	var in strings.Builder
	for i := range len(traffic) + 1 {
		// Each record lists the entries in another order, and the last
		// names no nodes: its addresses resolve from what came before.
		var list []string
		for k := range traffic {
			list = append(list, traffic[(k+i)%len(traffic)])
		}
		named := nodes
		if i == len(traffic) {
			named = ""
		}
		fmt.Fprintf(&in, `{"time":%d,"event":{"nodeId":"nA",%s"virtualTraffic":[%s]}}`+"\n", 1780488000+i, named, strings.Join(list, ","))
	}

	want := readerRows(t, in.String(), tailscale.NewNodeDirectory(0))
	require.Len(t, want, len(traffic)+1)
	for _, match := range []string{`"p_match":"9.9.9.9","nodeId":"nC"`, `"p_match":"::ffff:100.64.0.3","nodeId":"nB"`,
		`"p_match":"fd7a:115c:a1e0::ab","nodeId":"nC"`} {
		require.Contains(t, want[0], match, "the rows are not what the test means them to be")
	}
	require.Contains(t, want[len(want)-1], `"p_match":"fd7a:115c:a1e0::ab","nodeId":"nC"`)
	require.Equal(t, want, batchRows(t, in.String(), tailscale.NewNodeDirectory(0)))
}

// readerRows returns the rows a Reader writes of input, enriched from d.
func readerRows(t *testing.T, input string, d *tailscale.NodeDirectory) []string {
	t.Helper()
	var rows []string
	r := tailscale.NewReader(strings.NewReader(input), tailscale.ReaderOptions{Nodes: d})
	m := &tailscale.RowMeta{ParseTime: fzParseTime, RowIDPrefix: "r-"}
	for r.Next() {
		require.NoError(t, r.Err())
		rows = append(rows, string(r.AppendRow(nil, m)))
	}
	require.NoError(t, r.Fatal())
	return rows
}

// batchRows returns the rows of input added to one RowBatch and written out
// in order, enriched from d.
func batchRows(t *testing.T, input string, d *tailscale.NodeDirectory) []string {
	t.Helper()
	var b tailscale.RowBatch
	r := tailscale.NewReader(strings.NewReader(input), tailscale.ReaderOptions{})
	for r.Next() {
		require.NoError(t, r.Err())
		b.Add(r, fzParseTime)
	}
	require.NoError(t, r.Fatal())
	m := &tailscale.RowMeta{ParseTime: fzParseTime, RowIDPrefix: "r-"}
	var rows []string
	for i := range b.Len() {
		rows = append(rows, string(b.AppendRow(nil, i, m, d)))
	}
	return rows
}

// TestRowBatchLearnAfterEviction: a batch remembers where a directory put
// each of its nodes, to mark a node seen again as named without comparing
// it. The directory here keeps two nodes, so naming a third evicts one and
// gives its slot to another: a node named again after that must be learned
// again, for the same rows and nodes as a Reader's.
func TestRowBatchLearnAfterEviction(t *testing.T) {
	node := func(id string, last int) string {
		return fmt.Sprintf(`{"nodeId":%q,"name":"host-%s","addresses":["100.64.0.%d"]}`, id, id, last)
	}
	var in strings.Builder
	for i, id := range []string{"nA", "nB", "nA", "nC", "nA", "nB", "nA", "nA"} {
		last := map[string]int{"nA": 1, "nB": 2, "nC": 3}[id]
		fmt.Fprintf(&in, `{"time":%d,"event":{"nodeId":"nSRC","dstNodes":[%s],`+
			`"virtualTraffic":[{"proto":6,"src":"100.64.0.9:40000","dst":"100.64.0.%d:22","txPkts":1}]}}`+"\n",
			1780488000+i, node(id, last), last)
	}
	dr, db := tailscale.NewNodeDirectory(2), tailscale.NewNodeDirectory(2)
	want := readerRows(t, in.String(), dr)
	require.Contains(t, want[4], `"p_match":"100.64.0.1","nodeId":"nA"`, "the rows are not what the test means them to be")
	require.Equal(t, want, batchRows(t, in.String(), db))
	require.Equal(t, dr.All(), db.All())
	require.Equal(t, dr.Stats(), db.Stats())
}

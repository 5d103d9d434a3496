package tailscale

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The facts these tests check come from testdata/records/EXPECTED.md
// (record 17: alice's laptop, with web-1, bob's iPhone and db-1 as dstNodes;
// record 18: an older client without node objects).

const (
	aliceID = "nK7pQ2wXy311CNTRL"
	web1ID  = "nR4tV8mZc511CNTRL"
	bobID   = "nP2hJ6nBw911CNTRL"
	db1ID   = "nD9sL3kHq711CNTRL"
)

func ndRecord(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "records", "network", name))
	require.NoError(t, err)
	return b
}

func ndDecode(t testing.TB, data []byte) *Network {
	t.Helper()
	var x Network
	require.NoError(t, x.Decode(data))
	return &x
}

func TestNodeIndex(t *testing.T) {
	x := ndDecode(t, ndRecord(t, "17_src_dst_nodes.json"))
	var ix NodeIndex
	ix.Reset(x)
	vt := x.Event.VirtualTraffic
	require.Len(t, vt, 3)
	for i, c := range []struct{ src, dst string }{
		{aliceID, web1ID},
		{aliceID, bobID},
		{aliceID, db1ID}, // IPv6, written fd7a:115c:a1e0:0:0:0:6566:6667 in dstNodes
	} {
		src, dst := ix.Src(&vt[i]), ix.Dst(&vt[i])
		if assert.NotNil(t, src, "entry %d src", i) {
			assert.Equal(t, c.src, src.NodeID, "entry %d src", i)
		}
		if assert.NotNil(t, dst, "entry %d dst", i) {
			assert.Equal(t, c.dst, dst.NodeID, "entry %d dst", i)
		}
	}
	// The fields a caller wants, straight from the record.
	n := ix.Node(netip.MustParseAddr("100.64.0.2"))
	require.NotNil(t, n)
	assert.Equal(t, "web-1.tail0a1b2.ts.net", n.Name)
	assert.Equal(t, "linux", n.OS)
	assert.Equal(t, []string{"tag:prod", "tag:server"}, n.Tags)
	assert.Empty(t, n.User)
	assert.Equal(t, "bob@example.com", ix.Node(netip.MustParseAddr("fd7a:115c:a1e0::5801:c22")).User)
	// A 4-in-6 form of a node's IPv4 address is the same address.
	assert.Equal(t, aliceID, ix.Node(netip.MustParseAddr("::ffff:100.64.0.1")).NodeID)
	// Addresses the record does not name.
	assert.Nil(t, ix.Node(netip.MustParseAddr("100.64.0.9")))
	assert.Nil(t, ix.Node(netip.Addr{}))

	// An older client's record names nothing.
	old := ndDecode(t, ndRecord(t, "18_no_src_node_old_client.json"))
	ix.Reset(old)
	assert.Nil(t, ix.Src(&old.Event.VirtualTraffic[0]))
	assert.Nil(t, ix.Dst(&old.Event.VirtualTraffic[0]))

	// The zero index resolves nothing.
	var zero NodeIndex
	assert.Nil(t, zero.Node(netip.MustParseAddr("100.64.0.1")))
}

func TestNodeIndexConflict(t *testing.T) {
	// Two nodes claim 100.64.0.7: srcNode wins, then the first of dstNodes.
	x := ndDecode(t, []byte(`{"time":1,"event":{"nodeId":"nA",
		"srcNode":{"nodeId":"nA","addresses":["100.64.0.7"]},
		"dstNodes":[{"nodeId":"nB","addresses":["100.64.0.7","100.64.0.8"]},{"nodeId":"nC","addresses":["100.64.0.8"]}]}}`))
	var ix NodeIndex
	ix.Reset(x)
	assert.Equal(t, "nA", ix.Node(netip.MustParseAddr("100.64.0.7")).NodeID)
	assert.Equal(t, "nB", ix.Node(netip.MustParseAddr("100.64.0.8")).NodeID)
}

func TestNodeDirectoryLearns(t *testing.T) {
	d := NewNodeDirectory(0)
	assert.Equal(t, DefaultMaxNodes, d.Max())
	d.Learn(ndDecode(t, ndRecord(t, "17_src_dst_nodes.json")))
	assert.Equal(t, 4, d.Len())

	// Record 18 has no node objects; its peer 100.64.0.1 resolves from what
	// record 17 said, its own address 100.99.1.20 does not.
	old := ndDecode(t, ndRecord(t, "18_no_src_node_old_client.json"))
	d.Learn(old)
	n, ok := d.Lookup(old.Event.VirtualTraffic[0].DstIP)
	require.True(t, ok)
	assert.Equal(t, Node{ID: aliceID, Name: "alice-laptop.tail0a1b2.ts.net", OS: "macOS", User: "alice@example.com",
		Addresses: []netip.Addr{netip.MustParseAddr("100.64.0.1"), netip.MustParseAddr("fd7a:115c:a1e0::1")},
		Seen:      n.Seen}, n)
	assert.Equal(t, "alice-laptop", n.ShortName())
	assert.Equal(t, "2026-06-03T15:35:07.376Z", n.Seen.Format("2006-01-02T15:04:05.000Z07:00"))
	_, ok = d.Lookup(old.Event.VirtualTraffic[0].SrcIP)
	assert.False(t, ok)
	db, ok := d.Lookup(netip.MustParseAddr("fd7a:115c:a1e0::6566:6667"))
	require.True(t, ok)
	assert.Equal(t, db1ID, db.ID)
	assert.Equal(t, []string{"tag:db"}, db.Tags)
	byID, ok := d.ByID(web1ID)
	require.True(t, ok)
	assert.Equal(t, "web-1", byID.ShortName())

	// The newest description wins: web-1 renamed and moved to a new IPv4
	// address, which bob's node used to hold.
	d.Learn(ndDecode(t, []byte(`{"time":1780500999,"event":{"nodeId":"`+web1ID+`",
		"srcNode":{"nodeId":"`+web1ID+`","name":"web-9.tail0a1b2.ts.net","addresses":["100.88.12.34","fd7a:115c:a1e0::2"],"os":"linux","tags":["tag:prod"]}}}`)))
	n, ok = d.Lookup(netip.MustParseAddr("100.88.12.34"))
	require.True(t, ok)
	assert.Equal(t, "web-9.tail0a1b2.ts.net", n.Name)
	assert.Equal(t, []string{"tag:prod"}, n.Tags)
	_, ok = d.Lookup(netip.MustParseAddr("100.64.0.2"))
	assert.False(t, ok, "web-1's old address is forgotten")
	b, ok := d.ByID(bobID)
	require.True(t, ok, "bob's node is still known by ID")
	assert.Equal(t, "bob@example.com", b.User)
	n, ok = d.Lookup(netip.MustParseAddr("fd7a:115c:a1e0::5801:c22"))
	require.True(t, ok)
	assert.Equal(t, bobID, n.ID, "bob's other address still resolves")
	assert.Equal(t, 4, d.Len())
	// A node that gives up an address: the other one no longer resolves.
	d.Learn(ndDecode(t, []byte(`{"time":1780500999,"event":{"nodeId":"`+web1ID+`",
		"srcNode":{"nodeId":"`+web1ID+`","name":"web-9.tail0a1b2.ts.net","addresses":["100.88.12.34"],"os":"linux","tags":["tag:prod"]}}}`)))
	_, ok = d.Lookup(netip.MustParseAddr("fd7a:115c:a1e0::2"))
	assert.False(t, ok)

	// A srcNode that is not the record's node is not believed.
	d.Learn(ndDecode(t, []byte(`{"time":1780501000,"event":{"nodeId":"nEVIL",
		"srcNode":{"nodeId":"`+aliceID+`","name":"evil.example","addresses":["100.64.0.1"]}}}`)))
	n, _ = d.Lookup(netip.MustParseAddr("100.64.0.1"))
	assert.Equal(t, "alice-laptop.tail0a1b2.ts.net", n.Name)
	assert.Equal(t, 1, d.Stats().Spoofed)

	// Objects beyond the limits are not learned.
	d.Learn(ndDecode(t, []byte(`{"time":1780501000,"event":{"nodeId":"nX",
		"dstNodes":[{"nodeId":"nBIG","name":"`+strings.Repeat("a", MaxNodeText)+`","addresses":["100.64.9.9"]},{"name":"no-id","addresses":["100.64.9.8"]}]}}`)))
	_, ok = d.Lookup(netip.MustParseAddr("100.64.9.9"))
	assert.False(t, ok)
	_, ok = d.Lookup(netip.MustParseAddr("100.64.9.8"))
	assert.False(t, ok)
	assert.Equal(t, 2, d.Stats().Rejected)
}

// ndNodeRecord is a network record whose srcNode is node i, with a name of
// nameLen bytes and MaxNodeAddresses addresses.
func ndNodeRecord(i, nameLen int) []byte {
	var b bytes.Buffer
	id := fmt.Sprintf("n%08d", i)
	fmt.Fprintf(&b, `{"time":%d,"event":{"nodeId":%q,"srcNode":{"nodeId":%q,"name":%q,"addresses":[`, 1780500000+i, id, id,
		strings.Repeat("x", max(0, nameLen-9))+fmt.Sprintf("%09d", i))
	for k := range MaxNodeAddresses {
		if k > 0 {
			b.WriteByte(',')
		}
		if k%2 == 0 {
			fmt.Fprintf(&b, `"100.%d.%d.%d"`, 64+k, (i>>8)&255, i&255)
		} else {
			fmt.Fprintf(&b, `"fd7a:115c:a1e0::%x:%x"`, k, i)
		}
	}
	b.WriteString(`],"os":"linux","tags":["tag:a","tag:b"]}}}`)
	return b.Bytes()
}

func TestNodeDirectoryEvictsLeastRecentlyNamed(t *testing.T) {
	d := NewNodeDirectory(3)
	var x Network
	learn := func(i int) {
		require.NoError(t, x.Decode(ndNodeRecord(i, 20)))
		d.Learn(&x)
	}
	known := func(i int) bool {
		_, ok := d.ByID(fmt.Sprintf("n%08d", i))
		return ok
	}
	learn(1)
	learn(2)
	learn(3)
	learn(1) // 1 named again: 2 is now the least recently named
	learn(4)
	assert.True(t, known(1))
	assert.False(t, known(2))
	assert.True(t, known(3))
	assert.True(t, known(4))
	_, ok := d.Lookup(netip.MustParseAddr("100.64.0.2"))
	assert.False(t, ok, "an evicted node's addresses are forgotten")
	assert.Equal(t, 3, d.Len())
	assert.Equal(t, 1, d.Stats().Evicted)
	var ids []string
	for _, n := range d.All() {
		ids = append(ids, n.ID)
	}
	assert.Equal(t, []string{"n00000004", "n00000001", "n00000003"}, ids)

	// A record of a known node without node objects also counts as naming it.
	require.NoError(t, x.Decode([]byte(`{"time":1780600000,"event":{"nodeId":"n00000003"}}`)))
	d.Learn(&x)
	learn(5)
	assert.True(t, known(3))
	assert.False(t, known(1))
}

// TestNodeDirectoryMemory feeds many more distinct nodes than the directory
// keeps, each at the per-node limits, and checks the count and the memory
// stay within maxNodes and maxNodes × NodeBytesBound.
func TestNodeDirectoryMemory(t *testing.T) {
	const maxNodes = 2000
	nameLen := MaxNodeText - 9 - len("linux") - len("tag:a") - len("tag:b")
	// Every other node has as long a name as leaves its p_enrichment
	// members short enough to be kept written out (maxNodeJSON).
	// (The last node's addresses are the longest.)
	var x Network
	require.NoError(t, x.Decode(ndNodeRecord(3*maxNodes-1, 0)))
	d := NewNodeDirectory(1)
	d.Learn(&x)
	short := maxNodeJSON - len(d.appendNodeJSON(nil, 0))
	recs := make([][]byte, 3*maxNodes)
	for i := range recs {
		if i%2 == 0 {
			recs[i] = ndNodeRecord(i, nameLen)
		} else {
			recs[i] = ndNodeRecord(i, short)
		}
	}
	require.NoError(t, x.Decode(recs[0]))
	require.Len(t, x.Event.SrcNode.Addresses, MaxNodeAddresses)
	require.True(t, nodeWithinLimits(&x.Event.SrcNode), "the test nodes are at the limits, not beyond")

	heap := func() int64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.GC() // and what sync.Pool kept for one cycle
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	d = NewNodeDirectory(maxNodes)
	var row []byte
	for _, r := range recs {
		require.NoError(t, x.Decode(r))
		d.Learn(&x)
		require.LessOrEqual(t, d.Len(), maxNodes)
		row = d.AppendNetworkEnrichment(row[:0], &x) // writes out the node's members
	}
	assert.Equal(t, maxNodes, d.Len())
	kept := 0
	for i := range d.slots {
		if d.slots[i].hasJSON {
			kept++
			assert.LessOrEqual(t, len(d.slots[i].json), maxNodeJSON)
		}
	}
	assert.Equal(t, maxNodes/2, kept, "nodes whose members are kept written out")
	assert.Equal(t, 2*maxNodes, d.Stats().Evicted)
	// The newest nodes are the ones kept.
	_, ok := d.ByID(fmt.Sprintf("n%08d", len(recs)-1))
	assert.True(t, ok)
	_, ok = d.ByID(fmt.Sprintf("n%08d", len(recs)-maxNodes-1))
	assert.False(t, ok)

	// The directory's memory is what the heap loses when it is dropped.
	with := heap()
	runtime.KeepAlive(d)
	d = nil
	used := with - heap()
	bound := int64(maxNodes * NodeBytesBound)
	t.Logf("%d nodes: %d bytes (%.0f per node), bound %d (%d per node)", maxNodes, used, float64(used)/maxNodes, bound, NodeBytesBound)
	assert.Positive(t, used)
	assert.LessOrEqual(t, used, bound)
}

func TestNodeDirectoryMerge(t *testing.T) {
	a, b := NewNodeDirectory(0), NewNodeDirectory(0)
	a.Learn(ndDecode(t, ndRecord(t, "17_src_dst_nodes.json")))
	// b saw web-1 later, renamed.
	b.Learn(ndDecode(t, []byte(`{"time":1780600000,"event":{"nodeId":"`+web1ID+`",
		"srcNode":{"nodeId":"`+web1ID+`","name":"web-renamed","addresses":["100.64.0.2"]}}}`)))
	// and an old description of bob.
	b.Learn(ndDecode(t, []byte(`{"time":1780400000,"event":{"nodeId":"`+bobID+`",
		"srcNode":{"nodeId":"`+bobID+`","name":"bob-old","addresses":["100.88.12.34"]}}}`)))
	a.Merge(b)
	n, _ := a.ByID(web1ID)
	assert.Equal(t, "web-renamed", n.Name, "newer wins")
	n, _ = a.ByID(bobID)
	assert.Equal(t, "bob-iphone.tail0a1b2.ts.net", n.Name, "older loses")
	assert.Equal(t, 4, a.Len())
}

func TestReaderEnrichment(t *testing.T) {
	audit := []byte(`{"time":1780501000.5,"event":{"action":"UPDATE","origin":"ADMIN_CONSOLE",
		"actor":{"id":"uA","type":"USER","loginName":"admin@example.com"},
		"target":{"id":"` + db1ID + `","name":"db-1.tail0a1b2.ts.net","type":"NODE","property":"TAGS"}}}`)
	var in bytes.Buffer
	for _, r := range [][]byte{ndRecord(t, "17_src_dst_nodes.json"), ndRecord(t, "18_no_src_node_old_client.json"), audit} {
		var c bytes.Buffer
		require.NoError(t, json.Compact(&c, r))
		in.Write(c.Bytes())
		in.WriteByte('\n')
	}
	rows := func(opt ReaderOptions) []map[string]any {
		r := NewReader(bytes.NewReader(in.Bytes()), opt)
		var out []map[string]any
		for r.Next() {
			require.NoError(t, r.Err())
			row := r.AppendRow(nil, rtMeta())
			var m map[string]any
			require.NoError(t, json.Unmarshal(row, &m), "%s", row)
			out = append(out, m)
		}
		require.NoError(t, r.Fatal())
		return out
	}
	plain := rows(ReaderOptions{})
	d := NewNodeDirectory(0)
	enriched := rows(ReaderOptions{Nodes: d})
	require.Len(t, enriched, 3)
	for i := range plain {
		assert.NotContains(t, plain[i], "p_enrichment")
		e := enriched[i]
		delete(e, "p_enrichment")
		assert.Equal(t, plain[i], e, "row %d: all but p_enrichment unchanged", i)
	}
	enriched = rows(ReaderOptions{Nodes: d})

	alice := map[string]any{"nodeId": aliceID, "name": "alice-laptop.tail0a1b2.ts.net",
		"addresses": []any{"100.64.0.1", "fd7a:115c:a1e0::1"}, "os": "macOS", "user": "alice@example.com"}
	with := func(node map[string]any, match string) map[string]any {
		m := map[string]any{"p_match": match}
		for k, v := range node {
			m[k] = v
		}
		return m
	}
	web1 := map[string]any{"nodeId": web1ID, "name": "web-1.tail0a1b2.ts.net",
		"addresses": []any{"100.64.0.2", "fd7a:115c:a1e0::2"}, "os": "linux", "tags": []any{"tag:prod", "tag:server"}}
	bob := map[string]any{"nodeId": bobID, "name": "bob-iphone.tail0a1b2.ts.net",
		"addresses": []any{"100.88.12.34", "fd7a:115c:a1e0::5801:c22"}, "os": "iOS", "user": "bob@example.com"}
	db1 := map[string]any{"nodeId": db1ID, "name": "db-1.tail0a1b2.ts.net",
		"addresses": []any{"100.101.102.103", "fd7a:115c:a1e0::6566:6667"}, "os": "linux", "tags": []any{"tag:db"}}
	// Record 17: every one of its 8 indicator IPs names a node (EXPECTED.md),
	// listed in the order of p_any_ip_addresses, their text's.
	assert.Equal(t, map[string]any{EnrichmentTable: map[string]any{
		"event.nodeId": with(alice, aliceID),
		"p_any_ip_addresses": []any{
			with(db1, "100.101.102.103"), with(alice, "100.64.0.1"), with(web1, "100.64.0.2"), with(bob, "100.88.12.34"),
			with(alice, "fd7a:115c:a1e0::1"), with(web1, "fd7a:115c:a1e0::2"), with(bob, "fd7a:115c:a1e0::5801:c22"),
			with(db1, "fd7a:115c:a1e0::6566:6667"),
		},
	}}, enriched[0]["p_enrichment"])
	// Record 18: its node is unknown; of its IPs only alice's resolves.
	assert.Equal(t, map[string]any{EnrichmentTable: map[string]any{
		"p_any_ip_addresses": []any{with(alice, "100.64.0.1")},
	}}, enriched[1]["p_enrichment"])
	assert.Equal(t, []any{"100.64.0.1", "100.99.1.20", "198.51.100.77"}, enriched[1]["p_any_ip_addresses"], "p_any_* unchanged")
	// The audit record's target is db-1; its actor is a user.
	assert.Equal(t, map[string]any{EnrichmentTable: map[string]any{
		"event.target.id": with(db1, db1ID),
	}}, enriched[2]["p_enrichment"])
}

// TestNodeDirectorySeesChangedAddresses: a node described again with the
// same addresses, spelled the same or otherwise, is the same node; with
// one address changed, it is updated (and the address moves).
func TestNodeDirectorySeesChangedAddresses(t *testing.T) {
	rec := func(addrs string) *Network {
		return ndDecode(t, []byte(`{"time":1780600000,"event":{"nodeId":"nA","srcNode":{"nodeId":"nA","name":"a","addresses":[`+addrs+`]}}}`))
	}
	d := NewNodeDirectory(0)
	d.Learn(rec(`"100.64.0.1","fd7a:115c:a1e0::1"`))
	require.Equal(t, 1, d.Stats().Learned)
	d.Learn(rec(`"100.64.0.1","fd7a:115c:a1e0::1"`))
	assert.Equal(t, 1, d.Stats().Learned, "same text: same node")
	d.Learn(rec(`"100.64.0.1","fd7a:115c:a1e0:0:0::1"`))
	assert.Equal(t, 1, d.Stats().Learned, "same addresses spelled otherwise: same node")
	d.Learn(rec(`"100.64.0.1","fd7a:115c:a1e0::2"`))
	assert.Equal(t, 2, d.Stats().Learned, "an address changed")
	_, ok := d.Lookup(netip.MustParseAddr("fd7a:115c:a1e0::1"))
	assert.False(t, ok, "the old address is forgotten")
	n, ok := d.Lookup(netip.MustParseAddr("fd7a:115c:a1e0::2"))
	require.True(t, ok)
	assert.Equal(t, "nA", n.ID)
	d.Learn(rec(`"100.64.0.1","fd7a:115c:a1e0::2","100.64.0.3"`))
	assert.Equal(t, 3, d.Stats().Learned, "an address added")
	d.Learn(rec(`"100.64.0.1","fd7a:115c:a1e0::2","nope"`))
	assert.Equal(t, 4, d.Stats().Learned, "an address dropped (one does not parse)")
	d.Learn(rec(`"100.64.0.1","fd7a:115c:a1e0::2","nope"`))
	assert.Equal(t, 4, d.Stats().Learned, "the same again, parsed again")
}

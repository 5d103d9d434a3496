package tailscale_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/synth"
	"github.com/tslogs/tslogs/tailscale"
)

// TestAppendDecodedRow: the row AppendDecodedRow copies from a record's
// text is AppendRow's, byte for byte, on the cases where the two could part:
// a value read in producers' layout next to one that is not, a key repeated
// (its second value merged into the first, by either path), -0, a value
// reused after a record whose objects were copied, and bare records.
func TestAppendDecodedRow(t *testing.T) {
	const (
		ev   = `"nodeId":"n1","start":"2026-06-03T15:34:42Z","end":"2026-06-03T15:34:47Z"`
		node = `{"nodeId":"nA","name":"a.ts.net","addresses":["100.64.0.1","fd7a:115c:a1e0::1"],"os":"linux","user":"u@example.com","tags":["tag:x"]}`
		flow = `{"proto":6,"src":"100.64.0.1:41641","dst":"[fd7a:115c:a1e0::2]:443","txPkts":3,"txBytes":300,"rxPkts":2,"rxBytes":200}`
	)
	network := func(event string) string { return `{"time":"1780500887.356","event":{` + event + `}}` }
	// A node over 64 KiB long, whose offsets would not fit the fields that
	// hold them.
	bigTags := `"tag:a"` + strings.Repeat(`,"tag:0123456789"`, 5000)
	cases := []struct{ name, rec string }{
		{"layout", network(ev + `,"srcNode":` + node + `,"dstNodes":[` + node + `,{}],"virtualTraffic":[` + flow + `,{"src":"100.64.0.9:1"}]`)},
		// The first srcNode is read in producers' layout, the second (spaces)
		// by the general path, merged into it: nothing may be copied.
		{"repeated key, second read in another layout", network(ev + `,"srcNode":` + node + `,"srcNode":{ "os":"macOS" }`)},
		// Both in producers' layout: the second merges into the first.
		{"repeated key, both in layout", network(ev + `,"srcNode":` + node + `,"srcNode":{"name":"b","os":"macOS"}`)},
		{"repeated key inside an object", network(ev + `,"virtualTraffic":[{"proto":6,"txPkts":1,"proto":17}]`)},
		{"-0", network(ev + `,"virtualTraffic":[{"proto":6,"txPkts":-0,"txBytes":-1},{"rxBytes":-0}]`)},
		{"spaces", network(ev + `,"virtualTraffic":[ {"proto":6 ,"txPkts":1}, ` + flow + `]`)},
		{"escapes", network(ev + `,"srcNode":{"name":"caf\u00e9","os":"l\"x"},"dstNodes":[{"tags":["a\/b"]}]`)},
		{"non-ASCII", network(ev + `,"srcNode":{"name":"café","tags":["ü"]}`)},
		{"unknown key", network(ev + `,"srcNode":{"nodeId":"nA","extra":1,"os":"linux"},"virtualTraffic":[{"proto":6,"zz":true,"txPkts":1}]`)},
		{"keys out of order", network(ev + `,"virtualTraffic":[{"txPkts":1,"proto":6,"dst":"100.64.0.2:80","src":"100.64.0.1:1"}]`)},
		{"split fields only from the source", network(ev + `,"virtualTraffic":[{"src":"100.64.0.1:1"},{"dst":"x"},{"src":"[::1]:2","dst":"[fe80::1%eth0]:3"}]`)},
		{"empty objects and arrays", network(ev + `,"srcNode":{},"dstNodes":[],"virtualTraffic":[{}],"subnetTraffic":[]`)},
		// Hosts and ports copied from src and dst only when written as
		// rows write them: IPv4, ports without a leading zero.
		{"hosts and ports", network(ev + `,"virtualTraffic":[{"src":"[::1]:2","dst":"[::2]:3"},{"proto":6,"src":"100.64.0.1:0443","dst":"100.64.0.2:0"},` +
			`{"src":"[fd7a:115c:a1e0::1]:80","dst":"1.2.3.4:65535"},{"src":"100.64.0.1:00","dst":"255.255.255.255:1"},` +
			`{"src":"[::ffff:1.2.3.4]:7","dst":"8.8.8.8:53"},{"src":"1.2.3.4","dst":"host:80"}]`)},
		{"object over 64 KiB", network(ev + `,"srcNode":{"nodeId":"nA","os":"linux","tags":[` + bigTags + `]},"dstNodes":[` + node + `]`)},
		{"null members", network(ev + `,"srcNode":{"addresses":null,"tags":["t"]},"virtualTraffic":[{"src":null}]`)},
	}
	check := func(t *testing.T, x interface {
		AppendRow([]byte, *tailscale.RowMeta) []byte
		AppendDecodedRow([]byte, *tailscale.RowMeta) []byte
	}, what string) {
		t.Helper()
		want := x.AppendRow(nil, goldenMeta())
		got := x.AppendDecodedRow(nil, goldenMeta())
		require.Equal(t, string(want), string(got), "%s: AppendDecodedRow differs from AppendRow", what)
	}
	var reused tailscale.Network
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var x tailscale.Network
			require.NoError(t, x.Decode([]byte(tc.rec)))
			check(t, &x, "fresh value")
			// Into a value that held the other cases' records, whose
			// objects' recorded offsets must not leak into this one.
			require.NoError(t, reused.Decode([]byte(tc.rec)))
			check(t, &reused, "reused value")
		})
	}

	// Records of every shape synth writes, with and without envelopes.
	for _, kind := range []synth.Kind{synth.Network, synth.Audit} {
		for _, bare := range []bool{false, true} {
			g := synth.New(synth.Options{Kind: kind, Seed: 21, Bare: bare})
			var n tailscale.Network
			var a tailscale.Audit
			for i := range 400 {
				data := g.AppendRecord(nil)
				var x interface {
					AppendRow([]byte, *tailscale.RowMeta) []byte
					AppendDecodedRow([]byte, *tailscale.RowMeta) []byte
				}
				var err error
				switch {
				case kind == synth.Network && bare:
					err, x = n.DecodeBare(data), &n
				case kind == synth.Network:
					err, x = n.Decode(data), &n
				case bare:
					err, x = a.DecodeBare(data), &a
				default:
					err, x = a.Decode(data), &a
				}
				require.NoError(t, err, "%v record %d (bare %v)", kind, i+1, bare)
				check(t, x, "synth record")
			}
		}
	}
}

// TestReaderRowIsDecodedRow: a Reader writes each record's row from its own
// buffer (AppendDecodedRow): the same bytes as AppendRow of the value it
// decoded, across the records of a stream that straddle its reads.
func TestReaderRowIsDecodedRow(t *testing.T) {
	g := synth.New(synth.Options{Kind: synth.Network, Seed: 22})
	var stream []byte
	for range 300 {
		stream = g.AppendRecord(stream)
	}
	r := tailscale.NewReader(bytes.NewReader(stream), tailscale.ReaderOptions{})
	n := 0
	for r.Next() {
		n++
		want := r.Network().AppendRow(nil, goldenMeta())
		require.Equal(t, string(want), string(r.AppendRow(nil, goldenMeta())), "record %d", n)
	}
	require.NoError(t, r.Err())
	require.Equal(t, 300, n)
}

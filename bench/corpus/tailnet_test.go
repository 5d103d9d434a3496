package corpus

import (
	"bytes"
	"cmp"
	"net/netip"
	"slices"
	"testing"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"tailscale.com/types/netlogtype"
)

// envelope is the log stream's wrapping of a network flow record.
type envelope struct {
	Time   jsontext.Value `json:"time"`
	Event  jsontext.Value `json:"event"`
	Fields struct {
		Recorded time.Time `json:"recorded"`
	} `json:"fields"`
}

// TestTailnet checks what the Tailnet corpora promise: every record is
// Tailscale's own marshalling of a netlogtype.Message, distinct, within
// its entry bounds, ordered as tailscaled orders it, and the corpus as a
// whole is diverse (many hosts, about 30% IPv6, every kind of traffic).
func TestTailnet(t *testing.T) {
	for _, c := range All {
		if c.Tailnet == nil {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			tn := *c.Tailnet
			data := tn.Generate()
			require.Equal(t, data, tn.Generate(), "not deterministic")

			seen := map[string]bool{}
			hosts, nodes := map[netip.Addr]bool{}, map[string]bool{}
			var kinds [4]int
			v6, addrs, records, anonExit, derp := 0, 0, 0, 0, 0
			for rec, rest := Split(data); rec != nil; rec, rest = Split(rest) {
				records++
				require.False(t, seen[string(rec)], "record %d repeats an earlier one", records)
				seen[string(rec)] = true

				var env envelope
				require.NoError(t, jsonv2.Unmarshal(rec, &env, jsonv2.RejectUnknownMembers(true)), "record %d", records)
				var m netlogtype.Message
				require.NoError(t, jsonv2.Unmarshal(env.Event, &m, jsonv2.RejectUnknownMembers(true)), "record %d", records)
				again, err := jsonv2.Marshal(m, jsontext.AllowInvalidUTF8(true))
				require.NoError(t, err)
				require.Equal(t, string(env.Event), string(again), "record %d is not how tailscaled marshals its Message", records)
				require.Equal(t, time.UTC, env.Fields.Recorded.Location())

				assert.Equal(t, m.NodeID, m.SrcNode.NodeID, "record %d: srcNode is the logging node", records)
				assert.True(t, slices.IsSortedFunc(m.DstNodes, func(x, y netlogtype.Node) int { return cmp.Compare(x.NodeID, y.NodeID) }))
				known := map[netip.Addr]bool{}
				for _, n := range append([]netlogtype.Node{m.SrcNode}, m.DstNodes...) {
					nodes[string(n.NodeID)] = true
					assert.NotEqual(t, n.User != "", len(n.Tags) > 0, "a node has a user or tags, not both")
					for _, a := range n.Addresses {
						known[a] = true
					}
				}
				for _, n := range m.DstNodes {
					assert.NotEqual(t, m.NodeID, n.NodeID, "record %d: the logging node among dstNodes", records)
				}

				entries := 0
				for k, s := range [][]netlogtype.ConnectionCounts{m.VirtualTraffic, m.SubnetTraffic, m.ExitTraffic, m.PhysicalTraffic} {
					entries += len(s)
					kinds[k] += len(s)
					assert.True(t, slices.IsSortedFunc(s, func(x, y netlogtype.ConnectionCounts) int {
						return cmp.Or(x.Src.Compare(y.Src), x.Dst.Compare(y.Dst), cmp.Compare(x.Proto, y.Proto))
					}), "record %d: traffic out of order", records)
					for _, cc := range s {
						require.False(t, cc.Counts.IsZero())
						for _, a := range []netip.AddrPort{cc.Src, cc.Dst} {
							if a.IsValid() {
								addrs++
								hosts[a.Addr()] = true
								if a.Addr().Is6() {
									v6++
								}
							}
						}
						if k < 3 && cc.Src.IsValid() {
							assert.True(t, known[cc.Src.Addr()], "record %d: source %v of no listed node", records, cc.Src)
						}
						switch k {
						case 0:
							assert.Contains(t, m.SrcNode.Addresses, cc.Src.Addr(), "virtual traffic starts at the logging node")
							assert.True(t, known[cc.Dst.Addr()], "record %d: virtual destination %v of no listed node", records, cc.Dst)
						case 2:
							if !cc.Dst.IsValid() {
								anonExit++
								assert.Zero(t, cc.Proto)
								assert.Zero(t, cc.Src.Port())
							}
						case 3:
							assert.Zero(t, cc.Proto)
							assert.Zero(t, cc.Src.Port())
							assert.True(t, known[cc.Src.Addr()], "physical traffic from a listed peer")
							if cc.Dst.Addr() == netip.AddrFrom4([4]byte{127, 3, 3, 40}) {
								derp++
							}
						}
					}
				}
				assert.True(t, entries >= tn.MinEntries && entries <= tn.MaxEntries, "record %d: %d entries", records, entries)
			}
			require.Equal(t, tn.Records, records)
			share := float64(v6) / float64(addrs)
			t.Logf("%d bytes, %d records, entries by kind %v, %.1f%% IPv6, %d hosts, %d nodes, %d anonymized exit entries, %d via DERP",
				len(data), records, kinds, 100*share, len(hosts), len(nodes), anonExit, derp)
			assert.InDelta(t, 0.30, share, 0.05, "IPv6 share of addresses")
			assert.Greater(t, len(hosts), 2000, "distinct hosts")
			assert.Greater(t, len(nodes), min(1000, 20*records), "distinct nodes")
			for k, n := range kinds {
				assert.Positive(t, n, "traffic kind %d", k)
			}
			assert.Positive(t, anonExit)
			assert.Positive(t, derp)
		})
	}
}

// TestTailnetSizes checks the spread of entries: log-uniform over the
// bounds, so both ends are reached.
func TestTailnetSizes(t *testing.T) {
	tn := Tailnet{Seed: 9, Nodes: 300, Records: 400, MinEntries: 1, MaxEntries: 1500}
	data := tn.Generate()
	var small, large int
	for rec, rest := Split(data); rec != nil; rec, rest = Split(rest) {
		n := bytes.Count(rec, []byte(`"txPkts"`)) + bytes.Count(rec, []byte(`"rxPkts"`)) // ≥ 1 per entry
		if n <= 10 {
			small++
		}
		if n >= 500 {
			large++
		}
	}
	assert.Greater(t, small, 60)
	assert.Greater(t, large, 40)
}

package synth

import (
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flowRec is what these tests read of a network record, with
// encoding/json.
type flowRec struct {
	Event struct {
		NodeID  string    `json:"nodeId"`
		Start   time.Time `json:"start"`
		End     time.Time `json:"end"`
		SrcNode *struct {
			Addresses []string `json:"addresses"`
		} `json:"srcNode"`
		Virtual  []flowEntry `json:"virtualTraffic"`
		Subnet   []flowEntry `json:"subnetTraffic"`
		Exit     []flowEntry `json:"exitTraffic"`
		Physical []flowEntry `json:"physicalTraffic"`
	} `json:"event"`
}

type flowEntry struct {
	Proto   int    `json:"proto"`
	Src     string `json:"src"`
	Dst     string `json:"dst"`
	TxPkts  int64  `json:"txPkts"`
	TxBytes int64  `json:"txBytes"`
	RxPkts  int64  `json:"rxPkts"`
	RxBytes int64  `json:"rxBytes"`
}

// connKey is a connection seen from either end: the two endpoints in
// order, and the protocol.
type connKey struct {
	lo, hi string
	proto  int
}

type connSide struct {
	tx, rx       int64
	first, last  time.Time
	reports      int
	windowStarts map[time.Time]bool
}

func readFlowRecs(t *testing.T, opt Options, n int) []flowRec {
	t.Helper()
	g := New(opt)
	var out []flowRec
	for range n {
		var r flowRec
		require.NoError(t, json.Unmarshal(g.AppendRecord(nil), &r))
		out = append(out, r)
	}
	return out
}

// TestFlowsBothEndsLog checks docs/wire-format.md §5 on the default stream:
// every connection inside the stream is reported by both of its ends, from
// their own side, with counts that differ only by a little loss on the
// receiving side, in windows that are not aligned.
func TestFlowsBothEndsLog(t *testing.T) {
	t.Parallel()
	recs := readFlowRecs(t, Options{Kind: Network, Seed: 11}, 3000)
	var first, last time.Time
	for _, r := range recs {
		if first.IsZero() || r.Event.Start.Before(first) {
			first = r.Event.Start
		}
		if r.Event.End.After(last) {
			last = r.Event.End
		}
	}
	// Connections reported only within this span are wholly inside the
	// stream: both ends have logged all of them.
	inFrom, inTo := first.Add(40*time.Second), last.Add(-20*time.Second)
	require.True(t, inTo.After(inFrom))

	for _, kind := range []string{"virtual", "subnet"} {
		conns := map[connKey]*[2]connSide{}
		for _, r := range recs {
			list := r.Event.Virtual
			if kind == "subnet" {
				list = r.Event.Subnet
			}
			for _, e := range list {
				if e.Src == "" || e.Dst == "" {
					continue
				}
				k := connKey{e.Src, e.Dst, e.Proto}
				side := 0
				if e.Dst < e.Src {
					k.lo, k.hi, side = e.Dst, e.Src, 1
				}
				c := conns[k]
				if c == nil {
					c = &[2]connSide{}
					conns[k] = c
				}
				s := &c[side]
				s.tx += e.TxBytes
				s.rx += e.RxBytes
				s.reports++
				if s.windowStarts == nil {
					s.windowStarts = map[time.Time]bool{}
				}
				s.windowStarts[r.Event.Start] = true
				if s.first.IsZero() || r.Event.Start.Before(s.first) {
					s.first = r.Event.Start
				}
				if r.Event.End.After(s.last) {
					s.last = r.Event.End
				}
			}
		}
		inside, bothEnds, alignedWindows := 0, 0, 0
		var sent, received int64
		for k, c := range conns {
			f, l := c[0].first, c[0].last
			if c[1].reports > 0 && (f.IsZero() || c[1].first.Before(f)) {
				f = c[1].first
			}
			if c[1].last.After(l) {
				l = c[1].last
			}
			if f.Before(inFrom) || l.After(inTo) {
				continue
			}
			inside++
			if !assert.True(t, c[0].reports > 0 && c[1].reports > 0, "%s %v: reported by one end only", kind, k) {
				continue
			}
			bothEnds++
			for dir := range 2 {
				tx, rx := c[dir].tx, c[1-dir].rx
				sent += tx
				received += rx
				assert.LessOrEqual(t, rx, tx, "%s %v: the receiver counts no more than was sent", kind, k)
				assert.GreaterOrEqual(t, float64(rx), 0.997*float64(tx)-2*1400, "%s %v: loss at most 0.3%%", kind, k)
			}
			same := true
			for ws := range c[0].windowStarts {
				if !c[1].windowStarts[ws] {
					same = false
				}
			}
			if same {
				alignedWindows++
			}
		}
		t.Logf("%s: %d connections inside the stream, %d logged by both ends, %d with identical windows; %d bytes sent, %d received",
			kind, inside, bothEnds, alignedWindows, sent, received)
		require.Greater(t, inside, 50)
		assert.Equal(t, inside, bothEnds)
		assert.Less(t, alignedWindows, inside/10, "the ends' windows are not aligned")
		assert.Less(t, received, sent, "a little is lost")
	}
}

// The other kinds: exit traffic is matched by the client's address
// (anonymized) and some physical traffic is relayed through DERP.
func TestFlowsExitAndPhysical(t *testing.T) {
	t.Parallel()
	recs := readFlowRecs(t, Options{Kind: Network, Seed: 12}, 3000)
	clientSide, exitSide := map[string]int64{}, map[string]int64{}
	var relayed, direct int64
	for _, r := range recs {
		for _, e := range r.Event.Exit {
			switch {
			case e.Dst == "":
				clientSide[netip.MustParseAddrPort(e.Src).Addr().String()] += e.TxBytes
			case e.Src == "":
				exitSide[netip.MustParseAddrPort(e.Dst).Addr().String()] += e.RxBytes
			}
		}
		for _, e := range r.Event.Physical {
			if netip.MustParseAddrPort(e.Dst).Addr() == derp {
				relayed += e.TxBytes
			} else {
				direct += e.TxBytes
			}
		}
	}
	require.NotEmpty(t, clientSide)
	matched := 0
	for addr := range clientSide {
		if _, ok := exitSide[addr]; ok {
			matched++
		}
	}
	assert.Equal(t, len(clientSide), matched, "every client's anonymized exit traffic is also logged by its exit node")
	share := float64(relayed) / float64(relayed+direct)
	t.Logf("physical: %d direct, %d relayed (%.1f%%)", direct, relayed, 100*share)
	assert.True(t, share > 0.02 && share < 0.6, "some physical traffic is relayed: %.3f", share)
}

// With Tamper, a few connections are under-reported by their receiver and
// one node claims another node's traffic.
func TestFlowsTamper(t *testing.T) {
	t.Parallel()
	recs := readFlowRecs(t, Options{Kind: Network, Seed: 13, Tamper: true}, 3000)
	spoofed := 0
	for _, r := range recs {
		if r.Event.SrcNode == nil {
			continue
		}
		own := map[string]bool{}
		for _, a := range r.Event.SrcNode.Addresses {
			own[a] = true
		}
		for _, e := range r.Event.Virtual {
			if !own[netip.MustParseAddrPort(e.Src).Addr().String()] {
				spoofed++
			}
		}
	}
	assert.Positive(t, spoofed)
	for _, r := range readFlowRecs(t, Options{Kind: Network, Seed: 13}, 3000) {
		own := map[string]bool{}
		if r.Event.SrcNode == nil {
			continue
		}
		for _, a := range r.Event.SrcNode.Addresses {
			own[a] = true
		}
		for _, e := range r.Event.Virtual {
			require.True(t, own[netip.MustParseAddrPort(e.Src).Addr().String()], "without Tamper every source is the node's own")
		}
	}
}

// The audit stream holds the changes Panther's Tailscale rules detect:
// HTTPS, MagicDNS and device approval disabled from the admin console.
func TestAuditHasRuleEvents(t *testing.T) {
	t.Parallel()
	g := New(Options{Kind: Audit, Seed: 1})
	seen := map[string]int{}
	for range 1000 {
		var r struct {
			Event struct {
				Origin string `json:"origin"`
				Action string `json:"action"`
				Target struct {
					Type     string `json:"type"`
					Property string `json:"property"`
				} `json:"target"`
			} `json:"event"`
		}
		require.NoError(t, json.Unmarshal(g.AppendRecord(nil), &r))
		if r.Event.Action == "DISABLE" || r.Event.Action == "ENABLE" {
			assert.Equal(t, "TAILNET", r.Event.Target.Type)
			seen[r.Event.Origin+" "+r.Event.Action+" "+r.Event.Target.Property]++
		}
	}
	t.Logf("%v", seen)
	for _, p := range []string{"HTTPS", "MAGIC_DNS", "MACHINE_APPROVAL_NEEDED"} {
		assert.Positive(t, seen["ADMIN_CONSOLE DISABLE "+p], p)
	}
	assert.Positive(t, seen["API DISABLE HTTPS"]+seen["API DISABLE MAGIC_DNS"]+seen["API DISABLE MACHINE_APPROVAL_NEEDED"], "also through the API, which Panther's rules leave alone")
}

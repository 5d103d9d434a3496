package summary

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/tailscale"
)

func readAll(t testing.TB, data []byte, a *Aggregate) {
	t.Helper()
	r := tailscale.NewReader(bytes.NewReader(data), tailscale.ReaderOptions{})
	for r.Next() {
		a.Add(r)
	}
	require.NoError(t, r.Fatal())
}

func handStream(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "flows.ndjson"))
	require.NoError(t, err)
	return b
}

func kindByName(n *Network, k string) KindTotal {
	for _, kt := range n.Kinds {
		if kt.Kind == k {
			return kt
		}
	}
	return KindTotal{}
}

// TestHandStream checks every figure of testdata/FLOWS.md, worked out by
// hand.
func TestHandStream(t *testing.T) {
	a := New(Options{})
	readAll(t, handStream(t), a)
	s := a.Summarize(SummaryOptions{})
	assert.Equal(t, int64(13), s.Records)
	assert.Equal(t, int64(0), s.Invalid)
	assert.Equal(t, map[string]int64{"Tailscale.Network": 9, "Tailscale.Audit": 4}, s.ByType)
	assert.Equal(t, time.Date(2026, 6, 3, 12, 0, 5, 5e8, time.UTC), s.First)
	assert.Equal(t, time.Date(2026, 6, 3, 12, 1, 0, 5e8, time.UTC), s.Last)

	n := s.Network
	require.NotNil(t, n)
	assert.Equal(t, []KindTotal{
		{Kind: "virtual", Bytes: 109359, Packets: 150, Conversations: 5, OneSided: 2, Reports: 8, ReportedSent: 108774, ReportedReceived: 58875},
		{Kind: "subnet", Bytes: 700, Packets: 7, Conversations: 1, Reports: 2, ReportedSent: 700, ReportedReceived: 700},
		{Kind: "exit", Bytes: 1600, Packets: 16, Conversations: 1, Reports: 2, ReportedSent: 1600, ReportedReceived: 1600},
		{Kind: "physical", Bytes: 109660, Packets: 129, Reports: 3, ReportedSent: 109660, ReportedReceived: 9700},
	}, n.Kinds)
	assert.Equal(t, int64(109660), n.Physical.Bytes)
	assert.Equal(t, int64(1400), n.Physical.DirectBytes)
	assert.Equal(t, int64(108260), n.Physical.RelayedBytes)
	assert.InDelta(t, 0.98723, n.Physical.RelayedShare, 1e-5)
	assert.Equal(t, []Region{{Region: 7, SentBytes: 108260, ReceivedBytes: 4400, Reports: 2}}, n.Physical.Regions)

	type tk struct {
		label                 string
		sent, received, total int64
	}
	var talkers []tk
	for _, x := range n.Talkers {
		talkers = append(talkers, tk{x.Label, x.Sent, x.Received, x.Bytes})
	}
	assert.Equal(t, []tk{
		{"alice-laptop (alice@example.com)", 102352, 8752, 111104},
		{"web-1 (tag:prod,tag:server)", 7333, 101222, 108555},
		{"(anonymized)", 900, 700, 1600},
		{"192.0.2.10", 400, 300, 700},
		{"mallory (mallory@example.com)", 222, 333, 555},
		{"100.64.0.9", 252, 252, 504},
		{"old-pc (bob@example.com)", 200, 100, 300},
	}, talkers)
	assert.Equal(t, "nA", n.Talkers[0].NodeID)
	assert.Equal(t, "alice@example.com", n.Talkers[0].User)
	assert.Equal(t, []string{"tag:prod", "tag:server"}, n.Talkers[1].Tags)
	assert.Equal(t, "192.0.2.10", n.Talkers[3].Addr)

	type pr struct {
		a, b  string
		bytes int64
	}
	var pairs []pr
	for _, p := range n.Pairs {
		x, y := p.A.Label, p.B.Label
		if y < x { // which end is A is a matter of sorting
			x, y = y, x
		}
		pairs = append(pairs, pr{x, y, p.Bytes})
		assert.Equal(t, p.Bytes, p.AToB+p.BToA)
	}
	assert.ElementsMatch(t, []pr{
		{"alice-laptop (alice@example.com)", "web-1 (tag:prod,tag:server)", 108000},
		{"(anonymized)", "alice-laptop (alice@example.com)", 1600},
		{"192.0.2.10", "alice-laptop (alice@example.com)", 700},
		{"mallory (mallory@example.com)", "web-1 (tag:prod,tag:server)", 555},
		{"100.64.0.9", "alice-laptop (alice@example.com)", 504},
		{"alice-laptop (alice@example.com)", "old-pc (bob@example.com)", 300},
	}, pairs)
	assert.Equal(t, int64(108000), n.Pairs[0].Bytes)
	assert.Equal(t, []string{"virtual"}, n.Pairs[0].Kinds)

	assert.Equal(t, []Service{
		{Proto: "tcp", Port: 22, Name: "ssh", Bytes: 102700, Conversations: 2},
		{Proto: "tcp", Port: 443, Name: "https", Bytes: 6555, Conversations: 2},
		{Proto: "udp", Port: 53, Name: "dns", Bytes: 300, Conversations: 1},
	}, n.Services)

	require.Equal(t, int64(1), n.Disagreements.Count)
	d := n.Disagreements.Examples[0]
	assert.Equal(t, "virtual", d.Kind)
	assert.Equal(t, "tcp", d.Proto)
	assert.Equal(t, 22, d.Port)
	assert.Equal(t, "alice-laptop (alice@example.com)", d.From.Label)
	assert.Equal(t, "web-1 (tag:prod,tag:server)", d.To.Label)
	assert.Equal(t, int64(100000), d.Sent)
	assert.Equal(t, int64(50000), d.Received)
	assert.Equal(t, int64(5000), d.Allowed)

	assert.Equal(t, int64(1), n.NotParty.Count)
	assert.Equal(t, int64(5555), n.NotParty.Bytes)
	require.Len(t, n.NotParty.Examples, 1)
	assert.Equal(t, "mallory (mallory@example.com)", n.NotParty.Examples[0].Reporter)
	assert.Equal(t, "100.64.0.2:8080", n.NotParty.Examples[0].Src)
	assert.Equal(t, "web-1 (tag:prod,tag:server)", n.NotParty.Examples[0].From.Label)
	assert.Equal(t, int64(2), n.Unverified)
	assert.Equal(t, 6, n.Nodes.Known)

	au := s.Audit
	require.NotNil(t, au)
	assert.Equal(t, int64(4), au.Events)
	assert.Equal(t, int64(1), au.Failed)
	assert.Equal(t, []Count{{"DISABLE", 3}, {"UPDATE", 1}}, au.Actions)
	assert.Equal(t, []Count{{"alice@example.com", 3}, {"terraform (oauth client)", 1}}, au.Actors)
	require.Len(t, au.Findings, 2)
	assert.Equal(t, "Tailscale.HTTPS.Disabled", au.Findings[0].RuleID)
	assert.Equal(t, "High", au.Findings[0].Severity)
	assert.True(t, au.Findings[0].Panther)
	assert.Equal(t, "alice@example.com", au.Findings[0].Actor)
	assert.Equal(t, "TAILNET example.com", au.Findings[0].Target)
	assert.Equal(t, "tslogs.Setting.Disabled.Elsewhere", au.Findings[1].RuleID)
	assert.Equal(t, "terraform (oauth client)", au.Findings[1].Actor)
	assert.Equal(t, []Count{{"Tailscale.HTTPS.Disabled", 1}, {"tslogs.Setting.Disabled.Elsewhere", 1}}, au.FindingCounts)

	// The top lists are cut at Top.
	s = a.Summarize(SummaryOptions{Top: 2})
	assert.Len(t, s.Network.Talkers, 2)
	assert.Len(t, s.Network.Pairs, 2)
	assert.Len(t, s.Network.Services, 2)
}

// TestMergeEqualsOnePass splits streams into parts in several ways,
// aggregates each part apart and merges them: the summary is the one of a
// single pass.
func TestMergeEqualsOnePass(t *testing.T) {
	data := handStream(t)
	lines := bytes.SplitAfter(data, []byte("\n"))
	whole := New(Options{})
	readAll(t, data, whole)
	want := summaryJSON(t, whole)
	for _, parts := range []int{2, 3, len(lines)} {
		merged := New(Options{})
		for p := range parts {
			var part []byte
			for i := p; i < len(lines); i += parts { // interleaved: each part sees every node
				part = append(part, lines[i]...)
			}
			a := New(Options{})
			readAll(t, part, a)
			merged.Merge(a)
		}
		assert.JSONEq(t, want, summaryJSON(t, merged), "%d parts", parts)
	}
}

func summaryJSON(t testing.TB, a *Aggregate) string {
	t.Helper()
	b, err := json.Marshal(a.Summarize(SummaryOptions{Top: 100, Timeline: true}))
	require.NoError(t, err)
	return string(b)
}

// Beyond MaxConversations, entries count in their kind's total by their
// sender's tx and in no conversation; the conversations kept stay within
// the limit.
func TestMaxConversations(t *testing.T) {
	var in bytes.Buffer
	var wantTx int64
	for i := range 50 {
		// One record per conversation, each from its own port.
		fmt.Fprintf(&in, `{"time":1780488000,"event":{"nodeId":"nA","start":"2026-06-03T12:00:00Z","end":"2026-06-03T12:00:05Z",`+
			`"virtualTraffic":[{"proto":6,"src":"100.64.0.1:%d","dst":"100.64.0.2:%d","txBytes":%d,"rxBytes":1}]}}`+"\n", 40000+i, 40000+i, 100+i)
		wantTx += int64(100 + i)
	}
	a := New(Options{MaxConversations: 10})
	readAll(t, in.Bytes(), a)
	assert.Len(t, a.convs, 10)
	assert.Len(t, a.convIdx, 10)
	s := a.Summarize(SummaryOptions{})
	v := kindByName(s.Network, "virtual")
	assert.Equal(t, int64(10), v.Conversations)
	var keptTx, keptRx int64
	for i := range 10 {
		keptTx += int64(100 + i)
		keptRx++
	}
	assert.Equal(t, wantTx-keptTx, v.Unmatched)
	assert.Equal(t, wantTx+keptRx, v.Bytes, "kept conversations both ways, the rest by tx")

	// Merging two full aggregates keeps the limit too.
	b := New(Options{MaxConversations: 10})
	readAll(t, in.Bytes(), b)
	a.Merge(b)
	assert.Len(t, a.convs, 10)
	assert.Equal(t, 2*(wantTx+keptRx), kindByName(a.Summarize(SummaryOptions{}).Network, "virtual").Bytes)
}

// The timeline keeps at most MaxBuckets buckets, doubling their width, and
// loses no bytes doing so.
func TestTimelineWidens(t *testing.T) {
	var in bytes.Buffer
	var total int64
	for i := range 100 {
		start := time.Date(2026, 6, 3, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
		fmt.Fprintf(&in, `{"time":%d,"event":{"nodeId":"nA","start":%q,"end":%q,"virtualTraffic":[{"proto":6,"src":"100.64.0.1:1","dst":"100.64.0.2:2","txBytes":%d}]}}`+"\n",
			start.Unix()+5, start.Format(time.RFC3339), start.Add(5*time.Second).Format(time.RFC3339), i+1)
		total += int64(i + 1)
	}
	a := New(Options{MaxBuckets: 8})
	readAll(t, in.Bytes(), a)
	tl := a.Summarize(SummaryOptions{Timeline: true}).Timeline
	require.NotNil(t, tl)
	assert.LessOrEqual(t, len(tl.Traffic), 8)
	assert.Equal(t, 30*time.Minute, tl.TrafficBucket, "1 minute widened (5, 10, 30 minutes) until 100 minutes fit in 8 buckets")
	var sum int64
	for i, p := range tl.Traffic {
		sum += p.Virtual
		assert.Zero(t, p.Start.UnixNano()%int64(tl.TrafficBucket), "bucket %d starts on a multiple of the width", i)
	}
	assert.Equal(t, total, sum)

	// Merging a finer timeline into a coarser one.
	b := New(Options{MaxBuckets: 4096})
	readAll(t, in.Bytes(), b)
	a.Merge(b)
	tl = a.Summarize(SummaryOptions{Timeline: true}).Timeline
	sum = 0
	for _, p := range tl.Traffic {
		sum += p.Virtual
	}
	assert.Equal(t, 2*total, sum)
	assert.LessOrEqual(t, len(tl.Traffic), 8)
}

// Audit dimensions keep at most MaxDistinct values; more count as (other).
func TestMaxDistinct(t *testing.T) {
	var in bytes.Buffer
	for i := range 20 {
		fmt.Fprintf(&in, `{"time":1780488000,"event":{"action":"A%d","origin":"API","actor":{"id":"u%d","loginName":"u%d@example.com"},"target":{"type":"NODE","id":"n%d"}}}`+"\n", i, i, i, i)
	}
	a := New(Options{MaxDistinct: 5})
	readAll(t, in.Bytes(), a)
	au := a.Summarize(SummaryOptions{Top: 100}).Audit
	require.Len(t, au.Actions, 6)
	assert.Contains(t, au.Actions, Count{Name: otherLabel, Count: 15})
	assert.Len(t, au.Actors, 6)
	var n int64
	for _, c := range au.Targets {
		n += c.Count
	}
	assert.Equal(t, int64(20), n)
}

// Panther's three Tailscale rules, as panther-analysis writes them: action
// DISABLE, target.property HTTPS / MAGIC_DNS / MACHINE_APPROVAL_NEEDED,
// origin ADMIN_CONSOLE; nothing else.
func TestPantherRules(t *testing.T) {
	rule := func(id string) Rule {
		for _, r := range Rules {
			if r.ID == id {
				require.True(t, r.Panther)
				return r
			}
		}
		t.Fatalf("no rule %s", id)
		return Rule{}
	}
	ev := func(origin, action, property string) *tailscale.AuditEvent {
		var a tailscale.Audit
		require.NoError(t, a.Decode([]byte(fmt.Sprintf(`{"time":1,"event":{"origin":%q,"action":%q,"actor":{"id":"u1","type":"USER"},"target":{"type":"TAILNET","property":%q}}}`, origin, action, property))))
		return &a.Event
	}
	for _, c := range []struct {
		rule, property string
	}{
		{"Tailscale.HTTPS.Disabled", "HTTPS"},
		{"Tailscale.Magic.DNS.Disabled", "MAGIC_DNS"},
		{"Tailscale.Machine.Approval.Requirements.Disabled", "MACHINE_APPROVAL_NEEDED"},
	} {
		t.Run(c.rule, func(t *testing.T) {
			r := rule(c.rule)
			assert.True(t, r.Match(ev("ADMIN_CONSOLE", "DISABLE", c.property)))
			assert.False(t, r.Match(ev("API", "DISABLE", c.property)), "not from the API")
			assert.False(t, r.Match(ev("ADMIN_CONSOLE", "ENABLE", c.property)), "not when enabled")
			assert.False(t, r.Match(ev("ADMIN_CONSOLE", "DISABLE", "SOMETHING_ELSE")), "not another property")
		})
	}
	var panther int
	for _, r := range Rules {
		if r.Panther {
			panther++
		}
	}
	assert.Equal(t, 3, panther)
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		name string
		got  string
		want string
	}{
		{"bytes", HumanBytes(512), "512 B"},
		{"kibibytes", HumanBytes(1536), "1.5 KiB"},
		{"gibibytes", HumanBytes(3 << 30), "3.0 GiB"},
		{"count small", FormatCount(7), "7"},
		{"count thousands", FormatCount(1234567), "1,234,567"},
		{"count negative", FormatCount(-1234), "-1,234"},
	} {
		assert.Equal(t, c.want, c.got, c.name)
	}
}

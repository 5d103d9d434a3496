package main

// Tests of tslogs stats. Every expected figure is computed here from the
// input with encoding/json, by the rules of docs/wire-format.md §5, not by
// the summary package.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// statsOut is what these tests read of stats --json.
type statsOut struct {
	Records int64            `json:"records"`
	Invalid int64            `json:"invalid"`
	ByType  map[string]int64 `json:"byLogType"`
	First   time.Time        `json:"first"`
	Last    time.Time        `json:"last"`
	Network *struct {
		Kinds []struct {
			Kind          string `json:"kind"`
			Bytes         int64  `json:"bytes"`
			Packets       int64  `json:"packets"`
			Conversations int64  `json:"conversations"`
			OneSided      int64  `json:"oneSided"`
			Reports       int64  `json:"reports"`
		} `json:"kinds"`
		Physical struct {
			Bytes        int64   `json:"bytes"`
			DirectBytes  int64   `json:"directBytes"`
			RelayedBytes int64   `json:"relayedBytes"`
			RelayedShare float64 `json:"relayedShare"`
		} `json:"physical"`
		Talkers []struct {
			Label    string `json:"label"`
			Bytes    int64  `json:"bytes"`
			Sent     int64  `json:"sent"`
			Received int64  `json:"received"`
		} `json:"topTalkers"`
		Pairs []struct {
			A     struct{ Label string } `json:"a"`
			B     struct{ Label string } `json:"b"`
			Bytes int64                  `json:"bytes"`
		} `json:"topPairs"`
		Services []struct {
			Proto string `json:"proto"`
			Port  int    `json:"port"`
			Name  string `json:"name"`
			Bytes int64  `json:"bytes"`
		} `json:"services"`
		Disagreements struct {
			Count int64 `json:"count"`
		} `json:"disagreements"`
		NotParty struct {
			Count int64 `json:"count"`
			Bytes int64 `json:"bytes"`
		} `json:"notParty"`
		Unverified int64 `json:"unverifiedReports"`
	} `json:"network"`
	Audit *struct {
		Events  int64 `json:"events"`
		Failed  int64 `json:"failed"`
		Actions []struct {
			Name  string `json:"name"`
			Count int64  `json:"count"`
		} `json:"actions"`
		Findings []struct {
			RuleID  string `json:"ruleId"`
			Panther bool   `json:"panther"`
			Actor   string `json:"actor"`
		} `json:"findings"`
	} `json:"audit"`
}

func runStatsJSON(t *testing.T, args ...string) statsOut {
	t.Helper()
	res := cliRun(t, nil, append([]string{"stats", "--json", "--top", "1000000"}, args...)...)
	require.Equal(t, 0, res.code, res.stderr)
	var out statsOut
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &out), res.stdout)
	return out
}

func (s *statsOut) kind(t *testing.T, k string) (bytes, packets, conversations, oneSided, reports int64) {
	t.Helper()
	require.NotNil(t, s.Network)
	for _, x := range s.Network.Kinds {
		if x.Kind == k {
			return x.Bytes, x.Packets, x.Conversations, x.OneSided, x.Reports
		}
	}
	return 0, 0, 0, 0, 0
}

// refNode is a node as the records name it.
type refNode struct {
	id, name, user string
	tags           []string
}

func (n refNode) label() string {
	short, _, _ := strings.Cut(n.name, ".")
	who := n.user
	if who == "" {
		who = strings.Join(n.tags, ",")
	}
	if who == "" {
		return short
	}
	return short + " (" + who + ")"
}

// refEvent returns a record's event: the envelope's, or the bare record.
func refEvent(rec map[string]any) map[string]any {
	if ev, ok := rec["event"].(map[string]any); ok {
		return ev
	}
	return rec
}

// refNodes maps every address the records' node objects name to its node.
func refNodes(recs []map[string]any) map[netip.Addr]refNode {
	out := map[netip.Addr]refNode{}
	for _, rec := range recs {
		ev := refEvent(rec)
		objs, _ := ev["dstNodes"].([]any)
		if sn, ok := ev["srcNode"]; ok {
			objs = append(objs, sn)
		}
		for _, o := range objs {
			m := o.(map[string]any)
			n := refNode{id: m["nodeId"].(string)}
			n.name, _ = m["name"].(string)
			n.user, _ = m["user"].(string)
			tags, _ := m["tags"].([]any)
			for _, tg := range tags {
				n.tags = append(n.tags, tg.(string))
			}
			addrs, _ := m["addresses"].([]any)
			for _, a := range addrs {
				out[netip.MustParseAddr(a.(string))] = n
			}
		}
	}
	return out
}

var kindsOf = []string{"virtual", "subnet", "exit", "physical"}

// refEntries calls fn for each traffic entry.
func refEntries(recs []map[string]any, fn func(rec map[string]any, kind string, e map[string]any)) {
	for _, rec := range recs {
		ev := refEvent(rec)
		for _, k := range kindsOf {
			list, _ := ev[k+"Traffic"].([]any)
			for _, e := range list {
				fn(rec, k, e.(map[string]any))
			}
		}
	}
}

// refConn identifies a connection the same from both ends: kind, protocol
// and the two endpoints as written, in order.
func refConn(kind string, e map[string]any) (key string, fromLo bool) {
	src, _ := e["src"].(string)
	dst, _ := e["dst"].(string)
	lo, hi := src, dst
	if hi < lo {
		lo, hi = hi, lo
	}
	return fmt.Sprint(kind, e["proto"], lo, hi), src == lo
}

// TestStatsBothEnds runs stats on a stream where every connection is
// logged by both of its ends, and checks that each byte is counted once
// per kind: a kind's total is the sum of what senders reported sending
// (docs/wire-format.md §5), not of what both ends reported.
func TestStatsBothEnds(t *testing.T) {
	dir := t.TempDir()
	raw := cliRun(t, nil, "synth", "--log-type", "network", "--records", "1500", "--seed", "21")
	require.Equal(t, 0, raw.code, raw.stderr)
	recs := cliValues(t, []byte(raw.stdout))

	// Keep only connections both ends reported in the stream (a stream cut
	// from a longer one has a few at its edges that one end logged outside
	// it).
	sides := map[string][2]bool{}
	refEntries(recs, func(_ map[string]any, kind string, e map[string]any) {
		if kind == "physical" {
			return
		}
		k, lo := refConn(kind, e)
		s := sides[k]
		if lo {
			s[0] = true
		} else {
			s[1] = true
		}
		sides[k] = s
	})
	dropped := 0
	var in bytes.Buffer
	for _, rec := range recs {
		ev := refEvent(rec)
		for _, k := range kindsOf[:3] {
			list, _ := ev[k+"Traffic"].([]any)
			kept := []any{}
			for _, e := range list {
				key, _ := refConn(k, e.(map[string]any))
				if s := sides[key]; s[0] && s[1] {
					kept = append(kept, e)
				} else {
					dropped++
				}
			}
			if len(kept) > 0 {
				ev[k+"Traffic"] = kept
			} else {
				delete(ev, k+"Traffic")
			}
		}
		b, err := json.Marshal(rec)
		require.NoError(t, err)
		in.Write(b)
		in.WriteByte('\n')
	}
	t.Logf("%d records; %d entries of connections logged by one end only left out", len(recs), dropped)
	require.Less(t, dropped, 2000)
	path := cliWriteFile(t, dir, "both-ends.ndjson", in.Bytes())
	recs = cliValues(t, in.Bytes())

	// Independently: per kind, the sum of tx (each byte once) and of
	// tx+rx (each byte twice); per endpoint and pair, what was sent and
	// received, each direction counted by its sender.
	type sums struct{ tx, txPkts, both, reports int64 }
	want := map[string]*sums{}
	for _, k := range kindsOf {
		want[k] = &sums{}
	}
	nodes := refNodes(recs)
	ident := func(s, kind string) string {
		if s == "" {
			return "(anonymized)"
		}
		a := netip.MustParseAddrPort(s).Addr()
		if n, ok := nodes[a]; ok {
			return n.label()
		}
		return a.String()
	}
	sent, received, pairs := map[string]int64{}, map[string]int64{}, map[[2]string]int64{}
	var relayed int64
	refEntries(recs, func(_ map[string]any, kind string, e map[string]any) {
		s := want[kind]
		tx, rx := cliInt(t, e["txBytes"]), cliInt(t, e["rxBytes"])
		s.tx += tx
		s.txPkts += cliInt(t, e["txPkts"])
		s.both += tx + rx
		s.reports++
		if kind == "physical" {
			if strings.HasPrefix(e["dst"].(string), "127.3.3.40:") {
				relayed += tx
			}
			return
		}
		src, _ := e["src"].(string)
		dst, _ := e["dst"].(string)
		from, to := ident(src, kind), ident(dst, kind)
		sent[from] += tx
		received[to] += tx
		p := [2]string{from, to}
		if to < from {
			p = [2]string{to, from}
		}
		pairs[p] += tx
	})

	got := runStatsJSON(t, path)
	for _, k := range kindsOf {
		b, pk, conv, one, reports := got.kind(t, k)
		w := want[k]
		require.Positive(t, w.tx, k)
		assert.Equal(t, w.tx, b, "%s: bytes are what the senders sent", k)
		assert.Equal(t, w.txPkts, pk, "%s: packets", k)
		assert.Equal(t, w.reports, reports, "%s: reports", k)
		assert.Less(t, b, w.both, "%s: not both ends' counts added up", k)
		if k != "physical" {
			assert.Positive(t, conv, k)
			assert.Zero(t, one, "%s: every conversation has both ends", k)
		}
	}
	assert.Equal(t, relayed, got.Network.Physical.RelayedBytes)
	assert.Equal(t, want["physical"].tx-relayed, got.Network.Physical.DirectBytes)
	assert.InDelta(t, float64(relayed)/float64(want["physical"].tx), got.Network.Physical.RelayedShare, 1e-9)
	assert.Zero(t, got.Network.Disagreements.Count, "the ends differ by a little loss only")
	assert.Zero(t, got.Network.NotParty.Count)

	require.NotEmpty(t, got.Network.Talkers)
	labels := map[string]bool{}
	for l := range sent {
		labels[l] = true
	}
	for l := range received {
		labels[l] = true
	}
	assert.Equal(t, len(labels), len(got.Network.Talkers), "talkers")
	for _, tk := range got.Network.Talkers {
		assert.Equal(t, sent[tk.Label], tk.Sent, "%s sent", tk.Label)
		assert.Equal(t, received[tk.Label], tk.Received, "%s received", tk.Label)
	}
	for i := 1; i < len(got.Network.Talkers); i++ {
		assert.GreaterOrEqual(t, got.Network.Talkers[i-1].Bytes, got.Network.Talkers[i].Bytes, "ranked by bytes")
	}
	assert.Equal(t, len(pairs), len(got.Network.Pairs), "pairs")
	for _, p := range got.Network.Pairs {
		k := [2]string{p.A.Label, p.B.Label}
		if k[1] < k[0] {
			k = [2]string{k[1], k[0]}
		}
		assert.Equal(t, pairs[k], p.Bytes, "pair %v", k)
	}
	// The top talker is named, not an address.
	assert.Contains(t, got.Network.Talkers[0].Label, "(")
}

// TestStatsTamper: a receiver that under-reports shows as a disagreement,
// a node reporting another node's address as its source as not party to
// the flow; the latter is counted exactly as the records say.
func TestStatsTamper(t *testing.T) {
	raw := cliRun(t, nil, "synth", "--log-type", "network", "--records", "2000", "--seed", "22", "--tamper")
	require.Equal(t, 0, raw.code)
	path := cliWriteFile(t, t.TempDir(), "tampered.log", []byte(raw.stdout))
	var notParty, notPartyBytes int64
	for _, rec := range cliValues(t, []byte(raw.stdout)) {
		ev := refEvent(rec)
		sn, ok := ev["srcNode"].(map[string]any)
		if !ok {
			continue
		}
		own := map[netip.Addr]bool{}
		for _, a := range sn["addresses"].([]any) {
			own[netip.MustParseAddr(a.(string))] = true
		}
		for _, k := range kindsOf {
			list, _ := ev[k+"Traffic"].([]any)
			for _, e := range list {
				m := e.(map[string]any)
				src, ok := m["src"].(string)
				if !ok {
					continue
				}
				a := netip.MustParseAddrPort(src).Addr()
				isTS := netip.MustParsePrefix("100.64.0.0/10").Contains(a) || netip.MustParsePrefix("fd7a:115c:a1e0::/48").Contains(a)
				if isTS && !own[a] {
					notParty++
					notPartyBytes += cliInt(t, m["txBytes"]) + cliInt(t, m["rxBytes"])
				}
			}
		}
	}
	require.Positive(t, notParty)
	got := runStatsJSON(t, path)
	assert.Equal(t, notParty, got.Network.NotParty.Count)
	assert.Equal(t, notPartyBytes, got.Network.NotParty.Bytes)
	assert.Positive(t, got.Network.Disagreements.Count, "the under-reported connections")

	res := cliRun(t, nil, "stats", path)
	require.Equal(t, 0, res.code)
	assert.Regexp(t, `disagreements between the two ends \(beyond 5%\): [1-9]`, res.stdout)
	assert.Regexp(t, fmt.Sprintf(`reports by a node not party to the flow: %d `, notParty), res.stdout)
}

// TestStatsSamples checks stats of the bundled samples against values
// computed from them here.
func TestStatsSamples(t *testing.T) {
	netPath, auditPath := cliSample("network.log"), cliSample("audit.log")
	netRecs := cliValues(t, cliReadFile(t, netPath))
	auditRecs := cliValues(t, cliReadFile(t, auditPath))
	var first, last time.Time
	seen := func(tm time.Time) {
		if first.IsZero() || tm.Before(first) {
			first = tm
		}
		if tm.After(last) {
			last = tm
		}
	}
	reports := map[string]int64{}
	var physTx int64
	refEntries(netRecs, func(_ map[string]any, kind string, e map[string]any) {
		reports[kind]++
		if kind == "physical" {
			physTx += cliInt(t, e["txBytes"])
		}
	})
	for _, r := range netRecs {
		seen(cliEventTime(t, r, "Tailscale.Network"))
	}
	actions := map[string]int64{}
	panther := map[string]int{}
	var failed int64
	for _, r := range auditRecs {
		seen(cliEventTime(t, r, "Tailscale.Audit"))
		ev := refEvent(r)
		actions[ev["action"].(string)]++
		if _, ok := ev["error"]; ok {
			failed++
			continue
		}
		// Panther's three Tailscale rules, as written in panther-analysis.
		prop, _ := ev["target"].(map[string]any)["property"].(string)
		if ev["action"] == "DISABLE" && ev["origin"] == "ADMIN_CONSOLE" {
			switch prop {
			case "HTTPS":
				panther["Tailscale.HTTPS.Disabled"]++
			case "MAGIC_DNS":
				panther["Tailscale.Magic.DNS.Disabled"]++
			case "MACHINE_APPROVAL_NEEDED":
				panther["Tailscale.Machine.Approval.Requirements.Disabled"]++
			}
		}
	}
	require.Len(t, panther, 3, "the sample holds each of Panther's rules")

	got := runStatsJSON(t, netPath, auditPath)
	assert.Equal(t, int64(len(netRecs)+len(auditRecs)), got.Records)
	assert.Equal(t, map[string]int64{"Tailscale.Network": int64(len(netRecs)), "Tailscale.Audit": int64(len(auditRecs))}, got.ByType)
	assert.True(t, first.Equal(got.First), "first %v, want %v", got.First, first)
	assert.True(t, last.Equal(got.Last), "last %v, want %v", got.Last, last)
	for _, k := range kindsOf {
		_, _, _, _, r := got.kind(t, k)
		assert.Equal(t, reports[k], r, k)
	}
	assert.Equal(t, physTx, got.Network.Physical.Bytes)
	assert.Zero(t, got.Network.NotParty.Count, "Tailscale's clients never report another node's address")
	assert.Zero(t, got.Network.Disagreements.Count)
	gotActions := map[string]int64{}
	for _, a := range got.Audit.Actions {
		gotActions[a.Name] = a.Count
	}
	assert.Equal(t, actions, gotActions)
	assert.Equal(t, failed, got.Audit.Failed)
	gotPanther := map[string]int{}
	for _, f := range got.Audit.Findings {
		if f.Panther {
			gotPanther[f.RuleID]++
		}
	}
	assert.Equal(t, panther, gotPanther)
	for _, s := range got.Network.Services {
		if s.Port == 443 || s.Port == 22 || s.Port == 5432 {
			assert.NotEmpty(t, s.Name, "well-known port %d is named", s.Port)
		}
	}
}

func TestStatsText(t *testing.T) {
	net, audit := cliSample("network.log"), cliSample("audit.log")
	js := runStatsJSON(t, net, audit)
	res := cliRun(t, nil, "stats", net, audit)
	require.Equal(t, 0, res.code, res.stderr)
	out := res.stdout
	t.Logf("\n%s", out)
	assert.Regexp(t, fmt.Sprintf(`(?m)^Records\s+%s \(0 invalid\): %d Network, %d Audit$`,
		count(js.Records), js.ByType["Tailscale.Network"], js.ByType["Tailscale.Audit"]), out)
	for _, s := range []string{"Time range", "Traffic by kind", "never add them", "Top talkers", "Top pairs", "Services",
		"relayed through DERP", "Consistency", "Security-relevant changes", "(Panther)", "Top actions", "Top actors"} {
		assert.Contains(t, out, s)
	}
	// The names the records give, with the same numbers as --json.
	top := js.Network.Talkers[0]
	assert.Regexp(t, `(?m)^  `+regexp.QuoteMeta(human(top.Bytes))+`\s+↑ `+regexp.QuoteMeta(human(top.Sent))+`\s+↓ `+regexp.QuoteMeta(human(top.Received))+`\s+`+regexp.QuoteMeta(top.Label)+`$`, out)

	// Invalid records are counted and skipped; stats still exits 0.
	data, good, bad := cliMixedInput(t)
	f := cliWriteFile(t, t.TempDir(), "mixed.log", data)
	res = cliRun(t, nil, "stats", f)
	assert.Equal(t, 0, res.code, res.stderr)
	assert.Regexp(t, fmt.Sprintf(`(?m)^Records\s+%d \(%d invalid\)`, good+len(bad), len(bad)), res.stdout)
	assert.Contains(t, res.stdout, "Top actions")
	assert.Contains(t, res.stdout, "Top talkers")
}

package synth

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var allOptions = []Options{
	{Kind: Network},
	{Kind: Network, Bare: true},
	{Kind: Audit},
	{Kind: Audit, Bare: true},
	{Kind: Network, Entries: 3},
}

func gen(t testing.TB, opt Options, records int) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := Write(&buf, opt, records)
	require.NoError(t, err)
	require.Equal(t, int64(buf.Len()), n)
	return buf.Bytes()
}

// countRecords splits a concatenated body with json.Decoder without
// building maps, failing on invalid JSON.
func countRecords(t testing.TB, body []byte) int {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	n := 0
	for {
		var m json.RawMessage
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return n
		}
		require.NoError(t, err, "record %d", n)
		require.Equal(t, byte('{'), m[0])
		n++
	}
}

// decodeAll splits a concatenated body (or NDJSON) with json.Decoder.
func decodeAll(t testing.TB, body []byte) []map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var out []map[string]any
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err, "record %d", len(out))
		out = append(out, m)
	}
}

func TestKind(t *testing.T) {
	assert.Equal(t, "network", Network.String())
	assert.Equal(t, "audit", Audit.String())
	for _, s := range []string{"network", "Network", " net "} {
		k, err := ParseKind(s)
		require.NoError(t, err)
		assert.Equal(t, Network, k)
	}
	k, err := ParseKind("AUDIT")
	require.NoError(t, err)
	assert.Equal(t, Audit, k)
	_, err = ParseKind("dns")
	assert.Error(t, err)
}

func TestDeterminism(t *testing.T) {
	for _, opt := range allOptions {
		t.Run(fmt.Sprintf("%s/bare=%v/entries=%d", opt.Kind, opt.Bare, opt.Entries), func(t *testing.T) {
			opt.Seed = 42
			a := gen(t, opt, 300)
			b := gen(t, opt, 300)
			assert.True(t, bytes.Equal(a, b), "same seed must give identical bytes")
			opt.Seed = 43
			c := gen(t, opt, 300)
			assert.False(t, bytes.Equal(a, c), "different seeds must differ")

			// AppendRecord on a fresh generator reproduces Write.
			g := New(Options{Kind: opt.Kind, Seed: 42, Bare: opt.Bare, Entries: opt.Entries})
			var d []byte
			for range 300 {
				d = g.AppendRecord(d)
			}
			assert.True(t, bytes.Equal(a, d))
			assert.Equal(t, 300, g.Records())
		})
	}
}

func TestAppendRFC3339Nano(t *testing.T) {
	ns := []int64{0, 1, 999999999, 1e9, StartTime.UnixNano(), StartTime.UnixNano() + 123456789,
		StartTime.UnixNano() + 120000000, 951782400e9 + 5, 4102444799e9 + 999999999, 1709164800e9}
	for i := int64(0); i < 2000; i++ {
		ns = append(ns, i*7919*86400e9/13+i*104729)
	}
	for _, v := range ns {
		want := time.Unix(0, v).UTC().Format(time.RFC3339Nano)
		assert.Equal(t, want, string(appendRFC3339Nano(nil, v)))
	}
}

func TestAppendUnixMillis(t *testing.T) {
	assert.Equal(t, "1780480800.0", string(appendUnixMillis(nil, 1780480800000)))
	assert.Equal(t, "1780500887.356", string(appendUnixMillis(nil, 1780500887356)))
	assert.Equal(t, "1780500887.050", string(appendUnixMillis(nil, 1780500887050)))
	assert.Equal(t, "1780500887.001", string(appendUnixMillis(nil, 1780500887001)))
}

var (
	timeRe     = regexp.MustCompile(`^[0-9]{10}\.([0-9]{3}|0)$`)
	nodeIDRe   = regexp.MustCompile(`^n[0-9A-Z]{11}CNTRL$`)
	zeroRe     = regexp.MustCompile(`"(proto|txPkts|txBytes|rxPkts|rxBytes)":0[,}]`)
	emptyRe    = regexp.MustCompile(`"(src|dst|user|name|os)":""|"(tags|dstNodes|virtualTraffic|subnetTraffic|exitTraffic|physicalTraffic)":\[\]`)
	tsV4       = netip.MustParsePrefix("100.64.0.0/10")
	tsV6       = netip.MustParsePrefix("fd7a:115c:a1e0::/48")
	docPrefixs = []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32"),
	}
	derp = netip.MustParseAddr("127.3.3.40")
)

func isTailscale(a netip.Addr) bool { return tsV4.Contains(a) || tsV6.Contains(a) }

func isDoc(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range docPrefixs {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// checkRFC3339 checks a Go-style trimmed RFC3339Nano UTC timestamp.
func checkRFC3339(t *testing.T, v any) time.Time {
	t.Helper()
	s, ok := v.(string)
	require.True(t, ok, "timestamp %v is not a string", v)
	ts, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	require.Equal(t, s, ts.UTC().Format(time.RFC3339Nano), "not Go-trimmed UTC")
	return ts
}

type netStats struct {
	records, withSrcNode, entries                int
	v4, v6, bracketed, derp, physical, exitNoDst int
	rxOnly, txOnly, countersOnly, icmp, tsmp     int
	exitAnon, exitFull, subnet, mapped           int
	subnetRouter, exitServed                     int
	proto                                        map[string]int
}

// checkEntry checks one traffic entry against what Tailscale sends
// (docs/wire-format.md §2 and §5): whose side each address is on depends on the
// kind and on the logging node's role.
func checkEntry(t *testing.T, kind string, e map[string]any, self map[string]bool, st *netStats) {
	t.Helper()
	st.entries++
	_, hasProto := e["proto"]
	src, hasSrc := e["src"].(string)
	dst, hasDst := e["dst"].(string)
	for _, k := range []string{"txPkts", "txBytes", "rxPkts", "rxBytes"} {
		if v, ok := e[k]; ok {
			n, err := v.(json.Number).Int64()
			require.NoError(t, err)
			require.Positive(t, n, k)
		}
	}
	_, hasTxP := e["txPkts"]
	_, hasTxB := e["txBytes"]
	_, hasRxP := e["rxPkts"]
	_, hasRxB := e["rxBytes"]
	require.Equal(t, hasTxP, hasTxB, "tx bytes without packets or the reverse: %v", e)
	require.Equal(t, hasRxP, hasRxB, "rx bytes without packets or the reverse: %v", e)
	if !hasTxP {
		st.rxOnly++
	}
	if !hasRxP {
		st.txOnly++
	}
	if !hasProto && !hasSrc && !hasDst {
		st.countersOnly++
		return
	}
	var proto int64
	if hasProto {
		num, ok := e["proto"].(json.Number)
		require.True(t, ok, "proto must be a JSON number: %v", e["proto"])
		proto, _ = num.Int64()
		require.Contains(t, []int64{1, 6, 17, 58, 99}, proto)
		st.proto[num.String()]++
	}
	var addrs [2]netip.Addr
	for i, s := range []string{src, dst} {
		if (i == 0 && !hasSrc) || (i == 1 && !hasDst) {
			continue
		}
		ap, err := netip.ParseAddrPort(s)
		require.NoError(t, err, "%s %q", kind, s)
		require.Equal(t, ap.String(), s, "canonical netip text")
		if ap.Addr().Is6() {
			st.v6++
			require.True(t, strings.HasPrefix(s, "["), "IPv6 must be bracketed: %s", s)
			st.bracketed++
		} else {
			st.v4++
		}
		if proto == 1 || proto == 58 || proto == 99 {
			require.Zero(t, ap.Port(), "ICMP/TSMP port must be 0: %s", s)
		}
		if proto == 1 {
			require.True(t, ap.Addr().Is4())
		}
		if proto == 58 {
			require.True(t, ap.Addr().Is6())
		}
		if ap.Addr().Is4In6() {
			st.mapped++
		}
		addrs[i] = ap.Addr()
	}
	own := func(a netip.Addr) bool { return self[a.String()] }
	s, d := addrs[0], addrs[1]
	switch kind {
	case "virtualTraffic":
		require.True(t, hasSrc && hasDst, "%v", e)
		require.True(t, own(s), "virtual src %s is the node's own address", src)
		require.True(t, isTailscale(d) && !own(d), "virtual dst %s is a peer", dst)
	case "physicalTraffic":
		st.physical++
		require.False(t, hasProto, "physicalTraffic has no proto")
		require.True(t, strings.HasSuffix(src, ":0"), src)
		require.True(t, own(s), "physical src %s is the node's own address", src)
		require.True(t, isDoc(d) || d == derp, "dst %s", dst)
		if d == derp {
			st.derp++
			ap := netip.MustParseAddrPort(dst)
			require.True(t, ap.Port() >= 1 && ap.Port() <= 30, "DERP region %s", dst)
		}
	case "subnetTraffic":
		st.subnet++
		require.True(t, hasSrc && hasDst, "%v", e)
		if own(s) {
			require.True(t, isDoc(d), "client side: dst %s is the subnet host", dst)
		} else {
			st.subnetRouter++
			require.True(t, isDoc(s), "router side: src %s is the subnet host", src)
			require.True(t, isTailscale(d) && !own(d), "router side: dst %s is the client", dst)
		}
	case "exitTraffic":
		switch {
		case !hasDst:
			st.exitNoDst++
			st.exitAnon++
			require.False(t, hasProto)
			require.True(t, strings.HasSuffix(src, ":0") && own(s), "anonymized, client side: src %s", src)
		case !hasSrc:
			st.exitAnon++
			st.exitServed++
			require.False(t, hasProto)
			require.True(t, strings.HasSuffix(dst, ":0") && isTailscale(d) && !own(d), "anonymized, exit node side: dst %s", dst)
		case own(s):
			st.exitFull++
			require.True(t, isDoc(d), "dst %s", dst)
		default:
			st.exitFull++
			st.exitServed++
			require.True(t, isDoc(s), "exit node side: src %s is the internet host", src)
			require.True(t, isTailscale(d) && !own(d), "exit node side: dst %s is the client", dst)
		}
	}
	if proto == 1 || proto == 58 {
		st.icmp++
	}
	if proto == 99 {
		st.tsmp++
	}
}

func addrOf(s string) string {
	ap := netip.MustParseAddrPort(s)
	return ap.Addr().String()
}

func checkNode(t *testing.T, v any) map[string]any {
	t.Helper()
	n, ok := v.(map[string]any)
	require.True(t, ok)
	require.Regexp(t, nodeIDRe, n["nodeId"])
	require.Regexp(t, `^[a-z0-9-]+\.example\.ts\.net$`, n["name"])
	require.Contains(t, []any{"linux", "windows", "macOS", "iOS", "android"}, n["os"])
	addrs := n["addresses"].([]any)
	require.Len(t, addrs, 2)
	a4, a6 := netip.MustParseAddr(addrs[0].(string)), netip.MustParseAddr(addrs[1].(string))
	require.True(t, tsV4.Contains(a4))
	require.True(t, tsV6.Contains(a6))
	_, hasUser := n["user"]
	_, hasTags := n["tags"]
	require.True(t, hasUser != hasTags, "user only on user-owned nodes, tags only on tagged: %v", n)
	return n
}

func TestNetworkRecords(t *testing.T) {
	t.Parallel()
	for _, opt := range []Options{{Kind: Network, Seed: 7}, {Kind: Network, Seed: 7, Bare: true}, {Kind: Network, Seed: 7, Entries: 20}} {
		bare := opt.Bare
		const records = 500
		body := gen(t, opt, records)
		assert.False(t, zeroRe.Match(body), "zero values must be omitted: %s", zeroRe.Find(body))
		assert.False(t, emptyRe.Match(body), "empty values must be omitted: %s", emptyRe.Find(body))
		recs := decodeAll(t, body)
		require.Len(t, recs, records)
		wholeSeconds := 0
		if bare {
			lines := bytes.Split(bytes.TrimSuffix(body, []byte("\n")), []byte("\n"))
			require.Len(t, lines, records, "one record per line")
			for _, l := range lines {
				require.True(t, json.Valid(l))
			}
		} else {
			assert.NotContains(t, string(body), "}\n{", "envelopes are concatenated without separator")
		}

		st := netStats{proto: map[string]int{}}
		nodes := map[string]int{}
		// Every node's addresses, from the node objects of the whole
		// stream: older clients' records name nobody, themselves included.
		addrsOf := map[string]map[string]bool{}
		for _, m := range recs {
			ev := m
			if e, ok := m["event"].(map[string]any); ok {
				ev = e
			}
			objs, _ := ev["dstNodes"].([]any)
			if sn, ok := ev["srcNode"]; ok {
				objs = append(objs, sn)
			}
			for _, o := range objs {
				n := o.(map[string]any)
				set := map[string]bool{}
				for _, a := range n["addresses"].([]any) {
					set[a.(string)] = true
				}
				addrsOf[n["nodeId"].(string)] = set
			}
		}
		lastEnd := map[string]time.Time{}
		var first, last time.Time
		for i, m := range recs {
			var ev map[string]any
			if bare {
				ev = m
				logged := checkRFC3339(t, m["logged"])
				if i == 0 {
					first = logged
				}
				last = logged
				require.NotContains(t, m, "time")
			} else {
				require.Len(t, m, 3)
				num := m["time"].(json.Number)
				require.Regexp(t, timeRe, num.String())
				if strings.HasSuffix(num.String(), ".0") {
					wholeSeconds++
				}
				fields := m["fields"].(map[string]any)
				rec := checkRFC3339(t, fields["recorded"])
				tm, err := num.Float64()
				require.NoError(t, err)
				require.GreaterOrEqual(t, float64(rec.UnixNano())/1e9+1e-6, tm, "recorded after time")
				ev = m["event"].(map[string]any)
				require.NotContains(t, ev, "logged")
				if i == 0 {
					first = rec
				}
				last = rec
			}
			id := ev["nodeId"].(string)
			require.Regexp(t, nodeIDRe, id)
			nodes[id]++
			start, end := checkRFC3339(t, ev["start"]), checkRFC3339(t, ev["end"])
			d := end.Sub(start)
			require.True(t, d > 4*time.Second && d < 6*time.Second, "window %v", d)
			if prev, ok := lastEnd[id]; ok {
				require.False(t, start.Before(prev), "windows of a node do not overlap")
			}
			lastEnd[id] = end

			self := addrsOf[id]
			require.Len(t, self, 2, "node %s is named somewhere in the stream", id)
			if sn, ok := ev["srcNode"]; ok {
				st.withSrcNode++
				n := checkNode(t, sn)
				require.Equal(t, id, n["nodeId"])
				for _, a := range n["addresses"].([]any) {
					require.True(t, self[a.(string)])
				}
			}
			if dn, ok := ev["dstNodes"]; ok {
				require.Contains(t, ev, "srcNode")
				for _, n := range dn.([]any) {
					checkNode(t, n)
				}
			}
			for _, kind := range []string{"virtualTraffic", "subnetTraffic", "exitTraffic", "physicalTraffic"} {
				arr, ok := ev[kind]
				if !ok {
					continue
				}
				for _, e := range arr.([]any) {
					checkEntry(t, kind, e.(map[string]any), self, &st)
				}
			}
			st.records++
		}
		dur := last.Sub(first)
		t.Logf("bare=%v entries=%d: %d records over %v, %d nodes, %d entries, v4=%d v6=%d derp=%d physical=%d exitAnon=%d exitFull=%d subnet=%d mapped=%d rxOnly=%d txOnly=%d countersOnly=%d icmp=%d tsmp=%d protos=%v srcNode=%.1f%%",
			bare, opt.Entries, st.records, dur, len(nodes), st.entries, st.v4, st.v6, st.derp, st.physical, st.exitAnon, st.exitFull, st.subnet, st.mapped,
			st.rxOnly, st.txOnly, st.countersOnly, st.icmp, st.tsmp, st.proto, 100*float64(st.withSrcNode)/float64(st.records))

		// A stable tailnet of ~50 nodes whose clocks advance ~5 s per record each.
		assert.InDelta(t, 50, len(nodes), 6)
		// 50 nodes each logging every ~5 s: records/10 seconds, give or take.
		assert.True(t, dur > time.Duration(records)*100*time.Millisecond && dur < time.Duration(records)*800*time.Millisecond, "duration %v", dur)
		frac := float64(st.withSrcNode) / float64(st.records)
		assert.True(t, frac > 0.75 && frac < 0.98, "srcNode on ~90%% of records: %.2f", frac)
		for _, c := range []int{st.v6, st.derp, st.physical, st.exitAnon, st.exitFull, st.exitServed, st.subnet, st.subnetRouter, st.rxOnly, st.txOnly, st.icmp, st.tsmp} {
			assert.Positive(t, c)
		}
		if opt.Entries > 0 {
			// Records drawn one by one also carry the rare shapes.
			assert.Positive(t, st.mapped)
			assert.Positive(t, st.countersOnly)
		}
		assert.Equal(t, st.v6, st.bracketed)
		assert.Greater(t, st.proto["6"], st.proto["1"])
		assert.Greater(t, st.proto["17"], st.proto["99"])
		assert.Greater(t, st.exitAnon, st.exitFull, "exit traffic anonymized most of the time")
		if !bare {
			assert.Positive(t, wholeSeconds, `some times look like 1780480800.0`)
		}
	}
}

func TestNetworkEntryCounts(t *testing.T) {
	t.Parallel()
	g := New(Options{Kind: Network, Seed: 3})
	sizes := map[string]int{}
	var buf []byte
	for range 5000 {
		buf = g.AppendRecord(buf[:0])
		var m struct {
			Event map[string]json.RawMessage `json:"event"`
		}
		require.NoError(t, json.Unmarshal(buf, &m))
		n := 0
		for _, k := range []string{"virtualTraffic", "subnetTraffic", "exitTraffic", "physicalTraffic"} {
			var arr []json.RawMessage
			if raw, ok := m.Event[k]; ok {
				require.NoError(t, json.Unmarshal(raw, &arr))
			}
			n += len(arr)
		}
		require.LessOrEqual(t, len(buf), MaxRecordSize)
		switch {
		case n < 5:
			sizes["1-4"]++
		case n <= 60:
			sizes["5-60"]++
		case n <= 400:
			sizes["61-400"]++
		default:
			sizes[">400"]++
		}
	}
	t.Logf("entries per record: %v", sizes)
	assert.Greater(t, sizes["5-60"], 3750, "mostly 5–60")
	assert.Greater(t, sizes["61-400"], 100, "often more")
	assert.Positive(t, sizes[">400"], "sometimes large")

	// Fixed entry count is exact.
	for _, want := range []int{1, 2, 10, 77} {
		g := New(Options{Kind: Network, Seed: 9, Entries: want})
		for range 200 {
			var m struct {
				Event map[string]json.RawMessage `json:"event"`
			}
			require.NoError(t, json.Unmarshal(g.AppendRecord(nil), &m))
			n := 0
			for _, k := range []string{"virtualTraffic", "subnetTraffic", "exitTraffic", "physicalTraffic"} {
				var arr []json.RawMessage
				if raw, ok := m.Event[k]; ok {
					require.NoError(t, json.Unmarshal(raw, &arr))
				}
				n += len(arr)
			}
			require.Equal(t, want, n)
		}
	}
}

func TestLargeRecords(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		for _, bare := range []bool{false, true} {
			g := New(Options{Kind: Network, Seed: seed, Entries: 1500, Bare: bare})
			for range 20 {
				rec := g.AppendRecord(nil)
				require.LessOrEqual(t, len(rec), 256<<10, "record ≤ 256 KiB")
				require.Greater(t, len(rec), 100<<10, "record > 100 KiB")
				require.True(t, json.Valid(bytes.TrimSuffix(rec, []byte("\n"))))
			}
		}
	}
}

func TestAppendBody(t *testing.T) {
	t.Parallel()
	cases := []struct {
		opt      Options
		maxBytes int
	}{
		{Options{Kind: Network, Seed: 5}, MaxBodySize},
		{Options{Kind: Network, Seed: 5, Bare: true}, MaxBodySize},
		{Options{Kind: Network, Seed: 5, Entries: 1500}, MaxBodySize},
		{Options{Kind: Network, Seed: 5, Entries: 10}, 20000},
		{Options{Kind: Network, Seed: 5, Entries: 2}, 3000},
		{Options{Kind: Audit, Seed: 5}, MaxBodySize},
		{Options{Kind: Audit, Seed: 5, Bare: true}, 20000},
		{Options{Kind: Audit, Seed: 5}, 3000},
	}
	for _, c := range cases {
		opt, maxBytes := c.opt, c.maxBytes
		{
			g := New(opt)
			var all []byte
			total := 0
			for range 15 {
				body, n := g.AppendBody(nil, maxBytes, 0)
				require.LessOrEqual(t, len(body), maxBytes)
				require.Positive(t, n)
				require.Equal(t, n, countRecords(t, body), "whole records only")
				all = append(all, body...)
				total += n
			}
			// Bodies carry exactly the sequence Write produces.
			require.Zero(t, g.Dropped())
			want := gen(t, opt, total)
			require.True(t, bytes.Equal(want, all), "opt=%+v maxBytes=%d", opt, maxBytes)
		}
	}

	// maxRecords, dst prefix preserved, default size.
	g := New(Options{Kind: Audit, Seed: 1})
	body, n := g.AppendBody([]byte("prefix"), 0, 7)
	assert.Equal(t, 7, n)
	assert.True(t, bytes.HasPrefix(body, []byte("prefix")))
	assert.Len(t, decodeAll(t, body[len("prefix"):]), 7)

	g = New(Options{Kind: Network, Seed: 1})
	body, n = g.AppendBody(nil, 0, 0)
	assert.LessOrEqual(t, len(body), MaxBodySize)
	assert.Greater(t, len(body), MaxBodySize-MaxRecordSize)
	t.Logf("one full network POST body: %d records, %d bytes", n, len(body))

	// A record that can never fit is dropped without looping forever.
	g = New(Options{Kind: Network, Seed: 1, Entries: 1500})
	body, n = g.AppendBody(nil, 1000, 0)
	assert.Empty(t, body)
	assert.Zero(t, n)
	assert.Positive(t, g.Dropped())

	// Oversized records are skipped, the rest still arrive whole.
	g = New(Options{Kind: Network, Seed: 5})
	for range 50 {
		body, n = g.AppendBody(body[:0], 8000, 0)
		require.LessOrEqual(t, len(body), 8000)
		require.Len(t, decodeAll(t, body), n)
	}
	assert.Positive(t, g.Dropped())
}

func TestAuditRecords(t *testing.T) {
	for _, bare := range []bool{false, true} {
		body := gen(t, Options{Kind: Audit, Seed: 11, Bare: bare}, 4000)
		recs := decodeAll(t, body)
		require.Len(t, recs, 4000)
		if bare {
			sc := bufio.NewScanner(bytes.NewReader(body))
			sc.Buffer(nil, 1<<20)
			lines := 0
			for sc.Scan() {
				require.True(t, json.Valid(sc.Bytes()))
				lines++
			}
			require.Equal(t, 4000, lines)
		}
		kinds := map[string]int{}
		groups := map[string]int{}
		seen := map[string]map[string]bool{"origin": {}, "actorType": {}, "targetType": {}, "action": {}}
		var deferredZero, deferred, details, errs, ephemeral, nonEmail int
		var prev time.Time
		for _, m := range recs {
			var ev map[string]any
			var at time.Time
			if bare {
				ev = m
				at = checkRFC3339(t, m["eventTime"])
				require.Equal(t, "CONFIG", m["type"])
				checkRFC3339(t, m["logged"])
			} else {
				require.Len(t, m, 3)
				num := m["time"].(json.Number)
				require.Regexp(t, timeRe, num.String())
				checkRFC3339(t, m["fields"].(map[string]any)["recorded"])
				ev = m["event"].(map[string]any)
				ms, err := num.Float64()
				require.NoError(t, err)
				at = time.UnixMilli(int64(ms*1000 + 0.5))
			}
			require.False(t, at.Before(prev), "time advances")
			prev = at
			for _, k := range []string{"eventGroupID", "origin", "actor", "target", "action"} {
				require.Contains(t, ev, k)
			}
			groups[ev["eventGroupID"].(string)]++
			seen["origin"][ev["origin"].(string)] = true
			seen["action"][ev["action"].(string)] = true
			actor := ev["actor"].(map[string]any)
			typ := actor["type"].(string)
			seen["actorType"][typ] = true
			require.Contains(t, actor, "loginName")
			switch typ {
			case "OAUTH_CLIENT", "NODE":
				require.Equal(t, "", actor["loginName"])
			case "USER":
				if !strings.Contains(actor["loginName"].(string), "@") {
					nonEmail++
				}
			default:
				t.Fatalf("actor type %q", typ)
			}
			if tags, ok := actor["tags"]; ok {
				require.NotEmpty(t, tags)
			}
			target := ev["target"].(map[string]any)
			seen["targetType"][target["type"].(string)] = true
			require.NotEmpty(t, target["id"])
			if _, ok := target["isEphemeral"].(bool); ok {
				ephemeral++
			}
			if d, ok := ev["deferredAt"]; ok {
				ts := checkRFC3339(t, d)
				if ts.IsZero() {
					deferredZero++
				} else {
					deferred++
				}
			}
			if _, ok := ev["actionDetails"]; ok {
				details++
			}
			if _, ok := ev["error"]; ok {
				errs++
			}
			for _, k := range []string{"old", "new"} {
				v, ok := ev[k]
				switch x := v.(type) {
				case nil:
					if ok {
						kinds["null"]++
					} else {
						kinds["absent"]++
					}
				case string:
					if x == "" {
						kinds["empty"]++
					} else {
						kinds["string"]++
					}
				case json.Number:
					kinds["number"]++
				case bool:
					kinds["bool"]++
				case []any:
					kinds["array"]++
				case map[string]any:
					kinds["object"]++
				}
			}
		}
		multi := 0
		for _, n := range groups {
			if n > 1 {
				multi++
			}
		}
		t.Logf("bare=%v old/new kinds %v; groups=%d multi=%d deferred=%d zeroDeferred=%d details=%d errors=%d ephemeral=%d nonEmail=%d seen=%v",
			bare, kinds, len(groups), multi, deferred, deferredZero, details, errs, ephemeral, nonEmail, seen)
		for _, k := range []string{"absent", "string", "empty", "number", "bool", "array", "object"} {
			assert.Positive(t, kinds[k], "old/new of kind %s", k)
		}
		for _, c := range []int{multi, deferred, deferredZero, details, errs, ephemeral, nonEmail} {
			assert.Positive(t, c)
		}
		for _, want := range []string{"ADMIN_CONSOLE", "API", "NODE"} {
			assert.True(t, seen["origin"][want], want)
		}
		for _, want := range []string{"USER", "OAUTH_CLIENT", "NODE"} {
			assert.True(t, seen["actorType"][want], want)
		}
		for _, want := range []string{"CREATE", "UPDATE", "DELETE", "LOGIN"} {
			assert.True(t, seen["action"][want], want)
		}
		assert.True(t, seen["targetType"]["OAUTH_ACCESS_TOKEN"])
	}
}

func TestNamesAndAddressesAreSafe(t *testing.T) {
	t.Parallel()
	body := append(gen(t, Options{Kind: Network, Seed: 2}, 600), gen(t, Options{Kind: Audit, Seed: 2}, 600)...)
	// Every e-mail-ish or host-ish name is under example.com / example.ts.net.
	for _, m := range regexp.MustCompile(`[a-z0-9-]+(\.[a-z0-9-]+)+\.(com|net|org|io)\b`).FindAll(body, -1) {
		s := string(m)
		require.True(t, strings.HasSuffix(s, "example.com") || strings.HasSuffix(s, "example.ts.net"), s)
	}
	// Every IPv4 literal is Tailscale, documentation, DERP or a CIDR default route.
	for _, m := range regexp.MustCompile(`\b[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\b`).FindAll(body, -1) {
		a, err := netip.ParseAddr(string(m))
		require.NoError(t, err)
		require.True(t, isTailscale(a) || isDoc(a) || a == derp || a.IsUnspecified(), "%s", a)
	}
}

func TestWriteSize(t *testing.T) {
	var buf bytes.Buffer
	n, recs, err := WriteSize(&buf, Options{Kind: Network, Seed: 1}, 1<<20)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, int64(1<<20))
	assert.Equal(t, int64(buf.Len()), n)
	assert.Len(t, decodeAll(t, buf.Bytes()), recs)
}

func benchmarkGen(b *testing.B, opt Options) {
	g := New(opt)
	buf := make([]byte, 0, 1<<20)
	var total int64
	b.ReportAllocs()
	for b.Loop() {
		buf = g.AppendRecord(buf[:0])
		total += int64(len(buf))
	}
	b.ReportMetric(float64(total)/1e6/b.Elapsed().Seconds(), "MB/s")
	b.ReportMetric(float64(total)/float64(b.N), "B/record")
}

func BenchmarkNetwork(b *testing.B)     { benchmarkGen(b, Options{Kind: Network, Seed: 1}) }
func BenchmarkNetworkBare(b *testing.B) { benchmarkGen(b, Options{Kind: Network, Seed: 1, Bare: true}) }
func BenchmarkNetwork1500(b *testing.B) {
	benchmarkGen(b, Options{Kind: Network, Seed: 1, Entries: 1500})
}
func BenchmarkAudit(b *testing.B)     { benchmarkGen(b, Options{Kind: Audit, Seed: 1}) }
func BenchmarkAuditBare(b *testing.B) { benchmarkGen(b, Options{Kind: Audit, Seed: 1, Bare: true}) }
func BenchmarkAppendBody(b *testing.B) {
	g := New(Options{Kind: Network, Seed: 1})
	buf := make([]byte, 0, MaxBodySize)
	var total int64
	for b.Loop() {
		buf, _ = g.AppendBody(buf[:0], MaxBodySize, 0)
		total += int64(len(buf))
	}
	b.ReportMetric(float64(total)/1e6/b.Elapsed().Seconds(), "MB/s")
}

// BenchmarkWrite100MB writes a 100 MB corpus through Write's buffering.
func BenchmarkWrite100MB(b *testing.B) {
	for b.Loop() {
		n, _, err := WriteSize(io.Discard, Options{Kind: Network, Seed: 1}, 100e6)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(n)
	}
}

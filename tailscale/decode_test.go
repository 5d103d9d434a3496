package tailscale_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/tailscale"
)

// update rewrites the golden files under testdata/golden (errors.txt and
// rows/) instead of comparing against them:
//
//	go test ./tailscale -run 'TestDecodeBadRecords$|TestGoldenRows' -update
//
// Review the diff by hand against testdata/records before keeping it.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// recordsDir holds the hand-written records and EXPECTED.md, whose facts the
// tests below transcribe. They must never be regenerated from the decoder.
const recordsDir = "../testdata/records"

// bareWrapTime is the envelope time given to bare records (*_bare.json, the
// envelope's event object alone). Until the package decodes bare records
// directly, they are tested wrapped as {"time":1780500887,"event":<file>}.
const bareWrapTime = 1780500887

// goldenParseTime and goldenRowID are the RowMeta of every golden row.
var goldenParseTime = time.Date(2026, 6, 4, 0, 0, 0, 0, time.UTC)

const goldenRowID = "test-row"

func isBare(name string) bool { return strings.HasSuffix(name, "_bare.json") }

// readRecord returns the bytes of testdata/records/<dir>/<name>, wrapped in an
// envelope when the file holds a bare record.
func readRecord(t testing.TB, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(recordsDir, dir, name))
	require.NoError(t, err)
	if isBare(name) {
		w := []byte(`{"time":` + strconv.Itoa(bareWrapTime) + `,"event":`)
		w = append(w, b...)
		return append(w, '}')
	}
	return b
}

// recordFiles lists the *.json files of testdata/records/<dir>.
func recordFiles(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(recordsDir, dir))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	require.NotEmpty(t, names)
	return names
}

// ---- expected facts ------------------------------------------------------

// parseWantTime parses a hand-written RFC 3339 time from EXPECTED.md.
func parseWantTime(t testing.TB, s string) time.Time {
	t.Helper()
	w, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err, "expected time %q", s)
	return w
}

// wantTime asserts that a timestamp is present and is exactly the instant
// want (UnixNano equality), in UTC.
func wantTime(t *testing.T, label string, has bool, got time.Time, want string) {
	t.Helper()
	w := parseWantTime(t, want)
	assert.True(t, has, "%s: present", label)
	assert.Equal(t, w.UnixNano(), got.UnixNano(), "%s: got %s, want %s", label, got.Format(time.RFC3339Nano), want)
	assert.Same(t, time.UTC, got.Location(), "%s: location", label)
}

// wantStr asserts that a string field is present with value want.
func wantStr(t *testing.T, label string, has bool, got, want string) {
	t.Helper()
	assert.True(t, has, "%s: present", label)
	assert.Equal(t, want, got, label)
}

// wantAbsent asserts that a field is absent and holds its zero value.
func wantAbsent(t *testing.T, label string, has, isZero bool) {
	t.Helper()
	assert.False(t, has, "%s: absent", label)
	assert.True(t, isZero, "%s: zero value when absent", label)
}

// wantStrs asserts that a string array is present with elements want.
func wantStrs(t *testing.T, label string, has bool, got, want []string) {
	t.Helper()
	assert.True(t, has, "%s: present", label)
	assert.Equal(t, want, slices.Clone(got), label)
}

// wantRaw asserts that a json field is present and holds exactly the JSON text want.
func wantRaw(t *testing.T, label string, has bool, got json.RawMessage, want string) {
	t.Helper()
	assert.True(t, has, "%s: present", label)
	assert.Equal(t, want, string(got), label)
	assert.True(t, json.Valid(got), "%s: valid JSON", label)
}

// nodeFacts is a NetworkNode as written in EXPECTED.md's table. Every node there
// has nodeId, name, addresses and os; User "" and Tags nil mean absent.
type nodeFacts struct {
	NodeID, Name string
	Addresses    []string
	OS           string
	User         string
	Tags         []string
}

var (
	nodeAlice = nodeFacts{"nK7pQ2wXy311CNTRL", "alice-laptop.tail0a1b2.ts.net", []string{"100.64.0.1", "fd7a:115c:a1e0::1"}, "macOS", "alice@example.com", nil}
	nodeWeb1  = nodeFacts{"nR4tV8mZc511CNTRL", "web-1.tail0a1b2.ts.net", []string{"100.64.0.2", "fd7a:115c:a1e0::2"}, "linux", "", []string{"tag:prod", "tag:server"}}
	nodeBob   = nodeFacts{"nP2hJ6nBw911CNTRL", "bob-iphone.tail0a1b2.ts.net", []string{"100.88.12.34", "fd7a:115c:a1e0::5801:c22"}, "iOS", "bob@example.com", nil}
	nodeDB1   = nodeFacts{"nD9sL3kHq711CNTRL", "db-1.tail0a1b2.ts.net", []string{"100.101.102.103", "fd7a:115c:a1e0::6566:6667"}, "linux", "", []string{"tag:db"}}
	nodeExit  = nodeFacts{"nE5xT1gRf211CNTRL", "exit-fra.tail0a1b2.ts.net", []string{"100.70.1.1", "fd7a:115c:a1e0::4601:101"}, "linux", "", []string{"tag:exit"}}
	nodeRoute = nodeFacts{"nS8rU4yMa611CNTRL", "router-office.tail0a1b2.ts.net", []string{"100.90.5.6", "fd7a:115c:a1e0::5a05:506"}, "linux", "", []string{"tag:subnet-router"}}
)

func checkNode(t *testing.T, label string, got *tailscale.NetworkNode, want nodeFacts) {
	t.Helper()
	wantStr(t, label+".nodeId", got.HasNodeID(), got.NodeID, want.NodeID)
	wantStr(t, label+".name", got.HasName(), got.Name, want.Name)
	wantStrs(t, label+".addresses", got.HasAddresses(), got.Addresses, want.Addresses)
	wantStr(t, label+".os", got.HasOS(), got.OS, want.OS)
	if want.User == "" {
		wantAbsent(t, label+".user", got.HasUser(), got.User == "")
	} else {
		wantStr(t, label+".user", got.HasUser(), got.User, want.User)
	}
	if want.Tags == nil {
		wantAbsent(t, label+".tags", got.HasTags(), len(got.Tags) == 0)
	} else {
		wantStrs(t, label+".tags", got.HasTags(), got.Tags, want.Tags)
	}
}

func checkSrcNode(t *testing.T, e *tailscale.NetworkEvent, want nodeFacts) {
	t.Helper()
	assert.True(t, e.HasSrcNode(), "event.srcNode: present")
	checkNode(t, "event.srcNode", &e.SrcNode, want)
}

func checkDstNodes(t *testing.T, e *tailscale.NetworkEvent, want ...nodeFacts) {
	t.Helper()
	assert.True(t, e.HasDstNodes(), "event.dstNodes: present")
	require.Len(t, e.DstNodes, len(want), "event.dstNodes")
	for i := range want {
		checkNode(t, fmt.Sprintf("event.dstNodes[%d]", i), &e.DstNodes[i], want[i])
	}
}

// trafficField reads one field of a NetworkTraffic as text, by its JSON name.
type trafficField struct {
	has func(*tailscale.NetworkTraffic) bool
	get func(*tailscale.NetworkTraffic) string
}

func fmtInt[T int16 | int32 | int64](v T) string { return strconv.FormatInt(int64(v), 10) }

// addrText is the text of a split address; it checks that a valid address
// has no zone.
func addrText(a netip.Addr) string {
	if a.Zone() != "" {
		return "zoned:" + a.String()
	}
	return a.String()
}

var trafficFields = map[string]trafficField{
	"proto":   {(*tailscale.NetworkTraffic).HasProto, func(x *tailscale.NetworkTraffic) string { return fmtInt(x.Proto) }},
	"src":     {(*tailscale.NetworkTraffic).HasSrc, func(x *tailscale.NetworkTraffic) string { return x.Src }},
	"srcIp":   {(*tailscale.NetworkTraffic).HasSrcIP, func(x *tailscale.NetworkTraffic) string { return addrText(x.SrcIP) }},
	"srcPort": {(*tailscale.NetworkTraffic).HasSrcPort, func(x *tailscale.NetworkTraffic) string { return fmtInt(x.SrcPort) }},
	"dst":     {(*tailscale.NetworkTraffic).HasDst, func(x *tailscale.NetworkTraffic) string { return x.Dst }},
	"dstIp":   {(*tailscale.NetworkTraffic).HasDstIP, func(x *tailscale.NetworkTraffic) string { return addrText(x.DstIP) }},
	"dstPort": {(*tailscale.NetworkTraffic).HasDstPort, func(x *tailscale.NetworkTraffic) string { return fmtInt(x.DstPort) }},
	"txPkts":  {(*tailscale.NetworkTraffic).HasTxPkts, func(x *tailscale.NetworkTraffic) string { return fmtInt(x.TxPkts) }},
	"txBytes": {(*tailscale.NetworkTraffic).HasTxBytes, func(x *tailscale.NetworkTraffic) string { return fmtInt(x.TxBytes) }},
	"rxPkts":  {(*tailscale.NetworkTraffic).HasRxPkts, func(x *tailscale.NetworkTraffic) string { return fmtInt(x.RxPkts) }},
	"rxBytes": {(*tailscale.NetworkTraffic).HasRxBytes, func(x *tailscale.NetworkTraffic) string { return fmtInt(x.RxBytes) }},
}

// wantTraffic asserts the facts of spec about one traffic entry. spec is a
// space-separated list of name=value with the fields' JSON names, as
// EXPECTED.md writes them; the value "-" means absent (and zero). Shorthands:
// "tx=-" and "rx=-" for both counters, "src=-"/"dst=-" for a source or
// destination and its split fields. Fields not named are not checked.
func wantTraffic(t *testing.T, label string, x *tailscale.NetworkTraffic, spec string) {
	t.Helper()
	var zero tailscale.NetworkTraffic
	for _, item := range strings.Fields(spec) {
		name, want, ok := strings.Cut(item, "=")
		require.True(t, ok, "bad spec item %q", item)
		names := []string{name}
		switch name {
		case "tx", "rx":
			require.Equal(t, "-", want, "spec item %q", item)
			names = []string{name + "Pkts", name + "Bytes"}
		case "src", "dst":
			if want == "-" {
				names = []string{name, name + "Ip", name + "Port"}
			}
		}
		for _, n := range names {
			f, ok := trafficFields[n]
			require.True(t, ok, "unknown field %q in spec", n)
			if want == "-" {
				wantAbsent(t, label+"."+n, f.has(x), f.get(x) == f.get(&zero))
			} else {
				wantStr(t, label+"."+n, f.has(x), f.get(x), want)
			}
		}
	}
}

// trafficAt returns s[i], failing the test when s is too short.
func trafficAt(t *testing.T, label string, s []tailscale.NetworkTraffic, i int) *tailscale.NetworkTraffic {
	t.Helper()
	require.Greater(t, len(s), i, "%s has no entry %d", label, i)
	return &s[i]
}

// absentArrays asserts that the named arrays of e are absent: any of
// dstNodes, virtualTraffic, subnetTraffic, exitTraffic, physicalTraffic.
func absentArrays(t *testing.T, e *tailscale.NetworkEvent, names ...string) {
	t.Helper()
	for _, n := range names {
		var has bool
		var l int
		switch n {
		case "dstNodes":
			has, l = e.HasDstNodes(), len(e.DstNodes)
		case "virtualTraffic":
			has, l = e.HasVirtualTraffic(), len(e.VirtualTraffic)
		case "subnetTraffic":
			has, l = e.HasSubnetTraffic(), len(e.SubnetTraffic)
		case "exitTraffic":
			has, l = e.HasExitTraffic(), len(e.ExitTraffic)
		case "physicalTraffic":
			has, l = e.HasPhysicalTraffic(), len(e.PhysicalTraffic)
		default:
			t.Fatalf("unknown array %q", n)
		}
		wantAbsent(t, "event."+n, has, l == 0)
	}
}

// Two orders: AppendIPAddresses sorts by address (netip.Addr.Compare: IPv4
// numerically, then IPv6 numerically, "::ffff:1.2.3.4" being IPv6), while
// rows sort p_any_ip_addresses byte-wise by text, as Panther does and as
// EXPECTED.md writes its lists ("100.101.102.103" < "100.64.0.1").
func compareAddr(a, b netip.Addr) int { return a.Compare(b) }
func compareText(a, b netip.Addr) int { return strings.Compare(a.String(), b.String()) }

// wantAddrs turns an ip list written as in EXPECTED.md into the text of the
// addresses AppendIPAddresses must return. The hand-written list is kept
// exactly as EXPECTED.md writes it; it is parsed with netip and re-sorted
// with cmp here, so the order is the package's, not the transcription's.
func wantAddrs(t testing.TB, hand []string, cmp func(a, b netip.Addr) int) []string {
	t.Helper()
	require.True(t, sort.StringsAreSorted(hand), "ip list not transcribed in EXPECTED.md's string order: %q", hand)
	addrs := make([]netip.Addr, len(hand))
	for i, s := range hand {
		a, err := netip.ParseAddr(s)
		require.NoError(t, err)
		require.Equal(t, s, a.String(), "EXPECTED.md lists ip indicators in canonical form")
		addrs[i] = a
	}
	slices.SortFunc(addrs, cmp)
	require.Len(t, slices.Compact(slices.Clone(addrs)), len(addrs), "EXPECTED.md lists are de-duplicated")
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out
}

func addrStrings(addrs []netip.Addr) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out
}

// Sentinels put in front of the slices passed to the Append methods, which
// must leave what dst already holds alone. They sort after every value in the
// records, so sorting the whole slice would move them.
var (
	sentinelAddr = netip.MustParseAddr("ffff:ffff::1")
	sentinelStr  = "~sentinel"
)

func checkAddrIndicators(t *testing.T, label string, appendFn func([]netip.Addr) []netip.Addr, hand []string) {
	t.Helper()
	want := wantAddrs(t, hand, compareAddr)
	got := appendFn(nil)
	assert.Equal(t, want, addrStrings(got), label)
	withPrefix := appendFn([]netip.Addr{sentinelAddr})
	require.NotEmpty(t, withPrefix)
	assert.Equal(t, sentinelAddr, withPrefix[0], "%s: dst's own elements are kept", label)
	assert.Equal(t, want, addrStrings(withPrefix[1:]), "%s after a prefix", label)
}

func checkStrIndicators(t *testing.T, label string, appendFn func([]string) []string, want []string) {
	t.Helper()
	require.True(t, sort.StringsAreSorted(want), "%s list not sorted: %q", label, want)
	want = append([]string{}, want...) // nil and empty alike
	assert.Equal(t, want, append([]string{}, appendFn(nil)...), label)
	withPrefix := appendFn([]string{sentinelStr})
	require.NotEmpty(t, withPrefix)
	assert.Equal(t, sentinelStr, withPrefix[0], "%s: dst's own elements are kept", label)
	assert.Equal(t, want, append([]string{}, withPrefix[1:]...), "%s after a prefix", label)
}

// ---- network facts -------------------------------------------------------

type networkCase struct {
	name string
	// time and recorded are the envelope time and fields.recorded, "" for a
	// bare record (which has neither; it is wrapped with bareWrapTime).
	time, recorded string
	ip, email      []string
	check          func(t *testing.T, r *tailscale.Network)
}

// networkCases transcribes EXPECTED.md's "network/" section, file by file.
var networkCases = []networkCase{
	{
		name: "01_time_millis.json", time: "2026-06-03T15:34:47.356Z", recorded: "2026-06-03T15:34:48.123456789Z",
		ip: []string{"100.64.0.1", "100.64.0.2", "fd7a:115c:a1e0::1"}, email: []string{"alice@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			assert.Equal(t, int64(1780500887356000000), r.Time.UnixNano(), "time UnixNano")
			assert.Equal(t, 123456789, r.Fields.Recorded.Nanosecond(), "recorded ns")
			wantTime(t, "event.start", e.HasStart(), e.Start, "2026-06-03T15:34:42.351262815Z")
			wantTime(t, "event.end", e.HasEnd(), e.End, "2026-06-03T15:34:47.353417209Z")
			wantStr(t, "event.nodeId", e.HasNodeID(), e.NodeID, "nK7pQ2wXy311CNTRL")
			checkSrcNode(t, e, nodeAlice)
			assert.True(t, e.HasVirtualTraffic())
			require.Len(t, e.VirtualTraffic, 1)
			wantTraffic(t, "virtualTraffic[0]", &e.VirtualTraffic[0], "proto=6 src=100.64.0.1:52814 srcIp=100.64.0.1 srcPort=52814 dst=100.64.0.2:443 dstIp=100.64.0.2 dstPort=443 txPkts=12 txBytes=1832 rxPkts=10 rxBytes=9421")
			absentArrays(t, e, "dstNodes", "subnetTraffic", "exitTraffic", "physicalTraffic")
			wantAbsent(t, "event.logged", e.HasLogged(), e.Logged.IsZero())
		},
	},
	{
		name: "02_time_integral_float.json", time: "2026-06-03T10:00:00Z", recorded: "2026-06-03T10:00:01Z",
		ip: []string{"100.64.0.1", "100.64.0.2", "fd7a:115c:a1e0::2"}, email: nil,
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			assert.Equal(t, 0, r.Time.Nanosecond(), "time ns")
			assert.Equal(t, 0, r.Fields.Recorded.Nanosecond(), "recorded ns")
			wantTime(t, "event.start", e.HasStart(), e.Start, "2026-06-03T09:59:55.000812Z")
			assert.Equal(t, 812000, e.Start.Nanosecond(), "start: 812 µs")
			wantTime(t, "event.end", e.HasEnd(), e.End, "2026-06-03T09:59:59.998Z")
			wantStr(t, "event.nodeId", e.HasNodeID(), e.NodeID, "nR4tV8mZc511CNTRL")
			checkSrcNode(t, e, nodeWeb1)
			wantTraffic(t, "virtualTraffic[0]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 0), "proto=6 srcIp=100.64.0.2 srcPort=443 dstIp=100.64.0.1 dstPort=52814 txPkts=10 txBytes=9421 rxPkts=12 rxBytes=1832")
			absentArrays(t, e, "dstNodes", "subnetTraffic", "exitTraffic", "physicalTraffic")
		},
	},
	{
		name: "03_time_exponent.json", time: "2026-06-03T15:34:47.356Z", recorded: "2026-06-03T15:34:48.504Z",
		ip: []string{"100.101.102.103", "100.64.0.1", "fd7a:115c:a1e0::1"}, email: []string{"alice@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			assert.Equal(t, 356000000, r.Time.Nanosecond(), "time: 356 ms")
			checkSrcNode(t, e, nodeAlice)
			wantTraffic(t, "virtualTraffic[0]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 0), "proto=6 srcIp=100.64.0.1 srcPort=53100 dstIp=100.101.102.103 dstPort=5432 txPkts=9 txBytes=1277 rxPkts=8 rxBytes=4410")
		},
	},
	{
		name: "04_time_integer.json", time: "2026-06-03T10:00:00Z", recorded: "2026-06-03T10:00:00.912348Z",
		ip: []string{"100.101.102.103", "100.64.0.2", "fd7a:115c:a1e0::6566:6667"}, email: nil,
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			wantTime(t, "event.start", e.HasStart(), e.Start, "2026-06-03T09:59:55.004471Z")
			wantTime(t, "event.end", e.HasEnd(), e.End, "2026-06-03T09:59:59.996127Z")
			wantStr(t, "event.nodeId", e.HasNodeID(), e.NodeID, "nD9sL3kHq711CNTRL")
			checkSrcNode(t, e, nodeDB1)
			wantTraffic(t, "virtualTraffic[0]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 0), "proto=6 srcIp=100.101.102.103 srcPort=5432 dstIp=100.64.0.2 dstPort=38122 txPkts=44 txBytes=61230 rxPkts=40 rxBytes=5120")
		},
	},
	{
		name: "05_time_numeric_string.json", time: "2026-06-03T15:34:47.356Z", recorded: "2026-06-03T15:34:49.7Z",
		ip: []string{"100.64.0.1", "100.64.0.2", "fd7a:115c:a1e0::1"}, email: []string{"alice@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			assert.Equal(t, 700000000, r.Fields.Recorded.Nanosecond(), "recorded: 700 ms")
			checkSrcNode(t, e, nodeAlice)
			wantTraffic(t, "virtualTraffic[0]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 0), "proto=17 srcIp=100.64.0.1 srcPort=60211 dstIp=100.64.0.2 dstPort=514 txPkts=3 txBytes=711 rx=-")
		},
	},
	{
		name: "06_recorded_offset.json", time: "2026-06-03T15:34:47.356Z", recorded: "2026-06-03T15:34:48.25Z",
		ip: []string{"100.101.102.103", "100.64.0.2", "fd7a:115c:a1e0::2"}, email: nil,
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			assert.Equal(t, int64(1780500888250000000), r.Fields.Recorded.UnixNano(), "recorded UnixNano")
			wantTime(t, "event.start", e.HasStart(), e.Start, "2026-06-03T15:34:42.349811Z")
			wantTime(t, "event.end", e.HasEnd(), e.End, "2026-06-03T15:34:47.352203Z")
			checkSrcNode(t, e, nodeWeb1)
			wantTraffic(t, "virtualTraffic[0]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 0), "proto=6 srcIp=100.64.0.2 srcPort=38122 dstIp=100.101.102.103 dstPort=5432 txPkts=40 txBytes=5120 rxPkts=44 rxBytes=61230")
		},
	},
	{
		name: "07_omitted_zero_fields.json", time: "2026-06-03T15:34:52.361Z", recorded: "2026-06-03T15:34:53.004Z",
		ip: []string{"100.64.0.1", "100.64.0.2", "fd7a:115c:a1e0::1"}, email: []string{"alice@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			checkSrcNode(t, e, nodeAlice)
			assert.True(t, e.HasVirtualTraffic())
			require.Len(t, e.VirtualTraffic, 4)
			vt := e.VirtualTraffic
			wantTraffic(t, "virtualTraffic[0]", &vt[0], "proto=6 srcIp=100.64.0.1 srcPort=50001 dstIp=100.64.0.2 dstPort=22 txPkts=3 txBytes=180 rx=-")
			wantTraffic(t, "virtualTraffic[1]", &vt[1], "proto=- srcIp=100.64.0.1 srcPort=0 dstIp=100.64.0.2 dstPort=0 txPkts=1 txBytes=28 rx=-")
			wantTraffic(t, "virtualTraffic[2]", &vt[2], "proto=6 src=- dstIp=100.64.0.2 dstPort=80 rxPkts=1 rxBytes=52 tx=-")
			wantTraffic(t, "virtualTraffic[3]", &vt[3], "proto=6 srcIp=100.64.0.1 srcPort=50002 dst=- txPkts=2 txBytes=104 rx=-")
			absentArrays(t, e, "dstNodes", "subnetTraffic", "exitTraffic", "physicalTraffic")
		},
	},
	{
		name: "08_rx_only.json", time: "2026-06-03T15:34:57.366Z", recorded: "2026-06-03T15:34:58.01Z",
		ip: []string{"100.64.0.1", "100.64.0.2", "198.51.100.23", "fd7a:115c:a1e0::1", "fd7a:115c:a1e0::2"}, email: []string{"alice@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			checkSrcNode(t, e, nodeAlice)
			checkDstNodes(t, e, nodeWeb1)
			wantTraffic(t, "virtualTraffic[0]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 0), "proto=6 srcIp=100.64.0.2 srcPort=443 dstIp=100.64.0.1 dstPort=52814 rxPkts=4 rxBytes=3120 tx=-")
			wantTraffic(t, "physicalTraffic[0]", trafficAt(t, "physicalTraffic", e.PhysicalTraffic, 0), "proto=- srcIp=100.64.0.2 srcPort=0 dstIp=198.51.100.23 dstPort=41641 rxPkts=4 rxBytes=3248 tx=-")
		},
	},
	{
		name: "09_counters_only.json", time: "2026-06-03T15:35:02.371Z", recorded: "2026-06-03T15:35:03.2Z",
		ip: []string{"100.64.0.1", "100.64.0.2", "fd7a:115c:a1e0::1"}, email: []string{"alice@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			wantTraffic(t, "virtualTraffic[0]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 0), "txPkts=5 txBytes=420 rxPkts=5 rxBytes=420 proto=- src=- dst=-")
			wantTraffic(t, "virtualTraffic[1]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 1), "proto=6 srcIp=100.64.0.1 srcPort=52814 dstIp=100.64.0.2 dstPort=443 txPkts=2 txBytes=104 rx=-")
		},
	},
	{
		name: "10_proto_numbers.json", time: "2026-06-03T10:00:05.012Z", recorded: "2026-06-03T10:00:05.5Z",
		ip: []string{"100.64.0.1", "100.64.0.2", "fd7a:115c:a1e0::1", "fd7a:115c:a1e0::2"}, email: []string{"alice@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			wantTime(t, "event.start", e.HasStart(), e.Start, "2026-06-03T10:00:00.009Z")
			wantTime(t, "event.end", e.HasEnd(), e.End, "2026-06-03T10:00:05.01Z")
			vt := e.VirtualTraffic
			require.Len(t, vt, 7)
			for i, p := range []string{"6", "17", "1", "58", "99", "132", "255"} {
				wantTraffic(t, fmt.Sprintf("virtualTraffic[%d]", i), &vt[i], "proto="+p)
			}
			wantTraffic(t, "virtualTraffic[0]", &vt[0], "srcPort=52814 dstPort=443")
			wantTraffic(t, "virtualTraffic[1]", &vt[1], "srcPort=53124 dstPort=53")
			for _, i := range []int{2, 4, 6} {
				wantTraffic(t, fmt.Sprintf("virtualTraffic[%d]", i), &vt[i], "srcIp=100.64.0.1 srcPort=0 dstIp=100.64.0.2 dstPort=0")
			}
			wantTraffic(t, "virtualTraffic[3]", &vt[3], "srcIp=fd7a:115c:a1e0::1 srcPort=0 dstIp=fd7a:115c:a1e0::2 dstPort=0 txPkts=1 txBytes=104 rxPkts=1 rxBytes=104")
			wantTraffic(t, "virtualTraffic[5]", &vt[5], "srcPort=36412 dstPort=38412 txPkts=3 txBytes=392 rxPkts=2 rxBytes=196")
			wantTraffic(t, "virtualTraffic[6]", &vt[6], "txPkts=2 txBytes=2960 rx=-")
		},
	},
	{
		name: "11_proto_names.json", time: "2026-06-03T10:00:10.015Z", recorded: "2026-06-03T10:00:10.6Z",
		ip: []string{"100.64.0.1", "100.64.0.2", "fd7a:115c:a1e0::1", "fd7a:115c:a1e0::2"}, email: nil,
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			vt := e.VirtualTraffic
			require.Len(t, vt, 5)
			for i, p := range []string{"6", "17", "1", "58", "99"} { // tcp, udp, icmp, ipv6-icmp, tsmp
				wantTraffic(t, fmt.Sprintf("virtualTraffic[%d]", i), &vt[i], "proto="+p)
			}
			wantTraffic(t, "virtualTraffic[3]", &vt[3], "srcIp=fd7a:115c:a1e0::2 dstIp=fd7a:115c:a1e0::1 srcPort=0 dstPort=0")
			wantTraffic(t, "virtualTraffic[4]", &vt[4], "rxPkts=1 rxBytes=61 tx=-")
			checkSrcNode(t, e, nodeWeb1)
		},
	},
	{
		name: "12_ipv6_bracketed.json", time: "2026-06-03T10:00:15.02Z", recorded: "2026-06-03T10:00:15.75Z",
		ip:    []string{"100.64.0.1", "100.64.0.2", "2001:db8:10::25", "2001:db8:ffff::7", "fd7a:115c:a1e0::1", "fd7a:115c:a1e0::2"},
		email: []string{"alice@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			assert.Equal(t, 20000000, r.Time.Nanosecond(), "time: 20 ms")
			wantTraffic(t, "virtualTraffic[0]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 0), "src=[fd7a:115c:a1e0::1]:41641 srcIp=fd7a:115c:a1e0::1 srcPort=41641 dstIp=fd7a:115c:a1e0::2 dstPort=22")
			wantTraffic(t, "subnetTraffic[0]", trafficAt(t, "subnetTraffic", e.SubnetTraffic, 0), "srcIp=fd7a:115c:a1e0::1 srcPort=50123 dstIp=2001:db8:10::25 dstPort=443")
			wantTraffic(t, "exitTraffic[0]", trafficAt(t, "exitTraffic", e.ExitTraffic, 0), "proto=- srcIp=fd7a:115c:a1e0::1 srcPort=0 dst=- txPkts=31 txBytes=4102 rxPkts=29 rxBytes=30077")
			wantTraffic(t, "physicalTraffic[0]", trafficAt(t, "physicalTraffic", e.PhysicalTraffic, 0), "srcIp=fd7a:115c:a1e0::2 srcPort=0 dstIp=2001:db8:ffff::7 dstPort=41641")
			checkSrcNode(t, e, nodeAlice)
			checkDstNodes(t, e, nodeWeb1)
		},
	},
	{
		name: "13_ipv4_mapped_ipv6.json", time: "2026-06-03T10:00:20.025Z", recorded: "2026-06-03T10:00:20.9Z",
		ip:    []string{"100.64.0.1", "100.90.5.6", "192.0.2.80", "::ffff:1.2.3.4", "fd7a:115c:a1e0::1", "fd7a:115c:a1e0::5a05:506"},
		email: []string{"alice@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			wantStr(t, "event.nodeId", e.HasNodeID(), e.NodeID, "nS8rU4yMa611CNTRL")
			checkSrcNode(t, e, nodeRoute)
			checkDstNodes(t, e, nodeAlice)
			st0 := trafficAt(t, "subnetTraffic", e.SubnetTraffic, 0)
			wantTraffic(t, "subnetTraffic[0]", st0, "srcIp=fd7a:115c:a1e0::1 srcPort=51000 dst=[::ffff:1.2.3.4]:80 dstIp=::ffff:1.2.3.4 dstPort=80")
			assert.True(t, st0.DstIP.Is4In6(), "dstIp stays 4-in-6")
			assert.NotEqual(t, netip.MustParseAddr("1.2.3.4"), st0.DstIP, "dstIp is not unmapped")
			wantTraffic(t, "subnetTraffic[1]", trafficAt(t, "subnetTraffic", e.SubnetTraffic, 1), "srcIp=100.64.0.1 srcPort=51001 dstIp=192.0.2.80 dstPort=80")
			absentArrays(t, e, "virtualTraffic", "exitTraffic", "physicalTraffic")
		},
	},
	{
		name: "14_physical_derp.json", time: "2026-06-03T10:00:25.03Z", recorded: "2026-06-03T10:00:25.8Z",
		ip: []string{"100.64.0.1", "100.64.0.2", "100.88.12.34", "127.3.3.40", "198.51.100.23", "2001:db8::23",
			"fd7a:115c:a1e0::1", "fd7a:115c:a1e0::2", "fd7a:115c:a1e0::5801:c22"},
		email: []string{"alice@example.com", "bob@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			checkSrcNode(t, e, nodeAlice)
			checkDstNodes(t, e, nodeWeb1, nodeBob)
			pt := e.PhysicalTraffic
			require.Len(t, pt, 4)
			for i := range pt {
				wantTraffic(t, fmt.Sprintf("physicalTraffic[%d]", i), &pt[i], "proto=-")
			}
			wantTraffic(t, "physicalTraffic[0]", &pt[0], "srcIp=100.88.12.34 srcPort=0 dstIp=127.3.3.40 dstPort=1 txPkts=14 txBytes=2210 rxPkts=12 rxBytes=1984")
			wantTraffic(t, "physicalTraffic[1]", &pt[1], "dstIp=127.3.3.40 dstPort=4 txPkts=2 txBytes=196 rx=-")
			wantTraffic(t, "physicalTraffic[2]", &pt[2], "srcIp=100.64.0.2 srcPort=0 dstIp=198.51.100.23 dstPort=41641")
			wantTraffic(t, "physicalTraffic[3]", &pt[3], "dstIp=2001:db8::23 dstPort=41641 txPkts=1 txBytes=148 rxPkts=1 rxBytes=148")
			wantTraffic(t, "virtualTraffic[0]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 0), "dstIp=100.64.0.2 dstPort=443")
			wantTraffic(t, "virtualTraffic[1]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 1), "srcPort=52990 dstIp=100.88.12.34 dstPort=8080")
		},
	},
	{
		name: "15_exit_anonymized.json", time: "2026-06-03T10:00:30.035Z", recorded: "2026-06-03T10:00:31.1Z",
		ip:    []string{"100.64.0.1", "100.70.1.1", "203.0.113.50", "fd7a:115c:a1e0::1", "fd7a:115c:a1e0::4601:101"},
		email: []string{"alice@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			wantStr(t, "event.nodeId", e.HasNodeID(), e.NodeID, "nE5xT1gRf211CNTRL")
			checkSrcNode(t, e, nodeExit)
			checkDstNodes(t, e, nodeAlice)
			et := e.ExitTraffic
			require.Len(t, et, 2)
			for i := range et {
				wantTraffic(t, fmt.Sprintf("exitTraffic[%d]", i), &et[i], "proto=- dst=- srcPort=0")
			}
			wantTraffic(t, "exitTraffic[0]", &et[0], "srcIp=100.64.0.1 txPkts=120 txBytes=15872 rxPkts=180 rxBytes=201554")
			wantTraffic(t, "exitTraffic[1]", &et[1], "srcIp=fd7a:115c:a1e0::1 txPkts=4 txBytes=512 rxPkts=4 rxBytes=1024")
			wantTraffic(t, "physicalTraffic[0]", trafficAt(t, "physicalTraffic", e.PhysicalTraffic, 0), "srcIp=100.64.0.1 srcPort=0 dstIp=203.0.113.50 dstPort=41641 txPkts=126 txBytes=22080 rxPkts=186 rxBytes=214432")
			absentArrays(t, e, "virtualTraffic", "subnetTraffic")
		},
	},
	{
		name: "16_icmp_port_zero.json", time: "2026-06-03T10:00:35.04Z", recorded: "2026-06-03T10:00:35.9Z",
		ip:    []string{"100.64.0.1", "100.64.0.2", "192.0.2.10", "fd7a:115c:a1e0::1", "fd7a:115c:a1e0::2"},
		email: []string{"alice@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			wantTraffic(t, "virtualTraffic[0]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 0), "proto=1 srcIp=100.64.0.1 srcPort=0 dstIp=100.64.0.2 dstPort=0 txPkts=4 txBytes=336 rxPkts=4 rxBytes=336")
			wantTraffic(t, "virtualTraffic[1]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 1), "proto=58 srcIp=fd7a:115c:a1e0::1 srcPort=0 dstIp=fd7a:115c:a1e0::2 dstPort=0 txBytes=416 rxBytes=416")
			wantTraffic(t, "subnetTraffic[0]", trafficAt(t, "subnetTraffic", e.SubnetTraffic, 0), "proto=1 srcIp=100.64.0.1 srcPort=0 dstIp=192.0.2.10 dstPort=0 txPkts=3 txBytes=252 rxPkts=3 rxBytes=252")
		},
	},
	{
		name: "17_src_dst_nodes.json", time: "2026-06-03T15:35:07.376Z", recorded: "2026-06-03T15:35:08.002Z",
		ip: []string{"100.101.102.103", "100.64.0.1", "100.64.0.2", "100.88.12.34",
			"fd7a:115c:a1e0::1", "fd7a:115c:a1e0::2", "fd7a:115c:a1e0::5801:c22", "fd7a:115c:a1e0::6566:6667"},
		email: []string{"alice@example.com", "bob@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			checkSrcNode(t, e, nodeAlice)
			db1 := nodeDB1
			db1.Addresses = []string{"100.101.102.103", "fd7a:115c:a1e0:0:0:0:6566:6667"} // kept as written
			checkDstNodes(t, e, nodeWeb1, nodeBob, db1)
			wantTraffic(t, "virtualTraffic[2]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 2), "srcIp=fd7a:115c:a1e0::1 srcPort=53020 dstIp=fd7a:115c:a1e0::6566:6667 dstPort=5432")
			assert.Len(t, r.AppendIPAddresses(nil), 8, "8 ip values")
		},
	},
	{
		name: "18_no_src_node_old_client.json", time: "2026-06-03T15:35:12.381Z", recorded: "2026-06-03T15:35:13.25Z",
		ip: []string{"100.64.0.1", "100.99.1.20", "198.51.100.77"}, email: nil,
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			wantTime(t, "event.start", e.HasStart(), e.Start, "2026-06-03T15:35:07.3771Z")
			wantTime(t, "event.end", e.HasEnd(), e.End, "2026-06-03T15:35:12.3793Z")
			wantStr(t, "event.nodeId", e.HasNodeID(), e.NodeID, "nB3vN7cXz411CNTRL")
			wantAbsent(t, "event.srcNode", e.HasSrcNode(), nodeIsEmpty(&e.SrcNode))
			absentArrays(t, e, "dstNodes")
			wantTraffic(t, "virtualTraffic[0]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 0), "proto=6 srcIp=100.99.1.20 srcPort=445 dstIp=100.64.0.1 dstPort=53511 txPkts=310 txBytes=421880 rxPkts=160 rxBytes=9600")
			wantTraffic(t, "physicalTraffic[0]", trafficAt(t, "physicalTraffic", e.PhysicalTraffic, 0), "srcIp=100.64.0.1 srcPort=0 dstIp=198.51.100.77 dstPort=41641")
		},
	},
	{
		name: "19_unknown_fields.json", time: "2026-06-03T15:35:17.386Z", recorded: "2026-06-03T15:35:18.111Z",
		ip: []string{"100.64.0.1", "100.64.0.2", "fd7a:115c:a1e0::1"}, email: []string{"alice@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			wantTime(t, "event.start", e.HasStart(), e.Start, "2026-06-03T15:35:12.381652Z")
			wantTime(t, "event.end", e.HasEnd(), e.End, "2026-06-03T15:35:17.384209Z")
			wantStr(t, "event.nodeId", e.HasNodeID(), e.NodeID, "nK7pQ2wXy311CNTRL")
			checkSrcNode(t, e, nodeAlice)
			require.Len(t, e.VirtualTraffic, 1)
			wantTraffic(t, "virtualTraffic[0]", &e.VirtualTraffic[0], "proto=6 srcIp=100.64.0.1 srcPort=52814 dstIp=100.64.0.2 dstPort=443 txPkts=1 txBytes=52 rxPkts=1 rxBytes=52")
			ips := addrStrings(r.AppendIPAddresses(nil))
			assert.NotContains(t, ips, "100.64.0.9", "futureTraffic is unknown")
			assert.NotContains(t, ips, "100.64.0.10", "futureTraffic is unknown")
		},
	},
	{
		name: "20_duplicate_keys.json", time: "2026-06-03T15:35:22.391Z", recorded: "2026-06-03T15:35:23.5Z",
		ip: []string{"100.64.0.1", "100.64.0.2", "fd7a:115c:a1e0::1"}, email: []string{"alice@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			wantStr(t, "event.nodeId", e.HasNodeID(), e.NodeID, "nK7pQ2wXy311CNTRL")
			wantStrs(t, "event.srcNode.addresses", e.SrcNode.HasAddresses(), e.SrcNode.Addresses, []string{"100.64.0.1", "fd7a:115c:a1e0::1"})
			wantStr(t, "event.srcNode.user", e.SrcNode.HasUser(), e.SrcNode.User, "alice@example.com")
			require.Len(t, e.VirtualTraffic, 1, "the second array replaces the first")
			wantTraffic(t, "virtualTraffic[0]", &e.VirtualTraffic[0], "proto=17 src=100.64.0.1:41001 srcPort=41001 dstIp=100.64.0.2 dstPort=53 txBytes=2 txPkts=1 rx=-")
		},
	},
	{
		name: "21_null_and_empty_numeric.json", time: "2026-06-03T15:35:27.396Z", recorded: "2026-06-03T15:35:28.7Z",
		ip: []string{"100.64.0.1", "100.64.0.2", "fd7a:115c:a1e0::1"}, email: []string{"alice@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			wantTraffic(t, "virtualTraffic[0]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 0), "proto=- srcIp=100.64.0.1 srcPort=60000 dstIp=100.64.0.2 dstPort=8443 txPkts=- txBytes=- rxPkts=3 rxBytes=-")
			wantTraffic(t, "virtualTraffic[1]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 1), "proto=- srcPort=52814 dstPort=443 tx=- rx=-")
			absentArrays(t, e, "subnetTraffic")
			assert.Empty(t, e.ExitTraffic, "exitTraffic [] has 0 entries")
		},
	},
	{
		name: "22_numeric_string_counters.json", time: "2026-06-03T15:35:32.401Z", recorded: "2026-06-03T15:35:33Z",
		ip: []string{"100.64.0.1", "100.64.0.2", "fd7a:115c:a1e0::1"}, email: []string{"alice@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			wantTraffic(t, "virtualTraffic[0]", trafficAt(t, "virtualTraffic", r.Event.VirtualTraffic, 0), "proto=6 txPkts=1234 txBytes=567890 rxPkts=12 rxBytes=98765")
		},
	},
	{
		name: "23_counter_int64_max.json", time: "2026-06-03T15:35:37.406Z", recorded: "2026-06-03T15:35:38.1Z",
		ip: []string{"100.64.0.1", "100.64.0.2"}, email: nil,
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			vt0 := trafficAt(t, "virtualTraffic", e.VirtualTraffic, 0)
			wantTraffic(t, "virtualTraffic[0]", vt0, "txPkts=1 txBytes=9223372036854775807 rxPkts=9223372036854775807 rxBytes=1")
			assert.Equal(t, int64(math.MaxInt64), vt0.TxBytes)
			assert.Equal(t, int64(math.MaxInt64), vt0.RxPkts)
			wantAbsent(t, "event.srcNode", e.HasSrcNode(), nodeIsEmpty(&e.SrcNode))
			absentArrays(t, e, "dstNodes")
		},
	},
	{
		name: "24_string_escapes.json", time: "2026-06-03T15:35:42.411Z", recorded: "2026-06-03T15:35:43.3Z",
		ip: []string{"100.64.0.1", "100.64.0.7", "fd7a:115c:a1e0::7"}, email: []string{"josé@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			n := &e.SrcNode
			wantStr(t, "event.nodeId", e.HasNodeID(), e.NodeID, "nJ4kW8pLm211CNTRL")
			wantStr(t, "event.srcNode.nodeId", n.HasNodeID(), n.NodeID, "nJ4kW8pLm211CNTRL")
			wantStrs(t, "event.srcNode.addresses", n.HasAddresses(), n.Addresses, []string{"100.64.0.7", "fd7a:115c:a1e0::7"})
			wantStr(t, "event.srcNode.name", n.HasName(), n.Name, "caf\u00e9-server.tail0a1b2.ts.net")
			assert.Equal(t, []byte("caf\xc3\xa9-"), []byte(n.Name[:6]), "é is UTF-8 C3 A9")
			wantStr(t, "event.srcNode.os", n.HasOS(), n.OS, `linux "jammy" C:\tmp/x`)
			wantStr(t, "event.srcNode.user", n.HasUser(), n.User, "jos\u00e9@example.com")
			wantStrs(t, "event.srcNode.tags", n.HasTags(), n.Tags, []string{"tag:emoji-\U0001F600", "tag:slash/tab\tx"})
			if len(n.Tags) > 0 {
				assert.True(t, strings.HasSuffix(n.Tags[0], "\xf0\x9f\x98\x80"), "U+1F600 is UTF-8 F0 9F 98 80")
			}
			wantTraffic(t, "virtualTraffic[0]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 0), "src=100.64.0.7:41641 srcIp=100.64.0.7 srcPort=41641 dstIp=100.64.0.1 dstPort=22")
		},
	},
	{
		name: "25_invalid_utf8.json", time: "2026-06-03T15:35:47.416Z", recorded: "2026-06-03T15:35:48.2Z",
		ip: []string{"100.64.0.1", "100.64.0.2", "fd7a:115c:a1e0::1"}, email: []string{"alice@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			n := &e.SrcNode
			wantStr(t, "event.srcNode.name", n.HasName(), n.Name, "bad-\uFFFD-host.tail0a1b2.ts.net")
			wantStr(t, "event.srcNode.os", n.HasOS(), n.OS, "macOS\uFFFD")
			wantTraffic(t, "virtualTraffic[0]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 0), "proto=6 srcIp=100.64.0.1 srcPort=52814 dstIp=100.64.0.2 dstPort=443 txPkts=3 txBytes=180")
		},
	},
	{
		name: "26_typical_30_entries.json", time: "2026-06-03T15:35:52.421Z", recorded: "2026-06-03T15:35:53.020931Z",
		ip: []string{"100.101.102.103", "100.64.0.1", "100.64.0.2", "100.70.1.1", "100.88.12.34", "100.90.5.6", "127.3.3.40",
			"192.0.2.1", "192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.53", "198.51.100.23", "198.51.100.99",
			"2001:db8:10::25", "2001:db8::23", "2001:db8:ffff::7", "203.0.113.50", "203.0.113.7",
			"fd7a:115c:a1e0::1", "fd7a:115c:a1e0::2", "fd7a:115c:a1e0::4601:101", "fd7a:115c:a1e0::5801:c22", "fd7a:115c:a1e0::5a05:506", "fd7a:115c:a1e0::6566:6667"},
		email: []string{"alice@example.com", "bob@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			wantTime(t, "event.start", e.HasStart(), e.Start, "2026-06-03T15:35:47.414327118Z")
			wantTime(t, "event.end", e.HasEnd(), e.End, "2026-06-03T15:35:52.419004561Z")
			checkSrcNode(t, e, nodeAlice)
			checkDstNodes(t, e, nodeWeb1, nodeBob, nodeDB1, nodeExit, nodeRoute)
			vt, st, et, pt := e.VirtualTraffic, e.SubnetTraffic, e.ExitTraffic, e.PhysicalTraffic
			require.Len(t, vt, 14)
			require.Len(t, st, 6)
			require.Len(t, et, 2)
			require.Len(t, pt, 8)
			wantTraffic(t, "virtualTraffic[3]", &vt[3], "proto=6 srcIp=fd7a:115c:a1e0::1 srcPort=53020 dstIp=fd7a:115c:a1e0::6566:6667 dstPort=5432")
			wantTraffic(t, "virtualTraffic[7]", &vt[7], "proto=99 dstIp=100.90.5.6 dstPort=0 txPkts=1 txBytes=61 rx=-")
			wantTraffic(t, "virtualTraffic[8]", &vt[8], "srcIp=100.88.12.34 srcPort=60412 dstPort=8080 rxPkts=4 rxBytes=398 tx=-")
			wantTraffic(t, "virtualTraffic[11]", &vt[11], "txPkts=1 txBytes=40 proto=- src=- dst=- rx=-")
			wantTraffic(t, "virtualTraffic[13]", &vt[13], "proto=132 dstIp=100.90.5.6 dstPort=38412")
			wantTraffic(t, "subnetTraffic[4]", &st[4], "srcIp=fd7a:115c:a1e0::1 dstIp=2001:db8:10::25 dstPort=443")
			wantTraffic(t, "subnetTraffic[5]", &st[5], "rx=-")
			wantTraffic(t, "exitTraffic[0]", &et[0], "proto=- dst=- srcPort=0 srcIp=100.64.0.1")
			wantTraffic(t, "exitTraffic[1]", &et[1], "proto=- dst=- srcPort=0 srcIp=fd7a:115c:a1e0::1")
			wantTraffic(t, "physicalTraffic[1]", &pt[1], "dstIp=127.3.3.40 dstPort=1")
			wantTraffic(t, "physicalTraffic[5]", &pt[5], "dstIp=127.3.3.40 dstPort=4 txBytes=92 rx=-")
			wantTraffic(t, "physicalTraffic[7]", &pt[7], "dstIp=2001:db8::23 dstPort=41641 rxPkts=1 rxBytes=148 tx=-")
			var vtTx, vtRx, ptTx int64
			for i := range vt {
				vtTx += vt[i].TxBytes
				vtRx += vt[i].RxBytes
			}
			for i := range pt {
				ptTx += pt[i].TxBytes
			}
			assert.Equal(t, int64(22688), vtTx, "sum of virtualTraffic txBytes")
			assert.Equal(t, int64(138205), vtRx, "sum of virtualTraffic rxBytes")
			assert.Equal(t, int64(88904), ptTx, "sum of physicalTraffic txBytes")
			assert.Len(t, r.AppendIPAddresses(nil), 25, "25 ip values")
		},
	},
	{
		name: "27_logged_bare.json", time: "", recorded: "",
		ip: []string{"100.64.0.1", "100.64.0.2", "198.51.100.40", "fd7a:115c:a1e0::1", "fd7a:115c:a1e0::2"}, email: []string{"alice@example.com"},
		check: func(t *testing.T, r *tailscale.Network) {
			e := &r.Event
			wantTime(t, "event.logged", e.HasLogged(), e.Logged, "2026-06-03T15:35:53.871402613Z")
			assert.Equal(t, 871402613, e.Logged.Nanosecond(), "logged: 9 fractional digits")
			wantStr(t, "event.nodeId", e.HasNodeID(), e.NodeID, "nR4tV8mZc511CNTRL")
			wantTime(t, "event.start", e.HasStart(), e.Start, "2026-06-03T15:35:47.420115Z")
			wantTime(t, "event.end", e.HasEnd(), e.End, "2026-06-03T15:35:52.424876Z")
			checkSrcNode(t, e, nodeWeb1)
			checkDstNodes(t, e, nodeAlice)
			wantTraffic(t, "virtualTraffic[0]", trafficAt(t, "virtualTraffic", e.VirtualTraffic, 0), "proto=6 srcIp=100.64.0.2 srcPort=443 dstIp=100.64.0.1 dstPort=52814 txPkts=20 txBytes=18204 rxPkts=22 rxBytes=3110")
			wantTraffic(t, "physicalTraffic[0]", trafficAt(t, "physicalTraffic", e.PhysicalTraffic, 0), "srcIp=100.64.0.1 srcPort=0 dstIp=198.51.100.40 dstPort=41641")
		},
	},
}

// nodeIsEmpty reports whether a NetworkNode holds no values.
func nodeIsEmpty(n *tailscale.NetworkNode) bool {
	return n.NodeID == "" && n.Name == "" && len(n.Addresses) == 0 && n.OS == "" && n.User == "" && len(n.Tags) == 0
}

// checkNetworkCommon asserts the facts every network file shares: the
// envelope time and fields.recorded (or, for a bare record, no fields), and
// the indicators.
func checkNetworkCommon(t *testing.T, c *networkCase, r *tailscale.Network) {
	t.Helper()
	assert.True(t, r.HasEvent(), "event: present")
	if isBare(c.name) {
		// A bare record has no time and no fields; the wrapper supplies time.
		assert.Equal(t, int64(bareWrapTime), r.Time.Unix(), "time (from the test's wrapper)")
		assert.False(t, r.HasFields(), "fields: absent in a bare record")
		wantAbsent(t, "fields.recorded", r.Fields.HasRecorded(), r.Fields.Recorded.IsZero())
	} else {
		wantTime(t, "time", r.HasTime(), r.Time, c.time)
		assert.True(t, r.HasFields(), "fields: present")
		wantTime(t, "fields.recorded", r.Fields.HasRecorded(), r.Fields.Recorded, c.recorded)
		assert.True(t, r.EventTime().Equal(r.Time), "EventTime is time")
		// Only the bare record writes logged.
		wantAbsent(t, "event.logged", r.Event.HasLogged(), r.Event.Logged.IsZero())
	}
	checkAddrIndicators(t, "ip", r.AppendIPAddresses, c.ip)
	checkStrIndicators(t, "email", r.AppendEmails, c.email)
}

func TestNetworkDecode(t *testing.T) {
	names := make([]string, len(networkCases))
	for i, c := range networkCases {
		names[i] = c.name
	}
	require.ElementsMatch(t, recordFiles(t, "network"), names, "a case for every file of network/")
	for i := range networkCases {
		c := &networkCases[i]
		t.Run(c.name, func(t *testing.T) {
			var r tailscale.Network
			require.NoError(t, r.Decode(readRecord(t, "network", c.name)))
			checkNetworkCommon(t, c, &r)
			c.check(t, &r)
		})
	}
}

// ---- audit facts ---------------------------------------------------------

type actorFacts struct {
	ID, Type, LoginName, DisplayName string
	Tags                             []string // nil: absent
}

var (
	actorAlice = actorFacts{"uA3mQ9tR2x11CNTRL", "USER", "alice@example.com", "Alice Example", nil}
	actorBob   = actorFacts{"uB7nW4pK8z11CNTRL", "USER", "bob@example.com", "Bob Example", nil}
	actorOAuth = actorFacts{"kC5vX2jH6q11CNTRL", "OAUTH_CLIENT", "", "terraform-ci", nil}
)

func checkActor(t *testing.T, got *tailscale.AuditActor, want actorFacts) {
	t.Helper()
	wantStr(t, "event.actor.id", got.HasID(), got.ID, want.ID)
	wantStr(t, "event.actor.type", got.HasType(), got.Type, want.Type)
	wantStr(t, "event.actor.loginName", got.HasLoginName(), got.LoginName, want.LoginName)
	wantStr(t, "event.actor.displayName", got.HasDisplayName(), got.DisplayName, want.DisplayName)
	if want.Tags == nil {
		wantAbsent(t, "event.actor.tags", got.HasTags(), len(got.Tags) == 0)
	} else {
		wantStrs(t, "event.actor.tags", got.HasTags(), got.Tags, want.Tags)
	}
}

// targetFacts is an AuditTarget's facts; "-" means absent, "?" not checked.
type targetFacts struct{ ID, Name, Type, Property string }

func checkTarget(t *testing.T, got *tailscale.AuditTarget, want targetFacts) {
	t.Helper()
	assert.True(t, got.HasIsEphemeral() || !got.IsEphemeral, "isEphemeral is false when absent")
	for _, f := range []struct {
		label, want, got string
		has              bool
	}{
		{"event.target.id", want.ID, got.ID, got.HasID()},
		{"event.target.name", want.Name, got.Name, got.HasName()},
		{"event.target.type", want.Type, got.Type, got.HasType()},
		{"event.target.property", want.Property, got.Property, got.HasProperty()},
	} {
		switch f.want {
		case "?":
		case "-":
			wantAbsent(t, f.label, f.has, f.got == "")
		default:
			wantStr(t, f.label, f.has, f.got, f.want)
		}
	}
}

// absentAudit asserts that the named event fields are absent: any of
// deferredAt, old, new, actionDetails, error, eventTime, type, logged.
func absentAudit(t *testing.T, e *tailscale.AuditEvent, names ...string) {
	t.Helper()
	for _, n := range names {
		var has, zero bool
		switch n {
		case "deferredAt":
			has, zero = e.HasDeferredAt(), e.DeferredAt.IsZero()
		case "old":
			has, zero = e.HasOld(), len(e.Old) == 0
		case "new":
			has, zero = e.HasNew(), len(e.New) == 0
		case "actionDetails":
			has, zero = e.HasActionDetails(), e.ActionDetails == ""
		case "error":
			has, zero = e.HasError(), e.Error == ""
		case "eventTime":
			has, zero = e.HasEventTime(), e.EventTime.IsZero()
		case "type":
			has, zero = e.HasType(), e.Type == ""
		case "logged":
			has, zero = e.HasLogged(), e.Logged.IsZero()
		default:
			t.Fatalf("unknown field %q", n)
		}
		wantAbsent(t, "event."+n, has, zero)
	}
}

type auditCase struct {
	name           string
	time, recorded string // "" for a bare record
	email, actorID []string
	check          func(t *testing.T, r *tailscale.Audit)
}

// web1Target is "target web-1" in EXPECTED.md: the node WEB1.
func web1Target(property string) targetFacts {
	return targetFacts{"nR4tV8mZc511CNTRL", "web-1.tail0a1b2.ts.net", "NODE", property}
}

// auditCases transcribes EXPECTED.md's "audit/" section, file by file. No
// audit file has an ip indicator, and the Audit type has none at all:
// checkAuditCommon asserts that.
var auditCases = []auditCase{
	{
		name: "01_old_new_string.json", time: "2026-06-03T16:00:01.113Z", recorded: "2026-06-03T16:00:01.412907Z",
		email: []string{"alice@example.com"}, actorID: []string{"uA3mQ9tR2x11CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			wantStr(t, "event.eventGroupID", e.HasEventGroupID(), e.EventGroupID, "3f9a1c2e7b5d4e608a1f2b3c4d5e6f70")
			wantStr(t, "event.origin", e.HasOrigin(), e.Origin, "ADMIN_CONSOLE")
			checkActor(t, &e.Actor, actorAlice)
			checkTarget(t, &e.Target, targetFacts{"nK7pQ2wXy311CNTRL", "alice-laptop.tail0a1b2.ts.net", "NODE", "MACHINE_NAME"})
			wantAbsent(t, "event.target.isEphemeral", e.Target.HasIsEphemeral(), !e.Target.IsEphemeral)
			wantStr(t, "event.action", e.HasAction(), e.Action, "UPDATE")
			wantRaw(t, "event.old", e.HasOld(), e.Old, `"alice-laptop"`)
			wantRaw(t, "event.new", e.HasNew(), e.New, `"alice-mbp"`)
			absentAudit(t, e, "deferredAt", "actionDetails", "error", "eventTime", "type", "logged")
		},
	},
	{
		name: "02_old_new_empty_string.json", time: "2026-06-03T16:00:05.27Z", recorded: "2026-06-03T16:00:05.511Z",
		email: []string{"alice@example.com"}, actorID: []string{"uA3mQ9tR2x11CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			assert.Equal(t, 270000000, r.Time.Nanosecond(), "time: 270 ms")
			checkTarget(t, &e.Target, web1Target("KEY_EXPIRY_TIME"))
			wantRaw(t, "event.old", e.HasOld(), e.Old, `"2026-09-01T10:00:00Z"`)
			wantRaw(t, "event.new", e.HasNew(), e.New, `""`)
		},
	},
	{
		name: "03_old_new_number.json", time: "2026-06-03T16:00:10.5Z", recorded: "2026-06-03T16:00:10.8Z",
		email: []string{"alice@example.com"}, actorID: []string{"uA3mQ9tR2x11CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			checkTarget(t, &e.Target, targetFacts{"TqW3eR5tY711CNTRL", "example.com", "TAILNET", "KEY_EXPIRY_DURATION"})
			wantRaw(t, "event.old", e.HasOld(), e.Old, `180`)
			wantRaw(t, "event.new", e.HasNew(), e.New, `90`)
		},
	},
	{
		name: "04_old_new_bool.json", time: "2026-06-03T16:00:15.001Z", recorded: "2026-06-03T16:00:15.3Z",
		email: []string{"bob@example.com"}, actorID: []string{"uB7nW4pK8z11CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			checkActor(t, &e.Actor, actorBob)
			checkTarget(t, &e.Target, targetFacts{"?", "?", "TAILNET", "DEVICE_APPROVAL"})
			wantRaw(t, "event.old", e.HasOld(), e.Old, `false`)
			wantRaw(t, "event.new", e.HasNew(), e.New, `true`)
		},
	},
	{
		name: "05_old_new_array.json", time: "2026-06-03T16:00:20.999Z", recorded: "2026-06-03T16:00:21.240518Z",
		email: []string{"alice@example.com"}, actorID: []string{"uA3mQ9tR2x11CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			assert.Equal(t, int64(1780502420999000000), r.Time.UnixNano(), "time UnixNano")
			checkTarget(t, &e.Target, web1Target("TAGS"))
			wantRaw(t, "event.old", e.HasOld(), e.Old, `["tag:server"]`)
			wantRaw(t, "event.new", e.HasNew(), e.New, `["tag:prod","tag:server"]`)
		},
	},
	{
		name: "06_old_new_object.json", time: "2026-06-03T16:00:25.128Z", recorded: "2026-06-03T16:00:25.5Z",
		email: []string{"alice@example.com"}, actorID: []string{"uA3mQ9tR2x11CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			checkTarget(t, &e.Target, targetFacts{"?", "?", "TAILNET", "DNS_CONFIG"})
			wantRaw(t, "event.old", e.HasOld(), e.Old, `{"magicDNS":false,"nameservers":["192.0.2.53"]}`)
			wantRaw(t, "event.new", e.HasNew(), e.New, `{"magicDNS":true,"nameservers":["192.0.2.53","2001:db8::53"],"searchPaths":[],"split":{"corp.example.com":["192.0.2.54"]}}`)
		},
	},
	{
		name: "07_old_new_absent.json", time: "2026-06-03T16:00:30Z", recorded: "2026-06-03T16:00:30.204Z",
		email: []string{"alice@example.com"}, actorID: []string{"uA3mQ9tR2x11CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			wantStr(t, "event.origin", e.HasOrigin(), e.Origin, "IDENTITY_PROVIDER")
			wantStr(t, "event.action", e.HasAction(), e.Action, "LOGIN")
			checkTarget(t, &e.Target, targetFacts{"uA3mQ9tR2x11CNTRL", "alice@example.com", "USER", "-"})
			absentAudit(t, e, "old", "new", "deferredAt", "actionDetails", "error")
		},
	},
	{
		name: "08_deferred_at_zero.json", time: "2026-06-03T16:00:35.44Z", recorded: "2026-06-03T16:00:35.9Z",
		email: []string{"bob@example.com"}, actorID: []string{"uB7nW4pK8z11CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			assert.True(t, e.HasDeferredAt(), "event.deferredAt: present")
			assert.True(t, e.DeferredAt.IsZero(), "event.deferredAt is the zero time")
			assert.True(t, r.EventTime().Equal(r.Time), "p_event_time is time, not deferredAt")
			checkActor(t, &e.Actor, actorBob)
			checkTarget(t, &e.Target, targetFacts{"nP2hJ6nBw911CNTRL", "bob-iphone.tail0a1b2.ts.net", "NODE", "-"})
			wantStr(t, "event.action", e.HasAction(), e.Action, "DELETE")
			absentAudit(t, e, "old", "new")
		},
	},
	{
		name: "09_deferred_at_set.json", time: "2026-06-03T16:00:40.607Z", recorded: "2026-06-03T16:00:41.02Z",
		email: nil, actorID: []string{"nK7pQ2wXy311CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			wantTime(t, "event.deferredAt", e.HasDeferredAt(), e.DeferredAt, "2026-06-03T16:00:38.902114Z")
			wantStr(t, "event.origin", e.HasOrigin(), e.Origin, "NODE")
			checkActor(t, &e.Actor, actorFacts{"nK7pQ2wXy311CNTRL", "NODE", "", "alice-laptop", nil})
			checkTarget(t, &e.Target, targetFacts{"?", "?", "NODE", "NODE_KEY"})
			wantRaw(t, "event.old", e.HasOld(), e.Old, `"nodekey:3b5f0c0a9e2d4f6b8a1c3e5f7a9b1d3f5e7a9c1b3d5f7e9a1c3b5d7f9e1a3c5b"`)
			wantRaw(t, "event.new", e.HasNew(), e.New, `"nodekey:9e1a3c5b7d9f1e3a5c7b9d1f3e5a7c9b1d3f5e7a9c1b3d5f0c0a9e2d4f6b8a1c"`)
		},
	},
	{
		name: "10_login_name_empty_oauth.json", time: "2026-06-03T16:00:45.8Z", recorded: "2026-06-03T16:00:46.1Z",
		email: nil, actorID: []string{"kC5vX2jH6q11CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			wantStr(t, "event.origin", e.HasOrigin(), e.Origin, "CONFIG_API")
			checkActor(t, &e.Actor, actorOAuth)
			checkTarget(t, &e.Target, targetFacts{"kD8wY3mN7r11CNTRL", "ci-runners", "AUTH_KEY", "?"})
			wantStr(t, "event.action", e.HasAction(), e.Action, "CREATE")
		},
	},
	{
		name: "11_login_name_not_email.json", time: "2026-06-03T16:00:50.012Z", recorded: "2026-06-03T16:00:50.3Z",
		email: nil, actorID: []string{"uE2rT6yU1i11CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			checkActor(t, &e.Actor, actorFacts{"uE2rT6yU1i11CNTRL", "USER", "carol", "Carol", nil})
			checkTarget(t, &e.Target, web1Target("KEY_EXPIRY_DISABLED"))
			wantRaw(t, "event.old", e.HasOld(), e.Old, `false`)
			wantRaw(t, "event.new", e.HasNew(), e.New, `true`)
		},
	},
	{
		name: "12_login_name_github.json", time: "2026-06-03T16:00:55.3Z", recorded: "2026-06-03T16:00:55.6Z",
		email: []string{"octocat@github"}, actorID: []string{"uF5tY7uI3o11CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			wantStr(t, "event.actor.loginName", e.Actor.HasLoginName(), e.Actor.LoginName, "octocat@github")
			wantStr(t, "event.action", e.HasAction(), e.Action, "APPROVE")
			checkTarget(t, &e.Target, targetFacts{"?", "bob-iphone.tail0a1b2.ts.net", "?", "AUTHORIZED"})
			wantRaw(t, "event.old", e.HasOld(), e.Old, `false`)
			wantRaw(t, "event.new", e.HasNew(), e.New, `true`)
		},
	},
	{
		name: "13_target_oauth_access_token.json", time: "2026-06-03T16:01:00.75Z", recorded: "2026-06-03T16:01:01Z",
		email: nil, actorID: []string{"kC5vX2jH6q11CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			checkActor(t, &e.Actor, actorOAuth)
			checkTarget(t, &e.Target, targetFacts{"tG6hJ8kL0m11CNTRL", "", "OAUTH_ACCESS_TOKEN", "?"})
			wantStr(t, "event.action", e.HasAction(), e.Action, "CREATE")
			absentAudit(t, e, "old")
			wantRaw(t, "event.new", e.HasNew(), e.New, `{"scopes":["devices:core","auth_keys"],"expires":"2026-06-03T17:01:00.75Z"}`)
		},
	},
	{
		name: "14_target_is_ephemeral.json", time: "2026-06-03T16:01:05.9Z", recorded: "2026-06-03T16:01:06.25Z",
		email: nil, actorID: []string{"nC1iR3uN5e11CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			wantStr(t, "event.origin", e.HasOrigin(), e.Origin, "NODE")
			checkActor(t, &e.Actor, actorFacts{"nC1iR3uN5e11CNTRL", "NODE", "", "ci-runner-7f3k", []string{"tag:ci"}})
			checkTarget(t, &e.Target, targetFacts{"nC1iR3uN5e11CNTRL", "ci-runner-7f3k.tail0a1b2.ts.net", "NODE", "-"})
			assert.True(t, e.Target.HasIsEphemeral(), "event.target.isEphemeral: present")
			assert.True(t, e.Target.IsEphemeral, "event.target.isEphemeral")
			wantStr(t, "event.action", e.HasAction(), e.Action, "CREATE")
			absentAudit(t, e, "old", "new")
		},
	},
	{
		name: "15_action_details_error.json", time: "2026-06-03T16:01:10.05Z", recorded: "2026-06-03T16:01:10.4Z",
		email: []string{"bob@example.com"}, actorID: []string{"uB7nW4pK8z11CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			assert.Equal(t, 50000000, r.Time.Nanosecond(), "time: 50 ms")
			checkActor(t, &e.Actor, actorBob)
			wantStr(t, "event.origin", e.HasOrigin(), e.Origin, "CONFIG_API")
			checkTarget(t, &e.Target, targetFacts{"nS8rU4yMa611CNTRL", "router-office.tail0a1b2.ts.net", "?", "ALLOWED_IPS"})
			wantStr(t, "event.action", e.HasAction(), e.Action, "UPDATE")
			wantRaw(t, "event.old", e.HasOld(), e.Old, `[]`)
			wantRaw(t, "event.new", e.HasNew(), e.New, `["192.0.2.0/24"]`)
			wantStr(t, "event.actionDetails", e.HasActionDetails(), e.ActionDetails, "approve advertised subnet routes")
			wantStr(t, "event.error", e.HasError(), e.Error, "permission denied: approving routes requires the Network admin role")
		},
	},
	{
		name: "16_eventtime_type_logged_bare.json", time: "", recorded: "",
		email: []string{"alice@example.com"}, actorID: []string{"uA3mQ9tR2x11CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			wantTime(t, "event.eventTime", e.HasEventTime(), e.EventTime, "2026-06-03T16:01:20.456789Z")
			wantStr(t, "event.type", e.HasType(), e.Type, "CONFIG")
			wantTime(t, "event.logged", e.HasLogged(), e.Logged, "2026-06-03T16:01:20.998231Z")
			wantStr(t, "event.eventGroupID", e.HasEventGroupID(), e.EventGroupID, "7e48092ac5607b9c1d3e4f5a6b7c8d90")
			wantStr(t, "event.origin", e.HasOrigin(), e.Origin, "ADMIN_CONSOLE")
			checkActor(t, &e.Actor, actorAlice)
			checkTarget(t, &e.Target, web1Target("TAGS"))
			assert.True(t, e.Target.HasIsEphemeral(), "event.target.isEphemeral: present")
			assert.False(t, e.Target.IsEphemeral, "event.target.isEphemeral")
			wantRaw(t, "event.old", e.HasOld(), e.Old, `["tag:prod","tag:server"]`)
			wantRaw(t, "event.new", e.HasNew(), e.New, `["tag:server"]`)
		},
	},
	{
		name: "17_unknown_fields.json", time: "2026-06-03T16:01:25.2Z", recorded: "2026-06-03T16:01:25.61Z",
		email: []string{"alice@example.com"}, actorID: []string{"uA3mQ9tR2x11CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			checkActor(t, &e.Actor, actorAlice)
			checkTarget(t, &e.Target, targetFacts{"uB7nW4pK8z11CNTRL", "bob@example.com", "USER", "ROLE"})
			wantStr(t, "event.action", e.HasAction(), e.Action, "UPDATE")
			wantRaw(t, "event.old", e.HasOld(), e.Old, `"member"`)
			wantRaw(t, "event.new", e.HasNew(), e.New, `"it-admin"`)
		},
	},
	{
		name: "18_string_escapes.json", time: "2026-06-03T16:01:30.3Z", recorded: "2026-06-03T16:01:30.5Z",
		email: []string{"jos\u00e9@example.com"}, actorID: []string{"uH7jK9lZ2x11CNTRL"},
		check: func(t *testing.T, r *tailscale.Audit) {
			e := &r.Event
			wantStr(t, "event.actor.id", e.Actor.HasID(), e.Actor.ID, "uH7jK9lZ2x11CNTRL")
			wantStr(t, "event.actor.loginName", e.Actor.HasLoginName(), e.Actor.LoginName, "jos\u00e9@example.com")
			wantStr(t, "event.actor.displayName", e.Actor.HasDisplayName(), e.Actor.DisplayName, "Jos\u00e9 \"JJ\" O\\Brien \U0001F600")
			wantRaw(t, "event.old", e.HasOld(), e.Old, `"web-1"`)
			wantRaw(t, "event.new", e.HasNew(), e.New, `"web\/1 \u00e9"`)
			var decodedNew string
			if assert.NoError(t, json.Unmarshal(e.New, &decodedNew)) {
				assert.Equal(t, "web/1 \u00e9", decodedNew, "event.new decoded")
			}
			wantStr(t, "event.actionDetails", e.HasActionDetails(), e.ActionDetails, "line1\nline2\ttab \x00nul")
			assert.Len(t, e.ActionDetails, 20, "event.actionDetails bytes")
		},
	},
}

func checkAuditCommon(t *testing.T, c *auditCase, r *tailscale.Audit) {
	t.Helper()
	assert.True(t, r.HasEvent(), "event: present")
	if isBare(c.name) {
		assert.Equal(t, int64(bareWrapTime), r.Time.Unix(), "time (from the test's wrapper)")
		assert.False(t, r.HasFields(), "fields: absent in a bare record")
		wantAbsent(t, "fields.recorded", r.Fields.HasRecorded(), r.Fields.Recorded.IsZero())
	} else {
		wantTime(t, "time", r.HasTime(), r.Time, c.time)
		assert.True(t, r.HasFields(), "fields: present")
		wantTime(t, "fields.recorded", r.Fields.HasRecorded(), r.Fields.Recorded, c.recorded)
		assert.True(t, r.EventTime().Equal(r.Time), "EventTime is time")
	}
	// ip = [] for every audit file: Audit has no ip indicator at all.
	_, hasIPs := any(r).(interface {
		AppendIPAddresses([]netip.Addr) []netip.Addr
	})
	assert.False(t, hasIPs, "Audit has no ip indicator")
	checkStrIndicators(t, "email", r.AppendEmails, c.email)
	checkStrIndicators(t, "actor_id", r.AppendActorIDs, c.actorID)
}

func TestAuditDecode(t *testing.T) {
	names := make([]string, len(auditCases))
	for i, c := range auditCases {
		names[i] = c.name
	}
	require.ElementsMatch(t, recordFiles(t, "audit"), names, "a case for every file of audit/")
	for i := range auditCases {
		c := &auditCases[i]
		t.Run(c.name, func(t *testing.T) {
			var r tailscale.Audit
			require.NoError(t, r.Decode(readRecord(t, "audit", c.name)))
			checkAuditCommon(t, c, &r)
			c.check(t, &r)
		})
	}
}

// ---- bad records ---------------------------------------------------------

// badCase transcribes one row of testdata/records/bad/README.md.
type badCase struct {
	file string
	path string         // the field path README.md names
	msg  *regexp.Regexp // a distinctive part of the message, from README.md's reason
	at   string         // when not "", the offending token: Offset must point at its first occurrence
}

var badCases = []badCase{
	{"audit_invalid_token_bool.json", "event.target.isEphemeral", regexp.MustCompile(`(?i)literal|invalid`), "tru}"},
	{"audit_missing_action.json", "event.action", regexp.MustCompile(`(?i)required|missing`), ""},
	{"audit_missing_actor.json", "event.actor", regexp.MustCompile(`(?i)required|missing`), ""},
	{"audit_missing_origin.json", "event.origin", regexp.MustCompile(`(?i)required|missing`), ""},
	{"audit_missing_target.json", "event.target", regexp.MustCompile(`(?i)required|missing`), ""},
	{"network_counter_non_numeric.json", "event.virtualTraffic[0].txPkts", regexp.MustCompile(`"12a"`), `"12a"`},
	{"network_counter_overflow.json", "event.virtualTraffic[0].txBytes", regexp.MustCompile(`99999999999999999999.*out of range.*int64`), "99999999999999999999"},
	{"network_deep_nesting.json", "event.deep", regexp.MustCompile(`(?i)depth|nesting`), ""},
	{"network_garbage_after_record.json", "", regexp.MustCompile(`(?i)after top-level value|trailing`), "xyz"},
	{"network_garbage_inside.json", "event.virtualTraffic[0].txPkts", regexp.MustCompile(`','`), "34,"},
	{"network_invalid_token.json", "event.debug", regexp.MustCompile(`(?i)literal|invalid`), "tru,"},
	{"network_missing_event.json", "event", regexp.MustCompile(`(?i)required|missing`), ""},
	{"network_missing_time.json", "time", regexp.MustCompile(`(?i)required|missing`), ""},
	{"network_proto_out_of_range.json", "event.virtualTraffic[0].proto", regexp.MustCompile(`70000.*out of range.*int16`), "70000"},
	{"network_proto_unknown_name.json", "event.virtualTraffic[0].proto", regexp.MustCompile(`"bogus"`), `"bogus"`},
	{"network_start_not_rfc3339.json", "event.start", regexp.MustCompile(`"2026-06-03T15:34:42\.351262815".*rfc3339`), `"2026-06-03T15:34:42.351262815"`},
	{"network_time_bool.json", "time", regexp.MustCompile(`(?i)timestamp`), "true"},
	{"network_truncated.json", "event.virtualTraffic[0].dst", regexp.MustCompile(`(?i)unterminated|end of input|EOF`), ""},
}

// decodeBad decodes a bad file with the schema its name's prefix names.
func decodeBad(t *testing.T, name string, data []byte) error {
	t.Helper()
	switch {
	case strings.HasPrefix(name, "network_"):
		var r tailscale.Network
		return r.Decode(data)
	case strings.HasPrefix(name, "audit_"):
		var r tailscale.Audit
		return r.Decode(data)
	}
	t.Fatalf("%s: no schema prefix", name)
	return nil
}

func TestDecodeBadRecords(t *testing.T) {
	names := make([]string, len(badCases))
	for i, c := range badCases {
		names[i] = c.file
	}
	require.ElementsMatch(t, recordFiles(t, "bad"), names, "a case for every bad file")

	var golden strings.Builder
	for _, c := range badCases {
		data, err := os.ReadFile(filepath.Join(recordsDir, "bad", c.file))
		require.NoError(t, err)
		err = decodeBad(t, c.file, data)
		t.Run(c.file, func(t *testing.T) {
			require.Error(t, err, "must not decode")
			var de *tailscale.Error
			require.True(t, errors.As(err, &de), "error is a *tailscale.Error: %T", err)
			assert.Equal(t, c.path, de.Path, "path")
			assert.Regexp(t, c.msg, de.Msg, "message")
			assert.GreaterOrEqual(t, de.Offset, 0, "offset")
			assert.LessOrEqual(t, de.Offset, len(data), "offset")
			if c.at != "" {
				i := bytes.Index(data, []byte(c.at))
				require.GreaterOrEqual(t, i, 0, "token %q in the file", c.at)
				assert.Equal(t, i, de.Offset, "offset of %q", c.at)
			}
			assert.True(t, utf8.ValidString(err.Error()), "printable message")
		})
		if err != nil {
			fmt.Fprintf(&golden, "%s: %s\n", c.file, err)
		} else {
			fmt.Fprintf(&golden, "%s: <nil>\n", c.file)
		}
	}
	checkGolden(t, filepath.Join("testdata", "golden", "errors.txt"), []byte(golden.String()))
}

// TestDecodeBadRecordsReused decodes every bad record into values that hold a
// good record, which must not panic and must still fail.
func TestDecodeBadRecordsReused(t *testing.T) {
	var n tailscale.Network
	var a tailscale.Audit
	good := readRecord(t, "network", "26_typical_30_entries.json")
	goodAudit := readRecord(t, "audit", "17_unknown_fields.json")
	for _, c := range badCases {
		data, err := os.ReadFile(filepath.Join(recordsDir, "bad", c.file))
		require.NoError(t, err)
		require.NoError(t, n.Decode(good))
		require.NoError(t, a.Decode(goodAudit))
		if strings.HasPrefix(c.file, "network_") {
			assert.Error(t, n.Decode(data), c.file)
		} else {
			assert.Error(t, a.Decode(data), c.file)
		}
	}
}

// TestDecodeBadRecordsLeaveNoRecord checks bad/README.md's "It must never
// return a partially filled record": after Decode fails, the value holds no
// field of the bad record, whether it was fresh or held a good record.
func TestDecodeBadRecordsLeaveNoRecord(t *testing.T) {
	goodNetwork := readRecord(t, "network", "26_typical_30_entries.json")
	goodAudit := readRecord(t, "audit", "17_unknown_fields.json")
	for _, c := range badCases {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(recordsDir, "bad", c.file))
			require.NoError(t, err)
			m := goldenMeta()
			if strings.HasPrefix(c.file, "network_") {
				var zero, fresh, reused tailscale.Network
				require.NoError(t, reused.Decode(goodNetwork))
				require.Error(t, fresh.Decode(data))
				require.Error(t, reused.Decode(data))
				want := dumpFields(reflect.ValueOf(&zero).Elem(), "", nil)
				assert.Equal(t, want, dumpFields(reflect.ValueOf(&fresh).Elem(), "", nil), "fresh value after the error")
				assert.Equal(t, want, dumpFields(reflect.ValueOf(&reused).Elem(), "", nil), "reused value after the error")
				assert.Equal(t, string(zero.AppendRow(nil, m)), string(reused.AppendRow(nil, m)), "row after the error")
			} else {
				var zero, fresh, reused tailscale.Audit
				require.NoError(t, reused.Decode(goodAudit))
				require.Error(t, fresh.Decode(data))
				require.Error(t, reused.Decode(data))
				want := dumpFields(reflect.ValueOf(&zero).Elem(), "", nil)
				assert.Equal(t, want, dumpFields(reflect.ValueOf(&fresh).Elem(), "", nil), "fresh value after the error")
				assert.Equal(t, want, dumpFields(reflect.ValueOf(&reused).Elem(), "", nil), "reused value after the error")
				assert.Equal(t, string(zero.AppendRow(nil, m)), string(reused.AppendRow(nil, m)), "row after the error")
			}
		})
	}
}

// checkGolden compares got with the golden file at path, or rewrites the file
// under -update.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file: run go test ./tailscale -update and review it")
	assert.Equal(t, string(want), string(got), "golden file %s differs (after review, rewrite it with -update)", path)
}

// ---- golden rows ---------------------------------------------------------

func goldenMeta() *tailscale.RowMeta {
	return &tailscale.RowMeta{ParseTime: goldenParseTime, RowID: goldenRowID}
}

// prettyRow indents a row for its golden file, keeping its member order and
// string escapes.
func prettyRow(t *testing.T, row []byte) []byte {
	t.Helper()
	require.True(t, json.Valid(row), "row is valid JSON: %s", row)
	require.True(t, utf8.Valid(row), "row is valid UTF-8")
	require.False(t, bytes.ContainsAny(row, "\n\r"), "row is one line")
	var b bytes.Buffer
	require.NoError(t, json.Indent(&b, row, "", "  "))
	b.WriteByte('\n')
	return b.Bytes()
}

// checkRowMeta asserts the p_* members of a row against the expected facts.
// p_any_* members are present only when non-empty.
func checkRowMeta(t *testing.T, row []byte, logType, eventTime string, lists map[string][]string) {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(row, &m))
	assert.Equal(t, logType, m["p_log_type"], "p_log_type")
	assert.Equal(t, eventTime, m["p_event_time"], "p_event_time")
	assert.Equal(t, "2026-06-04T00:00:00Z", m["p_parse_time"], "p_parse_time")
	assert.Equal(t, goldenRowID, m["p_row_id"], "p_row_id")
	for key, want := range lists {
		got, ok := m[key]
		if len(want) == 0 {
			assert.False(t, ok, "%s absent when empty", key)
			continue
		}
		var gotStrs []string
		if arr, isArr := got.([]any); assert.True(t, isArr, "%s is an array", key) {
			for _, v := range arr {
				s, _ := v.(string)
				gotStrs = append(gotStrs, s)
			}
		}
		assert.Equal(t, want, gotStrs, key)
	}
	for key := range m {
		if strings.HasPrefix(key, "p_any_") {
			_, known := lists[key]
			assert.True(t, known, "unexpected %s", key)
		}
	}
}

// goldenTime is how a row writes an expected time: RFC 3339 in UTC with
// nanoseconds, trailing zeros trimmed.
func goldenTime(t *testing.T, want string, bare bool) string {
	t.Helper()
	if bare {
		return time.Unix(bareWrapTime, 0).UTC().Format(time.RFC3339Nano)
	}
	return parseWantTime(t, want).UTC().Format(time.RFC3339Nano)
}

func TestGoldenRows(t *testing.T) {
	for i := range networkCases {
		c := &networkCases[i]
		t.Run("network/"+c.name, func(t *testing.T) {
			var r tailscale.Network
			require.NoError(t, r.Decode(readRecord(t, "network", c.name)))
			row := r.AppendRow(nil, goldenMeta())
			checkRowMeta(t, row, "Tailscale.Network", goldenTime(t, c.time, isBare(c.name)), map[string][]string{
				"p_any_ip_addresses": wantAddrs(t, c.ip, compareText),
				"p_any_emails":       c.email,
			})
			checkGolden(t, goldenRowPath("network", c.name), prettyRow(t, row))
		})
	}
	for i := range auditCases {
		c := &auditCases[i]
		t.Run("audit/"+c.name, func(t *testing.T) {
			var r tailscale.Audit
			require.NoError(t, r.Decode(readRecord(t, "audit", c.name)))
			row := r.AppendRow(nil, goldenMeta())
			checkRowMeta(t, row, "Tailscale.Audit", goldenTime(t, c.time, isBare(c.name)), map[string][]string{
				"p_any_emails":    c.email,
				"p_any_actor_ids": c.actorID,
			})
			checkGolden(t, goldenRowPath("audit", c.name), prettyRow(t, row))
		})
	}
}

func goldenRowPath(dir, name string) string {
	return filepath.Join("testdata", "golden", "rows", dir+"_"+strings.TrimSuffix(name, ".json")+".json")
}

// TestAppendRowAppends checks that AppendRow appends to dst and that a
// reused RowMeta gives the same row.
func TestAppendRowAppends(t *testing.T) {
	var r tailscale.Network
	require.NoError(t, r.Decode(readRecord(t, "network", "14_physical_derp.json")))
	m := goldenMeta()
	want := r.AppendRow(nil, m)
	prefix := []byte("prefix\n")
	got := r.AppendRow(slices.Clone(prefix), m)
	assert.Equal(t, string(prefix)+string(want), string(got))
	assert.Equal(t, string(want), string(r.AppendRow(nil, m)), "RowMeta reused")
}

// ---- decoding into a reused value ----------------------------------------

// dumpFields renders every exported field of v, and every HasX result, one line
// each, so two decoded values can be compared field by field. Slices that are
// nil and empty render alike (a reused value keeps its slices' memory), except
// json.RawMessage, whose nil-ness is visible (json.Marshal writes null for nil
// and fails for empty); the buffer a value owns does not render.
func dumpFields(v reflect.Value, path string, out []string) []string {
	switch x := v.Interface().(type) {
	case time.Time:
		return append(out, fmt.Sprintf("%s = %s (%d, %s)", path, x.Format(time.RFC3339Nano), x.UnixNano(), x.Location()))
	case netip.Addr:
		return append(out, fmt.Sprintf("%s = %s (valid %t)", path, x, x.IsValid()))
	case json.RawMessage:
		return append(out, fmt.Sprintf("%s = %q (nil %t)", path, []byte(x), x == nil))
	}
	switch v.Kind() {
	case reflect.Struct:
		if v.CanAddr() {
			p := v.Addr()
			for i := 0; i < p.NumMethod(); i++ {
				m := p.Type().Method(i)
				if strings.HasPrefix(m.Name, "Has") && m.Type.NumIn() == 1 && m.Type.NumOut() == 1 {
					out = append(out, fmt.Sprintf("%s.%s() = %v", path, m.Name, p.Method(i).Call(nil)[0].Interface()))
				}
			}
		}
		for i := 0; i < v.NumField(); i++ {
			if f := v.Type().Field(i); f.IsExported() {
				out = dumpFields(v.Field(i), path+"."+f.Name, out)
			}
		}
		return out
	case reflect.Slice:
		out = append(out, fmt.Sprintf("%s len %d", path, v.Len()))
		for i := 0; i < v.Len(); i++ {
			out = dumpFields(v.Index(i), fmt.Sprintf("%s[%d]", path, i), out)
		}
		return out
	}
	return append(out, fmt.Sprintf("%s = %#v", path, v.Interface()))
}

type decoder interface {
	Decode([]byte) error
	AppendRow([]byte, *tailscale.RowMeta) []byte
}

// checkReuse decodes the files in order into one value and compares each
// result with a fresh decode, then runs check on the reused value.
func checkReuse[T any, P interface {
	*T
	decoder
}](t *testing.T, dir string, names []string, interleave [][]byte, check func(t *testing.T, i int, r P)) {
	t.Helper()
	reused := P(new(T))
	m := goldenMeta()
	var row []byte
	for k, i := range orderOf(names) {
		name := names[i]
		if len(interleave) > 0 {
			_ = reused.Decode(interleave[k%len(interleave)]) // fails; what it leaves must not leak
		}
		data := readRecord(t, dir, name)
		require.NoError(t, reused.Decode(data), name)
		fresh := P(new(T))
		require.NoError(t, fresh.Decode(data), name)
		assert.Equal(t, dumpFields(reflect.ValueOf(fresh).Elem(), "", nil), dumpFields(reflect.ValueOf(reused).Elem(), "", nil), "%s: fields of a reused value", name)
		row = reused.AppendRow(row[:0], m)
		assert.Equal(t, string(fresh.AppendRow(nil, goldenMeta())), string(row), "%s: row of a reused value", name)
		t.Run(name, func(t *testing.T) { check(t, i, reused) })
	}
}

// orderOf returns the indexes of names forward and then in reverse.
func orderOf(names []string) []int {
	var order []int
	for i := range names {
		order = append(order, i)
	}
	for i := len(names) - 1; i >= 0; i-- {
		order = append(order, i)
	}
	return order
}

func badRecords(t *testing.T, prefix string) [][]byte {
	var out [][]byte
	for _, c := range badCases {
		if strings.HasPrefix(c.file, prefix) {
			b, err := os.ReadFile(filepath.Join(recordsDir, "bad", c.file))
			require.NoError(t, err)
			out = append(out, b)
		}
	}
	return out
}

func TestNetworkReuse(t *testing.T) {
	names := make([]string, len(networkCases))
	for i, c := range networkCases {
		names[i] = c.name
	}
	check := func(t *testing.T, i int, r *tailscale.Network) {
		checkNetworkCommon(t, &networkCases[i], r)
		networkCases[i].check(t, r)
	}
	t.Run("sequence", func(t *testing.T) { checkReuse(t, "network", names, nil, check) })
	t.Run("after_errors", func(t *testing.T) { checkReuse(t, "network", names, badRecords(t, "network_"), check) })
}

func TestAuditReuse(t *testing.T) {
	names := make([]string, len(auditCases))
	for i, c := range auditCases {
		names[i] = c.name
	}
	check := func(t *testing.T, i int, r *tailscale.Audit) {
		checkAuditCommon(t, &auditCases[i], r)
		auditCases[i].check(t, r)
	}
	t.Run("sequence", func(t *testing.T) { checkReuse(t, "audit", names, nil, check) })
	t.Run("after_errors", func(t *testing.T) { checkReuse(t, "audit", names, badRecords(t, "audit_"), check) })
	t.Run("absent_json_is_nil", func(t *testing.T) {
		// old/new absent after a record that had them must be nil, their zero
		// value, as in a fresh decode: json.Marshal then writes null, not an
		// error for an empty RawMessage.
		var r tailscale.Audit
		require.NoError(t, r.Decode(readRecord(t, "audit", "06_old_new_object.json")))
		require.NoError(t, r.Decode(readRecord(t, "audit", "07_old_new_absent.json")))
		require.False(t, r.Event.HasOld())
		assert.Nil(t, r.Event.Old, "event.old absent after reuse")
		assert.Nil(t, r.Event.New, "event.new absent after reuse")
		b, err := json.Marshal(r.Event.Old)
		assert.NoError(t, err, "json.Marshal of an absent old")
		assert.Equal(t, "null", string(b))
	})
}

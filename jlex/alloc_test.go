//go:build !race

package jlex_test

import (
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/jlex"
)

const realisticRecord = `{
  "logtail": {"client_time": "2026-06-03T15:34:47.356123Z", "proc_id": 123456},
  "nodeId": "nXyZ12CNTRL",
  "start": "2026-06-03T15:34:42Z",
  "end": "2026-06-03T17:34:47.356+02:00",
  "time": 1780500887.356,
  "virtualTraffic": [
    {"proto": 6, "src": "100.64.0.1:41641", "dst": "[fd7a:115c:a1e0::1]:443", "txPkts": 12, "txBytes": 3456, "rxPkts": 10, "rxBytes": 7890},
    {"proto": "udp", "src": "100.101.102.103:53", "dst": "100.100.100.100:53", "txPkts": "1", "txBytes": 64},
    {"proto": "TCP", "src": "[fd7a:115c:a1e0:ab12:4843:cd96:626b:430b]:22", "dst": "[::ffff:1.2.3.4]:80", "rxBytes": 9007199254740993}
  ],
  "tags": ["tag:server", "tag:caf\u00e9", "tag:\"quoted\""],
  "sizes": [[1, 2], [], [3]],
  "ok": true,
  "ratio": 0.5,
  "extra": {"deep": [1, {"x": null}, "s"]},
  "unknown": [true, false, null, {"a": "b"}]
}`

type traffic struct {
	proto            int16
	src, dst         string
	srcIP, dstIP     netip.Addr
	srcPort, dstPort int32
	txPkts, txBytes  int64
	rxPkts, rxBytes  int64
}

type record struct {
	clientTime time.Time
	procID     int64
	nodeID     string
	start, end time.Time
	time       time.Time
	traffic    []traffic
	tags       []string
	sizes      [][]int64
	ok         bool
	ratio      float64
	extra      json.RawMessage
}

func (x *traffic) decode(l *jlex.Lexer) {
	if !l.BeginObject() {
		return
	}
	for {
		key, ok := l.Key()
		if !ok {
			break
		}
		switch string(key) {
		case "proto":
			l.Int16Named(&x.proto, jlex.IPProtocol)
		case "src":
			l.String(&x.src)
		case "dst":
			l.String(&x.dst)
		case "txPkts":
			l.Int64(&x.txPkts)
		case "txBytes":
			l.Int64(&x.txBytes)
		case "rxPkts":
			l.Int64(&x.rxPkts)
		case "rxBytes":
			l.Int64(&x.rxBytes)
		default:
			l.Skip()
		}
	}
	l.EndObject()
	jlex.SplitAddrPort(x.src, &x.srcIP, &x.srcPort)
	jlex.SplitAddr(x.dst, &x.dstIP)
	jlex.SplitPort(x.dst, &x.dstPort)
}

func (x *record) decode(l *jlex.Lexer) {
	if !l.BeginObject() {
		return
	}
	for {
		key, ok := l.Key()
		if !ok {
			break
		}
		switch string(key) {
		case "logtail":
			if l.BeginObject() {
				for {
					key, ok := l.Key()
					if !ok {
						break
					}
					switch string(key) {
					case "client_time":
						l.Time(&x.clientTime, jlex.TimeFormats(jlex.RFC3339))
					case "proc_id":
						l.Int64(&x.procID)
					default:
						l.Skip()
					}
				}
				l.EndObject()
			}
		case "nodeId":
			l.String(&x.nodeID)
		case "start":
			l.Time(&x.start, jlex.TimeFormats(jlex.RFC3339))
		case "end":
			l.Time(&x.end, jlex.TimeFormats(jlex.RFC3339))
		case "time":
			l.Time(&x.time, jlex.Unix.Then(jlex.RFC3339))
		case "virtualTraffic":
			x.traffic = x.traffic[:0]
			if l.BeginArray() {
				for l.More() {
					x.traffic = append(x.traffic, traffic{})
					x.traffic[len(x.traffic)-1].decode(l)
				}
				l.EndArray()
			}
		case "tags":
			l.Strings(&x.tags)
		case "sizes":
			x.sizes = x.sizes[:0]
			if l.BeginArray() {
				for l.More() {
					if len(x.sizes) < cap(x.sizes) {
						x.sizes = x.sizes[:len(x.sizes)+1]
					} else {
						x.sizes = append(x.sizes, nil)
					}
					l.Int64s(&x.sizes[len(x.sizes)-1])
				}
				l.EndArray()
			}
		case "ok":
			l.Bool(&x.ok)
		case "ratio":
			l.Float64(&x.ratio)
		case "extra":
			l.Raw(&x.extra)
		default:
			l.Skip()
		}
	}
	if x.nodeID == "" {
		l.Missing("nodeId")
	}
	l.EndObject()
	l.End()
}

// writeRow appends a row for x, as generated writers do.
func writeRow(dst []byte, x *record, m *jlex.RowMeta) []byte {
	dst = append(dst, '{')
	dst = jlex.AppendKey(dst, `"nodeId":`)
	dst = jlex.AppendString(dst, x.nodeID)
	dst = jlex.AppendKey(dst, `"start":`)
	dst = jlex.AppendTime(dst, x.start)
	dst = jlex.AppendKey(dst, `"ratio":`)
	dst = jlex.AppendFloat(dst, x.ratio)
	dst = jlex.AppendKey(dst, `"procId":`)
	dst = jlex.AppendInt(dst, x.procID)
	dst = jlex.AppendKey(dst, `"ok":`)
	dst = jlex.AppendBool(dst, x.ok)
	dst = jlex.AppendKey(dst, `"extra":`)
	dst = jlex.AppendCompactJSON(dst, x.extra)
	dst = jlex.AppendKey(dst, `"tags":[`)
	for _, s := range x.tags {
		dst = jlex.AppendComma(dst)
		dst = jlex.AppendString(dst, s)
	}
	dst = append(dst, ']')
	dst = m.AppendMeta(dst, "Tailscale.Network", x.time)
	dst = m.AppendAddrs(dst, `"p_any_ip_addresses":`, func(ips []netip.Addr) []netip.Addr {
		from := len(ips)
		for i := range x.traffic {
			ips = jlex.AppendValidAddr(ips, x.traffic[i].srcIP)
			ips = jlex.AppendValidAddr(ips, x.traffic[i].dstIP)
		}
		return jlex.SortCompactAddrs(ips, from)
	})
	dst = m.AppendStrings(dst, `"p_any_tags":`, func(s []string) []string {
		for _, t := range x.tags {
			s = jlex.AppendNonEmpty(s, t)
		}
		return jlex.SortCompactStrings(s, 0)
	})
	return append(dst, '}')
}

func TestRealisticRecord(t *testing.T) {
	var l jlex.Lexer
	var x record
	l.Reset([]byte(realisticRecord), nil)
	x.decode(&l)
	require.NoError(t, l.Err())
	assert.Equal(t, time.Date(2026, 6, 3, 15, 34, 47, 356123000, time.UTC), x.clientTime)
	assert.Equal(t, int64(123456), x.procID)
	assert.Equal(t, "nXyZ12CNTRL", x.nodeID)
	assert.Equal(t, time.Date(2026, 6, 3, 15, 34, 42, 0, time.UTC), x.start)
	assert.Equal(t, time.Date(2026, 6, 3, 15, 34, 47, 356000000, time.UTC), x.end)
	assert.Equal(t, unix(1780500887, 356000000), x.time)
	require.Len(t, x.traffic, 3)
	assert.Equal(t, traffic{
		proto: 6, src: "100.64.0.1:41641", dst: "[fd7a:115c:a1e0::1]:443",
		srcIP: netip.MustParseAddr("100.64.0.1"), dstIP: netip.MustParseAddr("fd7a:115c:a1e0::1"),
		srcPort: 41641, dstPort: 443, txPkts: 12, txBytes: 3456, rxPkts: 10, rxBytes: 7890,
	}, x.traffic[0])
	assert.Equal(t, traffic{
		proto: 17, src: "100.101.102.103:53", dst: "100.100.100.100:53",
		srcIP: netip.MustParseAddr("100.101.102.103"), dstIP: netip.MustParseAddr("100.100.100.100"),
		srcPort: 53, dstPort: 53, txPkts: 1, txBytes: 64,
	}, x.traffic[1])
	assert.Equal(t, int16(6), x.traffic[2].proto)
	assert.Equal(t, netip.MustParseAddr("::ffff:1.2.3.4"), x.traffic[2].dstIP)
	assert.Equal(t, int64(9007199254740993), x.traffic[2].rxBytes)
	assert.Equal(t, []string{"tag:server", "tag:café", `tag:"quoted"`}, x.tags)
	require.Len(t, x.sizes, 3)
	assert.Equal(t, []int64{1, 2}, x.sizes[0])
	assert.Empty(t, x.sizes[1])
	assert.Equal(t, []int64{3}, x.sizes[2])
	assert.True(t, x.ok)
	assert.Equal(t, 0.5, x.ratio)
	assert.Equal(t, `{"deep": [1, {"x": null}, "s"]}`, string(x.extra))

	m := jlex.RowMeta{ParseTime: unix(1780500900, 0), RowIDPrefix: "r"}
	row := writeRow(nil, &x, &m)
	require.True(t, json.Valid(row), "%s", row)
	var got map[string]any
	require.NoError(t, json.Unmarshal(row, &got))
	assert.Equal(t, []any{"100.100.100.100", "100.101.102.103", "100.64.0.1", "::ffff:1.2.3.4", "fd7a:115c:a1e0::1", "fd7a:115c:a1e0:ab12:4843:cd96:626b:430b"}, got["p_any_ip_addresses"])
	assert.Equal(t, map[string]any{"deep": []any{1.0, map[string]any{"x": nil}, "s"}}, got["extra"])
}

func TestAllocsDecode(t *testing.T) {
	data := []byte(realisticRecord)
	var l jlex.Lexer
	var x record
	arena := make([]byte, 0, 4096)
	// Warm up: let the reused slices grow.
	l.Reset(data, arena)
	x.decode(&l)
	require.NoError(t, l.Err())
	arena = l.Arena

	allocs := testing.AllocsPerRun(100, func() {
		l.Reset(data, arena)
		x.decode(&l)
		arena = l.Arena
	})
	require.NoError(t, l.Err())
	assert.Zero(t, allocs, "allocations per decode")

	allocs = testing.AllocsPerRun(100, func() {
		l.ResetView(data, arena[:0])
		x.decode(&l)
	})
	require.NoError(t, l.Err())
	assert.Zero(t, allocs, "allocations per decode with ResetView")
}

func TestAllocsDecodeWithField(t *testing.T) {
	data := []byte(`{"a":1,"obj":{"time":2,"nodeId":3,"txBytes":4,"twelve_chars":5,"thirteenchars":6,"fourteenchars_":7,"a_rather_long_field_name":8,"zz":9}}`)
	var l jlex.Lexer
	arena := make([]byte, 0, 1024)
	var sum int64
	var walkObj func()
	walkObj = func() {
		if !l.BeginObject() {
			return
		}
		for hint := 0; ; {
			i := l.Field(fieldKeys, hint)
			if i == jlex.EndOfObject {
				break
			}
			if i == 1 {
				walkObj()
			} else {
				var v int64
				l.Int64(&v)
				sum += v
			}
			hint = i + 1
		}
		l.EndObject()
	}
	allocs := testing.AllocsPerRun(100, func() {
		l.Reset(data, arena)
		sum = 0
		walkObj()
		l.End()
		arena = l.Arena
	})
	require.NoError(t, l.Err())
	assert.Equal(t, int64(45), sum)
	assert.Zero(t, allocs)
}

func TestAllocsWrite(t *testing.T) {
	var l jlex.Lexer
	var x record
	l.Reset([]byte(realisticRecord), nil)
	x.decode(&l)
	require.NoError(t, l.Err())
	m := jlex.RowMeta{ParseTime: unix(1780500900, 0), RowIDPrefix: "r"}
	buf := writeRow(nil, &x, &m)
	allocs := testing.AllocsPerRun(100, func() {
		buf = writeRow(buf[:0], &x, &m)
	})
	assert.Zero(t, allocs)
}

func TestAllocsParsers(t *testing.T) {
	rfc3339, unix := []byte("2026-06-03T15:34:47.356-07:30"), []byte("1.780500887356e9")
	tests := []struct {
		name string
		fn   func()
	}{
		{"ParseAddr v4", func() { jlex.ParseAddr("100.101.102.103") }},
		{"ParseAddr v6", func() { jlex.ParseAddr("fd7a:115c:a1e0:ab12:4843:cd96:626b:430b") }},
		{"ParseAddr 4in6", func() { jlex.ParseAddr("::ffff:1.2.3.4") }},
		{"ParseAddr junk", func() { jlex.ParseAddr("not an address") }},
		{"SplitHostPort", func() { jlex.SplitHostPort("[fd7a:115c:a1e0::1]:41641") }},
		{"SplitPart", func() { jlex.SplitPart("a:b:c", ":", 2) }},
		{"SplitInt", func() {
			var v int32
			jlex.SplitInt("a:b:123", ":", 2, &v)
		}},
		{"ParseRFC3339", func() { jlex.ParseRFC3339(rfc3339) }},
		{"ParseUnix", func() { jlex.ParseUnix(unix) }},
		{"Lookup", func() { jlex.IPProtocol.Lookup([]byte("ICMPv6")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Zero(t, testing.AllocsPerRun(100, tt.fn))
		})
	}
}

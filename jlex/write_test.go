package jlex_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/jlex"
)

func TestAppendStringExact(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", `""`},
		{"plain", "abc", `"abc"`},
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`},
		{"short escapes", "\n\r\t", `"\n\r\t"`},
		{"other controls", "\x00\x01\x08\x0c\x1f", `"\u0000\u0001\u0008\u000c\u001f"`},
		{"DEL kept", "\x7f", "\"\x7f\""},
		{"HTML kept", "<a&b>", `"<a&b>"`},
		{"slash kept", "a/b", `"a/b"`},
		{"non-ASCII kept", "é€😀", `"é€😀"`},
		{"U+2028", "a\u2028b", `"a\u2028b"`},
		{"U+2029", "\u2029", `"\u2029"`},
		{"invalid byte", "a\xffb", "\"a\uFFFDb\""},
		{"invalid bytes each replaced", "\xc3\x28\xe2\x82", "\"\uFFFD(\uFFFD\uFFFD\""},
		{"encoded surrogate", "\xed\xa0\x80", "\"\uFFFD\uFFFD\uFFFD\""},
		{"mixed", "x\"\n\xff\u2028é", "\"x\\\"\\n\uFFFD\\u2028é\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := jlex.AppendString([]byte("prefix"), tt.in)
			assert.Equal(t, "prefix"+tt.want, string(got))
		})
	}
}

// checkAppendString checks that AppendString's output is valid UTF-8 JSON
// that decodes to what encoding/json's own encoding of s decodes to.
func checkAppendString(t *testing.T, s string) bool {
	t.Helper()
	out := jlex.AppendString(nil, s)
	ref, err := json.Marshal(s)
	require.NoError(t, err)
	var got, want string
	require.NoError(t, json.Unmarshal(ref, &want))
	return assert.Truef(t, json.Valid(out), "%q: not JSON: %s", s, out) &&
		assert.Truef(t, utf8.Valid(out), "%q: not UTF-8", s) &&
		assert.NoErrorf(t, json.Unmarshal(out, &got), "%q", s) &&
		assert.Equalf(t, want, got, "%q", s)
}

// TestAppendStringEveryPosition puts each kind of byte that needs care at
// every position of strings of every length around the word size, where
// the plain strings' fast path reads words and overlapping tails.
func TestAppendStringEveryPosition(t *testing.T) {
	for n := 1; n <= 40; n++ {
		for pos := 0; pos < n; pos++ {
			for _, c := range []string{"\"", "\\", "\n", "\x00", "\x1f", "\x7f", "\xff", "é"} {
				s := strings.Repeat("a", pos) + c + strings.Repeat("b", n-pos-1)
				checkAppendString(t, s)
				if c == "\x7f" {
					assert.Equal(t, `"`+s+`"`, string(jlex.AppendString(nil, s)), "DEL is kept")
				}
			}
		}
		checkAppendString(t, strings.Repeat("z", n))
	}
}

func TestAppendStringRoundTrip(t *testing.T) {
	for c := 0; c < 256; c++ {
		checkAppendString(t, string([]byte{byte(c)}))
		checkAppendString(t, "a"+string([]byte{byte(c)})+"b")
	}
	for _, s := range []string{"", "\u2028\u2029", "\U0010FFFF", "\uFFFD", "\xf4\x90\x80\x80", "\xc0\xaf", strings.Repeat("é\x01\"", 20)} {
		checkAppendString(t, s)
	}
	r := rand.New(rand.NewPCG(11, 12))
	pool := []string{"a", "\"", "\\", "\n", "\x00", "\x1f", "\x7f", "é", "😀", "\u2028", "\xff", "\xe2\x80", "\xed\xa0\x80", "<", "&"}
	for n := 0; n < 5000; n++ {
		var b strings.Builder
		for k := r.IntN(12); k > 0; k-- {
			b.WriteString(pool[r.IntN(len(pool))])
		}
		if !checkAppendString(t, b.String()) {
			return
		}
	}
}

func TestAppendFloat(t *testing.T) {
	values := []float64{
		0, math.Copysign(0, -1), 1, -1, 0.1, 0.5, 1.5, 100, 123456789, 1e20, 1e21, -1e21, 1.5e21,
		1e-6, 1e-7, 9.999999e-7, 1.2345e-10, 1e-9, 5e-324, math.SmallestNonzeroFloat64,
		math.MaxFloat64, -math.MaxFloat64, 1.7976931348623157e308, 12345678901234567890, 0.30000000000000004,
		1e100, 1e-100, 2.5e-7, 123e-20, float64(1 << 53), float64(1<<53 + 2), 3.14159,
	}
	r := rand.New(rand.NewPCG(13, 14))
	for n := 0; n < 2000; n++ {
		f := math.Float64frombits(r.Uint64())
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			values = append(values, f)
		}
	}
	for _, f := range values {
		want, err := json.Marshal(f)
		require.NoError(t, err)
		got := jlex.AppendFloat([]byte("x"), f)
		if !assert.Equalf(t, "x"+string(want), string(got), "%v (%#x)", f, math.Float64bits(f)) {
			return
		}
	}
	t.Run("not finite", func(t *testing.T) {
		for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			assert.Equal(t, "null", string(jlex.AppendFloat(nil, f)), "%v", f)
		}
	})
}

func TestAppendScalars(t *testing.T) {
	assert.Equal(t, "-32768", string(jlex.AppendInt(nil, int16(math.MinInt16))))
	assert.Equal(t, "2147483647", string(jlex.AppendInt(nil, int32(math.MaxInt32))))
	assert.Equal(t, "-9223372036854775808", string(jlex.AppendInt(nil, int64(math.MinInt64))))
	assert.Equal(t, "x0", string(jlex.AppendInt([]byte("x"), int64(0))))
	assert.Equal(t, "true", string(jlex.AppendBool(nil, true)))
	assert.Equal(t, "false", string(jlex.AppendBool(nil, false)))
}

func TestAppendTime(t *testing.T) {
	times := []time.Time{
		unix(1780500887, 356000000),
		unix(1780500887, 0),
		unix(1780500887, 1),
		unix(1780500887, 100),
		unix(0, 0),
		unix(-1, 999999999),
		unix(firstSec, 0),
		unix(lastSec, 999999999),
		time.Date(2026, 6, 3, 17, 34, 47, 356000000, time.FixedZone("CEST", 2*3600)),
		time.Date(2026, 6, 3, 8, 4, 47, 0, time.FixedZone("", -(7*3600+30*60))),
		time.Now(), // with a monotonic reading
	}
	for _, tm := range times {
		want, err := json.Marshal(tm.UTC())
		require.NoError(t, err)
		got := jlex.AppendTime([]byte("x"), tm)
		assert.Equal(t, "x"+string(want), string(got))
	}
	assert.Equal(t, `"2026-06-03T15:34:47.356Z"`, string(jlex.AppendTime(nil, time.Date(2026, 6, 3, 17, 34, 47, 356000000, time.FixedZone("", 7200)))))
}

func TestAppendAddrString(t *testing.T) {
	for _, s := range []string{"1.2.3.4", "::1", "fd7a:115c:a1e0::1", "::ffff:1.2.3.4", "2001:db8::"} {
		a := netip.MustParseAddr(s)
		want, err := json.Marshal(a)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(jlex.AppendAddrString(nil, a)))
	}
	assert.Equal(t, `""`, string(jlex.AppendAddrString(nil, netip.Addr{})), "zero Addr")
	t.Run("zone is escaped", func(t *testing.T) {
		// "Every writer appends valid UTF-8 JSON to dst", and ParseAddr, as
		// netip.ParseAddr, lets a zone hold any character.
		for _, s := range []string{"fe80::1%eth0", `fe80::1%a"b`, `fe80::1%a\b`, "fe80::1%\x01", "fe80::1%\xff"} {
			a, ok := jlex.ParseAddr(s)
			require.True(t, ok, s)
			out := jlex.AppendAddrString(nil, a)
			if assert.Truef(t, json.Valid(out) && utf8.Valid(out), "%q: %q is not valid UTF-8 JSON", s, out) {
				var back string
				require.NoError(t, json.Unmarshal(out, &back))
				assert.Equal(t, strings.ToValidUTF8(a.String(), "\uFFFD"), back)
			}
		}
	})
}

func TestAppendKeyComma(t *testing.T) {
	tests := []struct {
		name string
		dst  string
		want string
	}{
		{"empty", "", `"k":`},
		{"after brace", "{", `{"k":`},
		{"after bracket", "[", `["k":`},
		{"after value", `{"a":1`, `{"a":1,"k":`},
		{"after string", `{"a":"x"`, `{"a":"x","k":`},
		{"after object", `{"a":{}`, `{"a":{},"k":`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(jlex.AppendKey([]byte(tt.dst), `"k":`)))
			wantComma := strings.TrimSuffix(tt.want, `"k":`)
			assert.Equal(t, wantComma, string(jlex.AppendComma([]byte(tt.dst))))
		})
	}
}

var compactInputs = []string{
	`1`, `-1.5e10`, `"s"`, `""`, `true`, `false`, `null`, `{}`, `[]`,
	` { "a" : 1 , "b" : [ 1 , 2 , { } ] } `,
	"\t\n\r[\n  \"a b\",\r\n  \" \\\" \\\\ \\n \\u00e9 \\ud800 \"\n]\n",
	`{"k e y":"v a l","n":null,"t":true,"nested":{"x":[[],[{}],[[1]]]}}`,
	`"\\"`, `"\\\""`, `"a\"b"`, `"\u0022"`, `["\\", "\""]`,
	`"é😀\u2028 "`, "\"\u2028\u2029\"",
	`[1,  2 ,3  ]`,
}

func TestAppendCompactJSON(t *testing.T) {
	for _, in := range compactInputs {
		t.Run(in, func(t *testing.T) {
			require.True(t, json.Valid([]byte(in)))
			var want bytes.Buffer
			require.NoError(t, json.Compact(&want, []byte(in)))
			got := jlex.AppendCompactJSON([]byte("x"), []byte(in))
			assert.Equal(t, "x"+want.String(), string(got))
		})
	}
	t.Run("random", func(t *testing.T) {
		r := rand.New(rand.NewPCG(15, 16))
		for n := 0; n < 3000; n++ {
			in := randomJSON(r, 0)
			require.True(t, json.Valid([]byte(in)), in)
			var want bytes.Buffer
			require.NoError(t, json.Compact(&want, []byte(in)))
			if !assert.Equal(t, want.String(), string(jlex.AppendCompactJSON(nil, []byte(in))), in) {
				return
			}
		}
	})
	t.Run("invalid UTF-8 replaced", func(t *testing.T) {
		for _, in := range []string{
			"\"\xff\"", "[\"a\xc3\", \"\xed\xa0\x80\"]", "{\"\xff k\": \"v\xfe\"}", "\"\\\\\xff\\\"\"",
		} {
			raw := rawOf(t, in)
			got := jlex.AppendCompactJSON(nil, raw)
			assert.Truef(t, json.Valid(got), "%q -> %q", in, got)
			assert.Truef(t, utf8.Valid(got), "%q -> %q", in, got)
			// encoding/json decodes invalid UTF-8 as U+FFFD per byte: the
			// compacted text must mean the same.
			var want, back any
			require.NoError(t, json.Unmarshal(raw, &want))
			require.NoError(t, json.Unmarshal(got, &back))
			assert.Equal(t, want, back, "%q", in)
			var again bytes.Buffer
			require.NoError(t, json.Compact(&again, got))
			assert.Equal(t, again.String(), string(got), "already compact: %q", in)
		}
	})
	t.Run("lexer output", func(t *testing.T) {
		for _, tt := range skipValid {
			if tt.doc == "null" {
				continue // absent for Raw
			}
			raw := rawOf(t, tt.doc)
			var want bytes.Buffer
			require.NoError(t, json.Compact(&want, raw))
			assert.Equal(t, want.String(), string(jlex.AppendCompactJSON(nil, raw)), tt.name)
		}
	})
}

// rawOf validates doc with the lexer, returning its Raw bytes.
func rawOf(t *testing.T, doc string) json.RawMessage {
	t.Helper()
	l := newLexer(doc)
	var raw json.RawMessage
	l.Raw(&raw)
	l.End()
	require.NoError(t, l.Err(), doc)
	return raw
}

func randomWS(r *rand.Rand) string {
	return []string{"", "", "", " ", "\n", "\t", "\r\n  "}[r.IntN(7)]
}

func randomString(r *rand.Rand) string {
	pool := []string{"a", " ", `\"`, `\\`, `\n`, `\u00e9`, `\ud83d\ude00`, "é", ",", ":", "{", "]"}
	var b strings.Builder
	b.WriteByte('"')
	for k := r.IntN(5); k > 0; k-- {
		b.WriteString(pool[r.IntN(len(pool))])
	}
	b.WriteByte('"')
	return b.String()
}

func randomJSON(r *rand.Rand, depth int) string {
	k := r.IntN(8)
	if depth >= 3 {
		k = r.IntN(4)
	}
	switch k {
	case 0:
		return strconv.Itoa(r.IntN(2000) - 1000)
	case 1:
		return randomString(r)
	case 2:
		return []string{"true", "false", "null", "-0.5e-3"}[r.IntN(4)]
	case 3:
		return strconv.FormatFloat(r.NormFloat64(), 'g', -1, 64)
	case 4, 5:
		var b strings.Builder
		b.WriteString("{" + randomWS(r))
		for i, n := 0, r.IntN(4); i < n; i++ {
			if i > 0 {
				b.WriteString(randomWS(r) + "," + randomWS(r))
			}
			b.WriteString(randomString(r) + randomWS(r) + ":" + randomWS(r) + randomJSON(r, depth+1))
		}
		b.WriteString(randomWS(r) + "}")
		return b.String()
	default:
		var b strings.Builder
		b.WriteString("[" + randomWS(r))
		for i, n := 0, r.IntN(4); i < n; i++ {
			if i > 0 {
				b.WriteString(randomWS(r) + "," + randomWS(r))
			}
			b.WriteString(randomJSON(r, depth+1))
		}
		b.WriteString(randomWS(r) + "]")
		return b.String()
	}
}

func TestRowMeta(t *testing.T) {
	parse := unix(1780500900, 123000000)
	event := unix(1780500887, 356000000)
	decode := func(t *testing.T, out []byte) map[string]any {
		t.Helper()
		require.True(t, json.Valid(out), "%s", out)
		var m map[string]any
		require.NoError(t, json.Unmarshal(out, &m))
		return m
	}
	t.Run("row ID", func(t *testing.T) {
		m := jlex.RowMeta{ParseTime: parse, RowID: "row\"1"}
		out := m.AppendMeta([]byte(`{"a":1`), "Tailscale.Network", event)
		out = append(out, '}')
		assert.Equal(t, map[string]any{
			"a":            1.0,
			"p_log_type":   "Tailscale.Network",
			"p_event_time": "2026-06-03T15:34:47.356Z",
			"p_parse_time": "2026-06-03T15:35:00.123Z",
			"p_row_id":     "row\"1",
		}, decode(t, out))
	})
	t.Run("first member", func(t *testing.T) {
		m := jlex.RowMeta{ParseTime: parse}
		out := m.AppendMeta([]byte(`{`), "T", event)
		assert.Equal(t, `{"p_log_type":"T","p_event_time":"2026-06-03T15:34:47.356Z","p_parse_time":"2026-06-03T15:35:00.123Z"`, string(out))
	})
	t.Run("zero event time falls back to parse time", func(t *testing.T) {
		m := jlex.RowMeta{ParseTime: parse}
		out := append(m.AppendMeta([]byte(`{`), "T", time.Time{}), '}')
		got := decode(t, out)
		assert.Equal(t, "2026-06-03T15:35:00.123Z", got["p_event_time"])
		assert.NotContains(t, got, "p_row_id")
	})
	t.Run("row ID prefix counts in hex", func(t *testing.T) {
		m := jlex.RowMeta{ParseTime: parse, RowIDPrefix: "r\"-"}
		var ids []any
		for range 17 {
			out := append(m.AppendMeta([]byte(`{`), "T", event), '}')
			ids = append(ids, decode(t, out)["p_row_id"])
		}
		assert.Equal(t, []any{"r\"-1", "r\"-2", "r\"-3", "r\"-4", "r\"-5", "r\"-6", "r\"-7", "r\"-8", "r\"-9", "r\"-a", "r\"-b", "r\"-c", "r\"-d", "r\"-e", "r\"-f", "r\"-10", "r\"-11"}, ids)
	})
	t.Run("row ID wins over prefix", func(t *testing.T) {
		m := jlex.RowMeta{ParseTime: parse, RowID: "fixed", RowIDPrefix: "p"}
		out := append(m.AppendMeta([]byte(`{`), "T", event), '}')
		assert.Equal(t, "fixed", decode(t, out)["p_row_id"])
	})
	t.Run("addrs", func(t *testing.T) {
		var m jlex.RowMeta
		var gotIn []netip.Addr
		out := m.AppendAddrs([]byte(`{"a":1`), `"p_any_ip_addresses":`, func(dst []netip.Addr) []netip.Addr {
			gotIn = dst
			dst = jlex.AppendAddr(dst, "100.64.0.1")
			dst = jlex.AppendAddr(dst, "fd7a:115c:a1e0::1")
			return dst
		})
		assert.Empty(t, gotIn)
		out = append(out, '}')
		assert.Equal(t, `{"a":1,"p_any_ip_addresses":["100.64.0.1","fd7a:115c:a1e0::1"]}`, string(out))

		// The scratch slice is reused: the next fill gets it back, emptied.
		out = m.AppendAddrs([]byte(`{`), `"p_any_ip_addresses":`, func(dst []netip.Addr) []netip.Addr {
			gotIn = dst
			return dst
		})
		assert.Empty(t, gotIn)
		assert.GreaterOrEqual(t, cap(gotIn), 2, "scratch reused")
		assert.Equal(t, `{`, string(out), "nothing appended for no addresses")
	})
	t.Run("addrs sorted as text and de-duplicated", func(t *testing.T) {
		var m jlex.RowMeta
		out := m.AppendAddrs([]byte(`{`), `"ips":`, func(dst []netip.Addr) []netip.Addr {
			for _, s := range []string{"fd7a:115c:a1e0::1", "100.64.0.1", "100.101.102.103", "::ffff:1.2.3.4", "100.64.0.1", "fd7a:115c:a1e0:0::1", "2001:db8::23", "2001:db8:10::25"} {
				dst = jlex.AppendAddr(dst, s)
			}
			return dst // unsorted, with duplicates: fill need not sort
		})
		// Panther's order, byte-wise by text (written by hand).
		assert.Equal(t, `{"ips":["100.101.102.103","100.64.0.1","2001:db8:10::25","2001:db8::23","::ffff:1.2.3.4","fd7a:115c:a1e0::1"]`, string(out))
	})
	t.Run("strings", func(t *testing.T) {
		var m jlex.RowMeta
		out := m.AppendStrings([]byte(`{`), `"p_any_emails":`, func(dst []string) []string {
			dst = jlex.AppendEmail(dst, "a@b.c")
			dst = jlex.AppendEmail(dst, "nope")
			dst = jlex.AppendEmail(dst, "q\"@x")
			return dst
		})
		out = append(out, '}')
		assert.Equal(t, `{"p_any_emails":["a@b.c","q\"@x"]}`, string(out))
		out = m.AppendStrings([]byte(`{"a":1`), `"p_any_emails":`, func(dst []string) []string { return dst })
		assert.Equal(t, `{"a":1`, string(out))
	})
}

// TestAppendAddrsMatchesReference checks AppendAddrs, IPAddresses and
// AppendAddrString against a reference (netip's text, sorted as strings,
// duplicates dropped) on random sets of every size, with duplicates, IPv4,
// 4-in-6, IPv6 and zoned addresses, reusing one RowMeta throughout.
func TestAppendAddrsMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	pool := func() netip.Addr {
		switch r.IntN(6) {
		case 0:
			return netip.AddrFrom4([4]byte{100, byte(64 + r.IntN(2)), byte(r.IntN(3)), byte(r.IntN(300))})
		case 5: // every octet of every length in every place
			return netip.AddrFrom4([4]byte{byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))})
		case 1:
			return netip.AddrFrom16([16]byte{10: 0xff, 11: 0xff, 12: 100, 13: 64, 15: byte(r.IntN(4))}) // 4-in-6
		case 2:
			return netip.AddrFrom16([16]byte{0: 0xfd, 1: 0x7a, 2: 0x11, 3: 0x5c, 4: 0xa1, 5: 0xe0, 14: byte(r.IntN(3)), 15: byte(r.IntN(50))})
		case 3:
			return netip.AddrFrom16([16]byte{0: 0xfe, 1: 0x80, 15: 1}).WithZone([]string{"eth0", "a\"b", ""}[r.IntN(3)])
		}
		var b [16]byte
		for i := range b {
			b[i] = byte(r.IntN(2) * r.IntN(256))
		}
		return netip.AddrFrom16(b)
	}
	var m jlex.RowMeta
	for round := range 3000 {
		n := r.IntN(40)
		if round%10 == 0 {
			n = r.IntN(400)
		}
		var in []netip.Addr
		for range n {
			in = append(in, pool())
		}
		texts := map[string]netip.Addr{}
		for _, a := range in {
			texts[a.String()] = a
		}
		keys := make([]string, 0, len(texts))
		for k := range texts {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var want []byte
		var wantAddrs []netip.Addr
		if len(keys) > 0 {
			want = append(want, `,"ips":[`...)
			for i, k := range keys {
				if i > 0 {
					want = append(want, ',')
				}
				want = jlex.AppendString(want, k)
				wantAddrs = append(wantAddrs, texts[k])
			}
			want = append(want, ']')
		}
		got := m.AppendAddrs([]byte(`{"a":1`), `"ips":`, func(dst []netip.Addr) []netip.Addr { return append(dst, in...) })
		require.Equal(t, `{"a":1`+string(want), string(got), "round %d", round)
		require.Equal(t, wantAddrs, append([]netip.Addr(nil), m.IPAddresses()...), "round %d", round)
		for i, k := range keys {
			require.Equal(t, k, string(m.IPAddressText(i)), "round %d: IPAddressText(%d)", round, i)
		}
		for _, a := range append(in, pool(), pool()) {
			require.Equal(t, string(jlex.AppendAddrString(nil, a)), string(m.AppendAddrString(nil, a)), "%v", a)
		}
	}
}

// TestRowMetaAppendAddrRemembers: RowMeta.AppendAddr, which remembers
// recent values, finds what jlex.AppendAddr finds, for values seen again,
// values that share its memory's slots, values it does not keep (long
// ones) and values that are no address; and a nil RowMeta works.
func TestRowMetaAppendAddrRemembers(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	var vals []string
	for i := range 5000 {
		vals = append(vals, fmt.Sprintf("100.%d.%d.%d", 64+i%64, i/64%256, i%7), fmt.Sprintf("fd7a:115c:a1e0::%x", i))
	}
	vals = append(vals, "", " 100.64.0.1 ", "nope", "fe80::1%eth0", "1.2.3", strings.Repeat("1", 41),
		"fd7a:115c:a1e0:0000:0000:0000:0000:0001", "::ffff:1.2.3.4", "a", "100.64.0.1\t")
	var m jlex.RowMeta
	for range 20000 {
		v := vals[r.IntN(len(vals))]
		if r.IntN(4) == 0 {
			v = vals[len(vals)-1-r.IntN(10)]
		}
		want := jlex.AppendAddr([]netip.Addr{{}}, v)
		require.Equal(t, want, m.AppendAddr([]netip.Addr{{}}, v), "%q", v)
		require.Equal(t, want, (*jlex.RowMeta)(nil).AppendAddr([]netip.Addr{{}}, v), "%q", v)
	}
}

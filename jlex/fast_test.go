package jlex_test

import (
	"math/rand/v2"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/jlex"
)

// The fast path's readers are checked against the general lexer: whatever
// they accept, the general path must read to the same value and stop at the
// same offset; and the plain values producers write must be accepted, or the
// fast path would be useless.

// fastKey calls the matcher the generator would pick for name.
func fastKey(data []byte, p int, name string) bool {
	pat := `?"` + name + `":`
	w0, m0, w1, m1 := jlex.KeyWords(pat)
	switch {
	case len(pat) <= 8:
		return jlex.FastKey8(data, p, w0, m0)
	case len(pat) <= 16:
		return jlex.FastKey16(data, p, w0, m0, w1, m1)
	}
	return jlex.FastKeyLong(data, p, pat[1:])
}

func TestFastKey(t *testing.T) {
	const pad = `0,"zzzzzzzzzzzzzzzz":1}`
	for _, name := range []string{"a", "ip", "src", "proto", "txBytes", "isEphemeral", "abcdefghijkl", "abcdefghijklm", "physicalTraffic", "a_much_longer_key_name"} {
		t.Run(name, func(t *testing.T) {
			for _, sep := range []string{"{", ","} {
				assert.True(t, fastKey([]byte(sep+`"`+name+`":`+pad), 0, name), "after %q", sep)
				assert.True(t, fastKey([]byte(`xx`+sep+`"`+name+`":`+pad), 2, name), "at an offset, after %q", sep)
			}
			for _, doc := range []string{
				`}"` + name + `":`,          // after the end of the object
				`,"` + name + `x":`,         // a longer key
				`,"` + name[1:] + `":`,      // a shorter key
				`,"` + name + `" :`,         // whitespace
				`, "` + name + `":`,         // whitespace
				`,"` + name + `"` + pad[:1], // no colon
				`,"` + strings.ToUpper(name) + `":`,
			} {
				assert.False(t, fastKey([]byte(doc+pad), 0, name), "%s", doc)
			}
			// Too close to the end of the input for the word loads: the
			// general path reads it instead.
			short := []byte(`,"` + name + `":`)
			assert.False(t, fastKey(short[:len(short)-1], 0, name), "truncated")
			assert.False(t, fastKey(short, -1, name), "negative offset")
		})
	}
}

// checkValueEnd fails t unless a value the fast path took (q >= 0) is
// followed by ',' or '}': the key matchers rely on it.
func checkValueEnd(t *testing.T, fn string, data []byte, q int) {
	t.Helper()
	if q >= 0 && (q >= len(data) || data[q] != ',' && data[q] != '}') {
		t.Fatalf("%s(%q) stopped at offset %d, not before ',' or '}'", fn, data, q)
	}
}

// generalInt reads doc with the general lexer.
func generalInt(doc string) (v int64, end int, ok bool) {
	l := newLexer(doc)
	ok = l.Int64(&v)
	return v, l.Pos(), ok && l.Ok()
}

// plainInt is what FastInt must take: what producers write for integers
// (-0 aside, which rows write as 0 and the fast path leaves to the general
// one).
var plainInt = regexp.MustCompile(`^(0|-?[1-9][0-9]{0,17})$`)

func TestFastInt(t *testing.T) {
	inputs := []string{"0", "-0", "1", "-1", "01", "-01", "00", "1.5", "1e3", "1E3", "-", "", "+1", " 1", "x",
		"32767", "32768", "-32768", "-32769", "2147483647", "2147483648", "-2147483648", "-2147483649",
		"123456789012345678", "1234567890123456789", "9223372036854775807", "-9223372036854775808", "99999999999999999999"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		inputs = append(inputs, strconv.FormatInt(r.Int64N(1<<uint(1+r.IntN(62))), 10))
		inputs = append(inputs, "-"+strconv.FormatInt(r.Int64N(1<<uint(1+r.IntN(62))), 10))
	}
	for _, in := range inputs {
		for _, term := range []string{",", "}", "]", " ", ".5,", "e1,", ""} {
			for _, pad := range []string{"", `"rxBytes":1}`, `"rxBytes":1,"txBytes":22222}`} {
				doc := in + term + pad
				data := []byte(doc)
				v, q := jlex.FastInt(data, 0)
				want, end, ok := generalInt(doc)
				checkValueEnd(t, "FastInt", data, q)
				if q >= 0 {
					if !ok || v != want || q != end {
						t.Fatalf("FastInt(%q) = %d, %d; general path: %d, %d, %v", doc, v, q, want, end, ok)
					}
				} else if plainInt.MatchString(in) && (term == "," || term == "}") {
					t.Fatalf("FastInt(%q) gave up on a plain integer", doc)
				}
				v16, q16 := jlex.FastInt16(data, 0)
				if q16 >= 0 && (q < 0 || int64(v16) != v) || q16 < 0 && q >= 0 && v == int64(int16(v)) {
					t.Fatalf("FastInt16(%q) = %d, %d; FastInt: %d, %d", doc, v16, q16, v, q)
				}
				v32, q32 := jlex.FastInt32(data, 0)
				if q32 >= 0 && (q < 0 || int64(v32) != v) || q32 < 0 && q >= 0 && v == int64(int32(v)) {
					t.Fatalf("FastInt32(%q) = %d, %d; FastInt: %d, %d", doc, v32, q32, v, q)
				}
			}
		}
	}
}

func TestFastBool(t *testing.T) {
	for _, tt := range []struct {
		doc  string
		want bool
		q    int
	}{
		{"true,", true, 4}, {"false}", false, 5}, {"true", false, -1}, {"true ,", false, -1},
		{"truex", false, -1}, {"fals,", false, -1}, {"null,", false, -1}, {"1,", false, -1}, {`"true",`, false, -1},
	} {
		v, q := jlex.FastBool([]byte(tt.doc), 0)
		checkValueEnd(t, "FastBool", []byte(tt.doc), q)
		assert.Equal(t, tt.q, q, tt.doc)
		assert.Equal(t, tt.want, v, tt.doc)
		if q >= 0 {
			l := newLexer(tt.doc)
			var g bool
			require.True(t, l.Bool(&g), tt.doc)
			assert.Equal(t, g, v, tt.doc)
			assert.Equal(t, l.Pos(), q, tt.doc)
		}
	}
}

func TestFastString(t *testing.T) {
	inputs := []string{"", "a", "laptop-52.example.ts.net", "exactly8", "exactly-sixteen!", strings.Repeat("x", 100),
		`a\"b`, `a\\b`, `\u00e9`, "é", "caf\xc3\xa9", "\xff", "a\tb", "a\x00b", "a\x7fb", "~!@#$%^&*()_+{}[]|:;'<>?,./"}
	for _, in := range inputs {
		for _, term := range []string{",", "}", "]", " ", ""} {
			for _, pad := range []string{"", `"next":"value"}`} {
				doc := `"` + in + `"` + term + pad
				s, q := jlex.FastString([]byte(doc), 0)
				checkValueEnd(t, "FastString", []byte(doc), q)
				l := newLexer(doc)
				var want string
				ok := l.String(&want) && l.Ok()
				if q >= 0 {
					if !ok || s != want || q != l.Pos() {
						t.Fatalf("FastString(%q) = %q, %d; general path: %q, %d, %v", doc, s, q, want, l.Pos(), ok)
					}
					continue
				}
				plain := !strings.ContainsFunc(in, func(r rune) bool { return r < 0x20 || r >= 0x7f || r == '"' || r == '\\' })
				if plain && (term == "," || term == "}") {
					t.Fatalf("FastString(%q) gave up on a plain string", doc)
				}
			}
		}
	}
	_, q := jlex.FastString([]byte(`null,`), 0)
	assert.Equal(t, -1, q, "null is the general path's")
}

// TestFastAddrPort checks the fused string, address and port reading
// against the general String and the separate SplitAddr and SplitPort, with
// one lexer throughout so that its table of recent IPv4 hosts fills, hits and
// is evicted.
func TestFastAddrPort(t *testing.T) {
	inputs := addrPortInputs()
	// Hosts that are prefixes of one another, or share their first bytes,
	// must never be taken one for the other.
	for _, h := range []string{"100.64.0.1", "100.64.0.10", "100.64.0.100", "100.64.0.101", "1.2.3.4", "1.2.3.45", "1.2.3.4.5",
		"100.100.100.100", "100.100.100.10", "255.255.255.255", "10.0.0.1", "10.0.0.12", "10.0.0.123",
		"[::1]", "[::10]", "[::1%eth0]", "[fd7a:115c:a1e0::1]", "[fd7a:115c:a1e0::10]", "[fd7a:115c:a1e0:ab12:4843:cd96:626b:430b]",
		"[::ffff:1.2.3.4]", "[::ffff:1.2.3.45]", "[1::2::3]", "[]", "[", "[::1]]"} {
		for _, port := range []string{"0", "1", "22", "443", "65535", "65536", "00443", ""} {
			inputs = append(inputs, h+":"+port, h+"x"+port, h+port)
		}
	}
	// Every octet text at every position, which the word-at-a-time
	// parser must judge as netip does.
	for _, o := range []string{"0", "1", "9", "10", "99", "100", "199", "200", "249", "250", "255", "256", "260", "300", "999", "00", "01", "001", "010", "099", "1000", "", "-1", "a", "1a", " 1", "1:", ":"} {
		for pos := 0; pos < 4; pos++ {
			parts := []string{"100", "64", "7", "231"}
			parts[pos] = o
			inputs = append(inputs, strings.Join(parts, ".")+":41641", strings.Join(parts, ".")+":0")
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	var l jlex.Lexer
	failures := 0
	for pass := range 3 {
		if pass > 0 {
			r.Shuffle(len(inputs), func(i, j int) { inputs[i], inputs[j] = inputs[j], inputs[i] })
		}
		for _, in := range inputs {
			for _, tail := range []string{",", "}", `,"txBytes":12345,"rxBytes":678}`, "]", `],"txBytes":12345,"rxBytes":678}`,
				`,"txBytes":12345,"rxBytes":678,"txPkts":90,"rxPkts":12,"zzzzzzzzzzzzzzzz":1}`} { // room for the word loads
				if pass == 0 {
					l = jlex.Lexer{} // empty host tables: every host is new
				}
				doc := `"` + in + `"` + tail
				data := []byte(doc)
				var s string
				var addr netip.Addr
				var port int32
				q, hasAddr, hasPort := l.FastAddrPort(data, 0, &s, &addr, &port)
				checkValueEnd(t, "FastAddrPort", data, q)

				g := newLexer(doc)
				var wantS string
				ok := g.String(&wantS) && g.Ok()
				var wantAddr netip.Addr
				var wantPort int32
				wantHasAddr, wantHasPort := jlex.SplitAddr(wantS, &wantAddr), jlex.SplitPort(wantS, &wantPort)
				plain := ok && wantS == in && tail[0] != ']'
				switch {
				case q < 0 && !plain:
					continue
				case q < 0:
					t.Errorf("FastAddrPort(%q) gave up on a plain string", doc)
				case !ok || s != wantS || q != g.Pos() || hasAddr != wantHasAddr || addr != wantAddr || hasPort != wantHasPort || port != wantPort:
					t.Errorf("FastAddrPort(%q) = %q %d, %v %v, %v %v; want %q %d, %v %v, %v %v",
						doc, s, q, hasAddr, addr, hasPort, port, wantS, g.Pos(), wantHasAddr, wantAddr, wantHasPort, wantPort)
				default:
					continue
				}
				if failures++; failures == 10 {
					return
				}
			}
		}
	}
}

func TestFastBegin(t *testing.T) {
	l := newLexer(`{"a":1}`)
	_, p, ok := l.FastBegin()
	assert.True(t, ok)
	assert.Equal(t, 0, p)

	for _, doc := range []string{` {"a":1}`, `null`, `[1]`, ``} {
		_, _, ok := newLexer(doc).FastBegin()
		assert.False(t, ok, "%q", doc)
	}

	// At the depth limit the general path reports the error.
	l = newLexer(`{"a":{"b":1}}`)
	l.SetMaxDepth(1)
	require.True(t, l.BeginObject())
	l.Key()
	_, _, ok = l.FastBegin()
	assert.False(t, ok, "at MaxDepth")

	// After an error.
	l = newLexer(`{"a":1}`)
	l.Fail(0, "boom")
	_, _, ok = l.FastBegin()
	assert.False(t, ok, "after an error")

	// A record that keeps giving up stops trying; the next record tries
	// again.
	l = newLexer(`{"a":1}`)
	tries := 0
	for {
		if _, _, ok := l.FastBegin(); !ok {
			break
		}
		tries++
		require.False(t, l.FastBail())
		require.Less(t, tries, 100)
	}
	assert.Positive(t, tries)
	l.Reset([]byte(`{"a":1}`), nil)
	_, _, ok = l.FastBegin()
	assert.True(t, ok, "after Reset")

	// FastEnd wants the closing brace.
	l = newLexer(`{"a":1}`)
	data, _, _ := l.FastBegin()
	assert.False(t, l.FastEnd(data, 5), "not at '}'")
	assert.False(t, l.FastEnd(data, -1), "given up")
	assert.True(t, l.FastEnd(data, 6))
	assert.Equal(t, 7, l.Pos())

	// Switched off for the process.
	was := jlex.SetFastPathForTesting(false)
	t.Cleanup(func() { jlex.SetFastPathForTesting(was) })
	_, _, ok = newLexer(`{"a":1}`).FastBegin()
	assert.False(t, ok, "switched off")
	assert.False(t, jlex.SetFastPathForTesting(true))
	_, _, ok = newLexer(`{"a":1}`).FastBegin()
	assert.True(t, ok, "switched on again")
}

func TestFastStrings(t *testing.T) {
	plain := map[string]bool{`[]`: true, `["a"]`: true, `["100.64.0.1","fd7a:115c:a1e0::1"]`: true, `["tag:a","tag:b","tag:c"]`: true, `[""]`: true, `["",""]`: true}
	for _, in := range []string{`[]`, `["a"]`, `["100.64.0.1","fd7a:115c:a1e0::1"]`, `["tag:a","tag:b","tag:c"]`, `[""]`, `["",""]`,
		`[ "a"]`, `["a" ]`, `["a",]`, `[,"a"]`, `["a""b"]`, `["a",null]`, `[null]`, `null`, `["a\"b"]`, `["é"]`, `[1]`, `["a"`, `[`, `["a",["b"]]`} {
		for _, term := range []string{",", "}", "]", ""} {
			doc := in + term
			s := []string{"stale", "values"}
			q := jlex.FastStrings([]byte(doc), 0, &s)
			checkValueEnd(t, "FastStrings", []byte(doc), q)
			l := newLexer(doc)
			var want []string
			ok := l.Strings(&want) && l.Ok()
			if q >= 0 {
				if !ok || q != l.Pos() || !assert.Equal(t, append([]string{}, want...), append([]string{}, s...), doc) {
					t.Fatalf("FastStrings(%q) = %q, %d; general path: %q, %d, %v", doc, s, q, want, l.Pos(), ok)
				}
				continue
			}
			if plain[in] && (term == "," || term == "}") {
				t.Fatalf("FastStrings(%q) gave up on a plain array", doc)
			}
		}
	}
}

package jlex_test

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/jlex"
)

func TestSliceDecoders(t *testing.T) {
	t.Run("strings", func(t *testing.T) {
		l := newLexer(`["a", null, "b\n", ""]`)
		s := []string{"x", "y", "z", "w", "v"}
		before := unsafe.SliceData(s)
		require.True(t, l.Strings(&s))
		l.End()
		require.NoError(t, l.Err())
		assert.Equal(t, []string{"a", "", "b\n", ""}, s)
		assert.Equal(t, before, unsafe.SliceData(s), "memory reused")
	})
	t.Run("int64s", func(t *testing.T) {
		l := newLexer(`[1, null, "-2", 9223372036854775807]`)
		s := make([]int64, 0, 8)
		require.True(t, l.Int64s(&s))
		require.NoError(t, l.Err())
		assert.Equal(t, []int64{1, 0, -2, 9223372036854775807}, s)
	})
	t.Run("int32s", func(t *testing.T) {
		l := newLexer(`[1, null, -2147483648]`)
		var s []int32
		require.True(t, l.Int32s(&s))
		require.NoError(t, l.Err())
		assert.Equal(t, []int32{1, 0, -2147483648}, s)
	})
	t.Run("int16s", func(t *testing.T) {
		l := newLexer(`[1, "", 32767]`)
		var s []int16
		require.True(t, l.Int16s(&s))
		require.NoError(t, l.Err())
		assert.Equal(t, []int16{1, 0, 32767}, s)
	})
	t.Run("float64s", func(t *testing.T) {
		l := newLexer(`[1.5, null, "2e3", -0.25]`)
		var s []float64
		require.True(t, l.Float64s(&s))
		require.NoError(t, l.Err())
		assert.Equal(t, []float64{1.5, 0, 2000, -0.25}, s)
	})
	t.Run("bools", func(t *testing.T) {
		l := newLexer(`[true, null, false]`)
		var s []bool
		require.True(t, l.Bools(&s))
		require.NoError(t, l.Err())
		assert.Equal(t, []bool{true, false, false}, s)
	})
	t.Run("raws", func(t *testing.T) {
		l := newLexer(`[{"a":1}, null, [ 2 ], "s"]`)
		var s []json.RawMessage
		require.True(t, l.Raws(&s))
		require.NoError(t, l.Err())
		require.Len(t, s, 4)
		assert.Equal(t, `{"a":1}`, string(s[0]))
		assert.Nil(t, s[1])
		assert.Equal(t, `[ 2 ]`, string(s[2]))
		assert.Equal(t, `"s"`, string(s[3]))
	})
	t.Run("empty", func(t *testing.T) {
		l := newLexer(`[]`)
		s := []int64{1, 2}
		assert.True(t, l.Int64s(&s))
		assert.Empty(t, s)
		assert.NotNil(t, s)
	})
	t.Run("null is absent and empties", func(t *testing.T) {
		l := newLexer(`null`)
		s := []string{"old"}
		assert.False(t, l.Strings(&s))
		assert.NoError(t, l.Err())
		assert.Empty(t, s)
	})
	t.Run("not an array", func(t *testing.T) {
		l := newLexer(`{"a":1}`)
		var s []int64
		assert.False(t, l.Int64s(&s))
		checkErr(t, l, &wantErr{0, "", "expected array, found object"})
	})
	t.Run("bad element path", func(t *testing.T) {
		l := newLexer(`{"xs":[1, 2, true]}`)
		require.True(t, l.BeginObject())
		_, ok := l.Key()
		require.True(t, ok)
		var s []int64
		assert.False(t, l.Int64s(&s))
		checkErr(t, l, &wantErr{13, "xs[2]", "expected int64, found boolean"})
	})
	t.Run("trailing comma", func(t *testing.T) {
		l := newLexer(`["a",]`)
		var s []string
		assert.False(t, l.Strings(&s))
		checkErr(t, l, &wantErr{5, "[0]", "expected value after ',', found invalid character ']'"})
	})
}

func TestAppendHelpers(t *testing.T) {
	t.Run("AppendAddr", func(t *testing.T) {
		var got []netip.Addr
		for _, s := range []string{"1.2.3.4", "", "host", "fe80::1%1", "01.2.3.4", " ::ffff:1.2.3.4\t", "fd7a::1"} {
			got = jlex.AppendAddr(got, s)
		}
		assert.Equal(t, []netip.Addr{
			netip.MustParseAddr("1.2.3.4"),
			// fe80::1%1 is not an address to Panther's net.ParseIP: no zones.
			netip.MustParseAddr("::ffff:1.2.3.4"), // space trimmed
			netip.MustParseAddr("fd7a::1"),
		}, got)
	})
	t.Run("AppendValidAddr", func(t *testing.T) {
		var got []netip.Addr
		got = jlex.AppendValidAddr(got, netip.Addr{})
		got = jlex.AppendValidAddr(got, netip.MustParseAddr("::1"))
		assert.Equal(t, []netip.Addr{netip.MustParseAddr("::1")}, got)
	})
	t.Run("AppendEmail", func(t *testing.T) {
		var got []string
		for _, s := range []string{"a@b.c", "", "user", "@", " x@y\n"} {
			got = jlex.AppendEmail(got, s)
		}
		assert.Equal(t, []string{"a@b.c", "@", "x@y"}, got, "space trimmed, as Panther trims")
	})
	t.Run("AppendNonEmpty", func(t *testing.T) {
		var got []string
		for _, s := range []string{"a", "", " ", ""} {
			got = jlex.AppendNonEmpty(got, s)
		}
		assert.Equal(t, []string{"a", " "}, got)
	})
}

func TestSortCompact(t *testing.T) {
	t.Run("strings", func(t *testing.T) {
		in := []string{"keep", "b", "a", "b", "c", "a"}
		got := jlex.SortCompactStrings(in, 1)
		assert.Equal(t, []string{"keep", "a", "b", "c"}, got)
	})
	t.Run("strings from end", func(t *testing.T) {
		got := jlex.SortCompactStrings([]string{"z", "a"}, 2)
		assert.Equal(t, []string{"z", "a"}, got)
	})
	t.Run("addrs sort by address", func(t *testing.T) {
		texts := []string{"100.64.0.1", "100.101.102.103", "fd7a:115c:a1e0::1", "1.2.3.4", "100.64.0.1", "::1", "9.9.9.9", "10.0.0.1", "fd7a:115c:a1e0::1"}
		var in []netip.Addr
		in = append(in, netip.MustParseAddr("255.255.255.255")) // before from: kept in place
		for _, s := range texts {
			in = append(in, netip.MustParseAddr(s))
		}
		got := jlex.SortCompactAddrs(in, 1)

		// Written by hand: IPv4 numerically, then IPv6 numerically.
		want := []string{"1.2.3.4", "9.9.9.9", "10.0.0.1", "100.64.0.1", "100.101.102.103", "::1", "fd7a:115c:a1e0::1"}
		var gotText []string
		for _, a := range got[1:] {
			gotText = append(gotText, a.String())
		}
		assert.Equal(t, netip.MustParseAddr("255.255.255.255"), got[0])
		assert.Equal(t, want, gotText)
	})
}

func TestElementsHint(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		want      int
	}{
		{"empty", `[]`, 0},
		{"flat objects", `[{"a":1},{"a":2},{"a":3}]`, 3},
		{"scalars", `[1,2,3]`, 0},
		{"element with an array ends the count", `[{"a":[1]},{"b":2},{"c":3}]`, 1},
		{"braces in strings count too", `[{"s":"{{"}]`, 3},
		{"unterminated", `[{"a":1},{`, 2},
		{"hostile: bounded", "[" + strings.Repeat("{", 5000), 2048},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := newLexer(tt.doc)
			require.True(t, l.BeginArray())
			assert.Equal(t, tt.want, l.ElementsHint())
			assert.Equal(t, 1, l.Pos(), "ElementsHint moved the lexer")
		})
	}
}

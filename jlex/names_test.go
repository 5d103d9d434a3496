package jlex_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/jlex"
)

func TestInt16Named(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    int16
		present bool
		err     *wantErr
	}{
		{name: "tcp", doc: `"tcp"`, want: 6, present: true},
		{name: "upper case", doc: `"TCP"`, want: 6, present: true},
		{name: "mixed case", doc: `"Tcp"`, want: 6, present: true},
		{name: "udp", doc: `"udp"`, want: 17, present: true},
		{name: "icmp", doc: `"icmp"`, want: 1, present: true},
		{name: "icmpv4", doc: `"ICMPv4"`, want: 1, present: true},
		{name: "igmp", doc: `"igmp"`, want: 2, present: true},
		{name: "gre", doc: `"gre"`, want: 47, present: true},
		{name: "esp", doc: `"esp"`, want: 50, present: true},
		{name: "ah", doc: `"AH"`, want: 51, present: true},
		{name: "ipv6-icmp", doc: `"IPv6-ICMP"`, want: 58, present: true},
		{name: "icmpv6", doc: `"icmpV6"`, want: 58, present: true},
		{name: "tsmp", doc: `"tsmp"`, want: 99, present: true},
		{name: "sctp", doc: `"SCTP"`, want: 132, present: true},
		{name: "fragment", doc: `"Fragment"`, want: 255, present: true},
		{name: "escaped name", doc: `"\u0074cp"`, want: 6, present: true},
		{name: "spaces around", doc: " \t\"udp\"\n", want: 17, present: true},
		{name: "number", doc: `6`, want: 6, present: true},
		{name: "negative number", doc: `-1`, want: -1, present: true},
		{name: "numeric string", doc: `"17"`, want: 17, present: true},
		{name: "negative numeric string", doc: `"-3"`, want: -3, present: true},
		{name: "max", doc: `"32767"`, want: 32767, present: true},
		{name: "null is absent", doc: `null`},
		{name: "empty string is absent", doc: `""`},
		{name: "unknown name", doc: `"tcpx"`, err: &wantErr{0, "", `unknown ip_protocol name "tcpx"`}},
		{name: "prefix of a name", doc: `"tc"`, err: &wantErr{0, "", `unknown ip_protocol name "tc"`}},
		{name: "name with space", doc: `"tcp "`, err: &wantErr{0, "", `unknown ip_protocol name "tcp "`}},
		{name: "leading space number", doc: `" 6"`, err: &wantErr{0, "", `unknown ip_protocol name " 6"`}},
		{name: "plus number", doc: `"+6"`, err: &wantErr{0, "", `unknown ip_protocol name "+6"`}},
		{name: "non-ASCII", doc: `"tcé"`, err: &wantErr{0, "", `unknown ip_protocol name "tcé"`}},
		{name: "numeric string out of range", doc: ` "32768"`, err: &wantErr{1, "", "number 32768 out of range for int16"}},
		{name: "number out of range", doc: `70000`, err: &wantErr{0, "", "number 70000 out of range for int16"}},
		{name: "bad numeric string", doc: `"6x"`, err: &wantErr{0, "", `invalid number "6x" for int16`}},
		{name: "fraction", doc: `1.5`, err: &wantErr{0, "", "number 1.5 is not an integer"}},
		{name: "boolean", doc: `true`, err: &wantErr{0, "", "expected int16, found boolean"}},
		{name: "unterminated", doc: `"tcp`, err: &wantErr{0, "", "unterminated string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLexer(tt.doc)
			got := int16(-99)
			present := l.Int16Named(&got, jlex.IPProtocol)
			l.End()
			checkErr(t, l, tt.err)
			if tt.err == nil {
				assert.Equal(t, tt.present, present)
				assert.Equal(t, tt.want, got)
			} else {
				assert.False(t, present)
			}
		})
	}
	t.Run("in an array", func(t *testing.T) {
		l := newLexer(`[6, "udp", "Tcp", 17 , "58", 32767, 70000]`)
		require.True(t, l.BeginArray())
		var got []int16
		for l.More() {
			var p int16
			if l.Int16Named(&p, jlex.IPProtocol) {
				got = append(got, p)
			}
		}
		l.EndArray()
		assert.Equal(t, []int16{6, 17, 6, 17, 58, 32767}, got)
		checkErr(t, l, &wantErr{36, "[6]", "number 70000 out of range for int16"})
	})
	t.Run("error path", func(t *testing.T) {
		doc := `{"proto":"bogus"}`
		l := newLexer(doc)
		require.True(t, l.BeginObject())
		_, ok := l.Key()
		require.True(t, ok)
		var p int16
		assert.False(t, l.Int16Named(&p, jlex.IPProtocol))
		checkErr(t, l, &wantErr{9, "proto", `unknown ip_protocol name "bogus"`})
	})
}

func TestNameTable(t *testing.T) {
	tbl := jlex.IPProtocol
	assert.Equal(t, "ip_protocol", tbl.Name)
	assert.Same(t, tbl, jlex.NameTables["ip_protocol"])
	names := tbl.Names()
	assert.Equal(t, []string{"icmp", "icmpv4", "igmp", "tcp", "udp", "gre", "esp", "ah", "ipv6-icmp", "icmpv6", "tsmp", "sctp", "fragment"}, names)
	for _, n := range names {
		assert.Equal(t, n, toLowerASCII(n), "names are lower case")
	}
	tests := []struct {
		name string
		in   string
		want int64
		ok   bool
	}{
		{"lower", "udp", 17, true},
		{"upper", "UDP", 17, true},
		{"upper with digit", "ICMPV6", 58, true},
		{"longer", "udpp", 0, false},
		{"shorter", "ud", 0, false},
		{"empty", "", 0, false},
		{"case-folded non-letter", "ipv6_icmp", 0, false},
		{"Kelvin sign is not k", "\u212a", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tbl.Lookup([]byte(tt.in))
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
	t.Run("names returns a copy", func(t *testing.T) {
		n := tbl.Names()
		n[0] = "changed"
		assert.Equal(t, "icmp", tbl.Names()[0])
	})
}

func toLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

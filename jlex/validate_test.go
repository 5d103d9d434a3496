package jlex_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/jlex"
)

func TestStringRule(t *testing.T) {
	for _, tc := range []struct {
		name            string
		allow, deny     []string
		ip, cidr, value string
		want            string
	}{
		{"allowed", []string{"login", "logout"}, nil, "", "", "logout", ""},
		{"not allowed", []string{"login", "logout"}, nil, "", "", "Login", `"Login" is not allowed (allowed: login, logout)`},
		{"denied", nil, []string{"debug"}, "", "", "debug", `"debug" is denied`},
		{"not denied", nil, []string{"debug"}, "", "", "info", ""},
		{"any IP", nil, nil, "any", "", "2001:db8::1", ""},
		{"IPv4 only", nil, nil, "ipv4", "", "2001:db8::1", `"2001:db8::1" is not an IPv4 address`},
		{"IPv6 only", nil, nil, "ipv6", "", "10.0.0.1", `"10.0.0.1" is not an IPv6 address`},
		{"no zones", nil, nil, "any", "", "fe80::1%eth0", `"fe80::1%eth0" is not an IP address`},
		{"not an IP", nil, nil, "any", "", "host", `"host" is not an IP address`},
		{"CIDR", nil, nil, "", "ipv4", "10.0.0.0/8", ""},
		{"CIDR of the wrong family", nil, nil, "", "ipv4", "2001:db8::/32", `"2001:db8::/32" is not an IPv4 CIDR range`},
		{"not a CIDR", nil, nil, "", "any", "10.0.0.1", `"10.0.0.1" is not an IP CIDR range`},
		{"allow and ip", []string{"10.0.0.1", "bogus"}, nil, "ipv4", "", "bogus", `"bogus" is not an IPv4 address`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := jlex.NewStringRule(tc.allow, tc.deny, tc.ip, tc.cidr)
			require.NoError(t, err)
			assert.Equal(t, tc.want, r.Check(tc.value))
		})
	}
	_, err := jlex.NewStringRule(nil, nil, "v4", "")
	assert.EqualError(t, err, `validate.ip is "v4" (want any, ipv4 or ipv6)`)
	_, err = jlex.NewStringRule(nil, nil, "", "all")
	assert.EqualError(t, err, `validate.cidr is "all" (want any, ipv4 or ipv6)`)
	assert.Panics(t, func() { jlex.MustStringRule(nil, nil, "x", "") })
}

func TestValidString(t *testing.T) {
	r := jlex.MustStringRule([]string{"a"}, nil, "", "")
	var s string
	l := newLexer(`  "a"`)
	assert.True(t, l.ValidString(&s, r))
	assert.Equal(t, "a", s)
	l = newLexer(`null`)
	assert.False(t, l.ValidString(&s, r), "null is absent, not checked")
	assert.NoError(t, l.Err())
	l = newLexer(` "b"`)
	assert.False(t, l.ValidString(&s, r))
	checkErr(t, l, &wantErr{off: 1, msg: `"b" is not allowed (allowed: a)`})
}

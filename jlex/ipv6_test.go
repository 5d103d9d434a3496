package jlex

import (
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestParseIPv6MatchesNetip compares the hand-written IPv6 parser with
// netip.ParseAddr on a table and on random strings built from the
// characters and shapes IPv6 text uses.
func TestParseIPv6MatchesNetip(t *testing.T) {
	check := func(s string) {
		t.Helper()
		want, err := netip.ParseAddr(s)
		got, ok := ParseAddr(s)
		if !assert.Equal(t, err == nil, ok, "accept %q (netip: %v)", s, err) || !ok {
			return
		}
		assert.Equal(t, want, got, "value of %q", s)
	}
	for _, s := range []string{
		"::", "::1", "1::", "1::2", "fd7a:115c:a1e0::1", "fd7a:115c:a1e0:0:0:0:6566:6667", "1:2:3:4:5:6:7:8",
		"1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9",
		"::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "1::1.2.3.4", "::ffff:01.2.3.4",
		"::ffff:1.2.3", "::ffff:1.2.3.4.5", "1.2.3.4::", "12345::", "0000:0000::", "abcd:ABCD::", "g::", ":1::", "1:::2",
		"1::2::3", ":", ":::", "1:", ":1", "1::2:", "::1:", "fe80::1%eth0", "[::1]", "", "1.2.3.4", "::ffff:1.2.3.4:5",
	} {
		check(s)
	}
	r := rand.New(rand.NewPCG(1, 2))
	parts := []string{"0", "1", "ff", "abcd", "ABCD", "12345", "", ":", "::", ".", "1.2.3.4", "255", "g", "0000", "fd7a"}
	for range 20000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(parts[r.IntN(len(parts))])
			if r.IntN(3) > 0 {
				b.WriteByte(':')
			}
		}
		check(b.String())
	}
}

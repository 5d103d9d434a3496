package jlex

import (
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// randomText builds n strings from pieces, which are chosen to meet the
// corner cases of URLs and host:port text.
func randomText(seed uint64, n int, pieces []string) []string {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for range r.IntN(8) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		out[i] = b.String()
	}
	return out
}

// TestPlainURLHost checks the allocation-free URL reader against url.Parse
// and URL.Hostname, its reference, on random URL-like text: wherever it
// answers, url.Parse must give the same host.
func TestPlainURLHost(t *testing.T) {
	pieces := []string{"http", "https", "git+ssh", "h1", "://", ":", "/", "//", "?", "#", "@", "user", "a.b", "-",
		"example.com", "EXAMPLE", "80", "", "[", "]", "::1", "%41", "%", " ", "\t", "\x7f", "é", "_", "1.2.3.4", "x"}
	answered := 0
	for _, s := range randomText(1, 200000, pieces) {
		host, ok := plainURLHost(s)
		if !ok {
			continue
		}
		answered++
		u, err := url.Parse(s)
		require.NoError(t, err, "%q: plainURLHost read host %q, url.Parse fails", s, host)
		require.Equal(t, u.Hostname(), host, "%q", s)
	}
	assert.Greater(t, answered, 1000, "too few random inputs take the fast path to prove anything")
}

// TestNetAddrHost checks netAddrHost against net.SplitHostPort, its
// reference, on random host:port-like text.
func TestNetAddrHost(t *testing.T) {
	pieces := []string{"[", "]", ":", "::", "1", "a", "example.com", "10.0.0.1", "%", "fe80::1", "", " "}
	for _, s := range randomText(2, 100000, pieces) {
		want := s
		if host, _, err := net.SplitHostPort(s); err == nil {
			want = host
		}
		require.Equal(t, want, netAddrHost(s), "%q", s)
	}
}

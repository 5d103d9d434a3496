package jlex

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAddrWords: on this Go, addrHash reads a netip.Addr's words in place
// (the fast path is not silently lost to a layout change), and what it reads
// is As16's bytes, for addresses of every kind, zones and 4-in-6 forms too.
func TestAddrWords(t *testing.T) {
	require.True(t, addrWordsKnown, "netip.Addr's layout changed: addrHash falls back to As16")
	rng := rand.New(rand.NewPCG(3, 4))
	var addrs []netip.Addr
	for range 1000 {
		var b [16]byte
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		a6 := netip.AddrFrom16(b)
		addrs = append(addrs, a6, a6.WithZone("eth0"), netip.AddrFrom4([4]byte(b[:4])), netip.AddrFrom16(netip.AddrFrom4([4]byte(b[:4])).As16()))
	}
	for _, a := range addrs {
		hi, lo, _ := addrHash(a)
		whi, wlo := addrWordsOf(a)
		assert.Equal(t, [2]uint64{whi, wlo}, [2]uint64{hi, lo}, "%v", a)
	}
}

package tailscale

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSortMatchedIsCompareOrder: sortMatched orders a row's matched
// addresses as netip.Addr.Compare does (IPv4 by value before IPv6, 4-in-6
// forms among IPv6, zones last among equal bytes), slots following their
// addresses, for random lists of every mix.
func TestSortMatchedIsCompareOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	addr := func() netip.Addr {
		var b [16]byte
		switch rng.IntN(5) {
		case 0, 1: // a tailnet's IPv4 addresses, some sharing octets
			return netip.AddrFrom4([4]byte{100, byte(64 + rng.IntN(3)), byte(rng.IntN(3)), byte(rng.Uint32())})
		case 2: // its IPv6 ones
			copy(b[:], []byte{0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0})
			b[14], b[15] = byte(rng.IntN(4)), byte(rng.Uint32())
			return netip.AddrFrom16(b)
		case 3: // 4-in-6
			return netip.AddrFrom16(netip.AddrFrom4([4]byte{100, 64, 0, byte(rng.IntN(4))}).As16())
		default: // anything, "::" and "0.0.0.0" included
			if rng.IntN(2) == 0 {
				return netip.AddrFrom4([4]byte{byte(rng.IntN(2) * 255), 0, 0, byte(rng.IntN(2))})
			}
			b[15] = byte(rng.IntN(2))
			return netip.AddrFrom16(b)
		}
	}
	d := NewNodeDirectory(0)
	for round := range 2000 {
		seen := map[netip.Addr]bool{}
		var in []addrMatch
		for range rng.IntN(40) {
			a := addr()
			if round%10 == 0 && a.Is6() && rng.IntN(8) == 0 {
				a = a.WithZone("eth0")
			}
			if !seen[a] {
				seen[a] = true
				in = append(in, addrMatch{addr: a, slot: rng.Int32N(100)})
			}
		}
		if len(in) == 0 {
			continue
		}
		want := slices.Clone(in)
		slices.SortFunc(want, func(p, q addrMatch) int { return p.addr.Compare(q.addr) })
		d.matched = append(d.matched[:0], in...)
		d.sortMatched()
		if !assert.Equal(t, want, d.matched, "round %d", round) {
			return
		}
	}
}

package jlex

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// BenchmarkAddrSetCollect collects the addresses of flow-record-like rows:
// 200 entries naming about 40 distinct addresses (a third IPv6), the
// source and destination of every entry, as p_any_ip_addresses does.
func BenchmarkAddrSetCollect(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var pool []netip.Addr
	for i := range 3000 {
		if i%3 == 0 {
			var a [16]byte
			copy(a[:], []byte{0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0})
			a[14], a[15] = byte(rng.Uint32()), byte(rng.Uint32())
			pool = append(pool, netip.AddrFrom16(a))
		} else {
			pool = append(pool, netip.AddrFrom4([4]byte{100, byte(64 + rng.IntN(64)), byte(rng.Uint32()), byte(rng.Uint32())}))
		}
	}
	rows := make([][]netip.Addr, 64)
	for r := range rows {
		hosts := make([]netip.Addr, 40)
		for i := range hosts {
			hosts[i] = pool[rng.IntN(len(pool))]
		}
		for range 400 {
			rows[r] = append(rows[r], hosts[rng.IntN(len(hosts))])
		}
	}
	var s addrSet
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.collect(rows[i%len(rows)])
		i++
	}
}

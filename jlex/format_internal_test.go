package jlex

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The formatters must write exactly what strconv, netip and time write: they
// are checked against them on every value where that is possible and on
// random and edge values elsewhere.

func TestAppendUintMatchesStrconv(t *testing.T) {
	check := func(v uint64) {
		if got, want := string(appendUint([]byte("x"), v)), "x"+strconv.FormatUint(v, 10); got != want {
			t.Fatalf("appendUint(%d) = %q, want %q", v, got, want)
		}
		for _, w := range []int64{int64(v), -int64(v)} {
			if got, want := string(appendInt64(nil, w)), strconv.FormatInt(w, 10); got != want {
				t.Fatalf("appendInt64(%d) = %q, want %q", w, got, want)
			}
		}
	}
	for v := uint64(0); v < 100000; v++ {
		check(v)
	}
	for p := uint64(10); p < math.MaxUint64/10; p *= 10 {
		check(p - 1)
		check(p)
		check(p + 1)
	}
	check(math.MaxUint64)
	check(math.MaxInt64)
	check(1 << 63)
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		check(r.Uint64() >> r.IntN(64))
	}
	require.Equal(t, "-9223372036854775808", string(appendInt64(nil, math.MinInt64)))
}

func TestAppendAddrMatchesNetip(t *testing.T) {
	check := func(a netip.Addr) {
		if got, want := string(appendAddr([]byte("x"), a)), "x"+string(a.AppendTo(nil)); got != want {
			t.Fatalf("appendAddr(%v) = %q, want %q", a, got, want)
		}
	}
	// Every IPv4 octet value in every position.
	for i := range 256 {
		for pos := range 4 {
			var b [4]byte
			b[pos] = byte(i)
			check(netip.AddrFrom4(b))
			b = [4]byte{255, 255, 255, 255}
			b[pos] = byte(i)
			check(netip.AddrFrom4(b))
		}
	}
	// Every pattern of zero and non-zero groups (which decides where "::"
	// goes), with group values of one to four hex digits.
	vals := []uint16{1, 0xa, 0x10, 0xff, 0x100, 0xabc, 0x1000, 0xffff}
	for mask := range 256 {
		for _, v := range vals {
			var b [16]byte
			for g := range 8 {
				if mask&(1<<g) != 0 {
					x := v + uint16(g)
					b[2*g], b[2*g+1] = byte(x>>8), byte(x)
				}
			}
			check(netip.AddrFrom16(b))
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		var b [16]byte
		for g := range 8 {
			if r.IntN(3) > 0 {
				x := uint16(r.Uint32()) >> r.IntN(16)
				b[2*g], b[2*g+1] = byte(x>>8), byte(x)
			}
		}
		check(netip.AddrFrom16(b))
		check(netip.AddrFrom4([4]byte{byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())}))
	}
	for _, s := range []string{"::", "::1", "1::", "::ffff:1.2.3.4", "fe80::1%eth0", "fd7a:115c:a1e0::1", "1:0:0:1:0:0:0:1", "1:0:0:1:0:0:1:1", "0:0:1::"} {
		check(netip.MustParseAddr(s))
	}
	check(netip.Addr{})
}

func TestAppendTimeMatchesTime(t *testing.T) {
	check := func(tm time.Time) {
		if got, want := string(appendTimeUTC([]byte("x"), tm)), "x"+tm.UTC().Format(time.RFC3339Nano); got != want {
			t.Fatalf("appendTimeUTC(%v) = %q, want %q", tm, got, want)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	lo := time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(10005, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for range 200000 {
		ns := []int64{0, int64(r.IntN(1e9)), int64(r.IntN(1000)) * 1e6, int64(r.IntN(1e6)) * 1e3, 1, 999999999, 100}[r.IntN(7)]
		check(time.Unix(lo+r.Int64N(hi-lo), ns))
	}
	// Every day of the years around leap-year rules and the ends.
	for _, y := range []int{0, 1, 99, 100, 1600, 1900, 1969, 1970, 2000, 2024, 2100, 9998, 9999} {
		for d := range 800 {
			check(time.Date(y, 1, 1, 23, 59, 59, 5e8, time.UTC).AddDate(0, 0, d))
		}
	}
	for _, tm := range []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 12, 31, 23, 59, 59, 1, time.UTC),
		time.Date(2026, 6, 3, 17, 34, 47, 356000000, time.FixedZone("", 7200)),
		time.Now(),
	} {
		check(tm)
	}
}

// TestQuickSortKeys: the addresses' sort orders random, sorted, reversed
// and few-valued keys like the standard library, and gives up (for
// slices.SortFunc to finish) rather than go deeper than it is allowed.
func TestQuickSortKeys(t *testing.T) {
	less := func(x, y *sortKey) bool { return x.k0 < y.k0 || x.k0 == y.k0 && x.k1 < y.k1 }
	var s addrSet
	s.ents = make([]addrEnt, 1000) // all of empty text: the keys decide
	r := rand.New(rand.NewPCG(9, 10))
	for round := range 2000 {
		n := r.IntN(300)
		keys := make([]sortKey, n)
		for i := range keys {
			switch round % 4 {
			case 0:
				keys[i] = sortKey{k0: r.Uint64(), k1: r.Uint64()}
			case 1:
				keys[i] = sortKey{k0: uint64(i)}
			case 2:
				keys[i] = sortKey{k0: uint64(n - i)}
			default:
				keys[i] = sortKey{k0: uint64(r.IntN(3)), k1: r.Uint64()}
			}
			keys[i].i = int32(i)
		}
		want := slices.Clone(keys)
		slices.SortFunc(want, func(x, y sortKey) int {
			if less(&x, &y) {
				return -1
			}
			if less(&y, &x) {
				return 1
			}
			return 0
		})
		require.True(t, s.quickSort(keys, 2*bitsLen(n)+4))
		require.Equal(t, want, keys, "round %d", round)
	}
	keys := make([]sortKey, 1000)
	for i := range keys {
		keys[i].k0 = uint64(r.IntN(1000))
	}
	require.False(t, s.quickSort(keys, 1), "too deep for one level")
}

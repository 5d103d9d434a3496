package jlex

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// isSpecial is the byte-at-a-time definition scanPlain and specialMask
// implement eight bytes at a time.
func isSpecial(c byte) bool { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80 }

// naiveScan is scanPlain's reference.
func naiveScan(data []byte, i int) int {
	for ; i < len(data); i++ {
		if isSpecial(data[i]) {
			return i
		}
	}
	return i
}

// firstSpecialLane returns the lowest lane whose high bit is set in m, or 8.
func firstSpecialLane(m uint64) int {
	for lane := 0; lane < 8; lane++ {
		if m>>(8*lane+7)&1 != 0 {
			return lane
		}
	}
	return 8
}

func word(b [8]byte) uint64 { return loadLE(b[:], 0) }

func TestSpecialMaskSingleByte(t *testing.T) {
	for _, filler := range []byte{'a', ' ', '!', '#', '[', ']', 0x7f, 0x21, 0x5d} {
		for lane := 0; lane < 8; lane++ {
			for v := 0; v < 256; v++ {
				var b [8]byte
				for i := range b {
					b[i] = filler
				}
				b[lane] = byte(v)
				want := 8
				if isSpecial(byte(v)) {
					want = lane
				}
				m := specialMask(word(b))
				if !assert.Equalf(t, want, firstSpecialLane(m), "filler %#x lane %d byte %#x mask %#x", filler, lane, v, m) {
					return
				}
				if want == 8 {
					assert.Zerof(t, m, "filler %#x lane %d byte %#x: no special byte but mask %#x", filler, lane, v, m)
				}
			}
		}
	}
}

// TestSpecialMaskPairs puts every pair of byte values in every pair of
// lanes: only the lowest flagged lane must be exact, so borrows from a
// special byte must never flag a lower lane.
func TestSpecialMaskPairs(t *testing.T) {
	if testing.Short() {
		t.Skip("exhaustive")
	}
	for lo := 0; lo < 8; lo++ {
		for hi := lo + 1; hi < 8; hi++ {
			for v := 0; v < 256; v++ {
				for w := 0; w < 256; w++ {
					b := [8]byte{'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'}
					b[lo], b[hi] = byte(v), byte(w)
					want := 8
					switch {
					case isSpecial(byte(v)):
						want = lo
					case isSpecial(byte(w)):
						want = hi
					}
					if got := firstSpecialLane(specialMask(word(b))); got != want {
						require.Failf(t, "wrong lane", "lanes %d,%d bytes %#x,%#x: got lane %d, want %d", lo, hi, v, w, got, want)
					}
				}
			}
		}
	}
}

func TestSpecialMaskRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// Bytes near the thresholds make borrows likely.
	pool := []byte{0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x7e, 0x7f, 0x80, 0x81, 0xdc, 0xff, 'a'}
	for n := 0; n < 200000; n++ {
		var b [8]byte
		for i := range b {
			if r.IntN(2) == 0 {
				b[i] = pool[r.IntN(len(pool))]
			} else {
				b[i] = byte(r.IntN(256))
			}
		}
		want := naiveScan(b[:], 0)
		if got := firstSpecialLane(specialMask(word(b))); got != want {
			require.Failf(t, "wrong lane", "bytes % x: got lane %d, want %d", b[:], got, want)
		}
	}
}

func TestScanPlain(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for length := 0; length <= 80; length++ { // past scanPlain's first 32-byte block
		for start := 0; start <= length; start++ {
			for trial := 0; trial < 20; trial++ {
				data := make([]byte, length)
				for i := range data {
					data[i] = byte('a' + r.IntN(26))
				}
				// Sometimes plant one or two special bytes.
				for k := r.IntN(3); k > 0 && length > 0; k-- {
					data[r.IntN(length)] = []byte{'"', '\\', 0x00, 0x1f, 0x80, 0xff}[r.IntN(6)]
				}
				if got, want := scanPlain(data, start), naiveScan(data, start); got != want {
					require.Failf(t, "scanPlain", "data %q start %d: got %d, want %d", data, start, got, want)
				}
			}
		}
	}
	// Every position of a special byte in a 70-byte buffer, from every start.
	for p := 0; p < 70; p++ {
		for _, c := range []byte{'"', '\\', 0x01, 0x80} {
			data := []byte(strings.Repeat("abcdefghij", 7))
			data[p] = c
			for start := 0; start <= len(data); start++ {
				assert.Equalf(t, naiveScan(data, start), scanPlain(data, start), "special %#x at %d, start %d", c, p, start)
			}
		}
	}
}

// v6Texts returns IPv6 host texts in every form producers and hostile
// inputs use: canonical, with leading zeros, upper case, "::" anywhere,
// and random damage.
func v6Texts(r *rand.Rand) []string {
	texts := []string{"::", "::1", "1::", "fd7a:115c:a1e0::1", "FD7A:115C:A1E0::1", "fd7a:115c:a1e0:ab12:4843:cd96:626b:430b",
		"2001:0db8:0000:0000:0000:0000:0000:0001", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1::2::3",
		":::", "1:::2", ":1::", "1:", ":1", "12345::", "g::1", "::g", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "::ffff:1.2.3.4",
		"fe80::1%eth0", "", ":", "0:0:0:0:0:0:0:0", "0000:0000:0000:0000:0000:0000:0000:0000", "00000::", "ABCDEF::", "abcd:ef01::",
		"fd7a:115c:a1e0::\x1a", "fd7a:115c:a1e0::\x10", "fd7a:115c:a1e0::\xe1", "1:2:3:4:5:6:7:8:"}
	const hexDigits = "0123456789abcdefABCDEF"
	for range 20000 {
		var b [16]byte
		for i := range b {
			if r.IntN(3) > 0 {
				b[i] = byte(r.Uint32())
			}
		}
		a := netip.AddrFrom16(b)
		s := a.String()
		switch r.IntN(4) {
		case 0: // every group written out, some with leading zeros, mixed case
			var parts []string
			for i := 0; i < 16; i += 2 {
				g := fmt.Sprintf("%x", uint16(b[i])<<8|uint16(b[i+1]))
				if r.IntN(3) == 0 {
					g = fmt.Sprintf("%04x", uint16(b[i])<<8|uint16(b[i+1]))
				}
				if r.IntN(4) == 0 {
					g = strings.ToUpper(g)
				}
				parts = append(parts, g)
			}
			if r.IntN(3) == 0 { // "::" in place of a random run of groups, zero or not
				i := r.IntN(8)
				j := i + r.IntN(9-i)
				parts = append(append(parts[:i:i], ""), parts[j:]...)
				if i == 0 {
					parts = append([]string{""}, parts...)
				}
				if j == 8 {
					parts = append(parts, "")
				}
			}
			s = strings.Join(parts, ":")
		case 1: // damaged
			bs := []byte(s)
			k := r.IntN(len(bs) + 1)
			switch r.IntN(4) {
			case 0:
				bs = append(bs[:k:k], append([]byte{":0g.%"[r.IntN(5)]}, bs[k:]...)...)
			case 1:
				if k < len(bs) {
					bs = append(bs[:k:k], bs[k+1:]...)
				}
			case 2:
				bs = append(bs[:k:k], append([]byte{hexDigits[r.IntN(len(hexDigits))]}, bs[k:]...)...)
			case 3:
				bs = append(bs[:k:k], append([]byte("::"), bs[k:]...)...)
			}
			s = string(bs)
		}
		texts = append(texts, s)
	}
	return texts
}

// TestQuotedV6Host checks the word-at-a-time IPv6 parser against
// netip.ParseAddr: every text it takes must be an IPv6 address without a
// zone and parse to the same address, and every such address without an
// embedded IPv4 must be taken.
func TestQuotedV6Host(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	pad := strings.Repeat(`,"txBytes":1234567`, 4) + "}"
	failures := 0
	for _, s := range v6Texts(r) {
		for _, lead := range []string{"", `"`, `,"src":"`} {
			data := []byte(lead + "[" + s + "]:41641\"" + pad)
			hi, lo, close, ok := quotedV6Host(data, len(lead))
			var ip [16]byte
			binary.BigEndian.PutUint64(ip[:8], hi)
			binary.BigEndian.PutUint64(ip[8:], lo)
			want, err := netip.ParseAddr(s)
			takes := err == nil && want.Is6() && want.Zone() == "" && !strings.Contains(s, ".")
			switch {
			case ok && !takes:
				t.Errorf("quotedV6Host(%q) took it as %v; netip: %v, %v", s, netip.AddrFrom16(ip), want, err)
			case !ok && takes:
				t.Errorf("quotedV6Host(%q) gave up on an address", s)
			case ok && (netip.AddrFrom16(ip) != want || close != len(lead)+1+len(s)):
				t.Errorf("quotedV6Host(%q) = %v, %d; want %v, %d", s, netip.AddrFrom16(ip), close, want, len(lead)+1+len(s))
			default:
				continue
			}
			if failures++; failures == 10 {
				return
			}
		}
	}
	// Too near the end of the input: left to the general path.
	data := []byte(`[::1]:1"}`)
	_, _, _, ok := quotedV6Host(data, 0)
	assert.False(t, ok)
}

// TestHexGroup checks hexRun and hexValue on every byte in every lane.
func TestHexGroup(t *testing.T) {
	isHex := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
	r := rand.New(rand.NewPCG(7, 8))
	for lane := 0; lane < 8; lane++ {
		for v := 0; v < 256; v++ {
			for range 4 {
				var b [8]byte
				for i := range b {
					b[i] = "0123456789abcdefABCDEF"[r.IntN(22)]
				}
				b[lane] = byte(v)
				n := hexRun(word(b))
				var val uint64
				if n > 0 {
					val = hexValue(word(b), min(n, 4))
				}
				wantN := 0
				for wantN < 8 && isHex(b[wantN]) {
					wantN++
				}
				var wantV uint64
				if k := min(wantN, 4); k > 0 {
					x, err := strconv.ParseUint(string(b[:k]), 16, 16)
					require.NoError(t, err)
					wantV = x
				}
				if n != wantN || wantN > 0 && val != wantV {
					t.Fatalf("hexRun, hexValue(%q) = %d, %#x; want %d, %#x", b, n, val, wantN, wantV)
				}
			}
		}
	}
}

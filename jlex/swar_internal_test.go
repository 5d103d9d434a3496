package jlex

import (
	"math/rand/v2"
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
	for length := 0; length <= 40; length++ {
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
	// Every position of a special byte in a 17-byte buffer, from every start.
	for p := 0; p <= 16; p++ {
		for _, c := range []byte{'"', '\\', 0x01, 0x80} {
			data := []byte("abcdefghijklmnopq")
			data[p] = c
			for start := 0; start <= len(data); start++ {
				assert.Equalf(t, naiveScan(data, start), scanPlain(data, start), "special %#x at %d, start %d", c, p, start)
			}
		}
	}
}

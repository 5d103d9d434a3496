package jlex

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The fast path.
//
// Generated decoders of flat objects (fields of scalar types only) first try
// a straight-line reading of the object as producers write it: no
// whitespace, keys in schema order (some may be missing), plain values. It
// works on a local cursor (data, p) with no frame bookkeeping, and gives up
// (FastBail) at the first thing it does not expect: an unknown, repeated or
// out-of-order key, whitespace, an escape, a number it cannot take at once,
// null, the end of the input. The general decoder then reads the object again
// from its '{', so it alone decides what is an error and what the error says;
// the fast path only ever accepts input that the general path reads to the
// same values. A record gives up on the fast path after maxFastBails, so
// input the fast path does not suit costs at most a few objects read twice.
//
// A fast decoder looks like this:
//
//	data, p, ok := l.FastBegin()
//	if !ok {
//		return false
//	}
//	if jlex.FastKey16(data, p, w0, m0, w1, m1) { // `?"txBytes":`
//		if x.TxBytes, p = jlex.FastInt(data, p+11); p < 0 {
//			return l.FastBail()
//		}
//		x.present.Set(8, true)
//	}
//	…
//	return l.FastEnd(data, p)
//
// Each key pattern is the key's quoted name and colon, preceded by one byte
// of any value: '{' before the first key, ',' after a value (the value
// readers only stop before ',' or '}', and the key matchers reject '}').

// maxFastBails is how often one record may give up the fast path before
// it is no longer tried for that record.
const maxFastBails = 4

// fastOff turns the fast path off (SetFastPathForTesting).
var fastOff atomic.Bool

// SetFastPathForTesting turns the fast path of every generated decoder in the process
// on (the default) or off, and reports whether it was on. Tests use it to
// check that both paths decode every input alike; benchmarks, to measure
// what the fast path gains.
func SetFastPathForTesting(on bool) (wasOn bool) { return !fastOff.Swap(!on) }

// FastBegin starts the fast path at an object: it returns the input and the
// offset of its '{'. ok is false when the fast path should not be tried: after
// an error, after too many bails in this record, when the next byte is not
// '{', or at the nesting limit (which the general path then reports).
func (l *Lexer) FastBegin() (data []byte, p int, ok bool) {
	p = l.pos
	if l.err != nil || l.fastBails >= maxFastBails || p >= len(l.data) || l.data[p] != '{' || fastOff.Load() ||
		l.depth >= maxFrames || (l.depthLimit != 0 && l.depth >= l.depthLimit) {
		return nil, 0, false
	}
	return l.data, p, true
}

// FastEnd finishes the fast path at offset p, which must be the object's
// closing '}'. It reports false, as FastBail does, when it is not.
func (l *Lexer) FastEnd(data []byte, p int) bool {
	if p < 0 || p >= len(data) || data[p] != '}' {
		return l.FastBail()
	}
	l.pos = p + 1
	return true
}

// FastBail gives up the fast path for the current object; the caller then
// decodes it with the general path. It always returns false.
func (l *Lexer) FastBail() bool {
	l.fastBails++
	return false
}

// FastKey8 reports whether the key pattern w (under mask m) is at data[p]:
// any byte but '}', then the key's quoted name and ':', at most 8 bytes in
// all, as little-endian words made by KeyWords.
func FastKey8(data []byte, p int, w, m uint64) bool {
	if p < 0 || p > len(data)-8 {
		return false
	}
	a := loadLE(data, p)
	return a&m == w && byte(a) != '}'
}

// FastKey16 is FastKey8 for patterns of 9 to 16 bytes.
func FastKey16(data []byte, p int, w0, m0, w1, m1 uint64) bool {
	if p < 0 || p > len(data)-16 {
		return false
	}
	a := loadLE(data, p)
	return a&m0 == w0 && loadLE(data, p+8)&m1 == w1 && byte(a) != '}'
}

// FastKeyLong is FastKey8 for longer patterns: key is the quoted name and
// ':' (the pattern without its first byte).
func FastKeyLong(data []byte, p int, key string) bool {
	return p >= 0 && p+1+len(key) <= len(data) && string(data[p+1:p+1+len(key)]) == key && data[p] != '}'
}

// KeyWords returns the words and masks of a key pattern of up to 16 bytes,
// whose first byte matches anything: what the generator writes into
// FastKey8 and FastKey16 calls.
func KeyWords(pat string) (w0, m0, w1, m1 uint64) { return patternWords(pat, 1) }

// valueEnd reports whether c may end a value on the fast path.
func valueEnd(c byte) bool { return c == ',' || c == '}' }

// FastInt reads an integer of up to 18 digits at data[p], optionally
// negative, without a leading zero, fraction or exponent, followed by ',' or
// '}'. It returns the value and the offset after it, or p = -1.
func FastInt(data []byte, p int) (int64, int) {
	if p >= 0 && p <= len(data)-20 {
		// A positive number with room for its longest form and the byte
		// after it. Its first eight bytes are classified and added up a
		// word at a time: counters' lengths vary from one entry to the
		// next, which a loop's exit branch mispredicts.
		x := loadLE(data, p)
		if n := digitRun(x); n > 0 && byte(x) != '0' {
			if n < 8 {
				if c := byteAt(data, p+n); c == ',' || c == '}' {
					return int64(eightDigits(x << ((64 - 8*n) & 63))), p + n
				}
				return 0, -1
			}
			v := eightDigits(x)
			i := p + 8
			for end := p + 18; i < end; i++ {
				d := uint64(byteAt(data, i)) - '0'
				if d > 9 {
					break
				}
				v = v*10 + d
			}
			if c := byteAt(data, i); c == ',' || c == '}' {
				return int64(v), i
			}
			return 0, -1
		}
	}
	return fastIntAny(data, p)
}

// digitRun returns how many of the bytes of x, from the low one, are ASCII
// digits before the first that is not: 0 to 8.
func digitRun(x uint64) int { return bits.TrailingZeros64(nonDigits(x)) / 8 }

// nonDigits has the high bit set in each byte of x that is not an ASCII
// digit, and no other bit.
func nonDigits(x uint64) uint64 {
	const nib = 0x0f0f0f0f0f0f0f0f
	// A byte is not a digit when its high nibble is not 3 or its low
	// nibble is above 9 (adding 6 carries out of it).
	nonDigit := (x&^nib ^ lsb*0x30) | ((x&nib)+lsb*6)&^nib
	return ((nonDigit &^ msb) + lsb*0x7f | nonDigit) & msb
}

// byteAt returns data[i] without a bounds check: the caller has checked
// 0 <= i < len(data).
func byteAt(data []byte, i int) byte {
	return *(*byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(data)), i))
}

// fastIntAny is FastInt for zero, negative numbers and numbers near the end
// of the input.
func fastIntAny(data []byte, p int) (int64, int) {
	neg := false
	if p >= 0 && p < len(data) && data[p] == '-' {
		neg = true
		p++
	}
	if p < 0 || p >= len(data) {
		return 0, -1
	}
	d := data[p] - '0'
	if d > 9 {
		return 0, -1
	}
	v := int64(d)
	i := p + 1
	if d != 0 {
		for end := min(len(data), p+18); i < end; i++ {
			d := data[i] - '0'
			if d > 9 {
				break
			}
			v = v*10 + int64(d)
		}
	}
	if i >= len(data) || !valueEnd(data[i]) {
		return 0, -1
	}
	if neg {
		v = -v
	}
	return v, i
}

// FastInt32 is FastInt for Panther's int.
func FastInt32(data []byte, p int) (int32, int) {
	v, q := FastInt(data, p)
	if v != int64(int32(v)) {
		return 0, -1
	}
	return int32(v), q
}

// FastInt16 is FastInt for Panther's smallint.
func FastInt16(data []byte, p int) (int16, int) {
	v, q := FastInt(data, p)
	if v != int64(int16(v)) {
		return 0, -1
	}
	return int16(v), q
}

// FastBool reads true or false followed by ',' or '}'.
func FastBool(data []byte, p int) (bool, int) {
	if p < 0 {
		return false, -1
	}
	if p+5 <= len(data) && string(data[p:p+4]) == "true" && valueEnd(data[p+4]) {
		return true, p + 4
	}
	if p+6 <= len(data) && string(data[p:p+5]) == "false" && valueEnd(data[p+5]) {
		return false, p + 5
	}
	return false, -1
}

// FastString reads a string at data[p] of printable ASCII without escapes,
// followed by ',' or '}'. The result is a view of data. p = -1 for any
// other string or value.
func FastString(data []byte, p int) (string, int) {
	s, q := plainString(data, p)
	if q < 0 || q >= len(data) || !valueEnd(data[q]) {
		return "", -1
	}
	return s, q
}

// plainString reads a string at data[p] of printable ASCII without
// escapes, returning a view of it and the offset after its closing quote,
// or p = -1.
func plainString(data []byte, p int) (string, int) {
	if p < 0 || p >= len(data) || data[p] != '"' {
		return "", -1
	}
	start := p + 1
	i := scanPlain(data, start)
	if i >= len(data) || data[i] != '"' {
		return "", -1
	}
	return bytesString(data[start:i]), i + 1
}

// FastStrings reads an array of strings as FastString reads one, followed
// by ',' or '}', into *s, reusing its memory as Lexer.Strings does.
func FastStrings(data []byte, p int, s *[]string) int {
	*s = (*s)[:0]
	if p < 0 || p+1 >= len(data) || data[p] != '[' {
		return -1
	}
	p++
	if data[p] != ']' {
		if cap(*s) == 0 {
			*s = make([]string, 0, newStrings)
		}
		for {
			str, q := plainString(data, p)
			if q < 0 || q >= len(data) {
				return -1
			}
			*s = append(*s, str)
			if data[q] == ']' {
				p = q
				break
			}
			if data[q] != ',' {
				return -1
			}
			p = q + 1
		}
	}
	if p+1 >= len(data) || !valueEnd(data[p+1]) {
		return -1
	}
	return p + 1
}

// FastAddrPort reads a string at data[p] as FastString does into *s, and
// splits it into address and port as Lexer.SplitAddrPort does. The common
// "a.b.c.d:port" is parsed straight from the input in the same pass.
func (l *Lexer) FastAddrPort(data []byte, p int, s *string, addr *netip.Addr, port *int32) (q int, hasAddr, hasPort bool) {
	if p+1 < len(data) && data[p] == '"' {
		var end int
		if data[p+1] == '[' {
			end = l.quotedIPv6Port(data, p+1, addr, port)
		} else {
			end = l.quotedIPv4Port(data, p+1, addr, port)
		}
		if end > p {
			*s = bytesString(data[p+1 : end])
			return end + 1, true, true
		}
	}
	str, q := FastString(data, p)
	if q < 0 {
		return -1, false, false
	}
	*s = str
	hasAddr, hasPort = l.SplitAddrPort(str, addr, port)
	return q, hasAddr, hasPort
}

// lexers holds Lexers between decodes; see GetLexer.
var lexers = sync.Pool{New: func() any { return new(Lexer) }}

// GetLexer returns a Lexer for one decode, to be given back with PutLexer.
// A lexer from the pool keeps its tables of recent IPv4 and IPv6 hosts
// from one record to the next (entries depend only on the host text), and
// the flow records of one node repeat the same few hosts.
func GetLexer() *Lexer { return lexers.Get().(*Lexer) }

// PutLexer gives l back to the pool, first dropping what refers to the
// caller's input and arena. l must not be used afterwards.
func PutLexer(l *Lexer) {
	l.ResetView(nil, nil)
	l.depthLimit = 0
	for i := range l.frames[:l.framesUsed] {
		l.frames[i].key = nil
	}
	l.framesUsed = 0
	lexers.Put(l)
}

// quotedIPv4Port parses "a.b.c.d:port" at data[i], as ipv4Port does,
// followed by the closing '"' and then ',' or '}'. end is the offset of the
// quote, or -1. Hosts are parsed a word at a time, without a branch that
// depends on the lengths of the octets (which vary from one host to the
// next and would mispredict); see quotedV4Host.
func (l *Lexer) quotedIPv4Port(data []byte, i int, addr *netip.Addr, port *int32) (end int) {
	a, colon, ok := quotedV4Host(data, i)
	if !ok {
		return -1
	}
	pt, end := quotedPort(data, colon+1)
	*addr, *port = netip.AddrFrom4(a), pt
	return end
}

// quotedV4Host parses the IPv4 host of "a.b.c.d:" at data[i] by netip's
// rules (one to three digits an octet, no leading zero, at most 255),
// returning it and the offset of the ':'. It needs 24 bytes of input from
// i on.
func quotedV4Host(data []byte, i int) (a [4]byte, colon int, ok bool) {
	if i < 0 || i > len(data)-24 {
		return a, 0, false
	}
	// The host and its ':' lie in the first 16 bytes. The first four
	// bytes that are not digits must be its three dots and the colon.
	sep := gather8(nonDigits(loadLE(data, i))) | gather8(nonDigits(loadLE(data, i+8)))<<8 | 1<<16
	s1 := bits.TrailingZeros64(sep)
	sep &= sep - 1
	s2 := bits.TrailingZeros64(sep)
	sep &= sep - 1
	s3 := bits.TrailingZeros64(sep)
	sep &= sep - 1
	s4 := bits.TrailingZeros64(sep)
	n1, n2, n3, n4 := s1, s2-s1-1, s3-s2-1, s4-s3-1
	if uint(n1-1) > 2 || uint(n2-1) > 2 || uint(n3-1) > 2 || uint(n4-1) > 2 ||
		byteAt(data, i+s1) != '.' || byteAt(data, i+s2) != '.' || byteAt(data, i+s3) != '.' || byteAt(data, i+s4) != ':' {
		return a, 0, false
	}
	// Each octet's digits, right-aligned in a 32-bit lane, two octets
	// to a word, are added up as eightDigits does.
	lane := func(start, n int) uint64 { return uint64(uint32(loadLE(data, i+start)) << ((32 - 8*n) & 31)) }
	x := lane(0, n1) | lane(s1+1, n2)<<32
	y := lane(s2+1, n3) | lane(s3+1, n4)<<32
	x, y = fourDigitPairs(x), fourDigitPairs(y)
	o1, o2, o3, o4 := x&0xffff, x>>32, y&0xffff, y>>32
	// A leading zero leaves an octet below the least number of its length.
	if o1|o2|o3|o4 > 255 || o1 < minOfLen[n1&3] || o2 < minOfLen[n2&3] || o3 < minOfLen[n3&3] || o4 < minOfLen[n4&3] {
		return a, 0, false
	}
	return [4]byte{byte(o1), byte(o2), byte(o3), byte(o4)}, i + s4, true
}

// minOfLen is the least number of n digits without a leading zero.
var minOfLen = [4]uint64{0, 0, 10, 100}

// fourDigitPairs adds up the ASCII digits in each 32-bit lane of x, first
// digit lowest, as two four-digit numbers: zero bytes count as leading
// zeros.
func fourDigitPairs(x uint64) uint64 {
	x &= 0x0f0f0f0f0f0f0f0f
	x = (x*10 + x>>8) & 0x00ff00ff00ff00ff
	return (x*100 + x>>16) & 0x0000ffff0000ffff
}

// gather8 packs the high bits of the bytes of m, whose other bits are zero,
// into the low eight bits: byte k's into bit k.
func gather8(m uint64) uint64 { return (m >> 7) * 0x0102040810204080 >> 56 }

// quotedIPv6Port parses "[v6]:port" at data[i] ('[' there) as
// bracketedPort does, followed by the closing '"' and then ',' or '}'. end
// is the offset of the quote, or -1 (also for forms quotedV6Host leaves to
// the general path).
func (l *Lexer) quotedIPv6Port(data []byte, i int, addr *netip.Addr, port *int32) (end int) {
	hi, lo, close, ok := quotedV6Host(data, i)
	if !ok || byteAt(data, close+1) != ':' {
		return -1
	}
	pt, end := quotedPort(data, close+2)
	var ip [16]byte
	binary.BigEndian.PutUint64(ip[:8], hi)
	binary.BigEndian.PutUint64(ip[8:], lo)
	*addr, *port = netip.AddrFrom16(ip), pt
	return end
}

// quotedV6Host parses the bracketed IPv6 host at data[i] ('[' there) by
// netip's rules, returning its two halves and the offset of the ']'. Each group of one
// to four hex digits is classified and added up a word at a time, without
// a branch on its length. It leaves to the general path (ok false) an
// embedded IPv4 address, a zone, and hosts less than 56 bytes from the end
// of the input.
func quotedV6Host(data []byte, i int) (hi, lo uint64, close int, ok bool) {
	if i < 0 || i > len(data)-56 {
		return 0, 0, 0, false
	}
	p := i + 1
	// The groups read so far (since the "::", if one was read), the last
	// in the low bits of lo; and those before the "::".
	var headHi, headLo uint64
	groups, head := 0, -1 // head: the number of groups before "::", or -1
	if byteAt(data, p) == ':' {
		if byteAt(data, p+1) != ':' {
			return 0, 0, 0, false
		}
		head, p = 0, p+2
	}
	if byteAt(data, p) != ']' {
		for {
			x := loadLE(data, p)
			g := hexRun(x)
			if uint(g-1) > 3 || groups == 8 {
				return 0, 0, 0, false
			}
			hi, lo = hi<<16|lo>>48, lo<<16|hexValue(x, g)
			groups++
			p += g
			c := byteAt(data, p)
			if c == ']' {
				break
			}
			if c != ':' {
				return 0, 0, 0, false // '.' of an IPv4 tail, '%' of a zone, …
			}
			p++
			if byteAt(data, p) == ':' {
				if head >= 0 {
					return 0, 0, 0, false // a second "::"
				}
				head, headHi, headLo, hi, lo = groups, hi, lo, 0, 0
				p++
				if byteAt(data, p) == ']' {
					break
				}
			}
		}
	}
	switch {
	case head < 0 && groups < 8, head >= 0 && groups == 8:
		return 0, 0, 0, false // too few groups, or "::" standing for none
	case head > 0:
		// The groups before "::" go to the top: shifted left by the
		// 16-bit groups that follow them, 1 to 7 of them.
		if s := uint(16 * (8 - head)); s >= 64 {
			hi |= headLo << (s - 64)
		} else {
			hi |= headHi<<s | headLo>>(64-s)
			lo |= headLo << s
		}
	}
	return hi, lo, p, true
}

// hexRun returns how many of the bytes of x, from the low one, are hex
// digits before the first that is not: 0 to 8.
func hexRun(x uint64) int {
	// Digits, exactly; and a-f or A-F: ASCII bytes that, lowercased, lie
	// in 0x61-0x66 (each byte's low seven bits plus an offset carry into
	// its high bit when it is at least the low bound, and not when it is
	// at most the high one).
	y := (x | lsb*0x20) &^ msb
	letter := (y + lsb*(0x80-0x61)) &^ (y + lsb*(0x7f-0x66)) &^ x
	return bits.TrailingZeros64(nonDigits(x)&^letter&msb) / 8
}

// hexValue returns the value of the first n hex digits of x, from the low
// byte, for n from 1 to 4.
func hexValue(x uint64, n int) uint64 {
	// Each byte's value: its low nibble, plus 9 for a letter (bit 6); the
	// digits right-aligned in a 32-bit lane, most significant lowest, then
	// two to a byte and two bytes to a value.
	z := (x&(lsb*0x0f) + (x>>6&lsb)*9) << ((64 - 8*n) & 63) >> 32
	pair := (z<<4 | z>>8) & 0x00ff00ff
	return (pair&0xff)<<8 | pair>>16&0xff
}

// quotedPort parses one to five digits at data[i] as parsePort does,
// followed by `",` or `"}`. end is the offset of the quote, or -1. The digits are
// found and added up a word at a time: port lengths vary from one flow to
// the next, which a loop's exit branch mispredicts.
func quotedPort(data []byte, i int) (port int32, end int) {
	if i < 0 || i > len(data)-8 {
		return 0, -1
	}
	x := loadLE(data, i)
	n := digitRun(x)
	if n == 0 || n > 5 {
		return 0, -1
	}
	v := eightDigits(x << ((64 - 8*n) & 63))
	end = i + n
	if v > 65535 || data[end] != '"' || !valueEnd(data[end+1]) {
		return 0, -1
	}
	return int32(v), end
}

// eightDigits adds up the ASCII digits in the bytes of x, the first digit
// in the low byte; zero bytes count as leading zeros.
func eightDigits(x uint64) uint64 {
	x = (x & 0x0f0f0f0f0f0f0f0f) * (10<<8 + 1) >> 8
	x = (x & 0x00ff00ff00ff00ff) * (100<<16 + 1) >> 16
	return (x & 0x0000ffff0000ffff) * (10000<<32 + 1) >> 32
}

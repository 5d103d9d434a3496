package jlex

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
	"unsafe"
)

// The fast path's reading of "host:port" strings (src and dst of flow
// records): the string, its address and its port in one pass over the
// input, a word at a time, with a memo of the last host read at each call
// site.
//
// A flow record's traffic entries repeat their hosts: in most entries one
// end is the logging node's own address, and a node talks to a few peers
// again and again. So each call site (a memo slot: src, dst) remembers the
// text and address of the last IPv4 and the last IPv6 host it read, and a
// host whose text is the remembered one costs a masked compare of two (IPv4)
// or five (IPv6) words. An IPv6 host that differs from the remembered one
// still shares its first groups with it (the hosts of a tailnet share their
// first 48 bits): the parser resumes after the last group boundary of the
// common text, with the remembered address's leading groups. Memos hold
// copies of text, never views of the input, so they stay valid from one
// record to the next, and pooled lexers keep them (see GetLexer).

// FastMemoSlots is how many memo slots FastAddrPortMemo has; slots beyond
// wrap around (sharing a slot costs hits, never correctness).
const FastMemoSlots = 4

// fastV4Memo remembers one IPv4 host: the text of "a.b.c.d:" (host and
// colon) as two little-endian words under masks that select its bytes.
type fastV4Memo struct {
	w0, w1, m0, m1 uint64
	n              int // offset of the colon; 0 for an empty memo
	addr           netip.Addr
}

// fastV6Memo remembers one bracketed IPv6 host: the text after '[' up to
// and including ']' as five little-endian words under masks.
type fastV6Memo struct {
	w, m   [5]uint64
	n      int // offset of the ']' from the byte after '['; 0 for an empty memo
	hi, lo uint64
	// cuts has bit j set when text byte j is a ':' that ends a group and
	// no "::" comes before it: the parse state there is the address's
	// leading groups (as many as the bits of cuts up to j).
	cuts uint64
	addr netip.Addr
}

// FastAddrPort is FastAddrPortMemo with memo slot 0, reporting the parts
// found as two booleans.
func (l *Lexer) FastAddrPort(data []byte, p int, s *string, addr *netip.Addr, port *int32) (q int, hasAddr, hasPort bool) {
	q, parts := l.FastAddrPortMemo(data, p, 0, s, addr, port)
	return q, parts&1 != 0, parts&2 != 0
}

// FastAddrPortMemo reads a string at data[p] as FastString does into *s,
// and splits it into address and port as Lexer.SplitAddrPort does. The
// common "a.b.c.d:port" and "[v6]:port" are parsed straight from the input
// in the same pass, with the memo of slot memo (each call site of a
// generated decoder has its own; see FastMemoSlots). parts has bit 0 set
// when the string has an address (*addr is then set, else zero), bit 1 when
// it has a port (likewise *port): what SplitAddrPort reports as hasAddr and
// hasPort, in a form generated code turns into presence bits without a
// branch.
func (l *Lexer) FastAddrPortMemo(data []byte, p, memo int, s *string, addr *netip.Addr, port *int32) (q int, parts Bits) {
	// fastAddrRoom bytes from p on hold every form read here and the
	// words loaded past it, so the readers below check no bounds.
	if p >= 0 && p <= len(data)-fastAddrRoom && byteAt(data, p) == '"' {
		// The host: the memo's when its text comes next (checked here,
		// the common case), else parsed.
		var a netip.Addr
		var colon int
		i := p + 1
		if w0, w1 := loadLE(data, i), loadLE(data, i+8); byte(w0) != '[' {
			if m := &l.fastV4[memo&(FastMemoSlots-1)]; w0&m.m0 == m.w0 && w1&m.m1 == m.w1 && m.n != 0 {
				a, colon = m.addr, i+m.n
			} else {
				a, colon = m.parse(data, i, w0, w1)
			}
		} else {
			t := i + 1
			m := &l.fastV6[memo&(FastMemoSlots-1)]
			if loadLE(data, t)&m.m[0] == m.w[0] && loadLE(data, t+8)&m.m[1] == m.w[1] && loadLE(data, t+16)&m.m[2] == m.w[2] &&
				loadLE(data, t+24)&m.m[3] == m.w[3] && loadLE(data, t+32)&m.m[4] == m.w[4] && m.n != 0 {
				a, colon = m.addr, t+m.n+1
				if byteAt(data, colon) != ':' {
					colon = -1
				}
			} else {
				a, colon = m.parse(data, t)
			}
		}
		// The port: one to five digits, the closing quote and ',' or
		// '}', in one word, as parsePort reads them.
		if colon > 0 {
			x := loadLE(data, colon+1)
			n := digitRun(x)
			t := x >> (8 * uint(n&7)) & 0xffff
			if v := eightDigits(x << ((64 - 8*n) & 63)); uint(n-1) <= 4 && v <= 65535 && (t == '"'|','<<8 || t == '"'|'}'<<8) {
				end := colon + 1 + n
				*s = unsafe.String((*byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(data)), p+1)), end-p-1)
				*addr, *port = a, int32(v)
				return end + 1, 3
			}
		}
	}
	str, q := FastString(data, p)
	if q < 0 {
		return -1, 0
	}
	*s = str
	hasAddr, hasPort := l.SplitAddrPort(str, addr, port)
	if hasAddr {
		parts |= 1
	}
	if hasPort {
		parts |= 2
	}
	return q, parts
}

// fastAddrRoom is how many bytes from its opening quote FastAddrPortMemo
// needs to read a "host:port" string on its fast path: the longest
// bracketed IPv6 host (41 bytes), ':' and a port of five digits, the
// quote, ',' and the rest of the word loaded there.
const fastAddrRoom = 64

// byteMask selects the first n bytes of a little-endian word: none for
// n <= 0, all for n >= 8.
func byteMask(n int) uint64 {
	switch {
	case n <= 0:
		return 0
	case n >= 8:
		return ^uint64(0)
	}
	return 1<<(8*uint(n)) - 1
}

// parse parses the IPv4 host of "a.b.c.d:" at data[i], whose first 16
// bytes are the little-endian words w0 and w1, by netip's rules (one to
// three digits an octet, no leading zero, at most 255), and remembers it.
// It returns the address and the offset of its colon, or -1 when it is not
// such a host. The octets are parsed a word at a time, without a branch
// that depends on their lengths (which vary from one host to the next and
// would mispredict), and without a call, so that it needs no stack frame.
// data holds fastAddrRoom-1 bytes from i on.
func (m *fastV4Memo) parse(data []byte, i int, w0, w1 uint64) (a netip.Addr, colon int) {
	// The host and its ':' lie in the first 16 bytes. The first four
	// bytes that are not digits must be its three dots and the colon.
	sep := gather8(nonDigits(w0)) | gather8(nonDigits(w1))<<8 | 1<<16
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
		return netip.Addr{}, -1
	}
	// Each octet's digits, right-aligned in a 32-bit lane, two octets
	// to a word, are added up as eightDigits does.
	lane := func(start, n int) uint64 { return uint64(uint32(loadLE(data, i+start)) << ((32 - 8*n) & 31)) }
	x := uint64(uint32(w0)<<((32-8*n1)&31)) | lane(s1+1, n2)<<32
	y := lane(s2+1, n3) | lane(s3+1, n4)<<32
	x, y = fourDigitPairs(x), fourDigitPairs(y)
	o1, o2, o3, o4 := x&0xffff, x>>32, y&0xffff, y>>32
	// A leading zero leaves an octet below the least number of its length.
	if o1|o2|o3|o4 > 255 || o1 < minOfLen[n1&3] || o2 < minOfLen[n2&3] || o3 < minOfLen[n3&3] || o4 < minOfLen[n4&3] {
		return netip.Addr{}, -1
	}
	a = netip.AddrFrom4([4]byte{byte(o1), byte(o2), byte(o3), byte(o4)})
	m0, m1 := byteMask(s4+1), byteMask(s4+1-8)
	*m = fastV4Memo{w0: w0 & m0, w1: w1 & m1, m0: m0, m1: m1, n: s4, addr: a}
	return a, i + s4
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

// parse parses the bracketed IPv6 host whose text starts at data[t] (after
// its '['), with quotedV6Host, resuming after the text it shares with the
// memo's host, and remembers it. It returns the address and the offset of
// the ':' after its ']', or -1 when the host is not followed by ':', and
// for the forms quotedV6Host leaves to the general path. data holds
// fastAddrRoom-2 bytes from t on.
func (m *fastV6Memo) parse(data []byte, t int) (a netip.Addr, colon int) {
	x := [5]uint64{loadLE(data, t), loadLE(data, t+8), loadLE(data, t+16), loadLE(data, t+24), loadLE(data, t+32)}
	// Resume after the last group boundary before the first byte that
	// differs from the memo's text, if there is one.
	var hi, lo, c uint64
	p, groups := t, 0
	if m.cuts != 0 {
		var d int // the first byte that differs
		switch d0, d1, d2, d3 := x[0]&m.m[0]^m.w[0], x[1]&m.m[1]^m.w[1], x[2]&m.m[2]^m.w[2], x[3]&m.m[3]^m.w[3]; {
		case d0 != 0:
			d = bits.TrailingZeros64(d0) / 8
		case d1 != 0:
			d = 8 + bits.TrailingZeros64(d1)/8
		case d2 != 0:
			d = 16 + bits.TrailingZeros64(d2)/8
		case d3 != 0:
			d = 24 + bits.TrailingZeros64(d3)/8
		default:
			d = 32 + bits.TrailingZeros64(x[4]&m.m[4]^m.w[4])/8
		}
		if c = m.cuts & (1<<uint(d&63) - 1); c != 0 {
			groups = bits.OnesCount64(c)
			p = t + bits.Len64(c) // after the ':' at bit Len64(c)-1
			hi, lo = shiftRight128(m.hi, m.lo, uint(128-16*groups))
		}
	}
	hi, lo, close, cuts, ok := quotedV6Host(data, t, p, groups, hi, lo, c)
	if !ok || byteAt(data, close+1) != ':' {
		return netip.Addr{}, -1
	}
	var ip [16]byte
	binary.BigEndian.PutUint64(ip[:8], hi)
	binary.BigEndian.PutUint64(ip[8:], lo)
	a = netip.AddrFrom16(ip)
	n := close - t
	m.n, m.hi, m.lo, m.cuts, m.addr = n, hi, lo, cuts, a
	m.m = v6Masks[(n+1)%len(v6Masks)]
	for k := range m.w {
		m.w[k] = x[k] & m.m[k]
	}
	return a, close + 1
}

// v6Masks holds, for each length of an IPv6 host's text up to and
// including its ']' (at most 40 bytes), the masks of its five words.
var v6Masks = func() (t [41][5]uint64) {
	for n := range t {
		for k := range t[n] {
			t[n][k] = byteMask(n - 8*k)
		}
	}
	return t
}()

// shiftRight128 shifts the 128-bit number hi:lo right by s bits, 0 < s < 128.
func shiftRight128(hi, lo uint64, s uint) (uint64, uint64) {
	if s >= 64 {
		return 0, hi >> (s - 64)
	}
	return hi >> s, lo>>s | hi<<(64-s)
}

// quotedV6Host parses the IPv6 host text that starts at data[t] (after its
// '[') by netip's rules, from offset p on, where the first groups groups
// (no "::" among them) have been read already into hi:lo, the last in the
// low bits, with their boundaries in cuts; p is t when groups is 0, else
// just after the ':' that ends the last of them. It returns the address's
// two halves, the offset of the ']', and all group boundaries for a memo
// (see fastV6Memo.cuts). Each group
// of one to four hex digits is classified and added up a word at a time,
// without a branch on its length. It leaves to the general path (ok false)
// an embedded IPv4 address and a zone. It needs 56 bytes of input from t-1
// on.
func quotedV6Host(data []byte, t, p, groups int, hi, lo, cuts uint64) (rhi, rlo uint64, close int, rcuts uint64, ok bool) {
	// The groups read since the "::" (all of them before one is read), the
	// last in the low bits of lo; and those before the "::".
	var headHi, headLo uint64
	head := -1 // the number of groups before "::", or -1
	if groups == 0 {
		switch byteAt(data, p) {
		case ':':
			if byteAt(data, p+1) != ':' {
				return 0, 0, 0, 0, false
			}
			head, p = 0, p+2
			if byteAt(data, p) == ']' {
				return 0, 0, p, 0, true // "::"
			}
		case ']':
			return 0, 0, 0, 0, false // "[]"
		}
	}
	for {
		if groups > 0 && byteAt(data, p) == ':' { // "::" after a group
			if head >= 0 {
				return 0, 0, 0, 0, false // a second "::"
			}
			head, headHi, headLo, hi, lo = groups, hi, lo, 0, 0
			p++
			if byteAt(data, p) == ']' {
				break
			}
		}
		x := loadLE(data, p)
		g := hexRun(x)
		if uint(g-1) > 3 || groups == 8 {
			return 0, 0, 0, 0, false
		}
		hi, lo = hi<<16|lo>>48, lo<<16|hexValue(x, g)
		groups++
		p += g
		c := byteAt(data, p)
		if c == ']' {
			break
		}
		if c != ':' {
			return 0, 0, 0, 0, false // '.' of an IPv4 tail, '%' of a zone, …
		}
		if head < 0 {
			cuts |= 1 << uint((p-t)&63)
		}
		p++
	}
	switch {
	case head < 0 && groups < 8, head >= 0 && groups == 8:
		return 0, 0, 0, 0, false // too few groups, or "::" standing for none
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
	return hi, lo, p, cuts, true
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
	return bits.TrailingZeros64(nonDigits(x)&^letter) / 8
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

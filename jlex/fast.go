package jlex

import (
	"math/bits"
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
// A fast decoder reads one object from its '{' and returns the offset after
// its '}', or -1 when it gives up; it looks like this:
//
//	func (x *NetworkTraffic) readFast(l *jlex.Lexer, data []byte, p int) int {
//		if jlex.FastKey16(data, p, w0, m0, w1, m1) { // `?"txBytes":`
//			if x.TxBytes, p = jlex.FastInt(data, p+11); p < 0 {
//				return -1
//			}
//			x.present.Set(8, true)
//		}
//		…
//		if p = jlex.FastClose(data, p); p < 0 {
//			return -1
//		}
//		…splits
//		return p
//	}
//
// An object on its own is read with it between FastBegin and FastDone:
//
//	data, p, ok := l.FastBegin()
//	return ok && l.FastDone(x.readFast(l, data, p))
//
// and the elements of an array of such objects back to back, from
// FastElements on, FastNext finding the next one and FastStop handing the
// rest to the general path (see FastStop).
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

// FastClose returns the offset after the '}' at data[p], or -1 when there
// is none (p = -1 included): the end of an object on the fast path.
func FastClose(data []byte, p int) int {
	if p < 0 || p >= len(data) || data[p] != '}' {
		return -1
	}
	return p + 1
}

// FastDone finishes the fast path of an object started with FastBegin:
// q is the offset after its '}' or, when the fast path gave up, -1. It
// reports whether the object was read, as FastBail does when it was not.
func (l *Lexer) FastDone(q int) bool {
	if q < 0 {
		return l.FastBail()
	}
	l.pos = q
	return true
}

// FastElements starts the fast path at the first element of an array
// whose '[' BeginArray just read, when FastBegin would start it there: it
// returns the input and the offset of the element's '{'.
func (l *Lexer) FastElements() (data []byte, p int, ok bool) { return l.FastBegin() }

// FastNext returns the offset of the '{' of the next element of an array
// of objects on the fast path, when the element that ended before q (-1:
// gave up) is followed at once by ',' and '{'; otherwise -1, and the caller
// stops with FastStop.
func FastNext(data []byte, q int) int {
	if q >= 0 && q < len(data)-1 && twoBytes(data, q) == ','|'{'<<8 {
		return q + 1
	}
	return -1
}

// twoBytes returns data[i] | data[i+1]<<8 without a bounds check: the
// caller has checked 0 <= i < len(data)-1.
func twoBytes(data []byte, i int) uint16 {
	return *(*uint16)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(data)), i))
}

// FastStop ends the fast path's reading of an array's elements (see
// FastElements) at element n (from 0), which starts at data[p] and ends
// before q, or gave up (q = -1). It leaves the lexer as if Lexer.More had
// gone through the elements before, so that a loop of More goes on: at the
// element it gave up on, which the caller must drop and read again (FastStop
// then reports true), or after element n, at whatever follows it.
func (l *Lexer) FastStop(p, q, n int) (again bool) {
	f := &l.frames[l.depth-1]
	if q < 0 {
		l.fastBails++
		f.index = n - 1
		if n > 0 {
			p-- // at the ',' before the element, where More goes on
		}
		l.pos = p
		return true
	}
	f.index = n
	l.pos = q
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

// valueEnds is valueEnd as a table, for a test without a branch on which
// of the two bytes it is.
var valueEnds = [256]bool{',': true, '}': true}

// FastInt reads an integer of up to 18 digits at data[p], optionally
// negative, without a leading zero, fraction or exponent, followed by ',' or
// '}'. It returns the value and the offset after it, or p = -1.
func FastInt(data []byte, p int) (int64, int) { return fastInt[int64](data, p) }

// FastInt32 is FastInt for Panther's int.
func FastInt32(data []byte, p int) (int32, int) { return fastInt[int32](data, p) }

// FastInt16 is FastInt for Panther's smallint.
func FastInt16(data []byte, p int) (int16, int) { return fastInt[int16](data, p) }

// fastInt is FastInt for integers that fit T.
func fastInt[T int16 | int32 | int64](data []byte, p int) (T, int) {
	// The common case: one to seven digits and the byte after them in
	// one word, classified and added up a word at a time (counters'
	// lengths vary from one entry to the next, which a loop's exit branch
	// mispredicts).
	if p >= 0 && p <= len(data)-8 {
		x := loadLE(data, p)
		if n := digitRun(x); uint(n-1) < 7 && byte(x) != '0' && valueEnds[byte(x>>(8*uint(n)&63))] {
			if v := eightDigits(x << ((64 - 8*n) & 63)); v == uint64(T(v)) {
				return T(v), p + n
			}
			return 0, -1
		}
	}
	// Zero, negative numbers, numbers of eight digits or more and numbers
	// near the end of the input, a byte at a time. (No call: the common
	// case above then needs no stack frame.)
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
	if i >= len(data) || !valueEnds[data[i]] {
		return 0, -1
	}
	if neg {
		v = -v
	}
	if v != int64(T(v)) {
		return 0, -1
	}
	return T(v), i
}

// digitRun returns how many of the bytes of x, from the low one, are ASCII
// digits before the first that is not: 0 to 8.
func digitRun(x uint64) int { return bits.TrailingZeros64(nonDigits(x)) / 8 }

// nonDigits has the high bit set in each byte of x that is not an ASCII
// digit, and no other bit.
func nonDigits(x uint64) uint64 {
	// A byte is a digit when it is 0x30 to 0x39: xored with 0x30, below
	// 10, so that adding 0x76 to its low seven bits does not reach the
	// high bit (nor carry into the next byte).
	y := x ^ lsb*'0'
	return ((y&^msb + lsb*(0x80-10)) | y) & msb
}

// byteAt returns data[i] without a bounds check: the caller has checked
// 0 <= i < len(data).
func byteAt(data []byte, i int) byte {
	return *(*byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(data)), i))
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
	if p >= 0 && p < len(data) && data[p] == '"' {
		if i := scanPlain(data, p+1); i < len(data)-1 && byteAt(data, i) == '"' && valueEnds[byteAt(data, i+1)] {
			return viewString(data, p+1, i), i + 1
		}
	}
	return "", -1
}

// viewString returns data[i:j] as a string, without copying and without a
// bounds check: the caller has checked 0 <= i <= j <= len(data).
func viewString(data []byte, i, j int) string {
	return unsafe.String((*byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(data)), i)), j-i)
}

// FastStrings reads an array of strings as FastString reads one, followed
// by ',' or '}', into *s, reusing its memory as Lexer.Strings does.
func FastStrings(data []byte, p int, s *[]string) int { return fastStrings(nil, data, p, s) }

// FastStringArray is FastStrings for generated decoders: a slice that has
// no memory gets room as Lexer.Strings gives it.
func (l *Lexer) FastStringArray(data []byte, p int, s *[]string) int {
	return fastStrings(l, data, p, s)
}

func fastStrings(l *Lexer, data []byte, p int, s *[]string) int {
	*s = (*s)[:0]
	if p < 0 || p >= len(data)-1 || data[p] != '[' {
		return -1
	}
	p++
	if byteAt(data, p) != ']' {
		if cap(*s) == 0 {
			if l != nil {
				*s = l.newStringSlice()
			} else {
				*s = make([]string, 0, newStrings)
			}
		}
		for {
			// A string of printable ASCII without escapes, then ',' and
			// the next one, or ']'.
			if byteAt(data, p) != '"' {
				return -1
			}
			i := scanPlain(data, p+1)
			if i >= len(data)-1 || byteAt(data, i) != '"' {
				return -1
			}
			*s = append(*s, viewString(data, p+1, i))
			p = i + 1
			if c := byteAt(data, p); c != ',' {
				if c != ']' {
					return -1
				}
				break
			}
			if p++; p >= len(data)-1 {
				return -1
			}
		}
	}
	if p >= len(data)-1 || !valueEnds[byteAt(data, p+1)] {
		return -1
	}
	return p + 1
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

// eightDigits adds up the ASCII digits in the bytes of x, the first digit
// in the low byte; zero bytes count as leading zeros.
func eightDigits(x uint64) uint64 {
	x = (x & 0x0f0f0f0f0f0f0f0f) * (10<<8 + 1) >> 8
	x = (x & 0x00ff00ff00ff00ff) * (100<<16 + 1) >> 16
	return (x & 0x0000ffff0000ffff) * (10000<<32 + 1) >> 32
}

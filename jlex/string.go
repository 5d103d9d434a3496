package jlex

import (
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// specialMask has the high bit set in every byte of x that ends or
// interrupts a fast string scan: '"', '\\', a control character, or a
// non-ASCII byte. Only the lowest set byte is exact, which is all callers use.
func specialMask(x uint64) uint64 {
	q := x ^ (lsb * '"')
	b := x ^ (lsb * '\\')
	// (x - 0x20) | x has a byte's high bit set when the byte is below 0x20
	// (the subtraction borrows) or at least 0x80.
	return ((q-lsb)&^q | (b-lsb)&^b | (x - lsb*0x20) | x) & msb
}

// scanPlain returns the index of the first byte at or after i that is '"',
// '\\', a control character or non-ASCII.
func scanPlain(data []byte, i int) int {
	// The first 32 bytes at once, which hold most keys, names, IDs and
	// addresses whole: the four words' masks, gathered into one, give the
	// position without a branch on the string's length, which varies from
	// one string to the next and would mispredict. (specialMask is exact
	// up to its first special byte, so the lowest bit of the gathered mask
	// is.)
	if i >= 0 && i <= len(data)-32 {
		m := gather8(specialMask(loadLE(data, i))) | gather8(specialMask(loadLE(data, i+8)))<<8 |
			gather8(specialMask(loadLE(data, i+16)))<<16 | gather8(specialMask(loadLE(data, i+24)))<<24
		if m != 0 {
			return i + bits.TrailingZeros64(m)
		}
		i += 32
	}
	for ; i+8 <= len(data); i += 8 {
		if m := specialMask(loadLE(data, i)); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(data); i++ {
		if c := data[i]; c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
			return i
		}
	}
	return i
}

// rawKey reads a key string at l.pos ('"' there). Plain keys alias the input;
// keys with escapes or non-ASCII bytes are decoded into the arena, where they
// stay (they are rare, and an error path may still name them).
func (l *Lexer) rawKey() []byte {
	start := l.pos + 1
	data := l.data
	// Keys are short: a plain byte loop beats the 8-byte scan here.
	for i := start; i < len(data); i++ {
		c := data[i]
		if c == '"' {
			l.pos = i + 1
			return data[start:i]
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
	}
	mark := len(l.Arena)
	l.Arena = l.decodeString(l.Arena)
	return l.Arena[mark:len(l.Arena):len(l.Arena)]
}

// decodeString decodes the string at l.pos ('"' there), appending its text
// to dst: escapes resolved, invalid UTF-8 replaced by U+FFFD. It leaves l.pos
// after the closing quote.
func (l *Lexer) decodeString(dst []byte) []byte {
	data := l.data
	start := l.pos
	i := l.pos + 1
	for {
		j := scanPlain(data, i)
		dst = append(dst, data[i:j]...)
		if j >= len(data) {
			l.fail(start, "unterminated string")
			return dst
		}
		c := data[j]
		switch {
		case c == '"':
			l.pos = j + 1
			return dst
		case c == '\\':
			var ok bool
			dst, i, ok = l.unescape(dst, j)
			if !ok {
				return dst
			}
		case c < 0x20:
			l.fail(j, "invalid control character in string")
			return dst
		default:
			r, size := utf8.DecodeRune(data[j:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, "\uFFFD"...)
			} else {
				dst = append(dst, data[j:j+size]...)
			}
			i = j + size
		}
	}
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// unescape decodes the escape sequence at data[j] ('\\'), returning the index
// after it.
func (l *Lexer) unescape(dst []byte, j int) ([]byte, int, bool) {
	data := l.data
	if j+1 >= len(data) {
		l.fail(j, "unterminated string")
		return dst, j, false
	}
	switch data[j+1] {
	case '"', '\\', '/':
		return append(dst, data[j+1]), j + 2, true
	case 'b':
		return append(dst, '\b'), j + 2, true
	case 'f':
		return append(dst, '\f'), j + 2, true
	case 'n':
		return append(dst, '\n'), j + 2, true
	case 'r':
		return append(dst, '\r'), j + 2, true
	case 't':
		return append(dst, '\t'), j + 2, true
	case 'u':
		r, ok := hex4(data[j+2:])
		if !ok {
			l.fail(j, "invalid \\u escape in string")
			return dst, j, false
		}
		next := j + 6
		if utf16.IsSurrogate(r) {
			// A high surrogate pairs with an immediately following low one;
			// anything else is a lone surrogate and becomes U+FFFD.
			if next+1 < len(data) && data[next] == '\\' && data[next+1] == 'u' {
				if r2, ok := hex4(data[next+2:]); ok {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						return utf8.AppendRune(dst, dec), next + 6, true
					}
				}
			}
			return append(dst, "\uFFFD"...), next, true
		}
		return utf8.AppendRune(dst, r), next, true
	}
	l.fail(j, "invalid escape sequence in string")
	return dst, j, false
}

// String decodes a string value into *dst. A string without escapes or
// invalid UTF-8 is a view of the input; others are decoded into the arena.
// null leaves "" and reports false (absent).
func (l *Lexer) String(dst *string) bool {
	if l.err != nil {
		return false
	}
	data := l.data
	if start := l.pos + 1; start < len(data) && data[start-1] == '"' {
		// Fast path: an ASCII string with no escapes, scanned 8 bytes at a
		// time; scanString goes on from the first byte that needs a look.
		i := scanPlain(data, start)
		if i < len(data) && data[i] == '"' {
			*dst = bytesString(data[start:i])
			l.pos = i + 1
			return true
		}
		if i, ok := scanString(data, i); ok {
			*dst = bytesString(data[start:i])
			l.pos = i + 1
			return true
		}
	}
	switch l.skipWS() {
	case '"':
		if i, ok := scanString(data, l.pos+1); ok {
			*dst = bytesString(data[l.pos+1 : i])
			l.pos = i + 1
			return true
		}
		mark := len(l.Arena)
		l.Arena = l.decodeString(l.Arena)
		*dst = l.arenaString(mark)
		return l.err == nil
	case 'n':
		l.literal("null")
		*dst = ""
		return false
	}
	l.unexpected("string")
	return false
}

// scanString finds the closing quote of a string whose content starts at
// data[i], for strings that need no decoding: no escapes, no control
// characters, valid UTF-8. ok is false for any other string.
func scanString(data []byte, i int) (end int, ok bool) {
	for {
		i = scanPlain(data, i)
		if i >= len(data) {
			return i, false
		}
		c := data[i]
		if c == '"' {
			return i, true
		}
		if c < utf8.RuneSelf {
			return i, false // an escape or a control character
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i, false
		}
		i += size
	}
}

// stringContent returns the decoded content of the string at l.pos without
// keeping it: plain strings alias the input, others use the arena's spare
// capacity, which the caller must not keep.
func (l *Lexer) stringContent() []byte {
	start := l.pos + 1
	if i, ok := scanString(l.data, start); ok {
		l.pos = i + 1
		return l.data[start:i]
	}
	mark := len(l.Arena)
	l.Arena = l.decodeString(l.Arena)
	b := l.Arena[mark:]
	l.Arena = l.Arena[:mark]
	return b
}

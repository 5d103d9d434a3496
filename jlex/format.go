package jlex

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// This file holds the formatters rows spend their time in: integers,
// addresses and timestamps, written without strconv, netip or time's
// general formatting, byte for byte as those write them.

// pairs holds the two digits of 0 to 99.
const pairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"4041424344454647484950515253545556575859606162636465666768697071727374757677787980" +
	"81828384858687888990919293949596979899"

// appendUint appends v in decimal, as strconv.AppendUint(dst, v, 10).
func appendUint(dst []byte, v uint64) []byte {
	if v < 10 {
		return append(dst, byte('0'+v))
	}
	// The number of digits: from the bit length, one too many at most.
	n := (bits.Len64(v) * 1233) >> 12
	if v >= pow10[n] {
		n++
	}
	dst, b := grow(dst, n)
	i := n
	for v >= 100 {
		q := v / 100
		r := v - q*100
		i -= 2
		b[i], b[i+1] = pairs[2*r], pairs[2*r+1]
		v = q
	}
	if v >= 10 {
		b[0], b[1] = pairs[2*v], pairs[2*v+1]
	} else {
		b[0] = byte('0' + v)
	}
	return dst
}

// pow10 holds the powers of ten that fit in a uint64.
var pow10 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// grow extends dst by n bytes and returns it with those bytes, to be
// written in place.
func grow(dst []byte, n int) ([]byte, []byte) {
	l := len(dst)
	if cap(dst)-l < n {
		dst = slices.Grow(dst, n)
	}
	dst = dst[:l+n]
	return dst, dst[l:]
}

// appendInt64 appends v in decimal, as strconv.AppendInt(dst, v, 10).
func appendInt64(dst []byte, v int64) []byte {
	if v < 0 {
		return appendUint(append(dst, '-'), uint64(-v)) // -MinInt64 wraps to its magnitude
	}
	return appendUint(dst, uint64(v))
}

// appendAddr appends a's canonical text, as a.AppendTo does.
func appendAddr(dst []byte, a netip.Addr) []byte {
	switch {
	case a.Is4():
		return appendV4(dst, a.As4())
	case a.Is6() && !a.Is4In6() && a.Zone() == "":
		return appendV6(dst, a.As16())
	}
	return a.AppendTo(dst) // invalid, 4-in-6 and zoned addresses: seldom
}

// appendV4 appends a dotted quad.
func appendV4(dst []byte, b [4]byte) []byte {
	dst, buf := grow(dst, 16)
	// Each octet's digits and a dot, stored as one word: the next octet
	// overwrites what follows them.
	n := 0
	for _, c := range b {
		o := octets[c]
		binary.LittleEndian.PutUint32(buf[n:], uint32(o))
		n += int(o >> 32)
	}
	return dst[:len(dst)-16+n-1] // without the last dot
}

// octets holds, for each byte value, its decimal digits followed by a dot
// in its low four bytes, and how many bytes that is above them.
var octets = func() (t [256]uint64) {
	for c := range t {
		s := strconv.Itoa(c) + "."
		var w uint64
		for i := len(s) - 1; i >= 0; i-- {
			w = w<<8 | uint64(s[i])
		}
		t[c] = w | uint64(len(s))<<32
	}
	return t
}()

// appendV6 appends an IPv6 address as RFC 5952 and netip write it: groups
// in lower-case hex without leading zeros, the first longest run of two or
// more zero groups as "::".
func appendV6(dst []byte, b [16]byte) []byte {
	var g [8]uint16
	for i := range g {
		g[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	zs, ze := 8, 8 // the zero run: groups [zs, ze)
	for i := 0; i < 8; {
		if g[i] != 0 {
			i++
			continue
		}
		j := i + 1
		for j < 8 && g[j] == 0 {
			j++
		}
		if j-i >= 2 && j-i > ze-zs {
			zs, ze = i, j
		}
		i = j
	}
	dst, buf := grow(dst, 39)
	n := 0
	for i := 0; i < 8; i++ {
		if i == zs {
			buf[n], buf[n+1] = ':', ':'
			n += 2
			i = ze - 1
			continue
		}
		if i > 0 && i != ze {
			buf[n] = ':'
			n++
		}
		n = putHex16(buf, n, g[i])
	}
	return dst[:len(dst)-39+n]
}

const hexLower = "0123456789abcdef"

// putHex16 writes x in lower-case hex without leading zeros at buf[i:].
func putHex16(buf []byte, i int, x uint16) int {
	d := (bits.Len16(x) + 3) >> 2 // digits, 1 for 0
	if d == 0 {
		d = 1
	}
	for k := d - 1; k >= 0; k-- {
		buf[i+k] = hexLower[x&0xf]
		x >>= 4
	}
	return i + d
}

// appendTimeUTC appends t, in UTC, as t.UTC().AppendFormat(dst,
// time.RFC3339Nano) does, without the quotes.
func appendTimeUTC(dst []byte, t time.Time) []byte {
	unix := t.Unix()
	if unix < minRFC3339 || unix > maxRFC3339 {
		return t.UTC().AppendFormat(dst, time.RFC3339Nano) // years of other than four digits
	}
	days, secs := (unix-minRFC3339)/86400, int((unix-minRFC3339)%86400)
	year, month, day := civil(days)
	hour, minute, sec := secs/3600, secs/60%60, secs%60
	dst, buf := grow(dst, 30)
	buf[0], buf[1] = pairs[2*(year/100)], pairs[2*(year/100)+1]
	buf[2], buf[3] = pairs[2*(year%100)], pairs[2*(year%100)+1]
	buf[4] = '-'
	buf[5], buf[6] = pairs[2*month], pairs[2*month+1]
	buf[7] = '-'
	buf[8], buf[9] = pairs[2*day], pairs[2*day+1]
	buf[10] = 'T'
	buf[11], buf[12] = pairs[2*hour], pairs[2*hour+1]
	buf[13] = ':'
	buf[14], buf[15] = pairs[2*minute], pairs[2*minute+1]
	buf[16] = ':'
	buf[17], buf[18] = pairs[2*sec], pairs[2*sec+1]
	n := 19
	if ns := t.Nanosecond(); ns != 0 {
		buf[n] = '.'
		n++
		// Nine digits, then drop the trailing zeros.
		for k := 8; k >= 0; k-- {
			buf[n+k] = byte('0' + ns%10)
			ns /= 10
		}
		n += 9
		for buf[n-1] == '0' {
			n--
		}
	}
	buf[n] = 'Z'
	return dst[:len(dst)-30+n+1]
}

// The Unix seconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
const (
	minRFC3339 = -62167219200
	maxRFC3339 = 253402300799
)

// civil returns the date days after 0000-01-01 (proleptic Gregorian), as
// in Howard Hinnant's civil_from_days.
func civil(days int64) (year, month, day int) {
	z := int(days) - 60 // days since 0000-03-01
	era := z / 146097   // z >= -60 > -146097 only for the first two months
	if z < 0 {
		era = -1
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = doy - (153*mp+2)/5 + 1
	month = mp + 3
	if mp >= 10 {
		month = mp - 9
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

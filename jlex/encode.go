package jlex

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// This file holds what generated AppendJSON methods call to write a record
// back as its own JSON: the schema's field names, each value in the form the
// schema reads (timestamps in the field's first listed format, json values
// as given). The scalar writers they share with rows are in write.go:
// AppendKey, AppendString, AppendInt, AppendFloat and AppendBool.
//
// Every writer emits valid UTF-8 JSON whatever the value holds, so that a
// value set by hand (SetX) cannot make the output invalid; a value decoded
// by a generated decoder is written so that decoding the output gives it
// back exactly, presence bits included.

// AppendTimeAs appends t as a timestamp of a field whose timeFormats are
// formats, in the first of them that holds every digit of t:
//
//   - unix: always; decimal seconds with up to nine fractional digits,
//     trailing zeros dropped (1780500887.356, -0.5, 0)
//   - unix_ms, unix_us: when t has no digits finer than the unit; an integer
//   - unix_ns: when the nanoseconds since the epoch fit an int64 (years
//     1677 through 2262), as the decoder requires; an integer
//   - rfc3339: when the year is 0000 through 9999; a string in UTC with up
//     to nine fractional digits, trailing zeros dropped
//
// and whose text the decoder, trying formats in order, reads as t: an
// integer written in a later format is passed over when an earlier integer
// format (one that could not hold t) would read it as another instant, and
// whole seconds in unix are then written with a fraction (1700000000.0),
// which integer formats do not read.
//
// A decoded timestamp always fits the format it was read in, so this is
// exact for decoded values. A value set by hand that no format holds (only
// possible without unix in formats, such as a time with microseconds in a
// unix_ms field) is written in the first format anyway: digits finer than
// its unit are dropped (rounded toward the past), an integer beyond int64
// is written in full, and a year beyond 0000–9999 as Go's time package
// formats it. The output is valid JSON either way.
func AppendTimeAs(dst []byte, t time.Time, formats TimeFormats) []byte {
	sec, nsec := t.Unix(), int64(t.Nanosecond())
	for fs := formats; fs != 0; fs >>= 4 {
		f := TimeFormat(fs & 0xf)
		if !timeFits(f, sec, nsec) {
			continue
		}
		n := len(dst)
		dst = appendTimeFormat(dst, f, t, sec, nsec)
		if fs == formats || !readEarlier(formats, fs, dst[n:]) {
			return dst // the first format, or one no earlier format reads
		}
		if f == Unix && bytes.IndexByte(dst[n:], '.') < 0 {
			if dst = append(dst, ".0"...); !readEarlier(formats, fs, dst[n:]) {
				return dst
			}
		}
		dst = dst[:n]
	}
	return appendTimeFormat(dst, TimeFormat(formats&0xf), t, sec, nsec)
}

// readEarlier reports whether a format of formats listed before those of
// rest (a tail of formats) reads text, a timestamp as appendTimeFormat
// writes it.
func readEarlier(formats, rest TimeFormats, text []byte) bool {
	isString := len(text) > 0 && text[0] == '"'
	if isString {
		text = text[1 : len(text)-1] // RFC 3339 text needs no unescaping
	}
	for fs := formats; fs != rest; fs >>= 4 {
		if _, ok := parseTimeFormat(TimeFormat(fs&0xf), text, isString); ok {
			return true
		}
	}
	return false
}

// timeFits reports whether format f holds t (sec, nsec since the epoch)
// exactly, in a range its decoder accepts.
func timeFits(f TimeFormat, sec, nsec int64) bool {
	switch f {
	case Unix:
		return true
	case UnixMs:
		return nsec%1e6 == 0
	case UnixUs:
		return nsec%1e3 == 0
	case UnixNs:
		// -9223372036.854775808 s through 9223372036.854775807 s.
		const lo, hi = -9223372037, 9223372036
		return sec > lo && sec < hi || sec == lo && nsec >= 145224192 || sec == hi && nsec <= 854775807
	case RFC3339:
		return sec >= minUnix && sec <= maxUnix
	}
	return false
}

// appendTimeFormat appends t in format f; an unknown format writes RFC 3339.
func appendTimeFormat(dst []byte, f TimeFormat, t time.Time, sec, nsec int64) []byte {
	switch f {
	case Unix:
		return appendUnix(dst, sec, nsec, 1e9, true)
	case UnixMs:
		return appendUnix(dst, sec, nsec/1e6, 1e3, false)
	case UnixUs:
		return appendUnix(dst, sec, nsec/1e3, 1e6, false)
	case UnixNs:
		return appendUnix(dst, sec, nsec, 1e9, false)
	}
	return AppendTime(dst, t)
}

// appendUnix appends sec + frac/perSec, where 0 <= frac < perSec and perSec
// is a power of ten, exactly: as a decimal number of seconds when point is
// set, else as an integer count of 1/perSec seconds (sec*perSec + frac,
// written digit by digit so that it never overflows).
func appendUnix(dst []byte, sec, frac, perSec int64, point bool) []byte {
	var whole uint64
	switch {
	case sec >= 0:
		whole = uint64(sec)
	case frac == 0:
		dst = append(dst, '-')
		whole = -uint64(sec) // also right for math.MinInt64
	default:
		// -(sec + frac/perSec) = (-sec-1) + (perSec-frac)/perSec
		dst = append(dst, '-')
		whole, frac = uint64(-(sec + 1)), perSec-frac
	}
	if point {
		dst = strconv.AppendUint(dst, whole, 10)
		if frac == 0 {
			return dst
		}
		dst = append(dst, '.')
		n := len(dst)
		dst = appendPadded(dst, uint64(frac), perSec)
		for dst[len(dst)-1] == '0' && len(dst) > n {
			dst = dst[:len(dst)-1]
		}
		return dst
	}
	if whole == 0 {
		return strconv.AppendUint(dst, uint64(frac), 10)
	}
	dst = strconv.AppendUint(dst, whole, 10)
	return appendPadded(dst, uint64(frac), perSec)
}

// appendPadded appends v < perSec with as many digits as perSec has zeros.
func appendPadded(dst []byte, v uint64, perSec int64) []byte {
	for p := uint64(perSec) / 10; p > 0; p /= 10 {
		dst = append(dst, byte('0'+v/p%10))
	}
	return dst
}

// AppendRaw appends a json field's value as the decoder stored it
// (Lexer.Raw): its bytes verbatim, whitespace included. It keeps the output
// valid JSON whatever raw holds: an empty value (a null element of an array
// of json values, or nil set by hand) is written as null, each invalid UTF-8
// byte is replaced by U+FFFD (the decoder keeps raw bytes as they came), and
// a value set by hand that is not one valid JSON value (or nests deeper than
// DefaultMaxDepth) is written as null.
func AppendRaw(dst []byte, raw json.RawMessage) []byte {
	if len(raw) == 0 || !validJSON(raw) {
		return append(dst, "null"...)
	}
	if utf8.Valid(raw) {
		return append(dst, raw...)
	}
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "\uFFFD"...)
		} else {
			dst = append(dst, raw[i:i+size]...)
		}
		i += size
	}
	return dst
}

// validJSON reports whether b is one JSON value, surrounding whitespace
// allowed, as the decoder reads values.
func validJSON(b []byte) bool {
	l := GetLexer()
	l.ResetView(b, nil)
	l.Skip()
	l.End()
	ok := l.Ok()
	// Skip keeps no key frames, so there are none for PutLexer to drop.
	l.ResetView(nil, nil)
	lexers.Put(l)
	return ok
}

// The array writers below append a JSON array of s's elements, [] for an
// empty or nil s. Generated code calls them for present array fields.

// appendArray appends s as a JSON array, each element written by write.
func appendArray[T any](dst []byte, s []T, write func([]byte, T) []byte) []byte {
	dst = append(dst, '[')
	for i, v := range s {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = write(dst, v)
	}
	return append(dst, ']')
}

// AppendStringArray appends an array of strings, each as AppendString
// writes it.
func AppendStringArray(dst []byte, s []string) []byte { return appendArray(dst, s, AppendString) }

// AppendIntArray appends an array of integers.
func AppendIntArray[T int16 | int32 | int64](dst []byte, s []T) []byte {
	return appendArray(dst, s, AppendInt[T])
}

// AppendFloatArray appends an array of floats, each as AppendFloat writes
// it.
func AppendFloatArray(dst []byte, s []float64) []byte { return appendArray(dst, s, AppendFloat) }

// AppendBoolArray appends an array of booleans.
func AppendBoolArray(dst []byte, s []bool) []byte { return appendArray(dst, s, AppendBool) }

// AppendTimeArray appends an array of timestamps, each as AppendTimeAs
// writes it in formats.
func AppendTimeArray(dst []byte, s []time.Time, formats TimeFormats) []byte {
	return appendArray(dst, s, func(dst []byte, t time.Time) []byte { return AppendTimeAs(dst, t, formats) })
}

// AppendRawArray appends an array of json values, each as AppendRaw writes
// it (a null element, decoded as an empty value, back as null).
func AppendRawArray(dst []byte, s []json.RawMessage) []byte { return appendArray(dst, s, AppendRaw) }

// AppendObjectArray appends an array of generated objects, each as its
// AppendJSON method writes it. P is *T (inferred): the method has a pointer
// receiver, and the elements are not copied.
func AppendObjectArray[T any, P interface {
	*T
	AppendJSON(dst []byte) []byte
}](dst []byte, s []T) []byte {
	dst = append(dst, '[')
	for i := range s {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = P(&s[i]).AppendJSON(dst)
	}
	return append(dst, ']')
}

// MarshalBuffer returns a pooled buffer for a generated MarshalJSON, which
// appends its output to (*buf)[:0] and hands both to MarshalResult:
//
//	func (x Network) MarshalJSON() ([]byte, error) {
//		buf := jlex.MarshalBuffer()
//		return jlex.MarshalResult(buf, x.AppendJSON((*buf)[:0]))
//	}
//
// The output grows in memory kept from call to call, and the value, whose
// AppendJSON keeps no reference to it, stays on the stack: a call allocates
// the result and nothing else.
func MarshalBuffer() *[]byte { return marshalBufs.Get().(*[]byte) }

// MarshalResult returns a copy of out, written into buf's memory, and gives
// buf back to the pool (keeping out's memory when it grew, up to a limit).
func MarshalResult(buf *[]byte, out []byte) ([]byte, error) {
	res := make([]byte, len(out))
	copy(res, out)
	if cap(out) <= maxPooledMarshal {
		*buf = out
		marshalBufs.Put(buf)
	}
	return res, nil
}

// maxPooledMarshal is the largest buffer MarshalResult keeps for reuse: one
// huge record must not pin its buffer for good.
const maxPooledMarshal = 1 << 20

var marshalBufs = sync.Pool{New: func() any { return new([]byte) }}

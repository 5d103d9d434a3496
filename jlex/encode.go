package jlex

import (
	"encoding/json"
	"sync"
	"time"
	"unicode/utf8"
)

// This file holds what generated AppendJSON methods call to write a record
// back as its own JSON: the schema's field names, each value in the form the
// schema reads (timestamps in the field's first listed format that holds
// them, in encodetime.go; json values as given). The scalar writers they
// share with rows are in write.go: AppendKey, AppendString, AppendInt,
// AppendFloat and AppendBool.
//
// Every writer emits valid UTF-8 JSON whatever the value holds, so that a
// value set by hand (SetX) cannot make the output invalid; a value decoded
// by a generated decoder is written so that decoding the output gives it
// back exactly, presence bits included.

// AppendRaw appends a json field's value as the decoder stored it
// (Lexer.Raw): its bytes verbatim, whitespace included. It keeps the output
// valid JSON whatever raw holds: an empty value (a null element of an array
// of json values, or nil set by hand) is written as null, each invalid UTF-8
// byte is replaced by U+FFFD (the decoder keeps raw bytes as they came), and
// a value set by hand that is not one valid JSON value (or nests deeper than
// MaxDepth) is written as null.
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

// AppendEmbeddedRaw appends the value of a json field marked isEmbeddedJSON,
// whose decoder reads the value written as itself as well as its JSON text
// in a string. It writes the value as AppendRaw does, except a string: the
// decoder would read the content of a string written as itself as JSON
// text, so a string is written as its JSON text in a string ("\"hi\"" for
// the value "hi").
func AppendEmbeddedRaw(dst []byte, raw json.RawMessage) []byte {
	if i := skipSpace(raw, 0); i == len(raw) || raw[i] != '"' || !validJSON(raw) {
		return AppendRaw(dst, raw)
	}
	n := len(dst)
	dst = append(dst, '"')
	return closeString(AppendRaw(dst, raw), n)
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

// AppendCustomTimeArray appends an array of timestamps, each as
// AppendCustomTime writes it in f.
func AppendCustomTimeArray(dst []byte, s []time.Time, f *CustomTimeFormats) []byte {
	return appendArray(dst, s, func(dst []byte, t time.Time) []byte { return AppendCustomTime(dst, t, f) })
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

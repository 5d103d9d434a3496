package jlex

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"slices"
	"time"
)

// The array decoders below reuse *s's memory; null is absent (empty), and
// null elements become zero values, as in encoding/json. They are written
// out per type: a generic version with a function value or a type switch
// makes the lexer escape to the heap.

// maxElementsHint bounds ElementsHint, and so what a hostile array can
// make a decoder allocate ahead: Tailscale's records hold at most about
// 1,500 traffic entries.
const maxElementsHint = 2048

// ElementsHint estimates how many objects the array whose '[' was just read
// holds, for sizing a new slice once: the '{' before the first "}]" (the end
// of an array of objects, which neither IPv6 brackets in strings nor arrays
// nested in its elements end early), at most maxElementsHint. It is only a
// hint (strings may hold braces, and objects nested in the elements count
// too) and reads the input with the library's vector routines, much faster
// than decoding it.
func (l *Lexer) ElementsHint() int {
	rest := l.data[l.pos:]
	if len(rest) > 0 && rest[0] == ']' {
		return 0
	}
	if i := indexObjectsEnd(rest); i >= 0 {
		rest = rest[:i]
	}
	return min(bytes.Count(rest, []byte{'{'}), maxElementsHint)
}

// indexObjectsEnd returns the index of the first "}]" in b, or -1. It
// looks for the ']', rarer in an array of objects than the '}' that ends
// every element (bytes.Index stopped at each of those).
func indexObjectsEnd(b []byte) int {
	for i := 1; i < len(b); {
		j := bytes.IndexByte(b[i:], ']')
		if j < 0 {
			return -1
		}
		if i += j; b[i-1] == '}' {
			return i - 1
		}
		i++
	}
	return -1
}

// newStrings is the capacity given to a string slice that has none: the
// node addresses and tags of flow records hold one to three strings, and
// growing from nothing would allocate twice for two.
const newStrings = 4

// stringsChunk is how many strings stringSlice allocates at once: the
// first chunk of a decode holds a quarter of that, for small records.
const stringsChunk = 16 * newStrings

// newStringSlice returns an empty slice with room for newStrings strings,
// for a string slice that has none. The slices of one decode are cut from
// chunks of strings, one allocation for many nodes' addresses and tags; a
// decode never takes room from another's chunk.
func (l *Lexer) newStringSlice() []string {
	return l.stringSlice(newStrings)[:0]
}

// stringSlice returns a slice of n strings (its capacity n: appending to it
// copies it), cut from the decode's chunks of strings, or of its own when l
// is nil.
func (l *Lexer) stringSlice(n int) []string {
	if l == nil {
		return make([]string, n)
	}
	if len(l.strs) < n {
		c := stringsChunk
		if l.strs == nil {
			c /= 4
		}
		l.strs = make([]string, max(c, n))
	}
	s := l.strs[:n:n]
	l.strs = l.strs[n:]
	return s
}

// Strings decodes an array of strings.
func (l *Lexer) Strings(s *[]string) bool {
	*s = (*s)[:0]
	if !l.BeginArray() {
		return false
	}
	if cap(*s) == 0 {
		*s = l.newStringSlice()
	}
	for l.More() {
		*s = append(*s, "")
		l.String(&(*s)[len(*s)-1])
	}
	l.EndArray()
	return l.err == nil
}

// Int64s decodes an array of bigint.
func (l *Lexer) Int64s(s *[]int64) bool {
	*s = (*s)[:0]
	if !l.BeginArray() {
		return false
	}
	for l.More() {
		*s = append(*s, 0)
		l.Int64(&(*s)[len(*s)-1])
	}
	l.EndArray()
	return l.err == nil
}

// Int32s decodes an array of int.
func (l *Lexer) Int32s(s *[]int32) bool {
	*s = (*s)[:0]
	if !l.BeginArray() {
		return false
	}
	for l.More() {
		*s = append(*s, 0)
		l.Int32(&(*s)[len(*s)-1])
	}
	l.EndArray()
	return l.err == nil
}

// Int16s decodes an array of smallint.
func (l *Lexer) Int16s(s *[]int16) bool {
	*s = (*s)[:0]
	if !l.BeginArray() {
		return false
	}
	for l.More() {
		*s = append(*s, 0)
		l.Int16(&(*s)[len(*s)-1])
	}
	l.EndArray()
	return l.err == nil
}

// Float64s decodes an array of float.
func (l *Lexer) Float64s(s *[]float64) bool {
	*s = (*s)[:0]
	if !l.BeginArray() {
		return false
	}
	for l.More() {
		*s = append(*s, 0)
		l.Float64(&(*s)[len(*s)-1])
	}
	l.EndArray()
	return l.err == nil
}

// Bools decodes an array of boolean.
func (l *Lexer) Bools(s *[]bool) bool {
	*s = (*s)[:0]
	if !l.BeginArray() {
		return false
	}
	for l.More() {
		*s = append(*s, false)
		l.Bool(&(*s)[len(*s)-1])
	}
	l.EndArray()
	return l.err == nil
}

// Raws decodes an array of json values.
func (l *Lexer) Raws(s *[]json.RawMessage) bool {
	*s = (*s)[:0]
	if !l.BeginArray() {
		return false
	}
	for l.More() {
		*s = append(*s, nil)
		l.Raw(&(*s)[len(*s)-1])
	}
	l.EndArray()
	return l.err == nil
}

// Times decodes an array of timestamps.
func (l *Lexer) Times(s *[]time.Time, formats TimeFormats) bool {
	*s = (*s)[:0]
	if !l.BeginArray() {
		return false
	}
	for l.More() {
		*s = append(*s, time.Time{})
		l.Time(&(*s)[len(*s)-1], formats)
	}
	l.EndArray()
	return l.err == nil
}

// SplitInt stores the index-th part of src around sep, parsed as an integer
// that fits T, in *dst; false (and 0) when absent or not such an integer.
func SplitInt[T int16 | int32 | int64](src, sep string, index int, dst *T) bool {
	*dst = 0
	s, ok := splitPart(src, sep, index)
	if !ok || s == "" {
		return false
	}
	n, integer := scanNumber([]byte(s))
	if n != len(s) || !integer {
		return false
	}
	v, ok := parseInt([]byte(s))
	if !ok || int64(T(v)) != v {
		return false
	}
	*dst = T(v)
	return true
}

// SortCompactAddrs sorts dst[from:] by address (netip.Addr.Compare) and
// removes duplicates from it.
func SortCompactAddrs(dst []netip.Addr, from int) []netip.Addr {
	tail := dst[from:]
	slices.SortFunc(tail, netip.Addr.Compare)
	return dst[:from+len(slices.Compact(tail))]
}

// SortCompactStrings sorts dst[from:] and removes duplicates from it.
func SortCompactStrings(dst []string, from int) []string {
	tail := dst[from:]
	slices.Sort(tail)
	return dst[:from+len(slices.Compact(tail))]
}

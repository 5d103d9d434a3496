package jlex

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// decodeSlice decodes an array into *s, reusing its memory; null is absent
// (empty). Elements that are null become zero values, as in encoding/json.
func decodeSlice[T any](l *Lexer, s *[]T, elem func(*Lexer, *T) bool) bool {
	*s = (*s)[:0]
	if !l.BeginArray() {
		return false
	}
	for l.More() {
		var v T
		elem(l, &v)
		*s = append(*s, v)
	}
	l.EndArray()
	return l.err == nil
}

// Strings decodes an array of strings.
func (l *Lexer) Strings(s *[]string) bool { return decodeSlice(l, s, (*Lexer).String) }

// Int64s decodes an array of bigint.
func (l *Lexer) Int64s(s *[]int64) bool { return decodeSlice(l, s, (*Lexer).Int64) }

// Int32s decodes an array of int.
func (l *Lexer) Int32s(s *[]int32) bool { return decodeSlice(l, s, (*Lexer).Int32) }

// Int16s decodes an array of smallint.
func (l *Lexer) Int16s(s *[]int16) bool { return decodeSlice(l, s, (*Lexer).Int16) }

// Float64s decodes an array of float.
func (l *Lexer) Float64s(s *[]float64) bool { return decodeSlice(l, s, (*Lexer).Float64) }

// Bools decodes an array of boolean.
func (l *Lexer) Bools(s *[]bool) bool { return decodeSlice(l, s, (*Lexer).Bool) }

// Raws decodes an array of json values.
func (l *Lexer) Raws(s *[]json.RawMessage) bool { return decodeSlice(l, s, (*Lexer).Raw) }

// Times decodes an array of timestamps.
func (l *Lexer) Times(s *[]time.Time, formats TimeFormats) bool {
	*s = (*s)[:0]
	if !l.BeginArray() {
		return false
	}
	for l.More() {
		var v time.Time
		l.Time(&v, formats)
		*s = append(*s, v)
	}
	l.EndArray()
	return l.err == nil
}

// SplitInt stores the index-th part of src around sep, parsed as an integer
// that fits T, in *dst; false (and 0) when absent or not such an integer.
func SplitInt[T int16 | int32 | int64](src, sep string, index int, dst *T) bool {
	*dst = 0
	s, ok := SplitPart(src, sep, index)
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

// AppendAddr appends s to dst when it is an IP address.
func AppendAddr(dst []netip.Addr, s string) []netip.Addr {
	if a, ok := ParseAddr(s); ok {
		dst = append(dst, a.WithZone(""))
	}
	return dst
}

// AppendValidAddr appends a to dst when it is valid.
func AppendValidAddr(dst []netip.Addr, a netip.Addr) []netip.Addr {
	if a.IsValid() {
		dst = append(dst, a)
	}
	return dst
}

// AppendEmail appends s to dst when it contains '@'.
func AppendEmail(dst []string, s string) []string {
	if strings.IndexByte(s, '@') >= 0 {
		dst = append(dst, s)
	}
	return dst
}

// AppendNonEmpty appends s to dst when it is not empty.
func AppendNonEmpty(dst []string, s string) []string {
	if s != "" {
		dst = append(dst, s)
	}
	return dst
}

// SortCompactAddrs sorts dst[from:] and removes duplicates from it.
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

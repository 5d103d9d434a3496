package jlex

import (
	"encoding/binary"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"
)

// This file holds the writers of Panther-style rows. Every writer appends
// valid UTF-8 JSON to dst.

// AppendKey appends a pre-quoted key such as `"txBytes":`, preceded by a
// comma unless it is the first member of the object or array being written.
func AppendKey(dst []byte, quotedKey string) []byte {
	if n := len(dst); n > 0 && dst[n-1] != '{' && dst[n-1] != '[' {
		dst = append(dst, ',')
	}
	return append(dst, quotedKey...)
}

// AppendComma appends a comma unless dst ends an opening bracket.
func AppendComma(dst []byte) []byte {
	if n := len(dst); n > 0 && dst[n-1] != '{' && dst[n-1] != '[' {
		dst = append(dst, ',')
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD;
// <, > and & are not escaped (rows are not HTML).
func AppendString(dst []byte, s string) []byte {
	n := len(s)
	if n < 8 {
		for i := 0; i < n; i++ {
			if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
				return appendStringEscaped(dst, s)
			}
		}
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	// Most strings are plain ASCII: check and copy them a word at a time
	// in one pass, into room made for whole words.
	l := len(dst)
	if cap(dst)-l < n+10 {
		dst = slices.Grow(dst, n+10)
	}
	out := dst[l : l+n+10]
	b := unsafe.Slice(unsafe.StringData(s), n) // a view, not a copy
	out[0] = '"'
	var m uint64
	i := 0
	for ; i+8 <= n; i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		m |= specialMask(x)
		binary.LittleEndian.PutUint64(out[1+i:], x)
	}
	if i < n { // the last eight bytes, overlapping the words copied
		x := binary.LittleEndian.Uint64(b[n-8:])
		m |= specialMask(x)
		binary.LittleEndian.PutUint64(out[1+n-8:], x)
	}
	if m != 0 {
		return appendStringEscaped(dst[:l], s)
	}
	out[1+n] = '"'
	return dst[:l+n+2]
}

// appendStringEscaped is AppendString for strings that need escapes.
func appendStringEscaped(dst []byte, s string) []byte {
	dst = append(dst, '"')
	b := unsafe.Slice(unsafe.StringData(s), len(s)) // a view, not a copy
	start := 0
	for i := 0; i < len(s); {
		// Skip 8 plain bytes at a time: no quote, backslash, control
		// character or non-ASCII byte among them.
		if i+8 <= len(b) && specialMask(binary.LittleEndian.Uint64(b[i:])) == 0 {
			i += 8
			continue
		}
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendInt appends an integer.
func AppendInt[T int16 | int32 | int64](dst []byte, v T) []byte {
	return appendInt64(dst, int64(v))
}

// AppendFloat appends a float as encoding/json writes it.
func AppendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// AppendBool appends true or false.
func AppendBool(dst []byte, b bool) []byte {
	return strconv.AppendBool(dst, b)
}

// AppendTime appends t as an RFC 3339 string in UTC with nanoseconds, trailing
// zeros trimmed.
func AppendTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = appendTimeUTC(dst, t)
	return append(dst, '"')
}

// AppendAddrString appends a as a JSON string in canonical form.
func AppendAddrString(dst []byte, a netip.Addr) []byte {
	if a.Zone() != "" {
		return AppendString(dst, a.String()) // a zone may hold any byte
	}
	dst = append(dst, '"')
	dst = appendAddr(dst, a)
	return append(dst, '"')
}

// AppendCompactJSON appends a JSON value that the lexer has validated,
// dropping insignificant whitespace so a row stays on one line and replacing
// invalid UTF-8 in strings with U+FFFD.
func AppendCompactJSON(dst []byte, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == ' ' || c == '\n' || c == '\r' || c == '\t':
			i++
		case c == '"':
			j := i + 1
			for j < len(raw) {
				k := scanPlain(raw, j)
				dst = append(dst, raw[i:k]...)
				i = k
				if k >= len(raw) {
					return dst
				}
				b := raw[k]
				if b == '"' {
					dst = append(dst, '"')
					i = k + 1
					break
				}
				if b == '\\' {
					dst = append(dst, raw[k:k+2]...)
					i, j = k+2, k+2
					continue
				}
				if b < 0x20 {
					dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
					i, j = k+1, k+1
					continue
				}
				r, size := utf8.DecodeRune(raw[k:])
				if r == utf8.RuneError && size == 1 {
					dst = append(dst, "\uFFFD"...)
				} else {
					dst = append(dst, raw[k:k+size]...)
				}
				i, j = k+size, k+size
			}
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst
}

// RowMeta carries what a row needs beyond the record: the parse time, a row
// ID, and scratch space reused from row to row.
type RowMeta struct {
	// ParseTime is p_parse_time, and p_event_time for records without one.
	ParseTime time.Time
	// RowID, when set, is p_row_id. Otherwise, when RowIDPrefix is set,
	// p_row_id is RowIDPrefix followed by a counter in hex that AppendMeta
	// advances, so rows get unique IDs without allocating.
	RowID       string
	RowIDPrefix string // see RowID
	seq         uint64
	ips         []netip.Addr
	addrs       addrSet
	strs        []string
	strs2addr   *[textAddrMemos]textAddr
	metaEnd     int
	texts       [][]byte // Addrs
	id          []byte   // NextRowID
}

// AppendMeta appends the p_log_type, p_event_time, p_parse_time and p_row_id
// members. A zero eventTime falls back to the parse time, as Panther does.
func (m *RowMeta) AppendMeta(dst []byte, logType string, eventTime time.Time) []byte {
	if eventTime.IsZero() {
		eventTime = m.ParseTime
	}
	dst = AppendKey(dst, `"p_log_type":`)
	dst = AppendString(dst, logType)
	dst = AppendKey(dst, `"p_event_time":`)
	dst = AppendTime(dst, eventTime)
	dst = AppendKey(dst, `"p_parse_time":`)
	dst = AppendTime(dst, m.ParseTime)
	m.metaEnd = len(dst)
	return m.AppendRowID(dst)
}

// AppendRowID appends the p_row_id member AppendMeta writes: RowID, or
// RowIDPrefix and the next number of the counter, or nothing when neither
// is set.
func (m *RowMeta) AppendRowID(dst []byte) []byte {
	switch {
	case m.RowID != "":
		dst = AppendKey(dst, `"p_row_id":`)
		dst = AppendString(dst, m.RowID)
	case m.RowIDPrefix != "":
		m.seq++
		dst = AppendKey(dst, `"p_row_id":`)
		dst = AppendString(dst, m.RowIDPrefix)
		dst = dst[:len(dst)-1] // reopen the string
		dst = strconv.AppendUint(dst, m.seq, 16)
		dst = append(dst, '"')
	}
	return dst
}

// MetaEnd returns where, in the dst of the last call to AppendMeta, its
// p_row_id member starts (or would, with neither RowID nor RowIDPrefix
// set): for rows written on one goroutine and numbered on another.
func (m *RowMeta) MetaEnd() int { return m.metaEnd }

// AppendAddrs appends a p_any_* member of addresses collected by fill, when
// there are any, without duplicates and sorted byte-wise by their canonical
// text, as Panther sorts p_any_ip_addresses. fill may append them in any
// order and more than once; each distinct address is formatted once.
func (m *RowMeta) AppendAddrs(dst []byte, quotedKey string, fill func([]netip.Addr) []netip.Addr) []byte {
	m.CollectAddrs(fill)
	return m.AppendCollectedAddrs(dst, quotedKey)
}

// CollectAddrs collects the row's p_any_ip_addresses, the addresses fill
// appends (in any order, duplicates allowed), formatting each distinct one
// once, for AppendCollectedAddrs and AppendAddrString. Generated AppendRow
// methods call it before writing the record's fields.
func (m *RowMeta) CollectAddrs(fill func([]netip.Addr) []netip.Addr) {
	m.ips = fill(m.ips[:0])
	m.addrs.collect(m.ips)
}

// AppendCollectedAddrs appends the member quotedKey with the addresses
// CollectAddrs collected, sorted as AppendAddrs sorts them, or nothing when
// there are none.
func (m *RowMeta) AppendCollectedAddrs(dst []byte, quotedKey string) []byte {
	return m.addrs.appendJSON(dst, quotedKey)
}

// AppendAddrString appends a as jlex.AppendAddrString does, copying the
// text CollectAddrs made when a is one of the row's addresses.
func (m *RowMeta) AppendAddrString(dst []byte, a netip.Addr) []byte {
	if !a.Is4() { // IPv4 is as quickly formatted as looked up
		if txt, ok := m.addrs.text(a); ok && a.Zone() == "" {
			dst = append(dst, '"')
			dst = append(dst, txt...)
			return append(dst, '"')
		}
	}
	return AppendAddrString(dst, a)
}

// IPAddresses returns the addresses the last call to AppendAddrs,
// CollectAddrs or Addrs collected, distinct and in the order AppendAddrs
// writes them (none if there were none). The slice is reused by the next
// call.
func (m *RowMeta) IPAddresses() []netip.Addr { return m.addrs.sorted }

// IPAddressText returns the canonical text of IPAddresses()[i], which
// AppendCollectedAddrs writes between quotes (escaped, when a zone needs
// it). It is valid until the next call that collects addresses.
func (m *RowMeta) IPAddressText(i int) []byte {
	e := &m.addrs.ents[i]
	return m.addrs.txt[e.start:e.end:e.end]
}

// appendEscapedASCII appends address text, escaping what JSON needs: only a
// zone can hold such bytes.
func appendEscapedASCII(dst, b []byte) []byte {
	for _, c := range b {
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			s := AppendString(nil, string(b))
			return append(dst, s[1:len(s)-1]...)
		}
	}
	return append(dst, b...)
}

// AppendStrings appends a p_any_* member of strings collected by fill, when
// there are any.
func (m *RowMeta) AppendStrings(dst []byte, quotedKey string, fill func([]string) []string) []byte {
	m.strs = fill(m.strs[:0])
	if len(m.strs) == 0 {
		return dst
	}
	dst = AppendKey(dst, quotedKey)
	dst = append(dst, '[')
	for i, s := range m.strs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, s)
	}
	return append(dst, ']')
}

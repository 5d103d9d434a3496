package jlex

import (
	"encoding/json"
	"strconv"
)

// number scans a JSON number at l.pos and returns its bytes. integer reports
// that it has neither fraction nor exponent.
func (l *Lexer) number() (tok []byte, integer bool) {
	start := l.pos
	n, integer := scanNumber(l.data[start:])
	if n <= 0 {
		l.fail(start, "invalid number")
		return nil, false
	}
	l.pos = start + n
	return l.data[start:l.pos], integer
}

// scanNumber returns the length of the JSON number at the start of b, or 0 if
// b does not start with a valid number. A number must not run into a letter
// or digit (as in 01 or 1x).
func scanNumber(b []byte) (n int, integer bool) {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return 0, false
	}
	switch c := b[i]; {
	case c == '0':
		i++
	case c >= '1' && c <= '9':
		i++
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return 0, false
	}
	integer = true
	if i < len(b) && b[i] == '.' {
		integer = false
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return 0, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		integer = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return 0, false
		}
	}
	if i < len(b) && isWordByte(b[i]) {
		return 0, false
	}
	return i, integer
}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '+' || c == '_'
}

// numericToken reads a number or a numeric string at l.pos. It returns the
// number's text, its offset, and present=false for null or "" (absent).
func (l *Lexer) numericToken(kind string) (tok []byte, integer bool, off int, present bool) {
	off = l.pos
	switch c := l.skipWS(); {
	case c == '"':
		off = l.pos
		s := l.stringContent()
		if l.err != nil || len(s) == 0 {
			return nil, false, off, false
		}
		n, integer := scanNumber(s)
		if n != len(s) {
			l.fail(off, "invalid number "+strconv.Quote(string(s))+" for "+kind)
			return nil, false, off, false
		}
		return s, integer, off, true
	case c == '-' || c >= '0' && c <= '9':
		off = l.pos
		tok, integer = l.number()
		return tok, integer, off, l.err == nil
	case c == 'n':
		l.literal("null")
		return nil, false, off, false
	}
	l.unexpected(kind)
	return nil, false, l.pos, false
}

// parseInt parses an integer token known to be valid JSON integer syntax.
func parseInt(tok []byte) (int64, bool) {
	neg := tok[0] == '-'
	d := tok
	if neg {
		d = tok[1:]
	}
	if len(d) <= 18 {
		var v int64
		for _, c := range d {
			v = v*10 + int64(c-'0')
		}
		if neg {
			v = -v
		}
		return v, true
	}
	v, err := strconv.ParseInt(bytesString(tok), 10, 64)
	return v, err == nil
}

func (l *Lexer) intValue(kind string, lo, hi int64) (int64, bool) {
	if l.err != nil {
		return 0, false
	}
	// Fast path: a short non-negative integer followed by a delimiter.
	c := l.skipWS()
	if c >= '1' && c <= '9' {
		data := l.data
		i := l.pos
		var v int64
		for n := 0; i < len(data) && n < 18; n++ {
			d := data[i] - '0'
			if d > 9 {
				break
			}
			v = v*10 + int64(d)
			i++
		}
		if i < len(data) && numberEnd[data[i]] && v <= hi {
			l.pos = i
			return v, true
		}
	}
	tok, integer, off, present := l.numericToken(kind)
	if !present {
		return 0, false
	}
	if !integer {
		l.fail(off, "number "+string(tok)+" is not an integer")
		return 0, false
	}
	v, ok := parseInt(tok)
	if !ok || v < lo || v > hi {
		l.fail(off, "number "+string(tok)+" out of range for "+kind)
		return 0, false
	}
	return v, true
}

// Int64 decodes a number or numeric string into *dst. null and "" are absent:
// *dst becomes 0 and Int64 returns false.
func (l *Lexer) Int64(dst *int64) bool {
	// Fast path: up to 18 digits without sign, leading zero or whitespace.
	data, i := l.data, l.pos
	if l.err == nil && i < len(data) && data[i]-'1' < 9 {
		v := int64(data[i] - '0')
		end := min(len(data), i+18)
		for i++; i < end; i++ {
			d := data[i] - '0'
			if d > 9 {
				break
			}
			v = v*10 + int64(d)
		}
		if i < len(data) && numberEnd[data[i]] {
			*dst = v
			l.pos = i
			return true
		}
	}
	v, ok := l.intValue("int64", -1<<63, 1<<63-1)
	*dst = v
	return ok
}

// numberEnd marks the bytes that may follow a number in valid JSON.
var numberEnd = [256]bool{',': true, '}': true, ']': true, ' ': true, '\t': true, '\n': true, '\r': true}

// Int32 is Int64 for int32 (Panther's int).
func (l *Lexer) Int32(dst *int32) bool {
	v, ok := l.intValue("int32", -1<<31, 1<<31-1)
	*dst = int32(v)
	return ok
}

// Int16 is Int64 for int16 (Panther's smallint).
func (l *Lexer) Int16(dst *int16) bool {
	v, ok := l.intValue("int16", -1<<15, 1<<15-1)
	*dst = int16(v)
	return ok
}

// Float64 decodes a number or numeric string into *dst.
func (l *Lexer) Float64(dst *float64) bool {
	*dst = 0
	tok, _, off, present := l.numericToken("float64")
	if !present {
		return false
	}
	v, err := strconv.ParseFloat(bytesString(tok), 64)
	if err != nil {
		l.fail(off, "number "+string(tok)+" out of range for float64")
		return false
	}
	*dst = v
	return true
}

// Bool decodes true or false into *dst; null is absent.
func (l *Lexer) Bool(dst *bool) bool {
	*dst = false
	if l.err != nil {
		return false
	}
	switch l.skipWS() {
	case 't':
		l.literal("true")
		*dst = l.err == nil
		return l.err == nil
	case 'f':
		l.literal("false")
		return l.err == nil
	case 'n':
		l.literal("null")
		return false
	}
	l.unexpected("boolean")
	return false
}

// Raw validates any JSON value and stores its bytes, exactly as given, in
// *dst: a view of the input. null is absent (nil).
func (l *Lexer) Raw(dst *json.RawMessage) bool {
	*dst = nil
	if l.err != nil {
		return false
	}
	if l.skipWS() == 'n' {
		l.literal("null")
		return false
	}
	start := l.pos
	l.Skip()
	if l.err != nil {
		return false
	}
	*dst = l.data[start:l.pos:l.pos]
	return true
}

// Skip validates and skips any JSON value, honouring the depth limit.
func (l *Lexer) Skip() {
	if l.err != nil {
		return
	}
	l.skipValue(l.depth)
}

func (l *Lexer) skipValue(depth int) {
	switch c := l.skipWS(); {
	case c == '"':
		l.skipString()
	case c == '{':
		if depth >= l.maxDepth() {
			l.fail(l.pos, "nesting exceeds the depth limit of "+strconv.Itoa(l.maxDepth()))
			return
		}
		l.pos++
		if l.skipWS() == '}' {
			l.pos++
			return
		}
		for {
			if l.skipWS() != '"' {
				l.unexpected("string key")
				return
			}
			l.skipString()
			if l.err != nil {
				return
			}
			if l.skipWS() != ':' {
				l.unexpected("':' after object key")
				return
			}
			l.pos++
			l.skipValue(depth + 1)
			if l.err != nil {
				return
			}
			switch l.skipWS() {
			case ',':
				l.pos++
			case '}':
				l.pos++
				return
			default:
				l.unexpected("',' or '}' in object")
				return
			}
		}
	case c == '[':
		if depth >= l.maxDepth() {
			l.fail(l.pos, "nesting exceeds the depth limit of "+strconv.Itoa(l.maxDepth()))
			return
		}
		l.pos++
		if l.skipWS() == ']' {
			l.pos++
			return
		}
		for {
			l.skipValue(depth + 1)
			if l.err != nil {
				return
			}
			switch l.skipWS() {
			case ',':
				l.pos++
			case ']':
				l.pos++
				return
			default:
				l.unexpected("',' or ']' in array")
				return
			}
		}
	case c == 't':
		l.literal("true")
	case c == 'f':
		l.literal("false")
	case c == 'n':
		l.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		l.number()
	default:
		l.unexpected("value")
	}
}

// skipString validates the string at l.pos without decoding it.
func (l *Lexer) skipString() {
	data := l.data
	start := l.pos
	i := start + 1
	for {
		j := scanPlain(data, i)
		if j >= len(data) {
			l.fail(start, "unterminated string")
			return
		}
		switch c := data[j]; {
		case c == '"':
			l.pos = j + 1
			return
		case c == '\\':
			if j+1 >= len(data) {
				l.fail(start, "unterminated string")
				return
			}
			switch data[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i = j + 2
			case 'u':
				if _, ok := hex4(data[j+2:]); !ok {
					l.fail(j, "invalid \\u escape in string")
					return
				}
				i = j + 6
			default:
				l.fail(j, "invalid escape sequence in string")
				return
			}
		case c < 0x20:
			l.fail(j, "invalid control character in string")
			return
		default:
			i = j + 1 // non-ASCII: any bytes are tolerated here
		}
	}
}

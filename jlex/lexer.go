package jlex

import (
	"math"
	"math/bits"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// MaxDepth is the deepest nesting of objects and arrays a decoder accepts:
// `{}` is depth 1, `{"a":[1]}` depth 2. It bounds both schema objects and the
// unknown values that are skipped; a deeper record is an error. The stream
// scanner of package tailscale frames records with the same limit.
const MaxDepth = 128

// maxFrames bounds the nesting of schema objects and arrays, whose keys and
// indexes are kept for error paths. Unknown values that are skipped may nest
// deeper, up to the depth limit in all.
const maxFrames = 32

type frame struct {
	// The current key of an object frame: l.data[keyOff:keyOff+keyLen] when
	// keyOff >= 0 (set on the fast path without a pointer write), else key.
	keyOff, keyLen int32
	key            []byte
	index          int // keys or elements seen so far, minus one: -1 before the first
	array          bool
}

// Lexer reads one JSON text. The zero value is not ready: call Reset.
type Lexer struct {
	data  []byte
	pos   int
	err   *Error
	depth int
	// depthLimit limits nesting; 0 means MaxDepth (tests lower it).
	depthLimit int

	frames [maxFrames]frame
	// framesUsed is how many frames were used since the lexer was last
	// given back to the pool (PutLexer clears their keys).
	framesUsed int
	// Arena holds a copy of the input (after Reset) followed by the decoded
	// text of strings that had escapes or invalid UTF-8. Strings and raw
	// values handed out point into it, never into the caller's input.
	Arena []byte
	// fastBails counts the objects of this record that gave up the fast
	// path (see FastBegin).
	fastBails int
	// v4 and v6 remember recent hosts; see hosts.go.
	v4 [v4Memos]v4Memo
	v6 [v6Memos]v6Memo
	// fastV4 and fastV6 remember the last hosts of each memo slot of
	// FastAddrPortMemo.
	fastV4 [FastMemoSlots]fastV4Memo
	fastV6 [FastMemoSlots]fastV6Memo
	// strs is spare room for the string slices this decode makes (see
	// newStringSlice); it is dropped by ResetView, so that one decoded
	// value never shares memory with another.
	strs []string
	// pathPrefix is prepended to every error path (e.g. "event" when a bare
	// record is decoded in place of an envelope's event).
	pathPrefix string
	// embedOff is, for a lexer of embedded JSON (see BeginEmbedded), the
	// offset of its string in the enclosing input.
	embedOff int
	// noSpans is true when generated fast paths must not record where
	// they read objects (see Spans).
	noSpans bool
}

var emptyKey = []byte{}

// Reset prepares l to read a copy of data kept in arena[:0] (grown as
// needed), so that decoded strings may point into the copy without copying
// each one, and the caller may reuse data at once.
func (l *Lexer) Reset(data []byte, arena []byte) {
	arena = append(arena[:0], data...)
	l.ResetView(arena[:len(data):len(data)], arena)
}

// ResetView prepares l to read data in place: decoded strings may alias
// data, which must then stay unchanged while they are in use. Decoded text
// that differs from the input is appended to arena (after its length).
func (l *Lexer) ResetView(data []byte, arena []byte) {
	l.data = data
	l.Arena = arena
	l.pos = 0
	l.err = nil
	l.depth = 0
	l.pathPrefix = ""
	l.fastBails = 0
	l.strs = nil
	l.noSpans = uint64(len(data)) >= math.MaxUint32
}

// setPathPrefix makes error paths start with prefix.
func (l *Lexer) setPathPrefix(prefix string) { l.pathPrefix = prefix }

// Ok reports whether no error has occurred.
func (l *Lexer) Ok() bool { return l.err == nil }

// Err returns the first error, or nil. The result is a *Error.
func (l *Lexer) Err() error {
	if l.err == nil {
		return nil
	}
	return l.err
}

// Pos returns the current byte offset.
func (l *Lexer) Pos() int { return l.pos }

// Error is a decode error: where (byte offset and field path) and what.
type Error struct {
	Offset int    // byte offset of the offending value or token in the input
	Path   string // field path such as event.virtualTraffic[3].txBytes; "" at the top level
	Msg    string // what is wrong, e.g. "number 70000 out of range for int16"
}

// Error returns "path: message at offset N", or "message at offset N" at
// the top level.
func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg + " at offset " + strconv.Itoa(e.Offset)
	}
	return e.Path + ": " + e.Msg + " at offset " + strconv.Itoa(e.Offset)
}

// Path renders the current field path, e.g. "event.virtualTraffic[3].txBytes".
func (l *Lexer) Path() string {
	b := make([]byte, 0, 64)
	b = append(b, l.pathPrefix...)
	for i := 0; i < l.depth; i++ {
		f := &l.frames[i]
		if f.array {
			if f.index >= 0 {
				b = append(b, '[')
				b = strconv.AppendInt(b, int64(f.index), 10)
				b = append(b, ']')
			}
			continue
		}
		if f.index < 0 {
			continue
		}
		if len(b) > 0 {
			b = append(b, '.')
		}
		key := f.key
		if f.keyOff >= 0 {
			key = l.data[f.keyOff : f.keyOff+f.keyLen]
		}
		b = appendPathKey(b, key)
	}
	return string(b)
}

// appendPathKey appends a key for a path, replacing invalid UTF-8 so error
// messages stay printable.
func appendPathKey(b, key []byte) []byte {
	for len(key) > 0 {
		r, size := utf8.DecodeRune(key)
		if r < 0x20 {
			b = append(b, '?')
		} else {
			b = utf8.AppendRune(b, r)
		}
		key = key[size:]
	}
	return b
}

// fail records the first error at offset off.
func (l *Lexer) fail(off int, msg string) {
	if l.err != nil {
		return
	}
	l.err = &Error{Offset: off, Path: l.Path(), Msg: msg}
	// Stop all further progress: helpers see the error and return.
}

// Fail lets generated code and other packages report a semantic error at the
// current value.
func (l *Lexer) Fail(off int, msg string) { l.fail(off, msg) }

// FailPath records an error at offset off for the field at path, relative
// to the path prefix: for checks made after the record has been read.
func (l *Lexer) FailPath(off int, path, msg string) {
	if l.err != nil {
		return
	}
	if l.pathPrefix != "" {
		path = l.pathPrefix + "." + path
	}
	l.err = &Error{Offset: off, Path: path, Msg: msg}
}

// missing reports a required field name that the current object lacked.
func (l *Lexer) missing(name string) {
	if l.err != nil {
		return
	}
	// Name the field under the object still on the frame stack.
	top := l.depth - 1
	if top < 0 {
		path := name
		if l.pathPrefix != "" {
			path = l.pathPrefix + "." + name
		}
		l.err = &Error{Offset: l.pos, Path: path, Msg: "required field is missing"}
		return
	}
	saved := l.frames[top]
	l.frames[top] = frame{key: []byte(name), keyOff: -1}
	l.err = &Error{Offset: l.pos, Path: l.Path(), Msg: "required field is missing"}
	l.frames[top] = saved
}

func describeByte(c byte) string {
	switch {
	case c == '"':
		return "string"
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "number"
	}
	return "invalid character " + strconv.QuoteRune(rune(c))
}

func (l *Lexer) unexpected(want string) {
	if l.pos >= len(l.data) {
		l.fail(l.pos, "unexpected end of input, expected "+want)
		return
	}
	l.fail(l.pos, "expected "+want+", found "+describeByte(l.data[l.pos]))
}

// skipWS advances past JSON whitespace and returns the next byte, or 0 at the
// end of input.
func (l *Lexer) skipWS() byte {
	if l.pos < len(l.data) {
		if c := l.data[l.pos]; c > ' ' {
			return c // the common case: no whitespace
		}
	}
	l.pos = skipSpace(l.data, l.pos)
	if l.pos < len(l.data) {
		return l.data[l.pos]
	}
	return 0
}

// skipSpace returns the offset of the first byte at or after i that is not
// JSON whitespace, or len(data). Runs of spaces (indentation) are measured
// eight bytes at a time.
func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ':
			if i+8 > len(data) {
				i++
				continue
			}
			// The lowest byte that differs from ' ' is the first
			// non-space; none differs in a run of eight.
			if x := loadLE(data, i) ^ lsb*' '; x == 0 {
				i += 8
			} else {
				i += bits.TrailingZeros64(x) / 8
			}
		case '\n', '\r', '\t':
			i++
		default:
			return i
		}
	}
	return i
}

// End checks that only whitespace follows the top-level value.
func (l *Lexer) End() {
	if l.err != nil {
		return
	}
	l.skipWS()
	if l.pos < len(l.data) {
		l.fail(l.pos, "unexpected "+describeByte(l.data[l.pos])+" after top-level value")
	}
}

// isNull consumes a null literal if one is next.
func (l *Lexer) isNull() bool {
	if l.err != nil {
		return false
	}
	if l.skipWS() == 'n' {
		l.literal("null")
		return l.err == nil
	}
	return false
}

func (l *Lexer) literal(lit string) {
	if len(l.data)-l.pos >= len(lit) && string(l.data[l.pos:l.pos+len(lit)]) == lit {
		l.pos += len(lit)
		return
	}
	l.fail(l.pos, "invalid literal, expected "+lit)
}

func (l *Lexer) push(array bool) bool {
	if l.depth >= maxFrames || l.depth >= l.maxDepth() {
		l.fail(l.pos, "nesting exceeds the depth limit of "+strconv.Itoa(min(maxFrames, l.maxDepth())))
		return false
	}
	l.frames[l.depth] = frame{index: -1, array: array, keyOff: -1}
	l.depth++
	l.framesUsed = max(l.framesUsed, l.depth)
	return true
}

func (l *Lexer) maxDepth() int {
	if l.depthLimit > 0 {
		return l.depthLimit
	}
	return MaxDepth
}

// BeginObject consumes '{'. It returns false, consuming the literal, for null
// (the field is absent) and on error.
func (l *Lexer) BeginObject() bool {
	if l.err != nil {
		return false
	}
	// Fast path: '{' right here, with room for another frame.
	if p := l.pos; p < len(l.data) && l.data[p] == '{' && l.depth < maxFrames && (l.depthLimit == 0 || l.depth < l.depthLimit) {
		l.frames[l.depth] = frame{index: -1, keyOff: -1}
		l.depth++
		l.framesUsed = max(l.framesUsed, l.depth)
		l.pos = p + 1
		return true
	}
	switch l.skipWS() {
	case '{':
		if !l.push(false) {
			return false
		}
		l.pos++
		return true
	case 'n':
		l.literal("null")
		return false
	}
	l.unexpected("object")
	return false
}

// Key returns the next key of the current object, having consumed the ':'
// after it, or ok=false at the closing '}' (consumed) or on error. The key
// aliases the input or the lexer's scratch space; it is valid until the next
// call to Key. Keys with escapes are decoded into the arena.
func (l *Lexer) Key() (key []byte, ok bool) {
	if l.err != nil {
		return nil, false
	}
	f := &l.frames[l.depth-1]
	c := l.skipWS()
	if c == '}' {
		l.pos++
		return nil, false
	}
	if f.index >= 0 {
		if c != ',' {
			l.unexpected("',' or '}' in object")
			return nil, false
		}
		l.pos++
		c = l.skipWS()
	}
	if c != '"' {
		l.unexpected("string key")
		return nil, false
	}
	key = l.rawKey()
	if l.err != nil {
		return nil, false
	}
	if l.skipWS() != ':' {
		l.unexpected("':' after object key")
		return nil, false
	}
	l.pos++
	if key == nil {
		key = emptyKey
	}
	f.key, f.keyOff = key, -1
	f.index++
	return key, true
}

// EndObject pops the frame of an object whose Key loop has ended.
func (l *Lexer) EndObject() {
	if l.depth > 0 {
		l.depth--
	}
}

// BeginArray consumes '['. It returns false for null (consumed) and on error.
func (l *Lexer) BeginArray() bool {
	if l.err != nil {
		return false
	}
	switch l.skipWS() {
	case '[':
		if !l.push(true) {
			return false
		}
		l.pos++
		return true
	case 'n':
		l.literal("null")
		return false
	}
	l.unexpected("array")
	return false
}

// More reports whether another array element follows, consuming the ','
// before it, or consumes the closing ']' and returns false.
func (l *Lexer) More() bool {
	if l.err != nil {
		return false
	}
	f := &l.frames[l.depth-1]
	// Fast path: a comma right before the next element.
	if p := l.pos; f.index >= 0 && p+1 < len(l.data) && l.data[p] == ',' {
		if c := l.data[p+1]; c > ' ' && c != ']' {
			l.pos = p + 1
			f.index++
			return true
		}
	}
	c := l.skipWS()
	if c == ']' && f.index < 0 {
		l.pos++
		return false
	}
	if f.index >= 0 {
		if c == ']' {
			l.pos++
			return false
		}
		if c != ',' {
			l.unexpected("',' or ']' in array")
			return false
		}
		l.pos++
		if l.skipWS() == ']' {
			l.unexpected("value after ','")
			return false
		}
	}
	f.index++
	return true
}

// EndArray pops the frame of an array whose More loop has ended.
func (l *Lexer) EndArray() { l.EndObject() }

// arenaString returns the arena bytes from start as a string without copying.
func (l *Lexer) arenaString(start int) string {
	b := l.Arena[start:]
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// bytesString views b as a string without copying. b must not change while
// the string is in use.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// Bits records which fields of a decoded struct were present, one bit per
// field in schema order.
type Bits uint64

// Set marks field i present or absent.
func (b *Bits) Set(i uint, present bool) {
	if present {
		*b |= 1 << i
	} else {
		*b &^= 1 << i
	}
}

// Has reports whether field i is present.
func (b Bits) Has(i uint) bool { return b&(1<<i) != 0 }

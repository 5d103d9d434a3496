package jlex

import "encoding/binary"

// Keys is the key table of one generated object type, in schema order.
// Field looks keys up in it, first trying the key after the previous one:
// producers write fields in a fixed order, so the prediction usually holds
// and the key is matched with one comparison, without scanning it.
type Keys struct {
	names  []string
	quoted []string // name followed by the closing quote
	words  []keyWords
}

// keyWords holds `"name":` as two little-endian 8-byte words and masks, so
// a predicted key of up to 13 bytes is matched with two loads and compares,
// one of up to 21 bytes with a third word; what longer keys have beyond the
// words is compared as a string.
type keyWords struct {
	w0, m0, w1, m1 uint64
	w2, m2         uint64
	n              int    // len(`"name":`)
	tail           string // `"name":` from its 25th byte on
}

// NewKeys returns the table of names, in the order their fields come.
func NewKeys(names ...string) *Keys {
	k := &Keys{names: names, quoted: make([]string, len(names)), words: make([]keyWords, len(names))}
	for i, n := range names {
		k.quoted[i] = n + `"`
		pat := `"` + n + `":`
		w0, m0, w1, m1 := patternWords(pat, 0)
		var w2, m2 uint64
		if len(pat) > 16 {
			w2, m2, _, _ = patternWords(pat[16:], 0)
		}
		k.words[i] = keyWords{w0: w0, m0: m0, w1: w1, m1: m1, w2: w2, m2: m2, n: len(pat), tail: pat[min(len(pat), 24):]}
	}
	return k
}

// patternWords returns a key pattern of up to 16 bytes as two little-endian
// words, as Field and the fast path load the input, with masks that select
// the pattern's bytes from index from on.
func patternWords(pat string, from int) (w0, m0, w1, m1 uint64) {
	var buf, mask [16]byte
	for j := from; j < len(pat) && j < 16; j++ {
		buf[j], mask[j] = pat[j], 0xff
	}
	return binary.LittleEndian.Uint64(buf[:8]), binary.LittleEndian.Uint64(mask[:8]),
		binary.LittleEndian.Uint64(buf[8:]), binary.LittleEndian.Uint64(mask[8:])
}

// Results of Field other than a key's index.
const (
	EndOfObject = -1 // the closing '}' was consumed, or an error occurred
	UnknownKey  = -2 // a key not in the table; the caller must Skip its value
)

// Field reads the next key of the current object and returns its index in
// k, having consumed the ':' after it. hint is the index expected next
// (usually the previous index plus one). It returns EndOfObject at the
// closing '}' (consumed) or on error, and UnknownKey for other keys.
func (l *Lexer) Field(k *Keys, hint int) int {
	// Fastest path: the predicted key of up to 13 bytes comes next,
	// written as producers write it: `,"name":` or, first in the object,
	// `"name":`.
	if p := l.pos; l.err == nil && uint(hint) < uint(len(k.words)) && p <= len(l.data)-18 {
		data := l.data
		f := &l.frames[l.depth-1]
		q := p
		if f.index >= 0 {
			q++ // past the ',' checked below
		}
		if w := &k.words[hint]; w.m2 == 0 && (f.index < 0 || byteAt(data, p) == ',') &&
			loadLE(data, q)&w.m0 == w.w0 && loadLE(data, q+8)&w.m1 == w.w1 {
			f.keyOff, f.keyLen = int32(q+1), int32(w.n-3)
			f.index++
			q += w.n
			if byteAt(data, q) == ' ' {
				q++ // as in `"name": value`
			}
			l.pos = q
			return hint
		}
	}
	// Fast path: the predicted key, or one of the few after it (producers
	// omit zero fields), comes next written plainly: `,"name":` (or
	// `"name":` first in the object), possibly with whitespace around the
	// comma, as pretty-printers write it.
	if p := l.pos; l.err == nil && p < len(l.data) {
		data := l.data
		q := p
		if data[q] <= ' ' {
			q = skipSpace(data, q)
		}
		if q < len(data) {
			f := &l.frames[l.depth-1]
			comma := data[q] == ','
			switch {
			case data[q] == '}':
				l.pos = q + 1
				return EndOfObject
			case comma:
				if q++; q < len(data) && data[q] <= ' ' {
					q = skipSpace(data, q)
				}
			}
			if comma == (f.index >= 0) && q+16 <= len(data) {
				a, b := loadLE(data, q), loadLE(data, q+8)
				for h := max(hint, 0); h < len(k.words) && h < hint+4; h++ {
					if w := &k.words[h]; a&w.m0 == w.w0 && b&w.m1 == w.w1 &&
						(w.m2 == 0 || q+w.n <= len(data) && loadTail(data, q+16, w.n-16)&w.m2 == w.w2 &&
							(w.tail == "" || string(data[q+24:q+w.n]) == w.tail)) {
						f.keyOff, f.keyLen = int32(q+1), int32(w.n-3)
						f.index++
						q += w.n
						if q < len(data) && data[q] == ' ' {
							q++ // as in `"name": value`
						}
						l.pos = q
						return h
					}
				}
			}
		}
	}
	return l.field(k, hint)
}

// loadTail returns the n bytes (at most 8 read) at data[i:], the last of
// the input, as a little-endian word: a whole word when there is room.
func loadTail(data []byte, i, n int) uint64 {
	if i <= len(data)-8 {
		return loadLE(data, i)
	}
	var buf [8]byte
	copy(buf[:], data[i:i+min(n, 8)])
	return loadLE(buf[:], 0)
}

// field is Field's general path.
func (l *Lexer) field(k *Keys, hint int) int {
	if l.err != nil {
		return EndOfObject
	}
	f := &l.frames[l.depth-1]
	c := l.skipWS()
	if c == '}' {
		l.pos++
		return EndOfObject
	}
	if f.index >= 0 {
		if c != ',' {
			l.unexpected("',' or '}' in object")
			return EndOfObject
		}
		l.pos++
		c = l.skipWS()
	}
	if c != '"' {
		l.unexpected("string key")
		return EndOfObject
	}
	start := l.pos + 1
	if hint >= 0 && hint < len(k.quoted) {
		q := k.quoted[hint]
		if end := start + len(q); end <= len(l.data) && string(l.data[start:end]) == q {
			f.keyOff, f.keyLen = int32(start), int32(len(q)-1)
			f.index++
			l.pos = end
			if !l.colon() {
				return EndOfObject
			}
			return hint
		}
	}
	key := l.rawKey()
	if l.err != nil {
		return EndOfObject
	}
	if key == nil {
		key = emptyKey
	}
	f.key, f.keyOff = key, -1
	f.index++
	if !l.colon() {
		return EndOfObject
	}
	for i, n := range k.names {
		if len(n) == len(key) && n == string(key) {
			return i
		}
	}
	return UnknownKey
}

// colon consumes the ':' after a key.
func (l *Lexer) colon() bool {
	if l.skipWS() != ':' {
		l.unexpected("':' after object key")
		return false
	}
	l.pos++
	return true
}

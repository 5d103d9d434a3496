package jlex

// Keys is the key table of one generated object type, in schema order.
// Field looks keys up in it, first trying the key after the previous one:
// producers write fields in a fixed order, so the prediction usually holds
// and the key is matched with one comparison, without scanning it.
type Keys struct {
	names  []string
	quoted []string // name followed by the closing quote
}

// NewKeys returns the table of names, in the order their fields come.
func NewKeys(names ...string) *Keys {
	k := &Keys{names: names, quoted: make([]string, len(names))}
	for i, n := range names {
		k.quoted[i] = n + `"`
	}
	return k
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
	f.index++
	start := l.pos + 1
	if hint >= 0 && hint < len(k.quoted) {
		q := k.quoted[hint]
		if end := start + len(q); end <= len(l.data) && string(l.data[start:end]) == q {
			f.key = l.data[start : end-1]
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
	f.key = key
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

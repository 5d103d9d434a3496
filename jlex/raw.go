package jlex

// Where the members of objects were read: the fast path of generated
// decoders records, for an object it reads whole in producers' layout
// (see FastBegin), the offsets in the record's text of its '{', of the
// separators where fields derived from others (splits) go, and of its '}'.
// A row of a record not changed since it was decoded (AppendDecodedRow)
// then copies those members from the text rather than formatting their
// values again: in that layout the text of each one is exactly what the
// row writes for it (plain ASCII strings, integers without a sign on zero,
// true and false, arrays of such strings, keys without escapes, no spaces).

// Data returns the text l reads, which the offsets that generated fast
// paths record refer to.
func (l *Lexer) Data() []byte { return l.data }

// Spans reports whether generated fast paths record where they read
// objects' members: l reads the record's own text (not JSON embedded in one
// of its strings) and its offsets fit in 32 bits.
func (l *Lexer) Spans() bool { return !l.noSpans }

// AppendRawMembers appends the members that text holds between the
// separators at offsets a ('{' or ',') and b (',' or '}'), after a comma
// when dst ends with another member. It appends nothing when a == b (no
// member between them) or when the offsets are not those of text.
func AppendRawMembers(dst, text []byte, a, b uint32) []byte {
	if a >= b || uint64(b) > uint64(len(text)) {
		return dst
	}
	dst = AppendComma(dst)
	return append(dst, text[a+1:b]...)
}

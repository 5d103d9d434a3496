package stream

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
)

// Word-at-a-time byte search. zeroBytes sets the high bit of every zero byte
// of x; the lowest set bit is always exact (a higher one can be a false
// positive caused by a borrow), which is all the searches below use.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

func zeroBytes(x uint64) uint64 { return (x - lsb) &^ x & msb }

var (
	openAfter = stopSet(":,[")
	structTab = stopSet("\"{}[]")
	strTab    = func() [256]bool {
		t := stopSet("\"\\")
		for c := 0; c < 0x20; c++ {
			t[c] = true
		}
		return t
	}()
)

// nextStrSpecial returns the index of the first '"', '\\' or control byte
// (< 0x20) in b at or after i, or len(b).
func nextStrSpecial(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		m := zeroBytes(x^(lsb*'"')) | zeroBytes(x^(lsb*'\\')) | (x-lsb*0x20)&^x&msb
		if m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(b); i++ {
		if strTab[b[i]] {
			return i
		}
	}
	return len(b)
}

// validAfterString reports whether c may follow a string's closing quote
// inside a record (a '{' or '[' is judged by the rule for open brackets).
func validAfterString(c byte) bool {
	switch c {
	case ':', ',', '}', ']', '{', '[':
		return true
	}
	return false
}

const (
	msgNewline    = "syntax error: newline in string (unterminated string)"
	fmtAfterStr   = "syntax error: unexpected %s after string (unescaped quote?)"
	fmtOpen       = "syntax error: unexpected %s where no value can start (missing closing bracket?)"
	fmtMismatched = "syntax error: mismatched %s"
)

// scanComposite scans an object or array up to buf[lim]. It returns true
// when the span has ended (s.sp.end set), false with s.pos == lim when it
// needs more input.
//
// It has two paths. The fast path (fastWords) takes 16 or 8 bytes at a
// time: it classifies each byte through a table into the bits of a word,
// tracks which bytes are inside strings with a prefix XOR of the quote bits,
// checks that every closing quote is followed by ':', ',' or a bracket, and
// leaves the brackets outside strings to be handled one by one here. A word
// with anything else (a backslash or control byte inside a string,
// whitespace or garbage after a closing quote) and the last bytes before lim
// go through the slow path, which handles one event (quote, escape,
// bracket) at a time, and hands back to the fast path once past that word.
// Both paths implement the same rules, so that the result does not depend
// on where reads or words begin.
func (s *Scanner) scanComposite(lim int) bool {
	b := s.buf[:lim]
	sp := &s.sp
	i := s.pos
	resume := i // the slow path returns to the fast path at or after this
	var (
		c       byte
		carry   uint64 // fast path: lsb if inside a string at the word start
		pending uint64 // fast path: 1 if byte 0 follows a closing quote
	)

	// Slow-path entry, from the state saved in sp.
	if sp.inStr {
		if sp.esc {
			if i >= lim {
				return false
			}
			if b[i] == '\n' {
				return s.newlineInString(i)
			}
			sp.esc = false
			i++
		}
		goto str
	}
	if sp.afterStr {
		for i < lim && isWS(b[i]) {
			i++
		}
		if i >= lim {
			s.pos = lim
			return false
		}
		sp.afterStr = false
		if !validAfterString(b[i]) {
			sp.setErr(ErrSyntax, fmtAfterStr, b[i])
			goto str
		}
	}

obj:
	if i >= resume {
		carry = 0
		goto fast
	}
	for ; i+8 <= lim; i += 8 {
		y := binary.LittleEndian.Uint64(b[i:]) | 0x2020202020202020
		if m := zeroBytes(y^(lsb*'"')) | zeroBytes(y^(lsb*'{')) | zeroBytes(y^(lsb*'}')); m != 0 {
			i += bits.TrailingZeros64(m) >> 3
			goto objFound
		}
	}
	for ; i < lim && !structTab[b[i]]; i++ {
	}
objFound:
	if i >= lim {
		sp.inStr = false
		s.pos = lim
		return false
	}
	c = b[i]
	switch c {
	case '"':
		i++
		goto str
	case '{', '[':
		if c == '{' && s.lineStart(i) {
			return s.cutAt(i)
		}
		if !s.canOpen(i) {
			sp.setErr(ErrSyntax, fmtOpen, c)
			if c == '{' {
				return s.breakAt(i)
			}
		}
		s.push(c == '{')
		i++
		goto obj
	case '}', ']':
		i++
		if s.pop(c == '}') {
			sp.inStr = false
			sp.end = i
			s.pos = i
			return true
		}
		goto obj
	default: // 0x02, a false positive of the search
		i++
		goto obj
	}

str:
	if i >= resume {
		carry = lsb
		goto fast
	}
	for ; i+8 <= lim; i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if m := zeroBytes(x^(lsb*'"')) | zeroBytes(x^(lsb*'\\')) | (x-lsb*0x20)&^x&msb; m != 0 {
			i += bits.TrailingZeros64(m) >> 3
			goto strFound
		}
	}
	for ; i < lim && !strTab[b[i]]; i++ {
	}
strFound:
	if i >= lim {
		sp.inStr = true
		s.pos = lim
		return false
	}
	switch b[i] {
	case '"':
		i++
		if i < lim {
			switch b[i] {
			case ':', ',', '}', ']':
				goto obj
			}
		}
		j := i
		for j < lim && isWS(b[j]) {
			j++
		}
		if j >= lim {
			sp.inStr = false
			sp.afterStr = true
			s.pos = lim
			return false
		}
		if validAfterString(b[j]) {
			i = j
			goto obj
		}
		// The quote was an unescaped one inside the string, which goes on.
		sp.setErr(ErrSyntax, fmtAfterStr, b[j])
		i = j
		goto str
	case '\\':
		if i+1 < lim {
			if b[i+1] == '\n' {
				return s.newlineInString(i + 1)
			}
			i += 2
			goto str
		}
		sp.inStr = true
		sp.esc = true
		s.pos = lim
		return false
	case '\n':
		return s.newlineInString(i)
	default: // other control bytes are the decoder's business
		i++
		goto str
	}

fast:
	pending = 0
	low := s.rs // lowest index canOpen may look at directly
	if sp.skipping {
		low = s.region
	}
	for {
		var br1, br2 uint64
		var n int
		i, carry, pending, br1, br2, n = fastWords(b, i, carry, pending)
		if n == 0 {
			break // fewer than 8 bytes left
		}
		if br1|br2 == 0 {
			// Let the slow path take this word.
			sp.inStr = carry != 0
			sp.afterStr = pending != 0
			resume = i + 8
			goto slow
		}
		// The brackets of the first word, then of the second.
		for k, br := range [2]uint64{br1, br2} {
			for ; br != 0; br &= br - 1 {
				j := i + k<<3 + bits.TrailingZeros64(br)>>3
				switch c = b[j]; c {
				case '{', '[':
					if j <= low || !openAfter[b[j-1]] {
						if c == '{' && s.lineStart(j) {
							return s.cutAt(j)
						}
						if !s.canOpen(j) {
							sp.setErr(ErrSyntax, fmtOpen, c)
							if c == '{' {
								return s.breakAt(j)
							}
						}
					}
					d := sp.depth + 1
					sp.depth = d
					if d > s.stackDepth {
						s.deepPush(c == '{')
					} else if c == '{' {
						s.stack[(d-1)>>6] |= 1 << (uint(d-1) & 63)
					} else {
						s.stack[(d-1)>>6] &^= 1 << (uint(d-1) & 63)
					}
				case '}', ']':
					d := sp.depth
					var done bool
					if d > s.maxDepth || s.stack[(d-1)>>6]>>(uint(d-1)&63)&1 == uint64(c>>5&1) {
						// ('}' has bit 5 set, ']' not)
						sp.depth = d - 1
						done = d == 1
					} else {
						done = s.mismatch(c == '}')
					}
					if done {
						sp.inStr = false
						sp.end = j + 1
						s.pos = j + 1
						return true
					}
				}
			}
		}
		i += n
	}
	// Fewer than 8 bytes left: finish with the slow path.
	sp.inStr = carry != 0
	sp.afterStr = pending != 0
	resume = lim + 1
slow:
	if sp.inStr {
		goto str
	}
	if sp.afterStr {
		sp.afterStr = false
		// i is just past the closing quote.
		for i < lim && isWS(b[i]) {
			i++
		}
		if i >= lim {
			sp.afterStr = true
			s.pos = lim
			return false
		}
		if !validAfterString(b[i]) {
			sp.setErr(ErrSyntax, fmtAfterStr, b[i])
			goto str
		}
	}
	goto obj
}

// fastWords runs the fast path over the words of b from i, as long as they
// hold no bracket outside strings and nothing special. It stops at the
// first word (or pair of words, n == 16) that does, returning its brackets
// outside strings as the low bits of the bytes of br1 (and br2 for the
// second word of a pair) with carry and pending as after it, or, if br1 and
// br2 are 0, at a word (n == 8) with something special (see scanComposite)
// with carry and pending as before it. With n == 0, fewer than 8 bytes are
// left from i.
//
// carry is lsb if the word starts inside a string; pending is 1 if its first
// byte follows a closing quote.
func fastWords(b []byte, i int, carry, pending uint64) (j int, carryOut, pendingOut, br1, br2 uint64, n int) {
	for i >= 0 && i+8 <= len(b) {
		if i+16 <= len(b) {
			// Two words at once: the classes of the second word go in the
			// high nibble of each byte (lane 4), the first's in the low one.
			w := b[i : i+16 : i+16]
			m := uint64(class[w[0]]) | uint64(class[w[8]])<<4 | uint64(class[w[1]])<<8 | uint64(class[w[9]])<<12 |
				uint64(class[w[2]])<<16 | uint64(class[w[10]])<<20 | uint64(class[w[3]])<<24 | uint64(class[w[11]])<<28 |
				uint64(class[w[4]])<<32 | uint64(class[w[12]])<<36 | uint64(class[w[5]])<<40 | uint64(class[w[13]])<<44 |
				uint64(class[w[6]])<<48 | uint64(class[w[14]])<<52 | uint64(class[w[7]])<<56 | uint64(class[w[15]])<<60
			q := m & (lsb * 0x11)
			p := q ^ q<<8
			p ^= p << 16
			p ^= p << 32
			// The second word starts inside a string if the first did and
			// has an even number of quotes, or the other way round.
			p ^= carry | (carry&1^p>>56&1)*(lsb<<4)
			closing := q &^ p
			follow := closing<<8 | pending | closing>>56&1<<4
			if (m>>1&p|follow&^(m>>3))&(lsb*0x11) == 0 {
				pending = closing >> 60
				carry = (p >> 60 & 1) * lsb
				br := m >> 2 &^ p
				if br&(lsb*0x11) != 0 {
					return i, carry, pending, br & lsb, br >> 4 & lsb, 16
				}
				i += 16
				continue
			}
			// Something special in the pair: take its words one by one.
		}
		w := b[i : i+8 : i+8]
		// Each byte's class bits in its byte of m.
		m := uint64(class[w[0]]) | uint64(class[w[1]])<<8 | uint64(class[w[2]])<<16 | uint64(class[w[3]])<<24 |
			uint64(class[w[4]])<<32 | uint64(class[w[5]])<<40 | uint64(class[w[6]])<<48 | uint64(class[w[7]])<<56
		q := m & (lsb * clQuote)
		// p: low bit of each byte set if that byte is inside a string
		// (an opening quote is inside, a closing one outside).
		p := q ^ q<<8
		p ^= p << 16
		p ^= p << 32
		p ^= carry
		closing := q &^ p
		// A backslash or control byte inside a string, or a closing quote
		// followed by anything but ':', ',' or a bracket.
		if (m>>1&p|(closing<<8|pending)&^(m>>3))&lsb != 0 {
			return i, carry, pending, 0, 0, 8
		}
		pending = closing >> 56
		carry = (p >> 56) * lsb
		if br := m >> 2 &^ p & lsb; br != 0 {
			return i, carry, pending, br, 0, 8
		}
		i += 8
	}
	return i, carry, pending, 0, 0, 0
}

// Byte classes for fastWords.
const (
	clQuote   = 1 << iota // '"'
	clSpecial             // '\\' or a control byte
	clBracket             // '{', '[', '}', ']'
	clValid               // may follow a closing quote: ':', ',' or a bracket
)

var class = func() (t [256]uint8) {
	t['"'] = clQuote
	t['\\'] = clSpecial
	for c := 0; c < 0x20; c++ {
		t[c] = clSpecial
	}
	for _, c := range []byte("{[]}") {
		t[c] = clBracket | clValid
	}
	t[':'], t[','] = clValid, clValid
	return t
}()

// canOpen reports whether an open bracket may stand at buf[j], that is
// whether the previous significant byte is ':', ',' or '['.
func (s *Scanner) canOpen(j int) bool {
	if j > s.rs && (!s.sp.skipping || j > s.region) {
		switch s.buf[j-1] {
		case ':', ',', '[':
			return true
		}
	}
	switch s.prevSig(j) {
	case ':', ',', '[':
		return true
	}
	return false
}

// msgCutLine reports a record of a stream whose line ends before the record
// does: the next line starts a new record.
const msgCutLine = "truncated record: the next line starts a new record before this one is closed"

// lineStart reports whether the '{' at buf[j], inside a record of a stream,
// directly follows a newline. In a stream such a '{' starts the next line's
// record, never a value of this one (except in pretty-printed JSON with no
// indentation at all), so that the record was cut at the end of its line.
func (s *Scanner) lineStart(j int) bool {
	if !s.sp.lines {
		return false
	}
	if j > s.rs && (!s.sp.skipping || j > s.region) {
		return s.buf[j-1] == '\n'
	}
	return s.sp.skipping && s.sp.tailRaw == '\n'
}

// cutAt ends the current record, cut at the end of its line, just before
// the '{' at buf[i] that starts the next line's record.
func (s *Scanner) cutAt(i int) bool {
	s.sp.setErrMsg(ErrTruncated, msgCutLine)
	return s.breakAt(i)
}

// breakAt ends the current (broken) span just before the '{' at buf[i],
// which starts the next record.
func (s *Scanner) breakAt(i int) bool {
	sp := &s.sp
	sp.inStr = false
	sp.trim = true
	sp.end = i
	s.pos = i
	return true
}

// newlineInString ends the current span just before the newline at i.
func (s *Scanner) newlineInString(i int) bool {
	sp := &s.sp
	sp.setErrMsg(ErrSyntax, msgNewline)
	sp.inStr, sp.esc = false, false
	sp.trim = true
	sp.end = i
	s.pos = i
	return true
}

// scanString scans a string span (its opening quote already consumed).
func (s *Scanner) scanString(lim int) bool {
	b := s.buf[:lim]
	sp := &s.sp
	i := s.pos
	if sp.esc {
		if i >= lim {
			return false
		}
		if b[i] == '\n' {
			return s.newlineInString(i)
		}
		sp.esc = false
		i++
	}
	for {
		i = nextStrSpecial(b, i)
		if i >= lim {
			s.pos = lim
			return false
		}
		switch b[i] {
		case '"':
			sp.inStr = false
			sp.end = i + 1
			s.pos = i + 1
			return true
		case '\\':
			if i+1 >= lim {
				sp.esc = true
				s.pos = lim
				return false
			}
			if b[i+1] == '\n' {
				return s.newlineInString(i + 1)
			}
			i += 2
		case '\n':
			return s.newlineInString(i)
		default:
			i++
		}
	}
}

// scanStop scans a scalar or garbage span up to its first stop byte.
func (s *Scanner) scanStop(lim int) bool {
	sp := &s.sp
	if sp.stopByte >= 0 {
		if j := bytes.IndexByte(s.buf[s.pos:lim], byte(sp.stopByte)); j >= 0 {
			s.pos += j
			sp.end = s.pos
			return true
		}
		s.pos = lim
		return false
	}
	b := s.buf[:lim]
	for i := s.pos; i < lim; i++ {
		if sp.stop[b[i]] {
			sp.end = i
			s.pos = i
			return true
		}
	}
	s.pos = lim
	return false
}

// prevSig returns the last non-whitespace byte before buf[j] in the current
// span, or 0 if there is none.
func (s *Scanner) prevSig(j int) byte {
	c, _ := s.lastSig(j)
	return c
}

// lastSig returns the last non-whitespace byte before buf[j] in the current
// span and its input offset, or 0 and -1 if there is none.
func (s *Scanner) lastSig(j int) (byte, int64) {
	low := s.rs
	if s.sp.skipping {
		low = s.region
	}
	for j > low {
		j--
		if c := s.buf[j]; !isWS(c) {
			return c, s.base + int64(j)
		}
	}
	if s.sp.skipping {
		return s.sp.tailSig, s.sp.tailOff
	}
	return 0, -1
}

// push opens a bracket (obj: '{', else '[').
func (s *Scanner) push(obj bool) {
	d := s.sp.depth + 1
	s.sp.depth = d
	if d > s.stackDepth {
		s.deepPush(obj)
		return
	}
	w, bit := (d-1)>>6, uint(d-1)&63
	if obj {
		s.stack[w] |= 1 << bit
	} else {
		s.stack[w] &^= 1 << bit
	}
}

// deepPush records the bracket opened at s.sp.depth, beyond s.stackDepth:
// it grows the stack, or past MaxDepth reports the error.
func (s *Scanner) deepPush(obj bool) {
	d := s.sp.depth
	if d > s.maxDepth {
		if s.sp.errKind == nil {
			s.sp.setErrMsg(ErrDepth, fmt.Sprintf("nesting depth exceeds the %d-level limit", s.maxDepth))
		}
		return
	}
	for d > len(s.stack)<<6 {
		s.stack = append(s.stack, 0)
	}
	s.stackDepth = min(len(s.stack)<<6, s.maxDepth)
	s.sp.depth = d - 1
	s.push(obj)
}

// bracket reports whether the bracket open at depth d (1-based, at most
// MaxDepth) is '{'.
func (s *Scanner) bracket(d int) bool {
	return s.stack[(d-1)>>6]>>(uint(d-1)&63)&1 == 1
}

// pop closes a bracket (obj: '}', else ']') and reports whether the span's
// outermost bracket is now closed.
func (s *Scanner) pop(obj bool) bool {
	d := s.sp.depth
	if d > s.maxDepth || s.bracket(d) == obj {
		s.sp.depth = d - 1
		return d == 1
	}
	return s.mismatch(obj)
}

// mismatch handles a closing bracket of the wrong kind: it closes everything
// up to the matching open bracket, or is ignored if there is none.
func (s *Scanner) mismatch(obj bool) bool {
	c := byte(']')
	if obj {
		c = '}'
	}
	s.sp.setErr(ErrSyntax, fmtMismatched, c)
	// Find the deepest open bracket of the kind wanted below the current
	// depth, a word of the stack at a time.
	top := min(s.sp.depth-1, s.maxDepth) // depths 1..top, bits 0..top-1
	for w := (top - 1) >> 6; w >= 0 && top > 0; w-- {
		word := s.stack[w]
		if !obj {
			word = ^word
		}
		if n := top - w<<6; n < 64 {
			word &= 1<<uint(n) - 1 // only depths below the current one
		}
		if word != 0 {
			d := w<<6 + bits.Len64(word) // depth of the highest match
			s.sp.depth = d - 1
			return d == 1
		}
	}
	return false
}

package jlex

import "strconv"

// nullText stands for an embedded JSON string that is empty: absent, as a
// null would be.
var nullText = []byte("null")

// BeginEmbedded starts the value of a field marked isEmbeddedJSON, whose
// producer writes a JSON value as the text of a string, such as
// "{\"k\":1}". When the next value is a string, BeginEmbedded decodes it into
// the arena and returns another lexer reading its text (an empty string
// reads as null); otherwise it returns l, and the value is read in place.
// Generated code reads the field's value from the returned lexer and then
// calls EndEmbedded with it:
//
//	e := l.BeginEmbedded()
//	x.present.Set(4, x.Message.decode(e))
//	l.EndEmbedded(e)
func (l *Lexer) BeginEmbedded() *Lexer {
	if l.err != nil || l.skipWS() != '"' {
		return l
	}
	off := l.pos
	mark := len(l.Arena)
	l.Arena = l.decodeString(l.Arena)
	if l.err != nil {
		return l
	}
	text := l.Arena[mark:len(l.Arena):len(l.Arena)]
	if len(text) == 0 {
		text = nullText
	}
	sub := GetLexer()
	sub.ResetView(text, l.Arena)
	sub.embedOff = off
	sub.noSpans = true // offsets in text, not in the record's text
	return sub
}

// EndEmbedded finishes a value begun with BeginEmbedded: it checks that
// nothing but whitespace follows the embedded value, takes back the arena,
// and reports an error of the embedded text as an error of l at the string,
// naming the offset within the text. e must not be used afterwards.
func (l *Lexer) EndEmbedded(e *Lexer) {
	if e == l {
		return
	}
	e.End()
	l.Arena = e.Arena
	if e.err != nil && l.err == nil {
		path := l.Path()
		switch {
		case e.err.Path == "":
		case e.err.Path[0] == '[' || path == "":
			path += e.err.Path
		default:
			path += "." + e.err.Path
		}
		l.err = &Error{Offset: e.embedOff, Path: path,
			Msg: "embedded JSON at byte " + strconv.Itoa(e.err.Offset) + ": " + e.err.Msg}
	}
	e.embedOff = 0
	PutLexer(e)
}

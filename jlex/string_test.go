package jlex_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/jlex"
)

// validStrings are JSON string tokens with their decoded values, worked out
// by hand; each is also checked against encoding/json.
var validStrings = []struct {
	name string
	tok  string
	want string
}{
	{"empty", `""`, ""},
	{"plain", `"abc"`, "abc"},
	{"spaces", `" a b "`, " a b "},
	{"quote", `"\""`, `"`},
	{"backslash", `"\\"`, `\`},
	{"slash", `"\/"`, "/"},
	{"backspace", `"\b"`, "\b"},
	{"form feed", `"\f"`, "\f"},
	{"newline", `"\n"`, "\n"},
	{"carriage return", `"\r"`, "\r"},
	{"tab", `"\t"`, "\t"},
	{"every escape", `"\"\\\/\b\f\n\r\t"`, "\"\\/\b\f\n\r\t"},
	{"escapes amid text", `"a\nb\tc\\d"`, "a\nb\tc\\d"},
	{"unicode escape ASCII", `"\u0041"`, "A"},
	{"unicode escape NUL", `"\u0000"`, "\x00"},
	{"unicode escape control", `"\u001f"`, "\x1f"},
	{"unicode escape two bytes", `"\u00e9"`, "é"},
	{"unicode escape upper hex", `"\u00E9"`, "é"},
	{"unicode escape three bytes", `"\u20AC"`, "€"},
	{"unicode escape U+FFFF", `"\uffff"`, "\uffff"},
	{"unicode escape U+2028", `"\u2028"`, "\u2028"},
	{"surrogate pair", `"\uD83D\uDE00"`, "😀"},
	{"surrogate pair lower hex", `"\ud83d\ude00"`, "😀"},
	{"surrogate pair max", `"\udbff\udfff"`, "\U0010FFFF"},
	{"surrogate pair min", `"\ud800\udc00"`, "\U00010000"},
	{"lone high surrogate", `"\ud800"`, "\uFFFD"},
	{"lone low surrogate", `"\udc00"`, "\uFFFD"},
	{"high surrogate then text", `"\ud800x"`, "\uFFFDx"},
	{"high surrogate then BMP escape", `"\ud800\u0041"`, "\uFFFDA"},
	{"two high surrogates", `"\ud800\ud800"`, "\uFFFD\uFFFD"},
	{"two high surrogates then low", `"\ud800\ud83d\ude00"`, "\uFFFD😀"},
	{"reversed pair", `"\ude00\ud83d"`, "\uFFFD\uFFFD"},
	{"high surrogate then other escape", `"\ud800\n"`, "\uFFFD\n"},
	{"raw UTF-8", `"é€😀"`, "é€😀"},
	{"raw U+2028", "\"\u2028\"", "\u2028"},
	{"DEL", "\"\x7f\"", "\x7f"},
	{"invalid byte", "\"\xff\"", "\uFFFD"},
	{"invalid bytes", "\"a\xff\xfeb\"", "a\uFFFD\uFFFDb"},
	{"lone continuation", "\"\x80\"", "\uFFFD"},
	{"truncated two-byte", "\"a\xc3\"", "a\uFFFD"},
	{"truncated three-byte", "\"\xe2\x82\"", "\uFFFD\uFFFD"},
	{"truncated four-byte", "\"\xf0\x9f\x98\"", "\uFFFD\uFFFD\uFFFD"},
	{"overlong", "\"\xc0\xaf\"", "\uFFFD\uFFFD"},
	{"encoded surrogate", "\"\xed\xa0\x80\"", "\uFFFD\uFFFD\uFFFD"},
	{"above U+10FFFF", "\"\xf4\x90\x80\x80\"", "\uFFFD\uFFFD\uFFFD\uFFFD"},
	{"invalid then escape", "\"\xff\\n\"", "\uFFFD\n"},
	{"long plain", `"` + strings.Repeat("abcdefgh", 9) + `"`, strings.Repeat("abcdefgh", 9)},
}

// invalidStrings are string tokens the lexer must reject, with the offset
// of the error and its message.
var invalidStrings = []struct {
	name string
	tok  string
	off  int
	msg  string
}{
	{"unterminated", `"abc`, 0, "unterminated string"},
	{"unterminated empty", `"`, 0, "unterminated string"},
	{"unterminated after escape", `"ab\n`, 0, "unterminated string"},
	{"unterminated long", `"` + strings.Repeat("a", 20), 0, "unterminated string"},
	{"raw newline", "\"a\nb\"", 2, "invalid control character in string"},
	{"raw tab", "\"\t\"", 1, "invalid control character in string"},
	{"raw NUL", "\"ab\x00\"", 3, "invalid control character in string"},
	{"raw 0x1f", "\"\x1f\"", 1, "invalid control character in string"},
	{"bad escape", `"\x"`, 1, "invalid escape sequence in string"},
	{"escaped single quote", `"\'"`, 1, "invalid escape sequence in string"},
	{"escaped space", `"a\ b"`, 2, "invalid escape sequence in string"},
	{"bad hex", `"\u12G4"`, 1, `invalid \u escape in string`},
	{"short hex", `"\u12"`, 1, `invalid \u escape in string`},
	{"hex at end", `"\u`, 1, `invalid \u escape in string`},
	{"upper U", `"\U0041"`, 1, "invalid escape sequence in string"},
	{"surrogate then bad hex", `"\ud800\u12"`, 7, `invalid \u escape in string`},
}

func decodeString(doc string) (*jlex.Lexer, string, bool) {
	l := newLexer(doc)
	var s string
	ok := l.String(&s)
	l.End()
	return l, s, ok
}

func TestString(t *testing.T) {
	for _, tt := range validStrings {
		t.Run(tt.name, func(t *testing.T) {
			var ref string
			require.NoError(t, json.Unmarshal([]byte(tt.tok), &ref), "encoding/json")
			require.Equal(t, tt.want, ref, "hand-worked value disagrees with encoding/json")

			l, s, ok := decodeString(tt.tok)
			require.NoError(t, l.Err())
			assert.True(t, ok, "present")
			assert.Equal(t, tt.want, s)
			assert.True(t, utf8.ValidString(s), "valid UTF-8")
			assert.Equal(t, len(tt.tok), l.Pos())
		})
	}
}

func TestStringInvalid(t *testing.T) {
	for _, tt := range invalidStrings {
		t.Run(tt.name, func(t *testing.T) {
			var ref string
			require.Error(t, json.Unmarshal([]byte(tt.tok), &ref), "encoding/json accepts it")
			l, _, ok := decodeString(tt.tok)
			assert.False(t, ok)
			checkErr(t, l, &wantErr{tt.off, "", tt.msg})
		})
	}
}

func TestStringOther(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		present bool
		err     *wantErr
	}{
		{name: "null is absent", doc: ` null `},
		{name: "number", doc: `1`, err: &wantErr{0, "", "expected string, found number"}},
		{name: "object", doc: ` {}`, err: &wantErr{1, "", "expected string, found object"}},
		{name: "boolean", doc: `true`, err: &wantErr{0, "", "expected string, found boolean"}},
		{name: "single quotes", doc: `'a'`, err: &wantErr{0, "", `expected string, found invalid character '\''`}},
		{name: "end of input", doc: ``, err: &wantErr{0, "", "unexpected end of input, expected string"}},
		{name: "bad null", doc: `nulL`, err: &wantErr{0, "", "invalid literal, expected null"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, s, ok := decodeString(tt.doc)
			checkErr(t, l, tt.err)
			assert.Equal(t, tt.present, ok)
			assert.Equal(t, "", s)
		})
	}
}

// TestStringElsewhere decodes every string token as an object key, as an
// array element and as a skipped value, which use separate code paths.
func TestStringElsewhere(t *testing.T) {
	for _, tt := range validStrings {
		t.Run(tt.name, func(t *testing.T) {
			// Key.
			l := newLexer(`{` + tt.tok + `:1}`)
			require.True(t, l.BeginObject())
			key, ok := l.Key()
			require.NoError(t, l.Err())
			require.True(t, ok)
			assert.Equal(t, tt.want, string(key), "key")
			l.Skip()
			_, ok = l.Key()
			assert.False(t, ok)
			l.EndObject()
			l.End()
			assert.NoError(t, l.Err())

			// Skip and Raw.
			l = newLexer(tt.tok)
			var raw json.RawMessage
			assert.True(t, l.Raw(&raw))
			l.End()
			assert.NoError(t, l.Err())
			assert.Equal(t, tt.tok, string(raw), "raw keeps the bytes")

			// Strings.
			l = newLexer(`[` + tt.tok + `,` + tt.tok + `]`)
			var ss []string
			assert.True(t, l.Strings(&ss))
			l.End()
			assert.NoError(t, l.Err())
			assert.Equal(t, []string{tt.want, tt.want}, ss)
		})
	}
	for _, tt := range invalidStrings {
		t.Run(tt.name, func(t *testing.T) {
			l := newLexer(`{` + tt.tok + `:1}`)
			require.True(t, l.BeginObject())
			_, ok := l.Key()
			assert.False(t, ok)
			e := lexErr(t, l)
			assert.Equal(t, tt.msg, e.Msg, "key")
			assert.Equal(t, tt.off+1, e.Offset, "key")

			l = newLexer(tt.tok)
			l.Skip()
			e = lexErr(t, l)
			assert.Equal(t, tt.msg, e.Msg, "skip")
		})
	}
}

// TestStringSWARBoundaries places each kind of special byte at every offset
// 0–16 of a string, itself at every alignment 0–8 in the input, so that the
// eight-byte scan meets it at every lane and at both the word loop and the
// tail loop.
func TestStringSWARBoundaries(t *testing.T) {
	specials := []struct {
		name  string
		bytes string // inserted into the string's text
		valid bool
	}{
		{"end quote", "", true}, // the string simply ends at p
		{"escaped quote", `\"`, true},
		{"escaped backslash", `\\`, true},
		{"newline escape", `\n`, true},
		{"unicode escape", `\u00e9`, true},
		{"surrogate pair", `\ud83d\ude00`, true},
		{"two-byte UTF-8", "é", true},
		{"four-byte UTF-8", "😀", true},
		{"invalid byte 0x80", "\x80", true},
		{"invalid byte 0xff", "\xff", true},
		{"DEL", "\x7f", true},
		{"space", " ", true},
		{"bracket", "]", true},
		{"byte 0x21", "!", true},
		{"byte 0x23", "#", true},
		{"byte 0x5b", "[", true},
		{"byte 0x5d", "]", true},
		{"control 0x01", "\x01", false},
		{"control 0x1f", "\x1f", false},
		{"NUL", "\x00", false},
	}
	for _, sp := range specials {
		t.Run(sp.name, func(t *testing.T) {
			for align := 0; align <= 8; align++ {
				for p := 0; p <= 16; p++ {
					text := strings.Repeat("a", p) + sp.bytes + strings.Repeat("b", 16-p)
					if sp.name == "end quote" {
						text = strings.Repeat("a", p)
					}
					tok := `"` + text + `"`
					doc := `[` + strings.Repeat(" ", align) + tok + `,"` + strings.Repeat("c", p) + `"]`
					var ref []string
					refErr := json.Unmarshal([]byte(doc), &ref)

					l := newLexer(doc)
					var got []string
					l.Strings(&got)
					l.End()

					sl := newLexer(doc)
					sl.Skip()
					sl.End()

					if !sp.valid {
						require.Error(t, refErr, "encoding/json accepts %q", doc)
						e := lexErr(t, l)
						assert.Equal(t, "invalid control character in string", e.Msg)
						assert.Equalf(t, 1+align+1+p, e.Offset, "align %d p %d", align, p)
						assert.Equal(t, "[0]", e.Path)
						se := lexErr(t, sl)
						assert.Equalf(t, 1+align+1+p, se.Offset, "skip: align %d p %d", align, p)
						continue
					}
					require.NoError(t, refErr)
					require.NoErrorf(t, l.Err(), "align %d p %d", align, p)
					require.NoErrorf(t, sl.Err(), "skip: align %d p %d", align, p)
					assert.Equalf(t, ref, got, "align %d p %d", align, p)
				}
			}
		})
	}
}

// TestStringLengths decodes plain and escaped strings of every length up to
// three words, with a special byte at the end, so the scan's word and tail
// loops both find the closing quote at every position.
func TestStringLengths(t *testing.T) {
	for n := 0; n <= 26; n++ {
		for _, tail := range []string{"", `\t`, "é", "\xff"} {
			text := strings.Repeat("x", n) + tail
			tok := `"` + text + `"`
			var ref string
			require.NoError(t, json.Unmarshal([]byte(tok), &ref))
			l, s, ok := decodeString(tok)
			require.NoErrorf(t, l.Err(), "%q", tok)
			assert.Truef(t, ok, "%q", tok)
			assert.Equalf(t, ref, s, "%q", tok)

			// Unterminated at every length.
			l, _, ok = decodeString(`"` + text)
			assert.False(t, ok)
			e := lexErr(t, l)
			assert.Equalf(t, "unterminated string", e.Msg, "%q", text)
		}
	}
}

// inside reports whether s's bytes lie within buf's backing array.
func inside(s string, buf []byte) bool {
	if len(s) == 0 || cap(buf) == 0 {
		return false
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(buf[:1])))
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return p >= base && p+uintptr(len(s)) <= base+uintptr(cap(buf))
}

func TestStringArena(t *testing.T) {
	t.Run("Reset: strings point into the arena, not the input", func(t *testing.T) {
		arena := make([]byte, 0, 256)
		var l jlex.Lexer
		const text = `["plain","esc\u00e9aped","","bad\xff"]`
		doc := []byte(strings.Replace(text, `\xff`, "\xff", 1))
		l.Reset(doc, arena)
		// The caller may reuse the input at once.
		copy(doc, strings.Repeat("#", len(doc)))
		var ss []string
		require.True(t, l.Strings(&ss))
		l.End()
		require.NoError(t, l.Err())
		require.Equal(t, []string{"plain", "escéaped", "", "bad\uFFFD"}, ss)
		for _, s := range []string{ss[0], ss[1], ss[3]} {
			assert.Truef(t, inside(s, arena), "%q is not in the arena", s)
		}
		// Documented layout: a copy of the input, then decoded text.
		assert.Equal(t, strings.Replace(text, `\xff`, "\xff", 1)+"escéapedbad\uFFFD", string(l.Arena))
	})
	t.Run("Reset reuses capacity", func(t *testing.T) {
		arena := make([]byte, 0, 64)
		var l jlex.Lexer
		l.Reset([]byte(`"fir\u0073t"`), arena)
		var s1 string
		require.True(t, l.String(&s1))
		require.Equal(t, "first", s1)
		l.Reset([]byte(`"other"`), l.Arena)
		assert.Equal(t, `"other"`, string(l.Arena), "Reset replaces the arena's content")
		assert.Equal(t, 64, cap(l.Arena), "Reset keeps the capacity")
		assert.Equal(t, unsafe.SliceData(arena), unsafe.SliceData(l.Arena), "same memory reused")
		var s2 string
		require.True(t, l.String(&s2))
		assert.Equal(t, "other", s2)
		assert.True(t, inside(s2, arena))
	})
	t.Run("Reset grows a small arena", func(t *testing.T) {
		var l jlex.Lexer
		l.Reset([]byte(`"a\nb"`), make([]byte, 0, 2))
		var s string
		require.True(t, l.String(&s))
		assert.Equal(t, "a\nb", s)
		assert.True(t, inside(s, l.Arena))
	})
	t.Run("growth keeps earlier strings", func(t *testing.T) {
		var l jlex.Lexer
		var doc strings.Builder
		doc.WriteString("[")
		var want []string
		for i := range 200 {
			if i > 0 {
				doc.WriteString(",")
			}
			s := strings.Repeat(string(rune('a'+i%26)), i%40)
			want = append(want, s+"\n")
			doc.WriteString(`"` + s + `\n"`)
		}
		doc.WriteString("]")
		l.Reset([]byte(doc.String()), make([]byte, 0, 8))
		var got []string
		require.True(t, l.Strings(&got))
		assert.Equal(t, want, got)
	})
	t.Run("ResetView: plain strings alias the input", func(t *testing.T) {
		doc := []byte(`["plain","esc\u00e9aped"]`)
		arena := append(make([]byte, 0, 64), "kept"...)
		var l jlex.Lexer
		l.ResetView(doc, arena)
		var ss []string
		require.True(t, l.Strings(&ss))
		require.Equal(t, []string{"plain", "escéaped"}, ss)
		assert.True(t, inside(ss[0], doc), "plain string aliases the input")
		assert.True(t, inside(ss[1], arena), "decoded string is in the arena")
		assert.Equal(t, "keptescéaped", string(l.Arena), "decoded text is appended after the arena's length")
	})
	t.Run("plain keys alias the read data", func(t *testing.T) {
		doc := []byte(`{"plain":1,"esc\u0061ped":2}`)
		var l jlex.Lexer
		l.ResetView(doc, make([]byte, 0, 64))
		require.True(t, l.BeginObject())
		key, ok := l.Key()
		require.True(t, ok)
		assert.Equal(t, "plain", string(key))
		assert.Equal(t, unsafe.SliceData(doc[2:]), unsafe.SliceData(key), "plain key aliases the input")
		assert.Empty(t, l.Arena)
		l.Skip()
		key, ok = l.Key()
		require.True(t, ok)
		assert.Equal(t, "escaped", string(key))
		assert.Equal(t, "escaped", string(l.Arena), "escaped keys stay in the arena")
	})
	t.Run("numbers, times and names do not keep arena text", func(t *testing.T) {
		var l jlex.Lexer
		doc := []byte(`["\u0031\u0032", "2026-06-03T15:34:47\u005a", "\u0074cp", "1\u0037"]`)
		l.ResetView(doc, make([]byte, 0, 64))
		require.True(t, l.BeginArray())
		require.True(t, l.More())
		var n int64
		require.True(t, l.Int64(&n))
		assert.Equal(t, int64(12), n)
		require.True(t, l.More())
		var tm time.Time
		require.True(t, l.Time(&tm, jlex.TimeFormats(jlex.RFC3339)))
		assert.Equal(t, time.Date(2026, 6, 3, 15, 34, 47, 0, time.UTC), tm)
		require.True(t, l.More())
		var p int16
		require.True(t, l.Int16Named(&p, jlex.IPProtocol))
		assert.Equal(t, int16(6), p)
		require.True(t, l.More())
		require.True(t, l.Int16Named(&p, jlex.IPProtocol))
		assert.Equal(t, int16(17), p)
		assert.False(t, l.More())
		l.EndArray()
		l.End()
		require.NoError(t, l.Err())
		assert.Empty(t, l.Arena)
	})
}

package jlex_test

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/jlex"
)

// intCase is a number or numeric string for an integer decoder, with the
// value and presence worked out by hand, or the error.
type intCase struct {
	name    string
	doc     string
	want    int64
	present bool
	err     *wantErr
}

// sharedIntCases apply to every integer width.
func sharedIntCases(kind string) []intCase {
	return []intCase{
		{name: "zero", doc: `0`, want: 0, present: true},
		{name: "negative zero", doc: `-0`, want: 0, present: true},
		{name: "one", doc: `1`, want: 1, present: true},
		{name: "minus one", doc: `-1`, want: -1, present: true},
		{name: "several digits", doc: `12345`, want: 12345, present: true},
		{name: "spaces", doc: " \t 42 \n", want: 42, present: true},
		{name: "numeric string", doc: `"123"`, want: 123, present: true},
		{name: "negative numeric string", doc: `"-5"`, want: -5, present: true},
		{name: "escaped numeric string", doc: `"\u0031\u0032"`, want: 12, present: true},
		{name: "null is absent", doc: `null`},
		{name: "empty string is absent", doc: `""`},
		{name: "fraction", doc: `1.5`, err: &wantErr{0, "", "number 1.5 is not an integer"}},
		{name: "zero fraction", doc: `1.0`, err: &wantErr{0, "", "number 1.0 is not an integer"}},
		{name: "exponent", doc: `1e3`, err: &wantErr{0, "", "number 1e3 is not an integer"}},
		{name: "upper exponent", doc: `1E+2`, err: &wantErr{0, "", "number 1E+2 is not an integer"}},
		{name: "fraction string", doc: ` "1.5"`, err: &wantErr{1, "", "number 1.5 is not an integer"}},
		{name: "leading zero", doc: `01`, err: &wantErr{0, "", "invalid number"}},
		{name: "negative leading zero", doc: `-01`, err: &wantErr{0, "", "invalid number"}},
		{name: "double zero", doc: `00`, err: &wantErr{0, "", "invalid number"}},
		{name: "minus alone", doc: `-`, err: &wantErr{0, "", "invalid number"}},
		{name: "double minus", doc: `--1`, err: &wantErr{0, "", "invalid number"}},
		{name: "trailing dot", doc: `1.`, err: &wantErr{0, "", "invalid number"}},
		{name: "leading dot", doc: `.5`, err: &wantErr{0, "", "expected " + kind + ", found invalid character '.'"}},
		{name: "bare exponent", doc: `1e`, err: &wantErr{0, "", "invalid number"}},
		{name: "exponent sign only", doc: `1e+`, err: &wantErr{0, "", "invalid number"}},
		{name: "letter after", doc: `1x`, err: &wantErr{0, "", "invalid number"}},
		{name: "two dots", doc: `1.2.3`, err: &wantErr{0, "", "invalid number"}},
		{name: "plus", doc: `+1`, err: &wantErr{0, "", "expected " + kind + ", found invalid character '+'"}},
		{name: "hex", doc: `0x10`, err: &wantErr{0, "", "invalid number"}},
		{name: "leading zero string", doc: `"01"`, err: &wantErr{0, "", `invalid number "01" for ` + kind}},
		{name: "letter string", doc: `"1x"`, err: &wantErr{0, "", `invalid number "1x" for ` + kind}},
		{name: "space in string", doc: `" 1"`, err: &wantErr{0, "", `invalid number " 1" for ` + kind}},
		{name: "trailing space in string", doc: `"1 "`, err: &wantErr{0, "", `invalid number "1 " for ` + kind}},
		{name: "minus string", doc: `"-"`, err: &wantErr{0, "", `invalid number "-" for ` + kind}},
		{name: "word string", doc: `"abc"`, err: &wantErr{0, "", `invalid number "abc" for ` + kind}},
		{name: "boolean", doc: `true`, err: &wantErr{0, "", "expected " + kind + ", found boolean"}},
		{name: "object", doc: `{}`, err: &wantErr{0, "", "expected " + kind + ", found object"}},
		{name: "array", doc: `[1]`, err: &wantErr{0, "", "expected " + kind + ", found array"}},
		{name: "end of input", doc: `  `, err: &wantErr{2, "", "unexpected end of input, expected " + kind}},
		{name: "bad null", doc: `nan`, err: &wantErr{0, "", "invalid literal, expected null"}},
		{name: "unterminated string", doc: `"12`, err: &wantErr{0, "", "unterminated string"}},
	}
}

func outOfRange(tok, kind string) *wantErr {
	return &wantErr{0, "", "number " + tok + " out of range for " + kind}
}

// checkInt runs an integer case, also checking valid ones against strconv.
func checkInt(t *testing.T, tt intCase, bits int, decode func(*jlex.Lexer) (int64, bool)) {
	t.Helper()
	if tt.present {
		tok := strings.Trim(strings.TrimSpace(tt.doc), `"`)
		if !strings.Contains(tok, `\`) {
			ref, err := strconv.ParseInt(tok, 10, bits)
			require.NoError(t, err, "strconv")
			require.Equal(t, ref, tt.want, "strconv")
		}
	}
	// Each case runs bare, as an array element and as an object member
	// followed by a delimiter, which takes the lexer's fast paths.
	contexts := []struct {
		name, prefix, suffix, path string
	}{
		{"bare", "", "", ""},
		{"element", "[", "]", "[0]"},
		{"first of elements", "[", ",0]", "[0]"},
		{"spaced element", "[", " , 0 ]", "[0]"},
		{"member", `{"k":`, "}", "k"},
		{"member followed by another", `{"k":`, `,"z":1}`, "k"},
	}
	for _, c := range contexts {
		if c.prefix != "" && strings.TrimSpace(tt.doc) == "" {
			continue // no value at all: a different error
		}
		if strings.Count(tt.doc, `"`) == 1 && strings.Contains(c.suffix, `"`) {
			continue // the suffix would close the unterminated string
		}
		t.Run(c.name, func(t *testing.T) {
			l := newLexer(c.prefix + tt.doc + c.suffix)
			var got int64
			var present bool
			switch c.prefix {
			case "":
				got, present = decode(l)
			case "[":
				require.True(t, l.BeginArray())
				require.True(t, l.More())
				got, present = decode(l)
				for l.More() {
					l.Skip()
				}
				l.EndArray()
			default:
				require.True(t, l.BeginObject())
				_, ok := l.Key()
				require.True(t, ok)
				got, present = decode(l)
				for {
					if _, ok := l.Key(); !ok {
						break
					}
					l.Skip()
				}
				l.EndObject()
			}
			l.End()
			var want *wantErr
			if tt.err != nil {
				want = &wantErr{tt.err.off + len(c.prefix), c.path, tt.err.msg}
			}
			checkErr(t, l, want)
			assert.Equal(t, tt.want, got, "value")
			assert.Equal(t, tt.present, present, "present")
		})
	}
}

func TestInt64(t *testing.T) {
	tests := append(sharedIntCases("int64"),
		intCase{name: "max", doc: `9223372036854775807`, want: math.MaxInt64, present: true},
		intCase{name: "min", doc: `-9223372036854775808`, want: math.MinInt64, present: true},
		intCase{name: "max string", doc: `"9223372036854775807"`, want: math.MaxInt64, present: true},
		intCase{name: "min string", doc: `"-9223372036854775808"`, want: math.MinInt64, present: true},
		intCase{name: "18 digits", doc: `999999999999999999`, want: 999999999999999999, present: true},
		intCase{name: "negative 18 digits", doc: `-999999999999999999`, want: -999999999999999999, present: true},
		intCase{name: "19 digits", doc: `1000000000000000000`, want: 1000000000000000000, present: true},
		intCase{name: "max plus one", doc: `9223372036854775808`, err: outOfRange("9223372036854775808", "int64")},
		intCase{name: "min minus one", doc: `-9223372036854775809`, err: outOfRange("-9223372036854775809", "int64")},
		intCase{name: "20 digits", doc: `10000000000000000000`, err: outOfRange("10000000000000000000", "int64")},
		intCase{name: "huge", doc: `123456789012345678901234567890`, err: outOfRange("123456789012345678901234567890", "int64")},
		intCase{name: "max plus one string", doc: `"9223372036854775808"`, err: outOfRange("9223372036854775808", "int64")},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkInt(t, tt, 64, func(l *jlex.Lexer) (int64, bool) {
				v := int64(99) // must be overwritten
				ok := l.Int64(&v)
				return v, ok
			})
		})
	}
}

func TestInt32(t *testing.T) {
	tests := append(sharedIntCases("int32"),
		intCase{name: "max", doc: `2147483647`, want: math.MaxInt32, present: true},
		intCase{name: "min", doc: `-2147483648`, want: math.MinInt32, present: true},
		intCase{name: "max string", doc: `"2147483647"`, want: math.MaxInt32, present: true},
		intCase{name: "max plus one", doc: `2147483648`, err: outOfRange("2147483648", "int32")},
		intCase{name: "min minus one", doc: `-2147483649`, err: outOfRange("-2147483649", "int32")},
		intCase{name: "int64 max", doc: `9223372036854775807`, err: outOfRange("9223372036854775807", "int32")},
		intCase{name: "beyond int64", doc: `9223372036854775808`, err: outOfRange("9223372036854775808", "int32")},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkInt(t, tt, 32, func(l *jlex.Lexer) (int64, bool) {
				v := int32(99)
				ok := l.Int32(&v)
				return int64(v), ok
			})
		})
	}
}

func TestInt16(t *testing.T) {
	tests := append(sharedIntCases("int16"),
		intCase{name: "max", doc: `32767`, want: math.MaxInt16, present: true},
		intCase{name: "min", doc: `-32768`, want: math.MinInt16, present: true},
		intCase{name: "min string", doc: `"-32768"`, want: math.MinInt16, present: true},
		intCase{name: "max plus one", doc: `32768`, err: outOfRange("32768", "int16")},
		intCase{name: "min minus one", doc: `-32769`, err: outOfRange("-32769", "int16")},
		intCase{name: "wraps to zero as int16", doc: `65536`, err: outOfRange("65536", "int16")},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkInt(t, tt, 16, func(l *jlex.Lexer) (int64, bool) {
				v := int16(99)
				ok := l.Int16(&v)
				return int64(v), ok
			})
		})
	}
}

func TestIntInObject(t *testing.T) {
	// The error offset is that of the value, not of the key.
	doc := `{"n": 1.5}`
	l := newLexer(doc)
	decodeFlat(l)
	checkErr(t, l, &wantErr{6, "n", "number 1.5 is not an integer"})
	assert.Equal(t, "n: number 1.5 is not an integer at offset 6", l.Err().Error())
}

func TestFloat64(t *testing.T) {
	valid := []struct {
		name string
		doc  string
	}{
		{"zero", `0`},
		{"negative zero", `-0`},
		{"negative zero fraction", `-0.0`},
		{"integer", `42`},
		{"fraction", `1.5`},
		{"tenth", `0.1`},
		{"negative exponent", `-1.5e-3`},
		{"upper exponent", `1E10`},
		{"plus exponent", `1e+2`},
		{"zero exponent", `7e0`},
		{"long integer", `123456789012345678901234567890`},
		{"2^53+1", `9007199254740993`},
		{"max", `1.7976931348623157e308`},
		{"smallest normal", `2.2250738585072014e-308`},
		{"smallest denormal", `5e-324`},
		{"below denormal rounds to zero", `1e-400`},
		{"many fraction digits", `0.30000000000000004441`},
		{"numeric string", `"2.5"`},
		{"exponent string", `"1e3"`},
		{"negative string", `"-0.25"`},
		{"escaped string", `"\u0031.5"`},
	}
	for _, tt := range valid {
		t.Run(tt.name, func(t *testing.T) {
			tok := strings.Trim(tt.doc, `"`)
			if tt.name == "escaped string" {
				tok = "1.5"
			}
			ref, err := strconv.ParseFloat(tok, 64)
			require.NoError(t, err, "strconv")

			l := newLexer(tt.doc)
			got := 99.0
			assert.True(t, l.Float64(&got))
			l.End()
			require.NoError(t, l.Err())
			assert.Equal(t, math.Float64bits(ref), math.Float64bits(got), "got %v want %v", got, ref)

			if tt.doc[0] != '"' {
				var viaJSON float64
				require.NoError(t, json.Unmarshal([]byte(tt.doc), &viaJSON))
				assert.Equal(t, math.Float64bits(viaJSON), math.Float64bits(got), "encoding/json")
			}
		})
	}
	invalid := []struct {
		name    string
		doc     string
		present bool
		err     *wantErr
	}{
		{name: "null", doc: `null`},
		{name: "empty string", doc: `""`},
		{name: "overflow", doc: `1e400`, err: &wantErr{0, "", "number 1e400 out of range for float64"}},
		{name: "negative overflow", doc: `-1e309`, err: &wantErr{0, "", "number -1e309 out of range for float64"}},
		{name: "overflow string", doc: `"1e400"`, err: &wantErr{0, "", "number 1e400 out of range for float64"}},
		{name: "trailing dot", doc: `1.`, err: &wantErr{0, "", "invalid number"}},
		{name: "leading dot", doc: `.5`, err: &wantErr{0, "", "expected float64, found invalid character '.'"}},
		{name: "bare exponent", doc: `1e`, err: &wantErr{0, "", "invalid number"}},
		{name: "leading zero", doc: `01`, err: &wantErr{0, "", "invalid number"}},
		{name: "minus alone", doc: `-`, err: &wantErr{0, "", "invalid number"}},
		{name: "letter after", doc: `1x`, err: &wantErr{0, "", "invalid number"}},
		{name: "NaN", doc: `NaN`, err: &wantErr{0, "", "expected float64, found invalid character 'N'"}},
		{name: "NaN string", doc: `"NaN"`, err: &wantErr{0, "", `invalid number "NaN" for float64`}},
		{name: "Infinity string", doc: `"Infinity"`, err: &wantErr{0, "", `invalid number "Infinity" for float64`}},
		{name: "hex float string", doc: `"0x1p-2"`, err: &wantErr{0, "", `invalid number "0x1p-2" for float64`}},
		{name: "underscore string", doc: `"1_000"`, err: &wantErr{0, "", `invalid number "1_000" for float64`}},
		{name: "boolean", doc: `false`, err: &wantErr{0, "", "expected float64, found boolean"}},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			l := newLexer(tt.doc)
			got := 99.0
			assert.Equal(t, tt.present, l.Float64(&got))
			l.End()
			checkErr(t, l, tt.err)
			assert.Equal(t, 0.0, got, "absent or invalid leaves 0")
		})
	}
}

func TestBool(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    bool
		present bool
		err     *wantErr
	}{
		{name: "true", doc: `true`, want: true, present: true},
		{name: "false", doc: `false`, want: false, present: true},
		{name: "spaces", doc: " \ttrue\n", want: true, present: true},
		{name: "null is absent", doc: `null`},
		{name: "truncated true", doc: `tru`, err: &wantErr{0, "", "invalid literal, expected true"}},
		{name: "truncated false", doc: `fals`, err: &wantErr{0, "", "invalid literal, expected false"}},
		{name: "capital", doc: `True`, err: &wantErr{0, "", "expected boolean, found invalid character 'T'"}},
		{name: "string", doc: `"true"`, err: &wantErr{0, "", "expected boolean, found string"}},
		{name: "number", doc: `1`, err: &wantErr{0, "", "expected boolean, found number"}},
		{name: "trailing letters", doc: `truex`, err: &wantErr{4, "", "unexpected invalid character 'x' after top-level value"}},
		{name: "end of input", doc: ``, err: &wantErr{0, "", "unexpected end of input, expected boolean"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLexer(tt.doc)
			got := !tt.want // must be overwritten
			present := l.Bool(&got)
			l.End()
			checkErr(t, l, tt.err)
			if tt.err == nil {
				assert.Equal(t, tt.want, got)
				assert.Equal(t, tt.present, present)
			}
		})
	}
}

// skipValid are JSON texts of every kind; each is also checked with
// json.Valid.
var skipValid = []struct{ name, doc string }{
	{"string", `"abc"`},
	{"escaped string", `"a\"b\\c\u00e9\ud83d\ude00"`},
	{"empty string", `""`},
	{"zero", `0`},
	{"negative", `-12`},
	{"float", `-1.5e+10`},
	{"true", `true`},
	{"false", `false`},
	{"null", `null`},
	{"empty object", `{}`},
	{"empty array", `[]`},
	{"object", `{"a":1,"b":[true,false,null],"c":{"d":"e"}}`},
	{"array", `[1,"two",{"three":3},[4],null,true,false,-0.5]`},
	{"spaced", " {\n\t\"a\" : [ 1 , { } , [ ] ] ,\r\n \"b\" : null } "},
	{"nested 100", strings.Repeat(`[{"a":`, 50) + `"x"` + strings.Repeat(`}]`, 50)},
	{"non-ASCII", `{"é":"😀"}`},
}

var skipInvalid = []struct {
	name string
	doc  string
	err  wantErr
}{
	{"empty", ``, wantErr{0, "", "unexpected end of input, expected value"}},
	{"truncated true", `tru`, wantErr{0, "", "invalid literal, expected true"}},
	{"truncated null", `[nul]`, wantErr{1, "", "invalid literal, expected null"}},
	{"minus", `-`, wantErr{0, "", "invalid number"}},
	{"plus", `+1`, wantErr{0, "", "expected value, found invalid character '+'"}},
	{"leading zero", `[01]`, wantErr{1, "", "invalid number"}},
	{"single quote", `'a'`, wantErr{0, "", `expected value, found invalid character '\''`}},
	{"key without value", `{"a"}`, wantErr{4, "", "expected ':' after object key, found invalid character '}'"}},
	{"number key", `{1:2}`, wantErr{1, "", "expected string key, found number"}},
	{"trailing comma in object", `{"a":1,}`, wantErr{7, "", "expected string key, found invalid character '}'"}},
	{"trailing comma in array", `[1,]`, wantErr{3, "", "expected value, found invalid character ']'"}},
	{"missing comma in array", `[1 2]`, wantErr{3, "", "expected ',' or ']' in array, found number"}},
	{"missing comma in object", `{"a":1 "b":2}`, wantErr{7, "", "expected ',' or '}' in object, found string"}},
	{"unclosed array", `[1`, wantErr{2, "", "unexpected end of input, expected ',' or ']' in array"}},
	{"unclosed object", `{"a":1`, wantErr{6, "", "unexpected end of input, expected ',' or '}' in object"}},
	{"mismatched", `[}`, wantErr{1, "", "expected value, found invalid character '}'"}},
	{"unterminated string", `["abc`, wantErr{1, "", "unterminated string"}},
	{"control in string", "[\"a\tb\"]", wantErr{3, "", "invalid control character in string"}},
	{"bad escape", `"\q"`, wantErr{1, "", "invalid escape sequence in string"}},
	{"bad unicode escape", `"\u00g0"`, wantErr{1, "", `invalid \u escape in string`}},
	{"deep invalid", strings.Repeat("[", 40) + "x" + strings.Repeat("]", 40), wantErr{40, "", "expected value, found invalid character 'x'"}},
}

func TestSkip(t *testing.T) {
	for _, tt := range skipValid {
		t.Run(tt.name, func(t *testing.T) {
			require.True(t, json.Valid([]byte(tt.doc)), "json.Valid")
			l := newLexer(tt.doc)
			l.Skip()
			l.End()
			require.NoError(t, l.Err())
			assert.Equal(t, len(tt.doc), l.Pos())

			// Skipped as an unknown member between known ones.
			l = newLexer(`{"x":1,"skip":` + tt.doc + `,"y":2}`)
			var x, y int64
			require.True(t, l.BeginObject())
			for {
				key, ok := l.Key()
				if !ok {
					break
				}
				switch string(key) {
				case "x":
					l.Int64(&x)
				case "y":
					l.Int64(&y)
				default:
					l.Skip()
				}
			}
			l.EndObject()
			l.End()
			require.NoError(t, l.Err())
			assert.Equal(t, []int64{1, 2}, []int64{x, y})
		})
	}
	for _, tt := range skipInvalid {
		t.Run(tt.name, func(t *testing.T) {
			require.False(t, json.Valid([]byte(tt.doc)), "json.Valid")
			l := newLexer(tt.doc)
			l.Skip()
			l.End()
			checkErr(t, l, &tt.err)
		})
	}
}

func TestRaw(t *testing.T) {
	for _, tt := range skipValid {
		if tt.doc == "null" {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			doc := []byte(" \t" + tt.doc + "\n ")
			var l jlex.Lexer
			l.Reset(doc, make([]byte, 0, 4096))
			var raw json.RawMessage
			require.True(t, l.Raw(&raw))
			l.End()
			require.NoError(t, l.Err())
			want := strings.Trim(tt.doc, " \t\r\n")
			assert.Equal(t, want, string(raw), "bytes kept exactly, surrounding space dropped")
			assert.Equal(t, len(raw), cap(raw), "capacity clipped so appends cannot overwrite the arena")
			// The copy is in the arena, not the input.
			copy(doc, strings.Repeat("#", len(doc)))
			assert.Equal(t, want, string(raw))
			assert.True(t, inside(unsafe.String(unsafe.SliceData(raw), len(raw)), l.Arena), "raw is backed by the arena's copy of the input")
		})
	}
	t.Run("invalid UTF-8 kept", func(t *testing.T) {
		doc := "[\"\xff\", \"a\xc3\"]"
		l := newLexer(doc)
		var raw json.RawMessage
		require.True(t, l.Raw(&raw))
		assert.Equal(t, doc, string(raw))
	})
	t.Run("null is absent", func(t *testing.T) {
		l := newLexer(` null`)
		raw := json.RawMessage("old")
		assert.False(t, l.Raw(&raw))
		assert.Nil(t, raw)
		l.End()
		assert.NoError(t, l.Err())
	})
	t.Run("several in a row", func(t *testing.T) {
		l := newLexer(`[{"a" : 1}, [2 ,3], "x"]`)
		var raws []json.RawMessage
		require.True(t, l.Raws(&raws))
		require.NoError(t, l.Err())
		var got []string
		for _, r := range raws {
			got = append(got, string(r))
		}
		assert.Equal(t, []string{`{"a" : 1}`, `[2 ,3]`, `"x"`}, got)
	})
	for _, tt := range skipInvalid {
		t.Run(tt.name, func(t *testing.T) {
			l := newLexer(tt.doc)
			raw := json.RawMessage("old")
			assert.False(t, l.Raw(&raw))
			assert.Nil(t, raw)
			l.End()
			checkErr(t, l, &tt.err)
		})
	}
}

// TestEmptyStringByKind pins down what "" means for each kind of field, as
// the README states it: absent where a number or timestamp (or embedded
// JSON) is expected, a present empty value for strings and json values, an
// error for booleans.
func TestEmptyStringByKind(t *testing.T) {
	read := map[string]func(l *jlex.Lexer) bool{
		"string":    func(l *jlex.Lexer) bool { var s string; return l.String(&s) && s == "" },
		"json":      func(l *jlex.Lexer) bool { var r json.RawMessage; return l.Raw(&r) && string(r) == `""` },
		"smallint":  func(l *jlex.Lexer) bool { var v int16; return l.Int16(&v) },
		"bigint":    func(l *jlex.Lexer) bool { var v int64; return l.Int64(&v) },
		"float":     func(l *jlex.Lexer) bool { var v float64; return l.Float64(&v) },
		"timestamp": func(l *jlex.Lexer) bool { var v time.Time; return l.Time(&v, jlex.TimeFormats(jlex.Unix)) },
		"custom timestamp": func(l *jlex.Lexer) bool {
			var v time.Time
			return l.CustomTime(&v, jlex.MustCustomTimeFormats("%Y"))
		},
		"embedded JSON": func(l *jlex.Lexer) bool {
			e := l.BeginEmbedded()
			var r json.RawMessage
			present := e.Raw(&r)
			l.EndEmbedded(e)
			return present
		},
		"boolean": func(l *jlex.Lexer) bool { var v bool; return l.Bool(&v) },
	}
	tests := []struct {
		kind    string
		present bool
		err     string
	}{
		{kind: "string", present: true},
		{kind: "json", present: true},
		{kind: "smallint"},
		{kind: "bigint"},
		{kind: "float"},
		{kind: "timestamp"},
		{kind: "custom timestamp"},
		{kind: "embedded JSON"},
		{kind: "boolean", err: "expected boolean, found string at offset 0"},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			l := newLexer(`""`)
			present := read[tt.kind](l)
			l.End()
			if tt.err != "" {
				require.Error(t, l.Err())
				assert.Equal(t, tt.err, l.Err().Error())
				return
			}
			require.NoError(t, l.Err())
			assert.Equal(t, tt.present, present)
		})
	}
}

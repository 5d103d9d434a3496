package jlex_test

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/jlex"
)

// decodeFlat hand-drives the lexer over an object of integers, as generated
// code does for a struct whose fields are all bigint.
func decodeFlat(l *jlex.Lexer) (m map[string]int64, present bool) {
	if !l.BeginObject() {
		return nil, false
	}
	m = map[string]int64{}
	for {
		key, ok := l.Key()
		if !ok {
			break
		}
		var v int64
		l.Int64(&v)
		m[string(key)] = v
	}
	l.EndObject()
	return m, true
}

func TestObjectWalking(t *testing.T) {
	tests := []struct {
		name        string
		doc         string
		want        map[string]int64
		wantPresent bool
		err         *wantErr
	}{
		{name: "empty", doc: `{}`, want: map[string]int64{}, wantPresent: true},
		{name: "empty with spaces", doc: " { \t\n\r} ", want: map[string]int64{}, wantPresent: true},
		{name: "one member", doc: `{"a":1}`, want: map[string]int64{"a": 1}, wantPresent: true},
		{name: "members", doc: `{"a":1,"b":-2,"c":3}`, want: map[string]int64{"a": 1, "b": -2, "c": 3}, wantPresent: true},
		{
			name:        "whitespace everywhere",
			doc:         "\t\n\r {\t\n\r \"a\"\t\n\r :\t\n\r 1\t\n\r ,\n\"b\" : -2 \r\n}\t\n\r ",
			want:        map[string]int64{"a": 1, "b": -2},
			wantPresent: true,
		},
		{name: "repeated key keeps the last", doc: `{"a":1,"a":2}`, want: map[string]int64{"a": 2}, wantPresent: true},
		{name: "empty key", doc: `{"":7}`, want: map[string]int64{"": 7}, wantPresent: true},
		{name: "null is absent", doc: `null`},
		{name: "null with spaces is absent", doc: "  null\n"},
		{name: "trailing comma", doc: `{"a":1,}`, err: &wantErr{7, "a", "expected string key, found invalid character '}'"}},
		{name: "double comma", doc: `{"a":1,,"b":2}`, err: &wantErr{7, "a", "expected string key, found invalid character ','"}},
		{name: "leading comma", doc: `{,"a":1}`, err: &wantErr{1, "", "expected string key, found invalid character ','"}},
		{name: "missing comma", doc: `{"a":1 "b":2}`, err: &wantErr{7, "a", "expected ',' or '}' in object, found string"}},
		{name: "missing colon", doc: `{"a" 1}`, err: &wantErr{5, "", "expected ':' after object key, found number"}},
		{name: "unquoted key", doc: `{a:1}`, err: &wantErr{1, "", "expected string key, found invalid character 'a'"}},
		{name: "number key", doc: `{1:1}`, err: &wantErr{1, "", "expected string key, found number"}},
		{name: "missing value", doc: `{"a":}`, err: &wantErr{5, "a", "expected int64, found invalid character '}'"}},
		{name: "wrong value kind", doc: `{"a":1,"b":"x"}`, err: &wantErr{11, "b", `invalid number "x" for int64`}},
		{name: "bad null value", doc: `{"a":nul}`, err: &wantErr{5, "a", "invalid literal, expected null"}},
		{name: "unterminated after value", doc: `{"a":1`, err: &wantErr{6, "a", "unexpected end of input, expected ',' or '}' in object"}},
		{name: "unterminated after comma", doc: `{"a":1,`, err: &wantErr{7, "a", "unexpected end of input, expected string key"}},
		{name: "unterminated after key", doc: `{"a"`, err: &wantErr{4, "", "unexpected end of input, expected ':' after object key"}},
		{name: "unterminated key", doc: `{"a`, err: &wantErr{1, "", "unterminated string"}},
		{name: "unterminated open", doc: `{`, err: &wantErr{1, "", "unexpected end of input, expected string key"}},
		{name: "empty input", doc: ``, err: &wantErr{0, "", "unexpected end of input, expected object"}},
		{name: "only spaces", doc: "  ", err: &wantErr{2, "", "unexpected end of input, expected object"}},
		{name: "array instead", doc: `[1]`, err: &wantErr{0, "", "expected object, found array"}},
		{name: "string instead", doc: ` "a"`, err: &wantErr{1, "", "expected object, found string"}},
		{name: "bad literal", doc: `nul`, err: &wantErr{0, "", "invalid literal, expected null"}},
		{name: "trailing garbage", doc: `{"a":1}x`, err: &wantErr{7, "", "unexpected invalid character 'x' after top-level value"}},
		{name: "extra brace", doc: `{"a":1}}`, err: &wantErr{7, "", "unexpected invalid character '}' after top-level value"}},
		{name: "second value", doc: `{"a":1} {}`, err: &wantErr{8, "", "unexpected object after top-level value"}},
		{name: "NUL after value", doc: "{}\x00", err: &wantErr{2, "", `unexpected invalid character '\x00' after top-level value`}},
		{name: "form feed is not whitespace", doc: "{\f}", err: &wantErr{1, "", `expected string key, found invalid character '\f'`}},
		{name: "garbage after null", doc: `null1`, err: &wantErr{4, "", "unexpected number after top-level value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLexer(tt.doc)
			m, present := decodeFlat(l)
			l.End()
			checkErr(t, l, tt.err)
			if tt.err == nil {
				assert.Equal(t, tt.wantPresent, present, "present")
				assert.Equal(t, tt.want, m)
				assert.Equal(t, len(tt.doc), l.Pos(), "End leaves the position at the end")
			}
		})
	}
}

// decodeInts hand-drives the lexer over an array of integers.
func decodeInts(l *jlex.Lexer) (s []int64, present bool) {
	if !l.BeginArray() {
		return nil, false
	}
	s = []int64{}
	for l.More() {
		var v int64
		l.Int64(&v)
		s = append(s, v)
	}
	l.EndArray()
	return s, true
}

func TestArrayWalking(t *testing.T) {
	tests := []struct {
		name        string
		doc         string
		want        []int64
		wantPresent bool
		err         *wantErr
	}{
		{name: "empty", doc: `[]`, want: []int64{}, wantPresent: true},
		{name: "empty with spaces", doc: " [ \t\n\r] ", want: []int64{}, wantPresent: true},
		{name: "one", doc: `[1]`, want: []int64{1}, wantPresent: true},
		{name: "several", doc: `[1,2,3]`, want: []int64{1, 2, 3}, wantPresent: true},
		{name: "whitespace everywhere", doc: "\n[\t1\r\n,\t2 , 3\n]\n", want: []int64{1, 2, 3}, wantPresent: true},
		{name: "null is absent", doc: `null`},
		{name: "trailing comma", doc: `[1,]`, err: &wantErr{3, "[0]", "expected value after ',', found invalid character ']'"}},
		{name: "trailing comma and space", doc: `[1, ]`, err: &wantErr{4, "[0]", "expected value after ',', found invalid character ']'"}},
		{name: "leading comma", doc: `[,1]`, err: &wantErr{1, "[0]", "expected int64, found invalid character ','"}},
		{name: "double comma", doc: `[1,,2]`, err: &wantErr{3, "[1]", "expected int64, found invalid character ','"}},
		{name: "missing comma", doc: `[1 2]`, err: &wantErr{3, "[0]", "expected ',' or ']' in array, found number"}},
		{name: "unterminated after value", doc: `[1`, err: &wantErr{2, "[0]", "unexpected end of input, expected ',' or ']' in array"}},
		{name: "unterminated open", doc: `[`, err: &wantErr{1, "[0]", "unexpected end of input, expected int64"}},
		{name: "bad element", doc: `[1,2,"x"]`, err: &wantErr{5, "[2]", `invalid number "x" for int64`}},
		{name: "extra bracket", doc: `[1]]`, err: &wantErr{3, "", "unexpected invalid character ']' after top-level value"}},
		{name: "object instead", doc: `{}`, err: &wantErr{0, "", "expected array, found object"}},
		{name: "number instead", doc: `1`, err: &wantErr{0, "", "expected array, found number"}},
		{name: "bad null", doc: `nulll`, err: &wantErr{4, "", "unexpected invalid character 'l' after top-level value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLexer(tt.doc)
			s, present := decodeInts(l)
			l.End()
			checkErr(t, l, tt.err)
			if tt.err == nil {
				assert.Equal(t, tt.wantPresent, present, "present")
				assert.Equal(t, tt.want, s)
			}
		})
	}
}

func TestNestedArrays(t *testing.T) {
	l := newLexer(`[[],[1],[ ],[2,3],[[]]]`)
	var got [][]int64
	require.True(t, l.BeginArray())
	for l.More() {
		if len(got) == 4 {
			// [[]]: an array holding an empty array.
			require.True(t, l.BeginArray())
			require.True(t, l.More())
			s, present := decodeInts(l)
			assert.True(t, present)
			assert.Empty(t, s)
			assert.False(t, l.More())
			l.EndArray()
			continue
		}
		s, _ := decodeInts(l)
		got = append(got, s)
	}
	l.EndArray()
	l.End()
	require.NoError(t, l.Err())
	assert.Equal(t, [][]int64{{}, {1}, {}, {2, 3}}, got)
}

// decodeDoc hand-drives the lexer over {"a":{"b":[{"c":int},...]}}, skipping
// unknown keys and reporting a missing c.
func decodeDoc(l *jlex.Lexer) []int64 {
	var out []int64
	if !l.BeginObject() {
		return nil
	}
	for {
		key, ok := l.Key()
		if !ok {
			break
		}
		if string(key) != "a" {
			l.Skip()
			continue
		}
		if !l.BeginObject() {
			continue
		}
		for {
			key, ok := l.Key()
			if !ok {
				break
			}
			if string(key) != "b" {
				l.Skip()
				continue
			}
			if !l.BeginArray() {
				continue
			}
			for l.More() {
				if !l.BeginObject() {
					continue
				}
				has := false
				for {
					key, ok := l.Key()
					if !ok {
						break
					}
					if string(key) == "c" {
						var v int64
						has = l.Int64(&v)
						out = append(out, v)
					} else {
						l.Skip()
					}
				}
				if !has {
					l.Missing("c")
				}
				l.EndObject()
			}
			l.EndArray()
		}
		l.EndObject()
	}
	l.EndObject()
	l.End()
	return out
}

func TestErrorPaths(t *testing.T) {
	at := func(doc, sub string) int {
		i := strings.Index(doc, sub)
		if i < 0 {
			panic(sub + " not in " + doc)
		}
		return i
	}
	const (
		badC      = `{"a":{"b":[{"c":1},{"c":2},{"c":"x"}]}}`
		badSkip   = `{"a":{"b":[],"zz":[1,}}`
		missing   = `{"a":{"b":[{"c":1},{"d":[1,{}]}]}}`
		escaped   = `{"a":{"b":[{"\u0063":"x"}]}}`
		ctrlKey   = `{"a":{"q\u0001\"":tru}}`
		unicode   = `{"a":{"é":{"x":[1,2,{]}}}}`
		deepSkip  = `{"x":{"y":[1,2]},"a":{"b":[{"c":1,"u":{"v":[true,fals]}}]}}`
		arrayBad  = `{"a":{"b":[{"c":1},2]}}`
		validDocs = `{"z":[],"a":{"q":{},"b":[{"c":1},{"c":-2,"e":"f"}]},"y":null}`
	)
	tests := []struct {
		name   string
		doc    string
		prefix string
		want   []int64
		err    *wantErr
	}{
		{name: "valid", doc: validDocs, want: []int64{1, -2}},
		{name: "bad field in third element", doc: badC, want: []int64{1, 2, 0}, err: &wantErr{at(badC, `"x"`), "a.b[2].c", `invalid number "x" for int64`}},
		{name: "prefix", doc: badC, prefix: "event", want: []int64{1, 2, 0}, err: &wantErr{at(badC, `"x"`), "event.a.b[2].c", `invalid number "x" for int64`}},
		{name: "bad skipped value", doc: badSkip, err: &wantErr{at(badSkip, "}}"), "a.zz", "expected value, found invalid character '}'"}},
		{name: "missing field", doc: missing, want: []int64{1}, err: &wantErr{at(missing, "]}]}") + 2, "a.b[1].c", "required field is missing"}},
		{name: "missing field with prefix", doc: missing, prefix: "event", want: []int64{1}, err: &wantErr{at(missing, "]}]}") + 2, "event.a.b[1].c", "required field is missing"}},
		{name: "escaped key", doc: escaped, want: []int64{0}, err: &wantErr{at(escaped, `"x"`), "a.b[0].c", `invalid number "x" for int64`}},
		{name: "control character in key", doc: ctrlKey, err: &wantErr{at(ctrlKey, "tru"), "a.q?\"", "invalid literal, expected true"}},
		{name: "non-ASCII key", doc: unicode, err: &wantErr{at(unicode, "{]") + 1, "a.é", "expected string key, found invalid character ']'"}},
		{name: "deep skip", doc: deepSkip, want: []int64{1}, err: &wantErr{at(deepSkip, "fals]"), "a.b[0].u", "invalid literal, expected false"}},
		{name: "element not an object", doc: arrayBad, want: []int64{1}, err: &wantErr{at(arrayBad, "2]"), "a.b[1]", "expected object, found number"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLexer(tt.doc)
			l.SetPathPrefix(tt.prefix)
			got := decodeDoc(l)
			checkErr(t, l, tt.err)
			assert.Equal(t, tt.want, got)
			if tt.err != nil {
				want := tt.err.path + ": " + tt.err.msg + " at offset " + itoa(tt.err.off)
				assert.Equal(t, want, l.Err().Error())
			}
		})
	}
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		name string
		err  jlex.Error
		want string
	}{
		{name: "top level", err: jlex.Error{Offset: 0, Msg: "boom"}, want: "boom at offset 0"},
		{name: "with path", err: jlex.Error{Offset: 42, Path: "event.a[3]", Msg: "bad"}, want: "event.a[3]: bad at offset 42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestPathWhileWalking(t *testing.T) {
	l := newLexer(`[{"a":[10,{"b":1}]},{"c":2}]`)
	var paths []string
	require.True(t, l.BeginArray())
	paths = append(paths, l.Path())
	for l.More() {
		paths = append(paths, l.Path())
		require.True(t, l.BeginObject())
		for {
			key, ok := l.Key()
			if !ok {
				break
			}
			paths = append(paths, l.Path())
			if string(key) != "a" {
				l.Skip()
				continue
			}
			require.True(t, l.BeginArray())
			for l.More() {
				paths = append(paths, l.Path())
				l.Skip()
			}
			l.EndArray()
			paths = append(paths, l.Path())
		}
		l.EndObject()
	}
	l.EndArray()
	paths = append(paths, l.Path())
	l.End()
	require.NoError(t, l.Err())
	assert.Equal(t, []string{"", "[0]", "[0].a", "[0].a[0]", "[0].a[1]", "[0].a", "[1]", "[1].c", ""}, paths)
}

func TestPathPrefix(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		doc    string
		want   string
	}{
		{name: "no prefix top", doc: `{"a":x}`, want: "a"},
		{name: "prefix top", prefix: "event", doc: `{"a":x}`, want: "event.a"},
		{name: "prefix before first key", prefix: "event", doc: `{x}`, want: "event"},
		{name: "prefix on array", prefix: "event", doc: `[1,x]`, want: "event[1]"},
		{name: "no prefix on array", doc: `[1,x]`, want: "[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLexer(tt.doc)
			l.SetPathPrefix(tt.prefix)
			if tt.doc[0] == '[' {
				decodeInts(l)
			} else {
				decodeFlat(l)
			}
			e := lexErr(t, l)
			assert.Equal(t, tt.want, e.Path)
		})
	}
	t.Run("reset clears the prefix", func(t *testing.T) {
		l := newLexer(`{"a":x}`)
		l.SetPathPrefix("event")
		l.Reset([]byte(`{"a":x}`), nil)
		decodeFlat(l)
		assert.Equal(t, "a", lexErr(t, l).Path)
	})
}

func TestMissing(t *testing.T) {
	t.Run("top-level object", func(t *testing.T) {
		l := newLexer(`{"a":1}`)
		require.True(t, l.BeginObject())
		for {
			if _, ok := l.Key(); !ok {
				break
			}
			l.Skip()
		}
		l.Missing("time")
		l.Missing("event") // the first error sticks
		l.EndObject()
		checkErr(t, l, &wantErr{7, "time", "required field is missing"})
		assert.Equal(t, "time: required field is missing at offset 7", l.Err().Error())
	})
	t.Run("empty top-level object with prefix", func(t *testing.T) {
		l := newLexer(`{ }`)
		l.SetPathPrefix("event")
		require.True(t, l.BeginObject())
		_, ok := l.Key()
		require.False(t, ok)
		l.Missing("x")
		l.EndObject()
		checkErr(t, l, &wantErr{3, "event.x", "required field is missing"})
	})
	t.Run("restores the frame", func(t *testing.T) {
		// After reporting, the path of the object is as before, so a
		// later Path call names the last key seen, not the missing one.
		l := newLexer(`{"a":{"k":1}}`)
		require.True(t, l.BeginObject())
		_, ok := l.Key()
		require.True(t, ok)
		require.True(t, l.BeginObject())
		_, ok = l.Key()
		require.True(t, ok)
		l.Skip()
		_, ok = l.Key()
		require.False(t, ok)
		l.Missing("x")
		checkErr(t, l, &wantErr{12, "a.x", "required field is missing"})
		assert.Equal(t, "a.k", l.Path())
	})
	t.Run("outside any object", func(t *testing.T) {
		l := newLexer(`{}`)
		require.True(t, l.BeginObject())
		_, ok := l.Key()
		require.False(t, ok)
		l.EndObject()
		l.Missing("x")
		checkErr(t, l, &wantErr{2, "x", "required field is missing"})
	})
	t.Run("outside any object keeps the prefix", func(t *testing.T) {
		// SetPathPrefix: "makes error paths start with prefix".
		l := newLexer(`{}`)
		l.SetPathPrefix("event")
		require.True(t, l.BeginObject())
		_, ok := l.Key()
		require.False(t, ok)
		l.EndObject()
		l.Missing("x")
		checkErr(t, l, &wantErr{2, "event.x", "required field is missing"})
	})
	t.Run("after an error", func(t *testing.T) {
		l := newLexer(`{"a":x}`)
		decodeFlat(l)
		l.Missing("b")
		checkErr(t, l, &wantErr{5, "a", "expected int64, found invalid character 'x'"})
	})
}

func TestFail(t *testing.T) {
	l := newLexer(`{"a":{"b":1}}`)
	require.True(t, l.BeginObject())
	_, ok := l.Key()
	require.True(t, ok)
	require.True(t, l.BeginObject())
	_, ok = l.Key()
	require.True(t, ok)
	l.Fail(10, "semantic")
	l.Fail(0, "second") // ignored: the first error sticks
	checkErr(t, l, &wantErr{10, "a.b", "semantic"})

	// Every helper is a no-op once an error is set.
	pos := l.Pos()
	var i int64
	var s string
	var b bool
	assert.False(t, l.Int64(&i))
	assert.False(t, l.String(&s))
	assert.False(t, l.Bool(&b))
	assert.False(t, l.BeginObject())
	assert.False(t, l.BeginArray())
	assert.False(t, l.More())
	assert.False(t, l.IsNull())
	_, ok = l.Key()
	assert.False(t, ok)
	l.Skip()
	l.End()
	assert.Equal(t, pos, l.Pos(), "no progress after an error")
	checkErr(t, l, &wantErr{10, "a.b", "semantic"})
}

func TestIsNull(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    bool
		wantPos int
		err     *wantErr
	}{
		{name: "null", doc: ` null`, want: true, wantPos: 5},
		{name: "number", doc: ` 1`, want: false, wantPos: 1},
		{name: "string", doc: `"null"`, want: false, wantPos: 0},
		{name: "bad literal", doc: `nil`, want: false, err: &wantErr{0, "", "invalid literal, expected null"}},
		{name: "empty", doc: ``, want: false, wantPos: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLexer(tt.doc)
			assert.Equal(t, tt.want, l.IsNull())
			checkErr(t, l, tt.err)
			if tt.err == nil {
				assert.Equal(t, tt.wantPos, l.Pos())
			}
		})
	}
}

// nest hand-drives the lexer through arrays nested as deep as the input,
// returning the depth reached.
func nest(l *jlex.Lexer) int {
	if !l.BeginArray() {
		return 0
	}
	deepest := 0
	for l.More() {
		deepest = max(deepest, nest(l))
	}
	l.EndArray()
	return deepest + 1
}

// nestObjects hand-drives the lexer through {"a":{"a":...}}.
func nestObjects(l *jlex.Lexer) int {
	if !l.BeginObject() {
		return 0
	}
	deepest := 0
	for {
		if _, ok := l.Key(); !ok {
			break
		}
		deepest = max(deepest, nestObjects(l))
	}
	l.EndObject()
	return deepest + 1
}

func arrays(n int) string  { return strings.Repeat("[", n) + strings.Repeat("]", n) }
func objects(n int) string { return strings.Repeat(`{"a":`, n) + "null" + strings.Repeat("}", n) }

func TestDepthLimitSchema(t *testing.T) {
	tests := []struct {
		name     string
		maxDepth int
		doc      string
		objects  bool
		want     int
		err      *wantErr
	}{
		{name: "default limit 32 arrays", doc: arrays(32), want: 32},
		{name: "default limit 33 arrays", doc: arrays(33), err: &wantErr{32, strings.Repeat("[0]", 32), "nesting exceeds the depth limit of 32"}},
		{name: "default limit 32 objects", doc: objects(32), objects: true, want: 32},
		{name: "default limit 33 objects", doc: objects(33), objects: true, err: &wantErr{32 * 5, strings.TrimPrefix(strings.Repeat(".a", 32), "."), "nesting exceeds the depth limit of 32"}},
		{name: "MaxDepth 4", maxDepth: 4, doc: arrays(4), want: 4},
		{name: "MaxDepth 4 exceeded", maxDepth: 4, doc: arrays(5), err: &wantErr{4, "[0][0][0][0]", "nesting exceeds the depth limit of 4"}},
		{name: "MaxDepth 1", maxDepth: 1, doc: `[[]]`, err: &wantErr{1, "[0]", "nesting exceeds the depth limit of 1"}},
		{name: "MaxDepth above frames", maxDepth: 100, doc: arrays(33), err: &wantErr{32, strings.Repeat("[0]", 32), "nesting exceeds the depth limit of 32"}},
		{name: "negative MaxDepth means default", maxDepth: -1, doc: arrays(33), err: &wantErr{32, strings.Repeat("[0]", 32), "nesting exceeds the depth limit of 32"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLexer(tt.doc)
			l.SetMaxDepth(tt.maxDepth)
			var got int
			if tt.objects {
				got = nestObjects(l)
			} else {
				got = nest(l)
			}
			l.End()
			checkErr(t, l, tt.err)
			if tt.err == nil {
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

func TestDepthLimitSkip(t *testing.T) {
	tests := []struct {
		name     string
		maxDepth int
		doc      string
		err      *wantErr
	}{
		{name: "default 128 arrays", doc: arrays(128)},
		{name: "default 129 arrays", doc: arrays(129), err: &wantErr{128, "", "nesting exceeds the depth limit of 128"}},
		{name: "default 128 objects", doc: objects(128)},
		{name: "default 129 objects", doc: objects(129), err: &wantErr{128 * 5, "", "nesting exceeds the depth limit of 128"}},
		{name: "mixed 128", doc: strings.Repeat(`[{"k":`, 64) + "1" + strings.Repeat("}]", 64)},
		{name: "mixed 129", doc: "[" + strings.Repeat(`{"k":[`, 64) + strings.Repeat("]}", 64) + "]", err: &wantErr{1 + 64*6 - 1, "", "nesting exceeds the depth limit of 128"}},
		{name: "MaxDepth 3", maxDepth: 3, doc: arrays(3)},
		{name: "MaxDepth 3 exceeded", maxDepth: 3, doc: arrays(4), err: &wantErr{3, "", "nesting exceeds the depth limit of 3"}},
		{name: "MaxDepth above default", maxDepth: 300, doc: arrays(300)},
		{name: "MaxDepth above default exceeded", maxDepth: 300, doc: arrays(301), err: &wantErr{300, "", "nesting exceeds the depth limit of 300"}},
		{name: "scalars need no depth", maxDepth: 1, doc: `"deep"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLexer(tt.doc)
			l.SetMaxDepth(tt.maxDepth)
			l.Skip()
			l.End()
			checkErr(t, l, tt.err)
		})
	}
}

func TestDepthLimitSkipInsideSchema(t *testing.T) {
	// Skip counts the schema frames already open: with MaxDepth 3 and one
	// object open, a skipped value may nest two levels.
	tests := []struct {
		name string
		doc  string
		err  *wantErr
	}{
		{name: "fits", doc: `{"a":[[1]]}`},
		{name: "one too deep", doc: `{"a":[[[1]]]}`, err: &wantErr{7, "a", "nesting exceeds the depth limit of 3"}},
		{name: "objects fit", doc: `{"a":{"b":{}}}`},
		{name: "objects one too deep", doc: `{"a":{"b":{"c":{}}}}`, err: &wantErr{15, "a", "nesting exceeds the depth limit of 3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLexer(tt.doc)
			l.SetMaxDepth(3)
			require.True(t, l.BeginObject())
			for {
				if _, ok := l.Key(); !ok {
					break
				}
				l.Skip()
			}
			l.EndObject()
			l.End()
			checkErr(t, l, tt.err)
		})
	}
}

func TestResetClearsState(t *testing.T) {
	l := newLexer(`{"a":[x`)
	decodeDoc(l)
	require.Error(t, l.Err())
	l.Reset([]byte(`{"a":{"b":[{"c":5}]}}`), l.Arena)
	assert.Equal(t, 0, l.Pos())
	assert.True(t, l.Ok())
	assert.Equal(t, "", l.Path())
	assert.Equal(t, []int64{5}, decodeDoc(l))
	assert.NoError(t, l.Err())
}

func TestBits(t *testing.T) {
	var b jlex.Bits
	for _, i := range []uint{0, 1, 5, 63} {
		assert.False(t, b.Has(i), "bit %d before Set", i)
		b.Set(i, true)
		assert.True(t, b.Has(i), "bit %d after Set", i)
	}
	assert.Equal(t, jlex.Bits(1|1<<1|1<<5|1<<63), b)
	b.Set(5, false)
	assert.False(t, b.Has(5))
	assert.True(t, b.Has(63))
	b.Set(5, false) // clearing twice is a no-op
	assert.Equal(t, jlex.Bits(1|1<<1|1<<63), b)
}

// TestWhitespaceRuns reads one document with runs of whitespace of every
// length between all its tokens (as pretty-printers and hand edits leave
// them) and checks the values, and that a byte JSON does not count as
// whitespace is rejected where encoding/json rejects it.
func TestWhitespaceRuns(t *testing.T) {
	keys := jlex.NewKeys("a", "b")
	r := rand.New(rand.NewPCG(5, 6))
	ws := func() string {
		var b strings.Builder
		for n := r.IntN(40); n > 0; n-- {
			if r.IntN(8) == 0 {
				b.WriteByte("\n\r\t"[r.IntN(3)])
			} else {
				b.WriteByte(' ')
			}
		}
		return b.String()
	}
	for range 2000 {
		parts := []string{"{", `"a"`, ":", "[", "1", ",", `"x"`, "]", ",", `"b"`, ":", "22", "}"}
		var b strings.Builder
		for _, p := range parts {
			b.WriteString(ws())
			b.WriteString(p)
		}
		b.WriteString(ws())
		doc := b.String()
		if r.IntN(10) == 0 {
			// A byte that is not JSON whitespace inside a run.
			i := r.IntN(len(doc))
			doc = doc[:i] + string("\f\v\x00"[r.IntN(3)]) + doc[i:]
		}
		l := newLexer(doc)
		var a1, b22 int64
		var x string
		if l.BeginObject() {
			for i := l.Field(keys, 0); i != jlex.EndOfObject; i = l.Field(keys, i+1) {
				switch i {
				case 0:
					if l.BeginArray() {
						for n := 0; l.More(); n++ {
							if n == 0 {
								l.Int64(&a1)
							} else {
								l.String(&x)
							}
						}
						l.EndArray()
					}
				case 1:
					l.Int64(&b22)
				default:
					l.Skip()
				}
			}
			l.EndObject()
		}
		l.End()
		valid := json.Valid([]byte(doc))
		require.Equalf(t, valid, l.Err() == nil, "%q: %v", doc, l.Err())
		if valid {
			require.Equal(t, int64(1), a1, doc)
			require.Equal(t, "x", x, doc)
			require.Equal(t, int64(22), b22, doc)
		}
	}
}

package jlex_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/jlex"
)

// fieldNames has names of every length around the fast path's 16-byte
// window: `"name":` fits for names of up to 13 bytes.
var fieldNames = []string{"a", "obj", "time", "nodeId", "txBytes", "twelve_chars", "thirteenchars", "fourteenchars_", "a_rather_long_field_name"}

var fieldKeys = jlex.NewKeys(fieldNames...)

func fieldIndex(name string) int {
	for i, n := range fieldNames {
		if n == name {
			return i
		}
	}
	return jlex.UnknownKey
}

// walkObjects walks nested objects, reading keys with next and recording
// what it saw; values of "obj" are objects, other values are skipped.
func walkObjects(l *jlex.Lexer, next func(l *jlex.Lexer, prev int) int) []string {
	var out []string
	var obj func()
	obj = func() {
		if !l.BeginObject() {
			out = append(out, "absent")
			return
		}
		out = append(out, "{")
		prev := -1
		for {
			i := next(l, prev)
			if i == jlex.EndOfObject {
				break
			}
			if i == jlex.UnknownKey {
				out = append(out, "?")
				l.Skip()
				continue
			}
			if i < 0 || i >= len(fieldNames) {
				out = append(out, "bad index")
				break
			}
			out = append(out, fieldNames[i])
			if fieldNames[i] == "obj" {
				obj()
			} else {
				l.Skip()
			}
			prev = i
		}
		out = append(out, "}")
		l.EndObject()
	}
	obj()
	l.End()
	return out
}

// byKey reads keys with Key, as the reference.
func byKey(l *jlex.Lexer, _ int) int {
	key, ok := l.Key()
	if !ok {
		return jlex.EndOfObject
	}
	return fieldIndex(string(key))
}

// byField reads keys with Field and a hint chosen by hint.
func byField(hint func(prev int) int) func(l *jlex.Lexer, prev int) int {
	return func(l *jlex.Lexer, prev int) int { return l.Field(fieldKeys, hint(prev)) }
}

func randomFieldDoc(r *rand.Rand, depth int) string {
	ws := func() string {
		if r.IntN(3) == 0 {
			return []string{" ", "\n", "\t ", "\r\n"}[r.IntN(4)]
		}
		return ""
	}
	var b strings.Builder
	b.WriteString("{" + ws())
	for i, n := 0, r.IntN(7); i < n; i++ {
		if i > 0 {
			b.WriteString(ws() + "," + ws())
		}
		name := fieldNames[r.IntN(len(fieldNames))]
		if depth >= 2 && name == "obj" {
			name = "time"
		}
		key := name
		switch r.IntN(10) {
		case 0: // escaped spelling of a known name
			key = `\u00` + hexByte(name[0]) + name[1:]
		case 1: // unknown
			key = []string{"zz", "tim", "timex", "nodeid", "a_rather_long_field_nam", "é"}[r.IntN(6)]
			name = ""
		}
		b.WriteString(`"` + key + `"` + ws() + ":" + ws())
		if name == "obj" {
			if r.IntN(5) == 0 {
				b.WriteString("null")
			} else {
				b.WriteString(randomFieldDoc(r, depth+1))
			}
		} else {
			b.WriteString([]string{"1", `"v"`, "[1,{}]", "true", `{"a":1}`, "null", `"a\"b"`}[r.IntN(7)])
		}
	}
	b.WriteString(ws() + "}")
	return b.String()
}

func hexByte(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}

// corrupt breaks doc in one of several ways.
func corrupt(r *rand.Rand, doc string) string {
	if len(doc) < 2 {
		return doc
	}
	i := r.IntN(len(doc))
	switch r.IntN(4) {
	case 0:
		return doc[:i]
	case 1:
		return doc[:i] + doc[i+1:]
	case 2:
		return doc[:i] + []string{",", ":", `"`, "}", "{", " ", "x", "\\", "\x01"}[r.IntN(9)] + doc[i:]
	default:
		return doc[:i] + []string{",", ":", `"`, "}", "x"}[r.IntN(5)] + doc[i+1:]
	}
}

type walkResult struct {
	seen   []string
	off    int
	msg    string
	path   string
	failed bool
}

func walk(doc string, next func(l *jlex.Lexer, prev int) int) walkResult {
	l := newLexer(doc)
	res := walkResult{seen: walkObjects(l, next)}
	if err := l.Err(); err != nil {
		e := err.(*jlex.Error)
		res.failed, res.off, res.msg, res.path = true, e.Offset, e.Msg, e.Path
	}
	return res
}

// TestFieldMatchesKey decodes random documents, valid and broken, with Key
// and with Field under every kind of hint: the keys seen, and any error's
// message and offset, must not depend on the method or the hint.
func TestFieldMatchesKey(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	hints := map[string]func(prev int) int{
		"next":         func(prev int) int { return prev + 1 },
		"same":         func(prev int) int { return max(prev, 0) },
		"first":        func(int) int { return 0 },
		"negative":     func(int) int { return -1 },
		"out of range": func(int) int { return len(fieldNames) },
		"huge":         func(int) int { return 1 << 40 },
		"random":       func(int) int { return r.IntN(len(fieldNames)+2) - 1 },
	}
	failures, badPaths := 0, 0
	for n := 0; n < 1500 && failures == 0; n++ {
		doc := randomFieldDoc(r, 0)
		if n%2 == 1 {
			doc = corrupt(r, doc)
		}
		want := walk(doc, byKey)
		for name, hint := range hints {
			got := walk(doc, byField(hint))
			if !assert.Equalf(t, want.seen, got.seen, "hint %s: %q", name, doc) ||
				!assert.Equalf(t, want.failed, got.failed, "hint %s: %q", name, doc) ||
				!assert.Equalf(t, want.msg, got.msg, "hint %s: %q", name, doc) ||
				!assert.Equalf(t, want.off, got.off, "hint %s: %q", name, doc) {
				failures++
				break
			}
			// Paths may name the key being read, but must be well formed
			// (no key here is empty).
			if got.failed && (strings.Contains(got.path, "..") || strings.HasSuffix(got.path, ".") || strings.HasPrefix(got.path, ".")) {
				if badPaths++; badPaths <= 3 {
					t.Errorf("hint %s: malformed path %q (Key gives %q) for %q", name, got.path, want.path, doc)
				}
			}
		}
	}
	assert.Zero(t, badPaths, "documents with malformed error paths")
}

func TestField(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		hint  int
		want  []int
		err   *wantErr
		paths []string // acceptable error paths
	}{
		{name: "empty", doc: `{}`, want: []int{}},
		{name: "predicted", doc: `{"a":1,"obj":2,"time":3}`, hint: 0, want: []int{0, 1, 2}},
		{name: "long names", doc: `{"thirteenchars":1,"fourteenchars_":2,"a_rather_long_field_name":3}`, hint: 6, want: []int{6, 7, 8}},
		{name: "unpredicted", doc: `{"time":1,"a":2}`, hint: 5, want: []int{2, 0}},
		{name: "unknown", doc: `{"zz":1,"a":2}`, want: []int{jlex.UnknownKey, 0}},
		{name: "prefix of a name is unknown", doc: `{"tim":1}`, hint: 2, want: []int{jlex.UnknownKey}},
		{name: "name is a prefix of the key", doc: `{"timex":1}`, hint: 2, want: []int{jlex.UnknownKey}},
		{name: "case matters", doc: `{"Time":1}`, hint: 2, want: []int{jlex.UnknownKey}},
		{name: "escaped", doc: `{"\u0074ime":1}`, hint: 2, want: []int{2}},
		{name: "spaces", doc: "{ \"a\" :\n1 ,\t\"obj\" : 2 }", want: []int{0, 1}},
		{name: "short input", doc: `{"a":1}`, want: []int{0}},
		{name: "trailing comma", doc: `{"a":1,}`, want: []int{0}, err: &wantErr{7, "", "expected string key, found invalid character '}'"}, paths: []string{"a"}},
		{name: "leading comma", doc: `{,"a":1,"obj":2222222222222}`, want: []int{}, err: &wantErr{1, "", "expected string key, found invalid character ','"}, paths: []string{""}},
		{name: "missing comma", doc: `{"a":1 "obj":22222222222222222}`, want: []int{0}, err: &wantErr{7, "", "expected ',' or '}' in object, found string"}, paths: []string{"a"}},
		{name: "missing comma, no space", doc: `{"a":1"obj":22222222222222222}`, hint: 1, want: []int{0}, err: &wantErr{6, "", "expected ',' or '}' in object, found string"}, paths: []string{"a"}},
		{name: "missing colon", doc: `{"a" 1}`, want: []int{}, err: &wantErr{5, "", "expected ':' after object key, found number"}, paths: []string{"", "a"}},
		{name: "unterminated key", doc: `{"a":1,"ti`, hint: 2, want: []int{0}, err: &wantErr{7, "", "unterminated string"}, paths: []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLexer(tt.doc)
			require.True(t, l.BeginObject())
			got := []int{}
			for {
				i := l.Field(fieldKeys, tt.hint)
				if i == jlex.EndOfObject {
					break
				}
				got = append(got, i)
				l.Skip()
			}
			l.EndObject()
			l.End()
			assert.Equal(t, tt.want, got)
			if tt.err == nil {
				require.NoError(t, l.Err())
				return
			}
			e := lexErr(t, l)
			assert.Equal(t, tt.err.msg, e.Msg)
			assert.Equal(t, tt.err.off, e.Offset)
			// The path names the last key read or the one being read.
			assert.Contains(t, tt.paths, e.Path)
		})
	}
	t.Run("path after fast match", func(t *testing.T) {
		l := newLexer(`{"obj":{"txBytes":"x"}}`)
		require.True(t, l.BeginObject())
		require.Equal(t, 1, l.Field(fieldKeys, 1))
		require.True(t, l.BeginObject())
		require.Equal(t, 4, l.Field(fieldKeys, 4))
		var v int64
		assert.False(t, l.Int64(&v))
		checkErr(t, l, &wantErr{18, "obj.txBytes", `invalid number "x" for int64`})
	})
	t.Run("unterminated nested key has a well-formed path", func(t *testing.T) {
		l := newLexer(`{"obj":{"tx`)
		require.True(t, l.BeginObject())
		require.Equal(t, 1, l.Field(fieldKeys, 1))
		require.True(t, l.BeginObject())
		assert.Equal(t, jlex.EndOfObject, l.Field(fieldKeys, 4))
		e := lexErr(t, l)
		assert.Equal(t, "unterminated string", e.Msg)
		assert.Equal(t, 8, e.Offset)
		assert.Equal(t, "obj", e.Path)
	})
}

// TestFieldSeparators puts every byte in place of the ',' between two
// fields, and of the ':' after a key, as written right after each other
// (the form Field reads fastest): Field must accept and reject exactly what
// Key does, under every hint.
func TestFieldSeparators(t *testing.T) {
	for c := 0; c < 256; c++ {
		for _, doc := range []string{
			`{"time":1` + string(rune(c)) + `"nodeId":2,"twelve_chars":{"a":1}}`,
			`{"time":1,"nodeId"` + string(rune(c)) + `2,"twelve_chars":3}`,
			`{"obj":{"time":1` + string(rune(c)) + `"nodeId":2},"txBytes":3}`,
		} {
			doc := strings.Replace(doc, string(rune(c)), string([]byte{byte(c)}), 1)
			want := walk(doc, byKey)
			for _, hint := range []func(int) int{func(prev int) int { return prev + 1 }, func(int) int { return 1 }, func(int) int { return 0 }} {
				// As in TestFieldMatchesKey, paths may differ (Field may
				// name the key being read).
				got := walk(doc, byField(hint))
				want.path, got.path = "", ""
				if !assert.Equalf(t, want, got, "%q", doc) {
					return
				}
			}
		}
	}
}

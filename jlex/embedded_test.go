package jlex_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/jlex"
)

func TestEmbedded(t *testing.T) {
	// read reads doc's embedded value as a raw JSON value.
	read := func(doc string) (json.RawMessage, bool, *jlex.Lexer) {
		l := newLexer(doc)
		var raw json.RawMessage
		require.True(t, l.BeginObject())
		require.Equal(t, 0, l.Field(jlex.NewKeys("m"), 0))
		e := l.BeginEmbedded()
		present := e.Raw(&raw)
		l.EndEmbedded(e)
		for l.Field(jlex.NewKeys("m"), 1) != jlex.EndOfObject {
			l.Skip()
		}
		l.EndObject()
		l.End()
		return raw, present, l
	}
	raw, present, l := read(`{"m": "{\"k\": [1, \"x\"]}"}`)
	require.NoError(t, l.Err())
	assert.True(t, present)
	assert.Equal(t, `{"k": [1, "x"]}`, string(raw), "the string's text, decoded")

	raw, present, l = read(`{"m": {"k": 1}}`)
	require.NoError(t, l.Err())
	assert.True(t, present)
	assert.Equal(t, `{"k": 1}`, string(raw), "a value that is not a string is read in place")

	for _, doc := range []string{`{"m": ""}`, `{"m": "null"}`, `{"m": null}`} {
		_, present, l = read(doc)
		require.NoError(t, l.Err(), doc)
		assert.False(t, present, "%s is absent", doc)
	}

	_, _, l = read(`{"m": "{\"k\": 1,}"}`)
	checkErr(t, l, &wantErr{off: 6, path: "m", msg: `embedded JSON at byte 8: expected string key, found invalid character '}'`})
	_, _, l = read(`{"m": "[1] 2"}`)
	checkErr(t, l, &wantErr{off: 6, path: "m", msg: `embedded JSON at byte 4: unexpected number after top-level value`})
	_, _, l = read(`{"m": "\x"}`)
	checkErr(t, l, &wantErr{off: 7, path: "m", msg: `invalid escape sequence in string`})
}

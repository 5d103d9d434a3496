package jlex_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/jlex"
)

// newLexer returns a lexer reading doc with a fresh arena.
func newLexer(doc string) *jlex.Lexer {
	l := new(jlex.Lexer)
	l.Reset([]byte(doc), nil)
	return l
}

// wantErr describes an expected *jlex.Error; nil means no error.
type wantErr struct {
	off  int
	path string
	msg  string
}

// lexErr returns the lexer's error as a *jlex.Error, failing the test when
// there is none.
func lexErr(t *testing.T, l *jlex.Lexer) *jlex.Error {
	t.Helper()
	err := l.Err()
	require.Error(t, err)
	e, ok := err.(*jlex.Error)
	require.Truef(t, ok, "error %T is not a *jlex.Error", err)
	return e
}

// checkErr asserts that l holds exactly the error want describes.
func checkErr(t *testing.T, l *jlex.Lexer, want *wantErr) {
	t.Helper()
	if want == nil {
		require.NoError(t, l.Err())
		require.True(t, l.Ok())
		return
	}
	e := lexErr(t, l)
	assert.False(t, l.Ok())
	assert.Equal(t, want.msg, e.Msg, "message")
	assert.Equal(t, want.off, e.Offset, "offset")
	assert.Equal(t, want.path, e.Path, "path")
}

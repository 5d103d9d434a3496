package stream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Records used across tests: braces, brackets and escaped quotes inside
// strings, nested arrays, an escaped backslash before a closing quote.
var (
	recA = `{"time":1780500887.356,"event":{"nodeId":"n1","msg":"a}b{c\"d]"},"fields":{"recorded":"2026-06-03T14:54:47.356Z"}}`
	recB = `{"time":2,"event":{"x":[1,{"y":"]["},[]],"z":"\\"}}`
	recC = `{"k":"\\\"{"}`
)

// expect returns the good records recs as found, in order, in input.
func expect(t testing.TB, input string, recs ...string) []rec {
	t.Helper()
	var out []rec
	from := 0
	for n, r := range recs {
		i := strings.Index(input[from:], r)
		require.GreaterOrEqual(t, i, 0, "record %q not in input", r)
		out = append(out, good(n+1, int64(from+i), r))
		from += i + len(r)
	}
	return out
}

func TestFramingAndCompression(t *testing.T) {
	cases := []struct {
		name    string
		input   string
		framing Framing
	}{
		{"concatenated", recA + recB + recC, FramingStream},
		{"ndjson-crlf", recA + "\r\n" + recB + "\r\n" + recC + "\r\n", FramingStream},
		{"ndjson-lf-no-final-newline", recA + "\n" + recB + "\n" + recC, FramingStream},
		{"whitespace", " \t" + recA + " " + recB + "\n\t \r\n" + recC + "  ", FramingStream},
		{"array", "[" + recA + ",\n " + recB + " , " + recC + "]\n", FramingArray},
		{"array-pretty", "[\n  " + recA + ",\n  " + recB + ",\n  " + recC + "\n]", FramingArray},
		{"api-keys-before", `{"version":"1.0","tailnetId":"T1","logs":[` + recA + "," + recB + "," + recC + `]}`, FramingAPI},
		{"api-keys-after", `{"logs": [` + recA + ", " + recB + ", " + recC + `], "version": {"v":["logs",{"logs":[{"not":"a record"}]}]}, "tailnetId": "T}]"}`, FramingAPI},
		{"api-tailnet-first", "{\n  \"tailnetId\": \"example.com\",\n  \"logs\": [\n    " + recA + ",\n    " + recB + ",\n    " + recC + "\n  ],\n  \"version\": 2\n}\n", FramingAPI},
	}
	for _, tc := range cases {
		for _, c := range []Compression{None, Gzip, Zstd} {
			t.Run(tc.name+"/"+c.String(), func(t *testing.T) {
				want := expect(t, tc.input, recA, recB, recC)
				s := NewScanner(bytes.NewReader(compress(t, c, []byte(tc.input))), Options{})
				got, fatal := drain(t, s)
				require.NoError(t, fatal)
				assert.Equal(t, want, got)
				assert.Equal(t, tc.framing, s.Framing())
				assert.Equal(t, c, s.Compression())
				assert.Equal(t, int64(len(tc.input)), s.BytesRead())
			})
		}
	}
}

func TestExactOffsets(t *testing.T) {
	got, err := scanAll(t, strings.NewReader(`{"a":1}{"b":2}`+"\n"+`{"c":{}}`), Options{})
	require.NoError(t, err)
	assert.Equal(t, []rec{
		good(1, 0, `{"a":1}`),
		good(2, 7, `{"b":2}`),
		good(3, 15, `{"c":{}}`),
	}, got)

	got, err = scanAll(t, strings.NewReader(`[1, "x,]", {"a":[]} ,true,null,-2.5e3]`), Options{})
	require.NoError(t, err)
	assert.Equal(t, []rec{
		good(1, 1, `1`),
		good(2, 4, `"x,]"`),
		good(3, 11, `{"a":[]}`),
		good(4, 21, `true`),
		good(5, 26, `null`),
		good(6, 31, `-2.5e3`),
	}, got)
}

func TestMultiMemberGzipFile(t *testing.T) {
	dir := t.TempDir()
	a := recA + "\n" + recB + "\n"
	b := recC + "\n"
	both := filepath.Join(dir, "both.ndjson.gz")
	// As `cat a.gz b.gz > both.gz` makes it.
	require.NoError(t, os.WriteFile(both, append(gzipBytes(t, []byte(a)), gzipBytes(t, []byte(b))...), 0o644))
	f, err := os.Open(both)
	require.NoError(t, err)
	defer f.Close()
	s := NewScanner(f, Options{})
	got, fatal := drain(t, s)
	require.NoError(t, fatal)
	assert.Equal(t, expect(t, a+b, recA, recB, recC), got)
	assert.Equal(t, Gzip, s.Compression())
}

func TestMultiFrameZstdFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "logs.zst")
	a, b := recA+recB, recC
	require.NoError(t, os.WriteFile(p, append(zstdBytes(t, []byte(a)), zstdBytes(t, []byte(b))...), 0o644))
	f, err := os.Open(p)
	require.NoError(t, err)
	defer f.Close()
	got, fatal := scanAll(t, f, Options{})
	require.NoError(t, fatal)
	assert.Equal(t, expect(t, a+b, recA, recB, recC), got)
}

func TestConcatenatedDocuments(t *testing.T) {
	// Two API responses, an array and a stream, as `cat` would join files.
	in := `{"version":"1","logs":[{"a":1}]}` + "\n" +
		`{"logs":[{"b":2},{"c":3}],"tailnetId":"x"}` +
		`[{"d":4}]` + "\n" +
		`{"e":5}{"f":6}` + "\n" +
		`[{"g":7}]` + `{"h":8}`
	s := NewScanner(strings.NewReader(in), Options{})
	var framings []Framing
	var got []rec
	for s.Next() {
		require.NoError(t, s.Err())
		got = append(got, rec{N: s.Record(), Off: s.Offset(), B: string(s.Bytes())})
		framings = append(framings, s.Framing())
	}
	require.NoError(t, s.Fatal())
	assert.Equal(t, expect(t, in, `{"a":1}`, `{"b":2}`, `{"c":3}`, `{"d":4}`, `{"e":5}`, `{"f":6}`, `{"g":7}`, `{"h":8}`), got)
	assert.Equal(t, []Framing{FramingAPI, FramingAPI, FramingAPI, FramingArray, FramingStream, FramingStream, FramingArray, FramingStream}, framings)
}

func TestAPIObjectDetails(t *testing.T) {
	// A non-object element is still one record; values of other keys are
	// skipped whatever they hold; an empty logs array gives nothing.
	in := `{"version":"2","logs":[5,{"a":"}"},"s"],"x":{"logs":[{"no":1}]},"logs":[],"tailnetId":null}`
	got, err := scanAll(t, strings.NewReader(in), Options{})
	require.NoError(t, err)
	assert.Equal(t, expect(t, in, `5`, `{"a":"}"}`, `"s"`), got)

	// An object whose first key is something else is a stream record.
	in = `{"time":1,"logs":[{"a":1}]}`
	s := NewScanner(strings.NewReader(in), Options{})
	got, err = drain(t, s)
	require.NoError(t, err)
	assert.Equal(t, []rec{good(1, 0, in)}, got)
	assert.Equal(t, FramingStream, s.Framing())
}

func TestEmptyInputs(t *testing.T) {
	for name, in := range map[string][]byte{
		"empty":       nil,
		"whitespace":  []byte(" \n\r\n\t "),
		"bom":         []byte("\xef\xbb\xbf"),
		"empty-array": []byte(" [ ] "),
		"empty-api":   []byte(`{"logs":[],"version":"1"}`),
		"gzip-empty":  gzipBytes(t, nil),
		"zstd-empty":  zstdBytes(t, nil),
		"gzip-ws":     gzipBytes(t, []byte("\n\n")),
	} {
		t.Run(name, func(t *testing.T) {
			s := NewScanner(bytes.NewReader(in), Options{})
			assert.False(t, s.Next())
			assert.False(t, s.Next())
			assert.NoError(t, s.Fatal())
			assert.NoError(t, s.Err())
			assert.Nil(t, s.Bytes())
			assert.Equal(t, 0, s.Record())
		})
	}
}

func TestBOM(t *testing.T) {
	in := "\xef\xbb\xbf" + recA + "\n" + recB
	got, err := scanAll(t, strings.NewReader(in), Options{})
	require.NoError(t, err)
	assert.Equal(t, []rec{good(1, 3, recA), good(2, int64(4+len(recA)), recB)}, got)

	in = "\xef\xbb\xbf[" + recC + "]"
	s := NewScanner(bytes.NewReader(gzipBytes(t, []byte(in))), Options{})
	got, err = drain(t, s)
	require.NoError(t, err)
	assert.Equal(t, []rec{good(1, 4, recC)}, got)
	assert.Equal(t, FramingArray, s.Framing())

	// A lone 0xEF is garbage, not a BOM.
	got, err = scanAll(t, strings.NewReader("\xef{}"), Options{})
	require.NoError(t, err)
	assert.Equal(t, []rec{
		{N: 1, Off: 0, B: "\xef", Err: "syntax error: unexpected byte 0xef between records"},
		good(2, 1, `{}`),
	}, got)
}

func TestGarbageBetweenRecords(t *testing.T) {
	in := `xyz{"a":1} ]` + "\n" + `{"b":2}12 "s{" {"c":3}` + "\n}"
	got, err := scanAll(t, strings.NewReader(in), Options{})
	require.NoError(t, err)
	assert.Equal(t, []rec{
		{N: 1, Off: 0, B: `xyz`, Err: "syntax error: unexpected 'x' between records"},
		good(2, 3, `{"a":1}`),
		{N: 3, Off: 11, B: `]`, Err: "syntax error: unexpected ']' between records"},
		good(4, 13, `{"b":2}`),
		{N: 5, Off: 20, B: `12 "s`, Err: "syntax error: unexpected '1' between records"},
		// Garbage has no strings: the '{' inside its quotes starts a
		// record, which the quotes then break, swallowing the next one.
		{N: 6, Off: 25, B: `{" {"c":3}`, Err: "syntax error: unexpected 'c' after string (unescaped quote?)"},
		{N: 7, Off: 36, B: `}`, Err: "syntax error: unexpected '}' between records"},
	}, got)

	in = `[{"a":1} oops, {"b":2}, } ,{"c":3} {"d":4},,]`
	got, err = scanAll(t, strings.NewReader(in), Options{})
	require.NoError(t, err)
	assert.Equal(t, []rec{
		good(1, 1, `{"a":1}`),
		{N: 2, Off: 9, B: `oops`, Err: "syntax error: unexpected 'o' after array element"},
		good(3, 15, `{"b":2}`),
		{N: 4, Off: 24, B: `}`, Err: "syntax error: unexpected '}' in array"},
		good(5, 27, `{"c":3}`),
		good(6, 35, `{"d":4}`), // a missing comma before an object is tolerated
	}, got)

	in = `{"version":1 junk ,"logs":[{"a":1}] 7}{"b":2}`
	got, err = scanAll(t, strings.NewReader(in), Options{})
	require.NoError(t, err)
	assert.Equal(t, []rec{
		{N: 1, Off: 13, B: `junk`, Err: "syntax error: unexpected 'j' in API object"},
		good(2, 27, `{"a":1}`),
		{N: 3, Off: 36, B: `7`, Err: "syntax error: unexpected '7' in API object"},
		good(4, 38, `{"b":2}`),
	}, got)
}

const (
	prettyA = "{\n  \"a\": [\n    1\n  ],\n  \"b\": {\n    \"c\": \"x\"\n  }\n}"
	prettyB = "{\n  \"d\": 1\n}"
)

func TestBrokenRecords(t *testing.T) {
	const (
		msgMismatchBrace   = "syntax error: mismatched '}'"
		msgMismatchBracket = "syntax error: mismatched ']'"
		msgOpen            = "syntax error: unexpected '{' where no value can start (missing closing bracket?)"
		msgCut             = "truncated record: the next line starts a new record before this one is closed"
	)
	cases := []struct {
		name string
		in   string
		want []rec
	}{
		{"mismatched-concatenated", `{"a":[1,2}{"b":2}`, []rec{
			{N: 1, Off: 0, B: `{"a":[1,2}`, Err: msgMismatchBrace},
			good(2, 10, `{"b":2}`),
		}},
		{"mismatched-ndjson", `{"a":{"b":1]}` + "\n" + `{"c":2}` + "\n", []rec{
			{N: 1, Off: 0, B: `{"a":{"b":1]}`, Err: msgMismatchBracket},
			good(2, 14, `{"c":2}`),
		}},
		{"stray-closer-ignored", `{"a":1]}{"b":2}`, []rec{
			{N: 1, Off: 0, B: `{"a":1]}`, Err: msgMismatchBracket},
			good(2, 8, `{"b":2}`),
		}},
		{"mismatched-in-array", `[{"a":[1},{"b":2}]`, []rec{
			{N: 1, Off: 1, B: `{"a":[1}`, Err: msgMismatchBrace},
			good(2, 10, `{"b":2}`),
		}},
		{"missing-closer-concatenated", `{"a":{"b":1}{"c":2}{"d":3}`, []rec{
			{N: 1, Off: 0, B: `{"a":{"b":1}`, Err: msgOpen},
			good(2, 12, `{"c":2}`),
			good(3, 19, `{"d":3}`),
		}},
		{"missing-closer-ndjson", `{"a":[1,2` + "\r\n" + `{"c":2}` + "\r\n", []rec{
			{N: 1, Off: 0, B: `{"a":[1,2`, Err: msgCut},
			good(2, 11, `{"c":2}`),
		}},
		// A line of NDJSON cut where a value is due: the next line's '{'
		// could be that value, but a '{' right after a newline starts the
		// next record. One cut line costs exactly that line.
		{"cut-after-colon-ndjson", `{"a":1}` + "\n" + `{"a":{"src":` + "\n" + `{"c":2}` + "\n" + `{"d":3}`, []rec{
			good(1, 0, `{"a":1}`),
			{N: 2, Off: 8, B: `{"a":{"src":`, Err: msgCut},
			good(3, 21, `{"c":2}`),
			good(4, 29, `{"d":3}`),
		}},
		{"cut-after-bracket-ndjson", `{"a":[` + "\r\n" + `{"c":2}` + "\r\n" + `{"d":[]}`, []rec{
			{N: 1, Off: 0, B: `{"a":[`, Err: msgCut},
			good(2, 8, `{"c":2}`),
			good(3, 17, `{"d":[]}`),
		}},
		{"cut-after-comma-ndjson", `{"a":[{"b":1},` + "\n" + `{"c":2}`, []rec{
			{N: 1, Off: 0, B: `{"a":[{"b":1},`, Err: msgCut},
			good(2, 15, `{"c":2}`),
		}},
		{"cut-line-then-blank-lines", `{"a":` + "\n\n" + `{"c":2}`, []rec{
			{N: 1, Off: 0, B: `{"a":`, Err: msgCut},
			good(2, 7, `{"c":2}`),
		}},
		{"cut-line-at-eof-after-next", `{"a":` + "\n" + `{"c":{"d":[1]}}`, []rec{
			{N: 1, Off: 0, B: `{"a":`, Err: msgCut},
			good(2, 6, `{"c":{"d":[1]}}`),
		}},
		{"cut-pretty-record", prettyA[:40] + "\n" + prettyB + "\n", []rec{
			{N: 1, Off: 0, B: strings.TrimSpace(prettyA[:40]), Err: msgCut},
			good(2, 41, prettyB),
		}},
		// Indented pretty-printing never puts '{' right after a newline
		// inside a record; only a '{' at the start of a line is taken for
		// a new record.
		{"indented-value-on-next-line", `{"a":` + "\n  " + `{"b":1}}` + "\n" + `{"c":2}`, []rec{
			good(1, 0, `{"a":`+"\n  "+`{"b":1}}`),
			good(2, 17, `{"c":2}`),
		}},
		{"cut-after-colon", `{"a":{"b":` + `{"c":1}{"d":2}`, []rec{
			// The next record nests into the cut one; the one after is found.
			{N: 1, Off: 0, B: `{"a":{"b":{"c":1}`, Err: msgOpen},
			good(2, 17, `{"d":2}`),
		}},
		{"cut-in-string-concatenated", `{"a":"abc` + `{"time":2,"event":{"x":1}}{"time":3}`, []rec{
			// The cut record takes the next one in; the one after is found.
			{N: 1, Off: 0, B: `{"a":"abc{"time":2,"event":{"x":1}}`, Err: "syntax error: unexpected 't' after string (unescaped quote?)"},
			good(2, 35, `{"time":3}`),
		}},
		{"newline-in-string", `{"a":"abc` + "\n" + `{"b":2}` + "\n", []rec{
			{N: 1, Off: 0, B: `{"a":"abc`, Err: "syntax error: newline in string (unterminated string)"},
			good(2, 10, `{"b":2}`),
		}},
		{"escaped-newline-in-string", `{"a":"abc\` + "\r\n" + `{"b":2}`, []rec{
			{N: 1, Off: 0, B: `{"a":"abc\`, Err: "syntax error: newline in string (unterminated string)"},
			good(2, 12, `{"b":2}`),
		}},
		{"unescaped-quote", `{"msg":"say "hi" now","n":1}{"b":2}`, []rec{
			{N: 1, Off: 0, B: `{"msg":"say "hi" now","n":1}`, Err: "syntax error: unexpected 'h' after string (unescaped quote?)"},
			good(2, 28, `{"b":2}`),
		}},
		{"unescaped-quote-before-space", `{"m":"a" b"}` + "\n" + `{"b":2}`, []rec{
			{N: 1, Off: 0, B: `{"m":"a" b"}`, Err: "syntax error: unexpected 'b' after string (unescaped quote?)"},
			good(2, 13, `{"b":2}`),
		}},
		{"bracket-after-value", `{"a":1 [2]}{"b":2}`, []rec{
			{N: 1, Off: 0, B: `{"a":1 [2]}`, Err: "syntax error: unexpected '[' where no value can start (missing closing bracket?)"},
			good(2, 11, `{"b":2}`),
		}},
		{"open-after-open", `{{"a":1}}`, []rec{
			{N: 1, Off: 0, B: `{`, Err: msgOpen},
			good(2, 1, `{"a":1}`),
			{N: 3, Off: 8, B: `}`, Err: "syntax error: unexpected '}' between records"},
		}},
		{"pretty-records", prettyA + "\n" + prettyB + "\n", []rec{
			good(1, 0, prettyA),
			good(2, int64(len(prettyA)+1), prettyB),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for rname, r := range readers(tc.in) {
				got, err := scanAll(t, r, Options{})
				require.NoError(t, err)
				assert.Equal(t, tc.want, got, rname)
			}
		})
	}
}

// readers returns readers of s that cut it at different places.
func readers(s string) map[string]io.Reader {
	return map[string]io.Reader{
		"whole":    strings.NewReader(s),
		"one-byte": iotest.OneByteReader(strings.NewReader(s)),
		"half":     iotest.HalfReader(strings.NewReader(s)),
		"data-err": iotest.DataErrReader(strings.NewReader(s)),
		"chunks-7": &chunkReader{s: s, n: 7},
	}
}

// chunkReader returns its string n bytes at a time.
type chunkReader struct {
	s string
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.s) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.n)], c.s)
	c.s = c.s[n:]
	return n, nil
}

func TestStringsWithBracketsAndEscapes(t *testing.T) {
	recs := []string{
		`{"a":"}"}`,
		`{"a":"{{{[[["}`,
		`{"a":"\"}"}`,
		`{"a":"\\"}`,
		`{"a":"\\\"}\\"}`,
		`{"a":"x\\\\"}`,
		`{"a":["\"]","[\\"]}`,
		`{"\"}{":"\u0022}"}`,
		`{"a":"` + strings.Repeat(`\"`, 50) + `"}`,
		`{"a":"` + strings.Repeat(`\\`, 51) + `"}`,
		`{"a":"tab	and é ünïcode \ud83d\ude00 and raw` + "\x01\x02" + `"}`,
	}
	in := strings.Join(recs, "")
	for name, r := range readers(in) {
		got, err := scanAll(t, r, Options{})
		require.NoError(t, err)
		assert.Equal(t, expect(t, in, recs...), got, name)
	}
}

func TestSplitAcrossReads(t *testing.T) {
	var buf bytes.Buffer
	var recs []string
	for i := range 200 {
		r := string(envelope(i, i%7))
		recs = append(recs, r)
		buf.WriteString(r)
		buf.WriteString([]string{"", "\n", "\r\n", " "}[i%4])
	}
	in := buf.String()
	want := expect(t, in, recs...)
	for name, r := range readers(in) {
		got, err := scanAll(t, r, Options{})
		require.NoError(t, err)
		require.Equal(t, want, got, name)
	}
	// Every chunk size from 1 to 40 cuts records everywhere.
	for n := 1; n <= 40; n++ {
		got, err := scanAll(t, &chunkReader{s: in, n: n}, Options{})
		require.NoError(t, err)
		require.Equal(t, want, got, "chunk %d", n)
	}
}

func TestTruncatedAtEOF(t *testing.T) {
	cases := []struct {
		in   string
		want []rec
	}{
		{`{"a":1}{"b":[1,2`, []rec{good(1, 0, `{"a":1}`), {N: 2, Off: 7, B: `{"b":[1,2`, Err: "truncated input: unterminated object"}}},
		{`{"a":1}` + "\n" + `{"b":"x\"}`, []rec{good(1, 0, `{"a":1}`), {N: 2, Off: 8, B: `{"b":"x\"}`, Err: "truncated input: unterminated string"}}},
		{`{"a":1}{"b":"x\`, []rec{good(1, 0, `{"a":1}`), {N: 2, Off: 7, B: `{"b":"x\`, Err: "truncated input: unterminated string"}}},
		{`[{"a":1},[1,{`, []rec{good(1, 1, `{"a":1}`), {N: 2, Off: 9, B: `[1,{`, Err: "truncated input: unterminated array"}}},
		{`[{"a":1},"ab`, []rec{good(1, 1, `{"a":1}`), {N: 2, Off: 9, B: `"ab`, Err: "truncated input: unterminated string"}}},
		{`{"logs":[{"a":1},{"b"`, []rec{good(1, 9, `{"a":1}`), {N: 2, Off: 17, B: `{"b"`, Err: "truncated input: unterminated object"}}},
		// An array or API object cut between records: the records before
		// the cut are read, and the cut is an error, so that a cut
		// download never looks complete.
		{`[{"a":1},`, []rec{good(1, 1, `{"a":1}`), {N: 2, Off: 9, Err: "truncated input: the array is not closed"}}},
		{"[", []rec{{N: 1, Off: 1, Err: "truncated input: the array is not closed"}}},
		{`{"logs":[{"a":1}`, []rec{good(1, 9, `{"a":1}`), {N: 2, Off: 16, Err: `truncated input: the API object's "logs" array is not closed`}}},
		{`{"logs":[{"a":1}],"version":`, []rec{good(1, 9, `{"a":1}`), {N: 2, Off: 28, Err: "truncated input: the API object is not closed"}}},
		{`{"version":"1","logs"`, []rec{{N: 1, Off: 21, Err: "truncated input: the API object is not closed"}}},
		{`[{"a":1}, 12`, []rec{good(1, 1, `{"a":1}`), good(2, 10, `12`), {N: 3, Off: 12, Err: "truncated input: the array is not closed"}}},
		// A record cut by the end of the input is the one error.
		{`{"logs":[{"a":1},{"b":[`, []rec{good(1, 9, `{"a":1}`), {N: 2, Off: 17, B: `{"b":[`, Err: "truncated input: unterminated object"}}},
		// A closed document has no error, whatever follows it.
		{`[{"a":1}]` + "\n", []rec{good(1, 1, `{"a":1}`)}},
		{`{"logs":[{"a":1}]}`, []rec{good(1, 9, `{"a":1}`)}},
	}
	for _, tc := range cases {
		for name, r := range readers(tc.in) {
			got, err := scanAll(t, r, Options{})
			require.NoError(t, err)
			assert.Equal(t, tc.want, got, "%s %q", name, tc.in)
		}
		// The same input gzip-compressed.
		got, err := scanAll(t, bytes.NewReader(gzipBytes(t, []byte(tc.in))), Options{})
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "gzip %q", tc.in)
	}
}

func TestErrorMessage(t *testing.T) {
	in := strings.Repeat(`{"n":1}`, 6) + `{"s":"unterminated`
	s := NewScanner(strings.NewReader(in), Options{})
	for range 7 {
		require.True(t, s.Next())
	}
	err := s.Err()
	require.Error(t, err)
	assert.EqualError(t, err, "record 7 at offset 42: truncated input: unterminated string")
	assert.ErrorIs(t, err, ErrTruncated)
	var re *RecordError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, RecordError{Record: 7, Offset: 42, Err: ErrTruncated, Msg: "truncated input: unterminated string"}, *re)
	assert.False(t, s.Next())
	assert.NoError(t, s.Fatal())
}

func TestOversizedRecord(t *testing.T) {
	const max = 64
	big := `{"big":"` + strings.Repeat("x", 200) + `","n":[1,{"o":"}"}]}`
	exact := `{"s":"` + strings.Repeat("y", max-8) + `"}` // exactly max bytes
	require.Len(t, exact, max)
	in := `{"a":1}` + big + "\n" + exact + big + `{"b":2}` + "\n" + `[` + big + `,{"c":3}]`
	msg := "record exceeds the 64-byte limit"
	offBig2 := int64(7 + len(big) + 1 + max)
	want := []rec{
		good(1, 0, `{"a":1}`),
		{N: 2, Off: 7, B: big[:max], Err: msg},
		good(3, int64(8+len(big)), exact),
		{N: 4, Off: offBig2, B: big[:max], Err: msg},
		good(5, offBig2+int64(len(big)), `{"b":2}`),
		{N: 6, Off: offBig2 + int64(len(big)) + 9, B: big[:max], Err: msg},
		good(7, offBig2+int64(2*len(big))+10, `{"c":3}`),
	}
	for name, r := range readers(in) {
		s := NewScanner(r, Options{MaxRecordSize: max})
		got, err := drain(t, s)
		require.NoError(t, err)
		assert.Equal(t, want, got, name)
		assert.LessOrEqual(t, len(s.buf), max+readChunk, name)
	}
	// The size error wins over a syntax error in the same record, and a
	// scalar or garbage longer than the limit is cut too.
	in = `{"a":1]` + strings.Repeat(" ", 100) + `}` + strings.Repeat("z", 100) + `{"b":1}`
	got, err := scanAll(t, strings.NewReader(in), Options{MaxRecordSize: 50})
	require.NoError(t, err)
	assert.Equal(t, []rec{
		{N: 1, Off: 0, B: in[:50], Err: "record exceeds the 50-byte limit"},
		{N: 2, Off: 108, B: strings.Repeat("z", 50), Err: "record exceeds the 50-byte limit"},
		good(3, 208, `{"b":1}`),
	}, got)
}

func TestOversizedRecordIsNotBuffered(t *testing.T) {
	// A 3 MiB record with a 1 KiB limit, then a good record: the buffer
	// stays at the limit plus one read chunk.
	const max = 1 << 10
	var sb strings.Builder
	sb.WriteString(`{"list":[`)
	for sb.Len() < 3<<20 {
		sb.WriteString(`{"s":"a\"b}","n":[1,2,3]},`)
	}
	sb.WriteString(`{}]}`)
	big := sb.String()
	in := big + `{"ok":true}`
	for _, c := range []Compression{None, Gzip} {
		s := NewScanner(bytes.NewReader(compress(t, c, []byte(in))), Options{MaxRecordSize: max})
		got, err := drain(t, s)
		require.NoError(t, err)
		assert.Equal(t, []rec{
			{N: 1, Off: 0, B: big[:max], Err: "record exceeds the 1024-byte limit"},
			good(2, int64(len(big)), `{"ok":true}`),
		}, got)
		assert.LessOrEqual(t, cap(s.buf), max+readChunk)
		assert.Equal(t, int64(len(in)), s.BytesRead())
	}
}

func TestDepthLimit(t *testing.T) {
	in := `{"a":{"b":[{}]}}` + `{"a":{"b":[{"c":[]}]}}` + `[[[[[[]]]]]]` + `{"d":1}`
	got, err := scanAll(t, strings.NewReader(in), Options{MaxDepth: 4})
	require.NoError(t, err)
	assert.Equal(t, []rec{
		good(1, 0, `{"a":{"b":[{}]}}`),
		{N: 2, Off: 16, B: `{"a":{"b":[{"c":[]}]}}`, Err: "nesting depth exceeds the 4-level limit"},
		// The '[' starts an array document: its one element is too deep.
		{N: 3, Off: 39, B: `[[[[[]]]]]`, Err: "nesting depth exceeds the 4-level limit"},
		good(4, 50, `{"d":1}`),
	}, got)
	var re *RecordError
	s := NewScanner(strings.NewReader(strings.Repeat("[", 600)+strings.Repeat("]", 600)), Options{})
	require.True(t, s.Next())
	require.ErrorAs(t, s.Err(), &re)
	assert.ErrorIs(t, re, ErrDepth)
	assert.Equal(t, "nesting depth exceeds the 128-level limit", re.Msg)
	assert.Len(t, s.Bytes(), 1198)
	assert.False(t, s.Next())

	// The default is the decoder's limit: 128 levels pass, 129 do not.
	for depth, want := range map[int]string{128: "", 129: "nesting depth exceeds the 128-level limit"} {
		in := strings.Repeat(`{"a":`, depth-1) + "{}" + strings.Repeat("}", depth-1)
		got, err := scanAll(t, strings.NewReader(in), Options{})
		require.NoError(t, err)
		assert.Equal(t, []rec{{N: 1, Off: 0, B: in, Err: want}}, got, "depth %d", depth)
	}

	// A larger limit grows the bracket stack as needed.
	deep := `{"a":` + strings.Repeat(`[`, 900) + `}`
	got, err = scanAll(t, strings.NewReader(deep+deep+`{}`), Options{MaxDepth: 1000})
	require.NoError(t, err)
	assert.Equal(t, []rec{
		{N: 1, Off: 0, B: deep, Err: "syntax error: mismatched '}'"},
		{N: 2, Off: int64(len(deep)), B: deep, Err: "syntax error: mismatched '}'"},
		good(3, int64(2*len(deep)), `{}`),
	}, got)
}

func TestReset(t *testing.T) {
	s := NewScanner(strings.NewReader(""), Options{})
	inputs := []struct {
		c    Compression
		in   string
		recs []string
	}{
		{Gzip, recA + recB, []string{recA, recB}},
		{Zstd, "[" + recC + "]", []string{recC}},
		{None, `{"logs":[` + recB + `]}`, []string{recB}},
		{Gzip, recC, []string{recC}},
		{Zstd, recA + "\n" + recC, []string{recA, recC}},
		{None, "", nil},
		{Gzip, recB, []string{recB}},
	}
	for i, tc := range inputs {
		s.Reset(bytes.NewReader(compress(t, tc.c, []byte(tc.in))))
		got, err := drain(t, s)
		require.NoError(t, err, i)
		var want []rec
		if tc.recs != nil {
			want = expect(t, tc.in, tc.recs...)
		}
		assert.Equal(t, want, got, i)
		assert.Equal(t, tc.c, s.Compression(), i)
		assert.Equal(t, int64(len(tc.in)), s.BytesRead(), i)
	}
	// Close drops the zstd decoder; a later zstd input makes a new one.
	s.Close()
	assert.False(t, s.Next())
	assert.NoError(t, s.Fatal())
	s.Reset(bytes.NewReader(zstdBytes(t, []byte(recC))))
	got, err := drain(t, s)
	require.NoError(t, err)
	assert.Equal(t, []rec{good(1, 0, recC)}, got)

	// Reset in the middle of an input.
	s.Reset(strings.NewReader(recA + recB))
	require.True(t, s.Next())
	s.Reset(strings.NewReader(recC))
	got, err = drain(t, s)
	require.NoError(t, err)
	assert.Equal(t, []rec{good(1, 0, recC)}, got)
}

func TestMaxDecompressed(t *testing.T) {
	in := strings.Repeat(`{"n":12345678}`, 1000) // 14 bytes each, 14000 in all
	for _, c := range []Compression{None, Gzip, Zstd} {
		t.Run(c.String(), func(t *testing.T) {
			data := compress(t, c, []byte(in))
			s := NewScanner(bytes.NewReader(data), Options{MaxDecompressed: 1000})
			got, err := drain(t, s)
			require.ErrorIs(t, err, ErrTooLarge)
			// Every record that lies wholly in the first 1000 bytes.
			assert.Len(t, got, 1000/14)
			for i, r := range got {
				require.Equal(t, good(i+1, int64(14*i), `{"n":12345678}`), r)
			}
			assert.False(t, s.Next())
			assert.ErrorIs(t, s.Fatal(), ErrTooLarge)
			assert.LessOrEqual(t, s.BytesRead(), int64(1000))

			// Exactly at the limit is fine.
			got, err = scanAll(t, bytes.NewReader(data), Options{MaxDecompressed: int64(len(in))})
			require.NoError(t, err)
			assert.Len(t, got, 1000)
		})
	}
}

// failReader fails after delivering its data.
type failReader struct {
	data []byte
	err  error
}

func (f *failReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestFatalReadError(t *testing.T) {
	boom := errors.New("connection reset")
	s := NewScanner(&failReader{data: []byte(recA + recB + `{"cut":`), err: boom}, Options{})
	got, err := drain(t, s)
	assert.ErrorIs(t, err, boom)
	// The records before the error are delivered; the cut one is not.
	assert.Equal(t, expect(t, recA+recB, recA, recB), got)

	// A corrupt gzip stream is fatal.
	gz := gzipBytes(t, []byte(recA+recB))
	gz[len(gz)-5] ^= 0xff // damage the CRC
	s = NewScanner(bytes.NewReader(gz), Options{})
	_, err = drain(t, s)
	assert.Error(t, err)

	// So is an error while detecting the compression.
	s = NewScanner(iotest.ErrReader(boom), Options{})
	assert.False(t, s.Next())
	assert.ErrorIs(t, s.Fatal(), boom)

	// A reader that never makes progress.
	s = NewScanner(zeroReader{}, Options{})
	assert.False(t, s.Next())
	assert.ErrorIs(t, s.Fatal(), io.ErrNoProgress)
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

func TestStrings(t *testing.T) {
	assert.Equal(t, "unknown", FramingUnknown.String())
	assert.Equal(t, "stream", FramingStream.String())
	assert.Equal(t, "array", FramingArray.String())
	assert.Equal(t, "api", FramingAPI.String())
	assert.Equal(t, "Framing(9)", Framing(9).String())
	assert.Equal(t, "none", None.String())
	assert.Equal(t, "gzip", Gzip.String())
	assert.Equal(t, "zstd", Zstd.String())
	assert.Equal(t, "Compression(7)", Compression(7).String())
}

func TestRecordsAreExactAtScale(t *testing.T) {
	// Many realistic envelopes, concatenated with no separator, through
	// each compression; checked record by record.
	var buf bytes.Buffer
	var recs []string
	for i := range 500 {
		r := string(envelope(i, 1+i%60))
		recs = append(recs, r)
		buf.WriteString(r)
	}
	in := buf.String()
	want := expect(t, in, recs...)
	for _, c := range []Compression{None, Gzip, Zstd} {
		got, err := scanAll(t, bytes.NewReader(compress(t, c, []byte(in))), Options{MaxRecordSize: 8 << 10})
		require.NoError(t, err)
		require.Equal(t, want, got, c.String())
	}
	// And their sizes are what the benchmark claims.
	assert.InDelta(t, 4100, len(envelope(1, 30)), 200, fmt.Sprint(len(envelope(1, 30))))
}

func TestMismatchIgnoresStaleStack(t *testing.T) {
	// The first element leaves '[' bits up to depth 101 in the stack; they
	// must not count as open brackets in the next one.
	stale := `{"r":` + strings.Repeat(`[`, 100) + strings.Repeat(`]`, 100) + `}`
	in := `[` + stale + `,[{"a":1],{"b":{"c":[1}}]`
	got, err := scanAll(t, strings.NewReader(in), Options{})
	require.NoError(t, err)
	want := expect(t, in, stale, `[{"a":1]`, `{"b":{"c":[1}}`)
	want[1].Err = "syntax error: mismatched ']'"
	want[2].Err = "syntax error: mismatched '}'"
	assert.Equal(t, want, got)
}

func TestMismatchDeepStack(t *testing.T) {
	rep := strings.Repeat
	recs := []string{
		// Leaves '[' bits up to depth 101 in the stack.
		`{"r":` + rep(`[`, 100) + rep(`]`, 100) + `}`,
		// ']' deep in objects closes the array at depth 2.
		`{"r":[` + rep(`{"a":`, 70) + `1]}`,
		// '}' deep in arrays closes the object at depth 1.
		`{"r":` + rep(`[`, 70) + `}`,
		// No '[' is open below: the ']' is ignored.
		rep(`{"a":`, 70) + `1]` + rep(`}`, 70),
		// ']' at depth 83 closes the '[' at depth 73 (another stack word).
		`{"r":[` + rep(`{"a":`, 70) + `[` + rep(`{"b":`, 10) + `1]` + rep(`}`, 70) + `]}`,
	}
	in := strings.Join(recs, "\n") + `{"ok":1}`
	want := expect(t, in, append(recs, `{"ok":1}`)...)
	for i := range recs[1:] {
		want[i+1].Err = "syntax error: mismatched ']'"
	}
	want[2].Err = "syntax error: mismatched '}'"
	got, err := scanAll(t, strings.NewReader(in), Options{})
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

// TestAlignments moves problems across every position of the 8-byte words
// the fast path reads, and across read boundaries.
func TestAlignments(t *testing.T) {
	const next = `{"next":1}`
	cases := []struct {
		tmpl, err string // tmpl: record with %s where padding goes
		cut       int    // bytes of the record kept (0: all)
	}{
		{`{"%s":"say "hi" now"}`, "syntax error: unexpected 'h' after string (unescaped quote?)", 0},
		{`{"%s":"a\"b\\"}`, "", 0},
		{`{"%s":"a\\\\\"}"}`, "", 0},
		{`{"%s":"x"` + "\n" + `}`, "", 0},
		{`{"%s":"x"` + " \t\r\n" + `,"y":[]}`, "", 0},
		{`{"%s":["x",{"y":"z"}]}`, "", 0},
		{`{"%s":"tab	x"}`, "", 0},
		{`{"%s":"line` + "\n", "syntax error: newline in string (unterminated string)", -1},
		{`{"%s":"line\` + "\n", "syntax error: newline in string (unterminated string)", -1},
		{`{"%s":1 {"y":2}`, "syntax error: unexpected '{' where no value can start (missing closing bracket?)", 0},
		{`{"%s":"x"{"y":2}`, "syntax error: unexpected '{' where no value can start (missing closing bracket?)", 0},
		{`{"%s":[1}`, "syntax error: mismatched '}'", 0},
	}
	for _, tc := range cases {
		for pad := range 17 {
			r := fmt.Sprintf(tc.tmpl, strings.Repeat("k", pad))
			in := r + next
			wantB := r
			if tc.cut < 0 {
				wantB = strings.TrimRight(r, "\n")
			}
			if strings.Contains(tc.tmpl, `{"y":2}`) {
				wantB = r[:strings.LastIndex(r, "{")]
				wantB = strings.TrimRight(wantB, " ")
			}
			for name, rd := range readers(in) {
				got, err := scanAll(t, rd, Options{})
				require.NoError(t, err)
				require.NotEmpty(t, got, "%s %q", name, in)
				assert.Equal(t, rec{N: 1, Off: 0, B: wantB, Err: tc.err}, got[0], "%s %q", name, in)
				assert.Equal(t, good(len(got), int64(strings.LastIndex(in, next)), next), got[len(got)-1], "%s %q", name, in)
			}
		}
	}
}

// TestOversizedKeepsBoundaries cuts records at every size: the bytes kept
// change, the record boundaries and the rules applied do not.
func TestOversizedKeepsBoundaries(t *testing.T) {
	recs := []string{
		`{"aaaa": {"b": [ {"c": "x\"}"} ]}, "d" :  { } ,"e":[[ ],{ }]}`,
		"{\"a\":\n  [\n    {\"b\": 1}\n  ]\n}",
		`{"a": "say "hi"", "b": {"c": [1, 2}}`, // repaired inside
		`{"a": {"b": 1} {"c": 2}`,              // broken before '{'
	}
	in := strings.Join(recs, "\n")
	full, err := scanAll(t, strings.NewReader(in), Options{})
	require.NoError(t, err)
	require.Len(t, full, 5)
	for max := 1; max <= 70; max++ {
		for name, r := range readers(in) {
			got, err := scanAll(t, r, Options{MaxRecordSize: max})
			require.NoError(t, err)
			require.Len(t, got, len(full), "max %d %s", max, name)
			for i, g := range got {
				f := full[i]
				if len(f.B) <= max {
					assert.Equal(t, f, g, "max %d %s", max, name)
					continue
				}
				assert.Equal(t, rec{N: f.N, Off: f.Off, B: f.B[:max], Err: fmt.Sprintf("record exceeds the %d-byte limit", max)}, g, "max %d %s", max, name)
			}
		}
	}
}

package stream

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eofReader returns all of its input in one read, with io.EOF: the
// scanner then knows that no record goes on beyond what it has, and offers
// every record to take.
type eofReader struct{ s string }

func (r *eofReader) Read(p []byte) (int, error) {
	n := copy(p, r.s)
	r.s = r.s[n:]
	if r.s == "" {
		return n, io.EOF
	}
	return n, nil
}

// takeAll scans in with jlexTake and returns the records and, per record,
// whether take decoded it.
func takeAll(t *testing.T, in string, opt Options) ([]rec, []bool) {
	t.Helper()
	s := NewScanner(&eofReader{in}, opt)
	s.SetTake(jlexTake)
	var taken []bool
	for s.Next() {
		taken = append(taken, s.Taken())
	}
	require.NoError(t, s.Fatal())
	s = NewScanner(&eofReader{in}, opt)
	s.SetTake(jlexTake)
	recs, err := drain(t, s)
	require.NoError(t, err)
	return recs, taken
}

// TestTakeFindsTheSameRecords checks that records a decoder takes are the
// ones the scanner finds, and that what only the scanner may judge is
// still judged by it: each case is scanned with and without take, and
// must give the same records; taken says which records take decodes.
func TestTakeFindsTheSameRecords(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		taken []bool
	}{
		{"stream without separators", recA + recB + recC, []bool{true, true, true}},
		{"NDJSON", recA + "\n" + recB + "\r\n" + recC + "\n", []bool{true, true, true}},
		{"array", "[" + recA + ",\n " + recB + "]", []bool{true, true}},
		{"API object", `{"version":"1","logs":[` + recA + `,` + recB + `],"tailnetId":"x"}`, []bool{true, true}},
		// Pretty-printed with no indentation: valid JSON that a stream
		// cuts at the '{' starting a line, so take must not have it.
		{"unindented pretty-printing", "{\"a\":\n{\"b\":1}}\n" + recC, []bool{false, true, false, true}},
		// In an array the rule does not apply: the record is taken.
		{"unindented pretty-printing in an array", "[{\"a\":\n{\"b\":1}}]", []bool{true}},
		{"a cut line", `{"a":{"src":` + "\n" + recA + "\n", []bool{false, true}},
		{"garbage between records", recA + "xyz" + recB, []bool{true, false, true}},
		{"a broken record", `{"a":1x}` + recB, []bool{false, true}},
		{"mismatched bracket", `{"a":[1}` + recB, []bool{false, true}},
		{"deep", strings.Repeat("[", 127) + strings.Repeat("]", 127), []bool{false}},
		{"record at the depth limit", `{"a":` + strings.Repeat("[", 127) + strings.Repeat("]", 127) + `}`, []bool{true}},
		{"record beyond the depth limit", `{"a":` + strings.Repeat("[", 128) + strings.Repeat("]", 128) + `}` + recC, []bool{false, true}},
		{"truncated at the end", recA + `{"a":"b`, []bool{true, false}},
		{"newline in a string", "{\"a\":\"b\nc\"}" + recC, []bool{false, false, true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, err := scanAll(t, strings.NewReader(c.in), Options{})
			require.NoError(t, err)
			got, taken := takeAll(t, c.in, Options{})
			assert.Equal(t, want, got)
			assert.Equal(t, c.taken, taken)
			for i, tk := range taken {
				if tk {
					assert.Empty(t, got[i].Err, "record %d taken", i+1)
				}
			}
		})
	}
}

// TestTakeRespectsLimits: a record longer than MaxRecordSize is never
// taken (the scanner reports it), nor is anything with a MaxDepth below
// the decoder's.
func TestTakeRespectsLimits(t *testing.T) {
	in := recA + recB + recC
	opt := Options{MaxRecordSize: len(recB) - 1}
	want, err := scanAll(t, strings.NewReader(in), opt)
	require.NoError(t, err)
	got, taken := takeAll(t, in, opt)
	assert.Equal(t, want, got)
	assert.Equal(t, []bool{false, false, true}, taken)
	assert.Contains(t, got[1].Err, "exceeds")

	got, taken = takeAll(t, in, Options{MaxDepth: 5})
	want, err = scanAll(t, strings.NewReader(in), Options{MaxDepth: 5})
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Equal(t, []bool{false, false, false}, taken)
}

// TestTakeAcrossReads: records cut by the end of what has been read are
// framed by the scanner, with the same result, and the buffer grows so
// that later records of that size are taken whole.
func TestTakeAcrossReads(t *testing.T) {
	var buf bytes.Buffer
	var recs []string
	for i := range 300 {
		r := string(envelope(i, 40+i%20))
		recs = append(recs, r)
		buf.WriteString(r)
	}
	in := buf.String()
	want := expect(t, in, recs...)
	for name, r := range map[string]func() *Scanner{
		"whole":     func() *Scanner { return NewScanner(strings.NewReader(in), Options{}) },
		"half":      func() *Scanner { return NewScanner(iotest.HalfReader(strings.NewReader(in)), Options{}) },
		"1000-byte": func() *Scanner { return NewScanner(&chunkReader{s: in, n: 1000}, Options{}) },
	} {
		s := r()
		s.SetTake(jlexTake)
		got, err := drain(t, s)
		require.NoError(t, err)
		require.Equal(t, want, got, name)
	}
	// From a file-like reader, which fills whatever space it is given,
	// all but the first few records are taken.
	s := NewScanner(strings.NewReader(in), Options{})
	s.SetTake(jlexTake)
	n, taken := 0, 0
	for s.Next() {
		n++
		if s.Taken() {
			taken++
		}
	}
	assert.Equal(t, len(recs), n)
	assert.GreaterOrEqual(t, taken, len(recs)*9/10, "records taken")
}

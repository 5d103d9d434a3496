package stream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/jlex"
)

// fuzzScan scans data and checks the invariants that hold for any input.
func fuzzScan(t *testing.T, data []byte, r io.Reader, opt Options) []rec {
	t.Helper()
	return fuzzScanTake(t, data, r, opt, nil)
}

// fuzzScanTake is fuzzScan with take given to SetTake. A record taken must
// be good.
func fuzzScanTake(t *testing.T, data []byte, r io.Reader, opt Options, take func([]byte) int) []rec {
	t.Helper()
	s := NewScanner(r, opt)
	s.SetTake(take)
	max := opt.MaxRecordSize
	if max <= 0 {
		max = DefaultMaxRecordSize
	}
	var out []rec
	last := int64(-1)
	for s.Next() {
		b := s.Bytes()
		off := s.Offset()
		if s.Record() != len(out)+1 {
			t.Fatalf("record number %d, want %d", s.Record(), len(out)+1)
		}
		if off <= last {
			t.Fatalf("record %d: offset %d after %d", s.Record(), off, last)
		}
		last = off
		if len(b) > max || (len(b) == 0 && !endOfInputCut(s, data)) {
			t.Fatalf("record %d: %d bytes (limit %d)", s.Record(), len(b), max)
		}
		if s.Compression() == None {
			if off+int64(len(b)) > int64(len(data)) || !bytes.Equal(b, data[off:off+int64(len(b))]) {
				t.Fatalf("record %d at %d: bytes %q are not the input's", s.Record(), off, b)
			}
		}
		r := rec{N: s.Record(), Off: off, B: string(b)}
		if s.Taken() && (take == nil || s.Err() != nil) {
			t.Fatalf("record %d: taken (take set: %v), error %v", s.Record(), take != nil, s.Err())
		}
		if err := s.Err(); err != nil {
			re, ok := err.(*RecordError)
			if !ok || re.Record != s.Record() || re.Offset != off || re.Msg == "" || re.Err == nil {
				t.Fatalf("record %d: bad error %#v", s.Record(), err)
			}
			r.Err = re.Msg
		}
		out = append(out, r)
	}
	if s.Compression() == None && s.Fatal() != nil {
		t.Fatalf("fatal error on uncompressed input: %v", s.Fatal())
	}
	if s.Next() {
		t.Fatal("Next after the end returned true")
	}
	return out
}

// jlexTake takes a record as the generated decoders find its end: the
// object at the front of data, checked by jlex (strings, escapes, nesting
// up to jlex.MaxDepth), without regard to what follows it.
func jlexTake(data []byte) int {
	if len(data) == 0 || data[0] != '{' {
		return 0
	}
	var l jlex.Lexer
	l.ResetView(data, nil)
	l.Skip()
	if !l.Ok() {
		return 0
	}
	return l.Pos()
}

func sameRecs(t *testing.T, what string, a, b []rec) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d records vs %d:\n%+v\n%+v", what, len(a), len(b), a, b)
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("%s: record %d differs:\n%+v\n%+v", what, i+1, a[i], b[i])
		}
	}
}

// validObjects returns the values of data if it is a sequence of JSON objects
// (with optional whitespace between) that the scanner reads as a stream.
func validObjects(data []byte) ([]json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var vals []json.RawMessage
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		if err == io.EOF {
			break
		}
		// A '{' right after a newline inside an object is taken for the
		// start of the next line's record (pretty-printing with no
		// indentation at all is the one valid input split differently).
		if err != nil || len(v) == 0 || v[0] != '{' || bytes.Contains(v, []byte("\n{")) {
			return nil, false
		}
		vals = append(vals, v)
	}
	if len(vals) > 0 {
		// An API-looking first object makes an API document.
		dec := json.NewDecoder(bytes.NewReader(vals[0]))
		if _, err := dec.Token(); err == nil {
			if tok, err := dec.Token(); err == nil {
				switch tok {
				case "logs", "version", "tailnetId":
					return nil, false
				}
			}
		}
	}
	return vals, true
}

func checkExact(t *testing.T, data []byte, vals []json.RawMessage) {
	t.Helper()
	got := fuzzScan(t, data, bytes.NewReader(data), Options{MaxDepth: 1 << 20})
	if len(got) != len(vals) {
		t.Fatalf("valid input %q: %d records, want %d: %+v", data, len(got), len(vals), got)
	}
	for i, r := range got {
		if r.Err != "" || r.B != string(vals[i]) {
			t.Fatalf("valid input %q: record %d = %q (%s), want %q", data, i+1, r.B, r.Err, vals[i])
		}
	}
}

// endOfInputCut reports whether the current record is the one record with
// no bytes: the report, at the end of the input, that an array or API
// document is not closed.
func endOfInputCut(s *Scanner, data []byte) bool {
	var re *RecordError
	if !errors.As(s.Err(), &re) || !errors.Is(re, ErrTruncated) || s.Offset() != s.BytesRead() {
		return false
	}
	return s.Compression() != None || s.Offset() == int64(len(data))
}

func FuzzScanner(f *testing.F) {
	for _, s := range []string{
		recA + recB + recC,
		recA + "\r\n" + recB + "\n",
		"[" + recA + "," + recB + "]",
		`{"version":"1","logs":[` + recC + `,5,"x"],"tailnetId":{"a":[1]}}`,
		`xyz{"a":1}]{"b":[1}{"c":"d` + "\n" + `{"e":"say "hi""}`,
		`{"a":{"b":1}{"c":2}`,
		`{"a":1}` + "\n" + `{"a":{"src":` + "\n" + recA + "\n",
		`[` + recA + `,` + recB,
		"\xef\xbb\xbf" + `{"\\":"\"}"}`,
		"    {\"a\":\n{\"b\":1}}\n{\"c\":[\n{}]}",
		"    " + recA + `{"a":` + strings.Repeat("[", 128) + strings.Repeat("]", 128) + `}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		whole := fuzzScan(t, data, bytes.NewReader(data), Options{})
		// The result does not depend on how the input is cut into reads.
		sameRecs(t, "one-byte reads", whole, fuzzScan(t, data, iotest.OneByteReader(bytes.NewReader(data)), Options{}))
		sameRecs(t, "half reads", whole, fuzzScan(t, data, iotest.HalfReader(bytes.NewReader(data)), Options{}))
		// Nor on whether a decoder finds the ends of the records it can
		// decode (SetTake), however the input is cut into reads.
		sameRecs(t, "take", whole, fuzzScanTake(t, data, bytes.NewReader(data), Options{}, jlexTake))
		sameRecs(t, "take, half reads", whole, fuzzScanTake(t, data, iotest.HalfReader(bytes.NewReader(data)), Options{}, jlexTake))

		// Nor, with a small limit, on whether the oversized records are
		// skipped from the buffer or streamed through it.
		small := Options{MaxRecordSize: 16, MaxDepth: 3}
		a := fuzzScan(t, data, bytes.NewReader(data), small)
		sameRecs(t, "small limit, one-byte reads", a, fuzzScan(t, data, iotest.OneByteReader(bytes.NewReader(data)), small))

		// The limit cuts records without moving their boundaries.
		b := fuzzScan(t, data, bytes.NewReader(data), Options{MaxDepth: 3})
		if len(a) != len(b) {
			t.Fatalf("%d records with a small limit, %d without:\n%+v\n%+v", len(a), len(b), a, b)
		}
		for i := range a {
			// A cut record keeps exactly its first 16 bytes (and a value
			// skipped in an API object its own error).
			cut := len(a[i].B) == 16 && len(b[i].B) > 16 && strings.HasPrefix(b[i].B, a[i].B) &&
				(a[i].Err == "record exceeds the 16-byte limit" || a[i].Err == b[i].Err)
			if a[i].Off != b[i].Off || a[i].N != b[i].N || (a[i] != b[i] && !cut) {
				t.Fatalf("record %d: %+v with a small limit, %+v without", i+1, a[i], b[i])
			}
		}

		// A concatenation of valid objects is split exactly.
		if vals, ok := validObjects(data); ok {
			checkExact(t, data, vals)
		}

		// Objects made of arbitrary strings and the input as a raw value,
		// joined in the ways streams are, are split exactly.
		if len(data) > 0 && len(data) < 1<<12 {
			sep := [][]byte{nil, []byte("\n"), []byte("\r\n"), []byte(" \t")}[data[0]%4]
			var vals []json.RawMessage
			k, _ := json.Marshal(string(data))
			vals = append(vals, json.RawMessage(`{"s":`+string(k)+`,`+string(k)+`:[`+string(k)+`]}`))
			if raw, ok := validObjects(data); ok && len(raw) == 1 {
				vals = append(vals, json.RawMessage(`{"raw":`+string(raw[0])+`,"n":[`+string(raw[0])+`]}`))
			}
			vals = append(vals, json.RawMessage(`{"a":[{"b":`+string(k)+`}],"c":{}}`))
			var in []byte
			for _, v := range vals {
				in = append(in, v...)
				in = append(in, sep...)
			}
			checkExact(t, in, vals)
		}
	})
}

// TestRandomDamage damages realistic inputs at random and checks the fuzz
// invariants on them: long inputs exercise the fast path, which the fuzzer's
// short inputs seldom reach.
func TestRandomDamage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "\"\"\"{}[]\\:,\n x0"
	for round := range 300 {
		var buf bytes.Buffer
		for i := range 1 + rng.IntN(6) {
			buf.Write(envelope(round*10+i, rng.IntN(8)))
			buf.WriteString([]string{"", "", "\n", "\r\n", " "}[rng.IntN(5)])
		}
		data := buf.Bytes()
		for range rng.IntN(4) {
			k := rng.IntN(len(data))
			switch rng.IntN(3) {
			case 0:
				data[k] = alphabet[rng.IntN(len(alphabet))]
			case 1:
				data = append(data[:k], data[k+1:]...)
			default:
				data = append(data[:k], append([]byte{alphabet[rng.IntN(len(alphabet))]}, data[k:]...)...)
			}
		}
		whole := fuzzScan(t, data, bytes.NewReader(data), Options{})
		sameRecs(t, "one-byte reads", whole, fuzzScan(t, data, iotest.OneByteReader(bytes.NewReader(data)), Options{}))
		n := 1 + rng.IntN(40)
		sameRecs(t, "chunked reads", whole, fuzzScan(t, data, &chunkReader{s: string(data), n: n}, Options{}))
		sameRecs(t, "take", whole, fuzzScanTake(t, data, bytes.NewReader(data), Options{}, jlexTake))
		sameRecs(t, "take, chunked reads", whole, fuzzScanTake(t, data, &chunkReader{s: string(data), n: n}, Options{}, jlexTake))
		small2 := Options{MaxRecordSize: 100 + rng.IntN(400)}
		sameRecs(t, "take, small limit", fuzzScan(t, data, bytes.NewReader(data), small2),
			fuzzScanTake(t, data, &chunkReader{s: string(data), n: n}, small2, jlexTake))
		small := Options{MaxRecordSize: 100 + rng.IntN(400)}
		cut := fuzzScan(t, data, bytes.NewReader(data), small)
		sameRecs(t, "small limit, chunked reads", cut, fuzzScan(t, data, &chunkReader{s: string(data), n: n}, small))
		require.Len(t, cut, len(whole))
		for i := range cut {
			if cut[i] != whole[i] {
				require.Equal(t, whole[i].Off, cut[i].Off)
				require.Equal(t, whole[i].B[:small.MaxRecordSize], cut[i].B)
				require.Equal(t, fmt.Sprintf("record exceeds the %d-byte limit", small.MaxRecordSize), cut[i].Err)
			}
		}
	}
}

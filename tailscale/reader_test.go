package tailscale

// Tests of Reader: every framing × compression × envelope × log type, bad
// records among good ones, bare-record event times, the memory bound and the
// MaxDecompressed limit. Inputs are built in the tests from the hand-written
// records in ../testdata/records and from internal/synth; offsets are computed
// while building them, independently of the reader.

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/internal/stream"
	"github.com/tslogs/tslogs/internal/synth"
)

const rtRecordsDir = "../testdata/records"

var rtParseTime = time.Date(2026, 6, 4, 1, 2, 3, 456789000, time.UTC)

// rtMeta is a fixed RowMeta, so that rows of the same record compare equal.
func rtMeta() *RowMeta { return &RowMeta{ParseTime: rtParseTime, RowID: "rt-row"} }

// rtRec is one record placed in a test input.
type rtRec struct {
	name string
	typ  LogType // LogTypeAudit or LogTypeNetwork
	bare bool
	data []byte
}

// rtCompact removes the insignificant whitespace of a record, so that it
// fits on one NDJSON line.
func rtCompact(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, json.Compact(&b, data), name)
	return b.Bytes()
}

// rtLoadDir loads the good records of testdata/records/<dir> as envelopes
// and as bare records: the *_bare.json files as they are, and the event of
// every envelope extracted as a bare record.
func rtLoadDir(t testing.TB, dir string, typ LogType) (env, bare []rtRec) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(rtRecordsDir, dir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		name := dir + "/" + filepath.Base(p)
		data = rtCompact(t, name, data)
		if strings.HasSuffix(p, "_bare.json") {
			bare = append(bare, rtRec{name: name, typ: typ, bare: true, data: data})
			continue
		}
		env = append(env, rtRec{name: name, typ: typ, data: data})
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(data, &m), name)
		ev := m["event"]
		require.NotEmpty(t, ev, name)
		bare = append(bare, rtRec{name: name + "#event", typ: typ, bare: true, data: rtCompact(t, name, ev)})
	}
	return env, bare
}

// rtSynth returns n synthetic records.
func rtSynth(t testing.TB, kind synth.Kind, bare bool, seed uint64, n int) []rtRec {
	t.Helper()
	typ := LogTypeNetwork
	if kind == synth.Audit {
		typ = LogTypeAudit
	}
	g := synth.New(synth.Options{Kind: kind, Seed: seed, Bare: bare, Entries: 3})
	var out []rtRec
	for i := range n {
		data := bytes.TrimRight(g.AppendRecord(nil), "\n")
		out = append(out, rtRec{name: fmt.Sprintf("synth-%v-%d", kind, i), typ: typ, bare: bare, data: data})
	}
	return out
}

// rtSets are the record sets of the matrix, by envelope and log type.
type rtSets struct {
	auditEnv, auditBare, netEnv, netBare []rtRec
}

func rtLoadSets(t testing.TB) *rtSets {
	t.Helper()
	var s rtSets
	s.auditEnv, s.auditBare = rtLoadDir(t, "audit", LogTypeAudit)
	s.netEnv, s.netBare = rtLoadDir(t, "network", LogTypeNetwork)
	s.auditEnv = append(s.auditEnv, rtSynth(t, synth.Audit, false, 11, 4)...)
	s.auditBare = append(s.auditBare, rtSynth(t, synth.Audit, true, 12, 4)...)
	s.netEnv = append(s.netEnv, rtSynth(t, synth.Network, false, 13, 4)...)
	s.netBare = append(s.netBare, rtSynth(t, synth.Network, true, 14, 4)...)
	return &s
}

// rtInterleave alternates the records of a and b.
func rtInterleave(a, b []rtRec) []rtRec {
	var out []rtRec
	for i := 0; i < len(a) || i < len(b); i++ {
		if i < len(a) {
			out = append(out, a[i])
		}
		if i < len(b) {
			out = append(out, b[i])
		}
	}
	return out
}

// rtFraming lays records out in an input and returns each record's offset.
type rtFraming struct {
	name    string
	framing string // what Reader.Framing reports
	build   func(recs []rtRec) (input []byte, offs []int64)
}

// rtJoin builds prefix rec0 sep(0) rec1 sep(1) ... recN-1 suffix.
func rtJoin(recs []rtRec, prefix string, sep func(i int) string, suffix string) ([]byte, []int64) {
	buf := []byte(prefix)
	offs := make([]int64, len(recs))
	for i, r := range recs {
		if i > 0 {
			buf = append(buf, sep(i-1)...)
		}
		offs[i] = int64(len(buf))
		buf = append(buf, r.data...)
	}
	return append(buf, suffix...), offs
}

func rtConst(s string) func(int) string { return func(int) string { return s } }

var rtWhitespace = []string{" ", "\t", "\n\n", "\r\n  \t", "   ", "\n \n"}

var rtFramings = []rtFraming{
	{"concatenated", "stream", func(recs []rtRec) ([]byte, []int64) {
		return rtJoin(recs, "", rtConst(""), "")
	}},
	{"ndjson", "stream", func(recs []rtRec) ([]byte, []int64) {
		return rtJoin(recs, "", rtConst("\n"), "\n")
	}},
	{"ndjson-crlf", "stream", func(recs []rtRec) ([]byte, []int64) {
		return rtJoin(recs, "", rtConst("\r\n"), "\r\n")
	}},
	{"whitespace", "stream", func(recs []rtRec) ([]byte, []int64) {
		return rtJoin(recs, " \n\t", func(i int) string { return rtWhitespace[i%len(rtWhitespace)] }, "\n\t ")
	}},
	{"array", "array", func(recs []rtRec) ([]byte, []int64) {
		return rtJoin(recs, "[", func(i int) string { return []string{",", ",\n", " , ", ",\r\n\t"}[i%4] }, "]\n")
	}},
	{"api", "api", func(recs []rtRec) ([]byte, []int64) {
		return rtJoin(recs,
			`{"version":"1.1","tailnetId":"example.com","paging":{"cursor":"a]}\"b","sizes":[1,[2],{"c":3}]},"logs":[`,
			rtConst(","),
			`],"nextCursor":"}]{[","count":12,"more":false,"extra":{"logs":[{"nodeId":"n"}],"s":"]"}}`+"\n")
	}},
}

// rtCompression compresses a whole input.
type rtCompression struct {
	name     string
	compress func(t testing.TB, in []byte) []byte
}

func rtGzip(t testing.TB, in []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, err := w.Write(in)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

func rtZstd(t testing.TB, in []byte) []byte {
	enc, err := zstd.NewWriter(nil)
	require.NoError(t, err)
	defer enc.Close()
	return enc.EncodeAll(in, nil)
}

var rtCompressions = []rtCompression{
	{"none", func(_ testing.TB, in []byte) []byte { return in }},
	{"gzip", rtGzip},
	{"zstd", rtZstd},
}

// rtChunkReader returns its data in reads of varying small sizes, so that
// records straddle the reader's buffer fills.
type rtChunkReader struct {
	data []byte
	n    int
}

func (c *rtChunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	c.n++
	size := 1 + (c.n*7919)%4099
	size = min(size, len(p), len(c.data))
	copy(p, c.data[:size])
	c.data = c.data[size:]
	return size, nil
}

// rtSolo decodes one record alone, as rec.typ (or forced), and returns its row.
func rtSolo(t testing.TB, rec rtRec) []byte {
	t.Helper()
	var err error
	var row []byte
	switch rec.typ {
	case LogTypeAudit:
		var a Audit
		if rec.bare {
			err = a.DecodeBare(rec.data)
		} else {
			err = a.Decode(rec.data)
		}
		row = a.AppendRow(nil, rtMeta())
	case LogTypeNetwork:
		var n Network
		if rec.bare {
			err = n.DecodeBare(rec.data)
		} else {
			err = n.Decode(rec.data)
		}
		row = n.AppendRow(nil, rtMeta())
	default:
		t.Fatalf("%s: bad type %v", rec.name, rec.typ)
	}
	require.NoError(t, err, "%s decoded alone", rec.name)
	return row
}

// rtGot is what the reader reported for one record.
type rtGot struct {
	record int
	offset int64
	typ    LogType
	bare   bool
	raw    []byte
	row    []byte
	err    error
}

// rtReadAll reads every record of r.
func rtReadAll(t testing.TB, r *Reader) []rtGot {
	t.Helper()
	var out []rtGot
	meta := rtMeta()
	for r.Next() {
		g := rtGot{record: r.Record(), offset: r.Offset(), typ: r.LogType(), bare: r.Bare(),
			raw: bytes.Clone(r.Raw()), err: r.Err()}
		if g.err == nil {
			g.row = r.AppendRow(nil, meta)
		}
		out = append(out, g)
	}
	return out
}

func TestReaderMatrix(t *testing.T) {
	s := rtLoadSets(t)
	envelopes := []struct {
		name         string
		audit, netwk []rtRec
	}{
		{"envelope", s.auditEnv, s.netEnv},
		{"bare", s.auditBare, s.netBare},
		{"mixed-envelope", rtInterleave(s.auditEnv, s.auditBare), rtInterleave(s.netBare, s.netEnv)},
	}
	for _, fr := range rtFramings {
		for _, cp := range rtCompressions {
			for _, ev := range envelopes {
				types := []struct {
					name string
					opt  LogType
					recs []rtRec
				}{
					{"audit-auto", LogTypeAuto, ev.audit},
					{"network-auto", LogTypeAuto, ev.netwk},
					{"mix-auto", LogTypeAuto, rtInterleave(ev.audit, ev.netwk)},
					{"audit-forced", LogTypeAudit, ev.audit},
					{"network-forced", LogTypeNetwork, ev.netwk},
				}
				for _, ty := range types {
					name := fr.name + "/" + cp.name + "/" + ev.name + "/" + ty.name
					t.Run(name, func(t *testing.T) {
						plain, offs := fr.build(ty.recs)
						input := cp.compress(t, plain)
						r := NewReader(&rtChunkReader{data: input}, ReaderOptions{LogType: ty.opt})
						got := rtReadAll(t, r)
						require.NoError(t, r.Fatal())
						require.Len(t, got, len(ty.recs))
						assert.Equal(t, fr.framing, r.Framing())
						assert.Equal(t, cp.name, r.Compression())
						assert.Equal(t, int64(len(plain)), r.BytesRead())
						for k, rec := range ty.recs {
							g := got[k]
							require.NoError(t, g.err, "record %d (%s)", k+1, rec.name)
							assert.Equal(t, k+1, g.record, rec.name)
							assert.Equal(t, offs[k], g.offset, rec.name)
							assert.Equal(t, string(plain[offs[k]:offs[k]+int64(len(rec.data))]), string(g.raw), rec.name)
							assert.Equal(t, rec.typ, g.typ, rec.name)
							assert.Equal(t, rec.bare, g.bare, rec.name)
							assert.Equal(t, string(rtSolo(t, rec)), string(g.row), rec.name)
						}
					})
				}
			}
		}
	}
}

// rtReadRecordsDirectly also checks the per-record methods while iterating.
func TestReaderAccessorsPerRecord(t *testing.T) {
	s := rtLoadSets(t)
	recs := rtInterleave(rtInterleave(s.auditEnv, s.netBare), rtInterleave(s.netEnv, s.auditBare))
	plain, offs := rtFramings[1].build(recs)
	r := NewReader(bytes.NewReader(plain), ReaderOptions{})
	k := 0
	for r.Next() {
		require.NoError(t, r.Err())
		rec := recs[k]
		assert.Equal(t, offs[k], r.Offset())
		assert.GreaterOrEqual(t, r.BytesRead(), offs[k]+int64(len(rec.data)))
		switch rec.typ {
		case LogTypeAudit:
			assert.Equal(t, r.Audit().EventTime(), r.EventTime(), rec.name)
			assert.Equal(t, string(rtSolo(t, rec)), string(r.Audit().AppendRow(nil, rtMeta())), rec.name)
		case LogTypeNetwork:
			assert.Equal(t, r.Network().EventTime(), r.EventTime(), rec.name)
			assert.Equal(t, string(rtSolo(t, rec)), string(r.Network().AppendRow(nil, rtMeta())), rec.name)
		}
		k++
	}
	require.NoError(t, r.Fatal())
	require.Equal(t, len(recs), k)
}

// A gzip input of several members (cat a.gz b.gz c.gz) and the
// concatenation of documents of different framings (cat a.json b.json
// c.ndjson). A stream document lasts to the end of the input, so it comes
// last.
func TestReaderConcatenatedDocuments(t *testing.T) {
	s := rtLoadSets(t)
	parts := []struct {
		fr   rtFraming
		recs []rtRec
	}{
		{rtFramings[4], s.netEnv[:3]},    // array
		{rtFramings[5], s.netBare[:2]},   // api
		{rtFramings[4], s.auditEnv[:1]},  // array
		{rtFramings[1], s.auditBare[:3]}, // ndjson
	}
	var plain, gz []byte
	var offs []int64
	var recs []rtRec
	for _, p := range parts {
		b, o := p.fr.build(p.recs)
		for _, x := range o {
			offs = append(offs, int64(len(plain))+x)
		}
		plain = append(plain, b...)
		gz = append(gz, rtGzip(t, b)...)
		recs = append(recs, p.recs...)
	}
	for _, in := range []struct {
		name string
		data []byte
		comp string
	}{{"plain", plain, "none"}, {"gzip-members", gz, "gzip"}} {
		t.Run(in.name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(in.data), ReaderOptions{})
			var framings []string
			var got []rtGot
			for r.Next() {
				framings = append(framings, r.Framing())
				g := rtGot{record: r.Record(), offset: r.Offset(), err: r.Err()}
				if g.err == nil {
					g.row = r.AppendRow(nil, rtMeta())
				}
				got = append(got, g)
			}
			require.NoError(t, r.Fatal())
			require.Len(t, got, len(recs))
			for k, rec := range recs {
				require.NoError(t, got[k].err)
				assert.Equal(t, k+1, got[k].record)
				assert.Equal(t, offs[k], got[k].offset, rec.name)
				assert.Equal(t, string(rtSolo(t, rec)), string(got[k].row), rec.name)
			}
			assert.Equal(t, []string{"array", "array", "array", "api", "api", "array", "stream", "stream", "stream"}, framings)
			assert.Equal(t, in.comp, r.Compression())
		})
	}
}

// rtPiece is one piece of a hand-built input: a good record, or bad bytes.
type rtPiece struct {
	rec  *rtRec // a good record
	bad  string // bad bytes (Raw of the bad record), when rec is nil
	sep  string // written after the piece
	msg  string // substring of the bad record's error
	skip bool   // a separator-only piece: no record
}

type rtWant struct {
	good   *rtRec
	bad    string
	msg    string
	offset int64
}

func rtBuild(pieces []rtPiece) ([]byte, []rtWant) {
	var buf []byte
	var want []rtWant
	for _, p := range pieces {
		off := int64(len(buf))
		switch {
		case p.skip:
		case p.rec != nil:
			buf = append(buf, p.rec.data...)
			want = append(want, rtWant{good: p.rec, offset: off})
		default:
			buf = append(buf, p.bad...)
			want = append(want, rtWant{bad: p.bad, msg: p.msg, offset: off})
		}
		buf = append(buf, p.sep...)
	}
	return buf, want
}

// rtCheck reads input and compares every record with want.
func rtCheck(t *testing.T, input []byte, opt ReaderOptions, want []rtWant) {
	t.Helper()
	rtSameInParallel(t, input, opt)
	r := NewReader(bytes.NewReader(input), opt)
	got := rtReadAll(t, r)
	require.NoError(t, r.Fatal())
	require.Len(t, got, len(want), "records")
	for k, w := range want {
		g := got[k]
		assert.Equal(t, k+1, g.record, "record %d number", k+1)
		assert.Equal(t, w.offset, g.offset, "record %d offset", k+1)
		if w.good != nil {
			if assert.NoError(t, g.err, "record %d (%s)", k+1, w.good.name) {
				assert.Equal(t, string(rtSolo(t, *w.good)), string(g.row), "record %d", k+1)
				assert.Equal(t, string(w.good.data), string(g.raw), "record %d", k+1)
			}
			continue
		}
		if !assert.Error(t, g.err, "record %d should be bad: %q", k+1, w.bad) {
			continue
		}
		var re *RecordError
		if assert.ErrorAs(t, g.err, &re) {
			assert.Equal(t, k+1, re.Record, "record %d: RecordError.Record", k+1)
			assert.Equal(t, w.offset, re.Offset, "record %d: RecordError.Offset", k+1)
			assert.Contains(t, re.Error(), fmt.Sprintf("record %d at offset %d: ", k+1, w.offset))
		}
		assert.Equal(t, w.bad, string(g.raw), "record %d: Raw", k+1)
		if w.msg != "" {
			assert.Contains(t, g.err.Error(), w.msg, "record %d", k+1)
		}
	}
}

func rtBadFile(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(rtRecordsDir, "bad", name))
	require.NoError(t, err)
	// The bad records are one line each (some are not JSON, so they cannot
	// be compacted).
	s := strings.TrimSpace(string(data))
	require.NotContains(t, s, "\n", name)
	return s
}

func TestReaderBadRecordsAmongGood(t *testing.T) {
	s := rtLoadSets(t)
	g := func(i int) *rtRec {
		all := rtInterleave(s.netEnv, s.auditEnv)
		return &all[i]
	}
	gb := func(i int) *rtRec {
		all := rtInterleave(s.auditBare, s.netBare)
		return &all[i]
	}
	missingAction := rtBadFile(t, "audit_missing_action.json")
	overflow := rtBadFile(t, "network_counter_overflow.json")
	invalidToken := rtBadFile(t, "network_invalid_token.json")
	badBool := rtBadFile(t, "audit_invalid_token_bool.json")
	missingEvent := rtBadFile(t, "network_missing_event.json")

	for _, sep := range []struct{ name, s string }{{"concatenated", ""}, {"ndjson", "\n"}, {"crlf", "\r\n"}} {
		t.Run(sep.name, func(t *testing.T) {
			// A record broken in the middle ends where the next record
			// starts: at the next '{' where no value can start, or in
			// NDJSON at the '{' that starts the next line.
			brokenMsg := "syntax error"
			if sep.s != "" {
				brokenMsg = "truncated record"
			}
			pieces := []rtPiece{
				{rec: g(0), sep: sep.s},
				{bad: "xyz garbage", sep: " \n" + sep.s, msg: "unexpected 'x' between records"},
				{rec: g(1), sep: sep.s},
				{bad: missingAction, sep: sep.s, msg: "event.action"},
				{rec: gb(0), sep: sep.s},
				// Broken in the middle: missing closing brackets; the next
				// '{' where no value can start ends it.
				{bad: `{"time":1780500887.356,"event":{"nodeId":"nBROKEN","virtualTraffic":[{"proto":6`, sep: sep.s, msg: brokenMsg},
				{rec: g(2), sep: sep.s},
				{bad: overflow, sep: sep.s, msg: "event.virtualTraffic[0].txBytes"},
				{bad: invalidToken, sep: sep.s, msg: "event.debug"},
				{rec: gb(1), sep: sep.s},
				{bad: badBool, sep: sep.s, msg: "isEphemeral"},
				{bad: missingEvent, sep: sep.s, msg: "event"},
				// A wrong closing bracket is repaired locally.
				{bad: `{"time":1780500887.356,"event":{"nodeId":"n1","x":[1}`, sep: sep.s, msg: "syntax error"},
				{rec: g(3), sep: sep.s},
			}
			input, want := rtBuild(pieces)
			rtCheck(t, input, ReaderOptions{}, want)
		})
	}

	t.Run("decode-error-offset", func(t *testing.T) {
		input, want := rtBuild([]rtPiece{{rec: g(0), sep: "\n"}, {bad: overflow, sep: "\n"}})
		r := NewReader(bytes.NewReader(input), ReaderOptions{})
		require.True(t, r.Next())
		require.True(t, r.Next())
		var de *Error
		require.ErrorAs(t, r.Err(), &de)
		assert.Equal(t, "event.virtualTraffic[0].txBytes", de.Path)
		// The decode error's offset is absolute: it points at the value in
		// the whole input.
		wantOff := want[1].offset + int64(strings.Index(overflow, "99999999999999999999"))
		assert.Equal(t, wantOff, int64(de.Offset))
		assert.False(t, r.Next())
	})

	t.Run("ndjson-string-cut", func(t *testing.T) {
		// A line cut off inside a string: the raw newline ends the record.
		cut := `{"time":1780500887.356,"event":{"nodeId":"nCUT","start":"2026-06-03T15:3`
		input, want := rtBuild([]rtPiece{
			{rec: g(0), sep: "\n"},
			{bad: cut, sep: "\n"},
			{rec: g(1), sep: "\n"},
			{rec: gb(2), sep: "\n"},
		})
		rtCheck(t, input, ReaderOptions{}, want)
	})

	t.Run("garbage-after-record", func(t *testing.T) {
		// network_garbage_after_record.json: the envelope is good, the xyz
		// after it is a bad record.
		data := rtBadFile(t, "network_garbage_after_record.json")
		i := strings.LastIndex(data, "xyz")
		env := rtRec{name: "garbage_after_record", typ: LogTypeNetwork, data: []byte(data[:i])}
		input, want := rtBuild([]rtPiece{
			{rec: &env, sep: ""},
			{bad: "xyz", sep: "\n", msg: "between records"},
			{rec: g(1), sep: "\n"},
		})
		rtCheck(t, input, ReaderOptions{}, want)
	})

	t.Run("forced-type-mismatch", func(t *testing.T) {
		// Forcing audit on a network record fails that record only, with
		// a reason naming the type found.
		input, want := rtBuild([]rtPiece{{rec: &s.auditEnv[0], sep: "\n"}, {bad: string(s.netEnv[0].data), sep: "\n", msg: `wrong log type: this is a network record (it has "nodeId"), not an audit record`}, {rec: &s.auditBare[1]}})
		rtCheck(t, input, ReaderOptions{LogType: LogTypeAudit}, want)
		r := NewReader(bytes.NewReader(input), ReaderOptions{LogType: LogTypeAudit})
		require.True(t, r.Next())
		require.True(t, r.Next())
		require.ErrorIs(t, r.Err(), ErrWrongLogType)
		var le *LogTypeError
		require.ErrorAs(t, r.Err(), &le)
		assert.Equal(t, LogTypeError{Want: LogTypeAudit, Found: LogTypeNetwork, Key: "nodeId"}, *le)
		assert.Equal(t, LogTypeNetwork, r.LogType(), "a bad record's type is the one found")
	})

	t.Run("bad-after-bare", func(t *testing.T) {
		// A record the scanner rejects is not reported as bare because the
		// record before it was.
		input, _ := rtBuild([]rtPiece{{rec: gb(0), sep: "\n"}, {bad: "oops", sep: "\n"}, {rec: gb(1), sep: "\n"}, {bad: `{"a":[}`, sep: "\n"}})
		r := NewReader(bytes.NewReader(input), ReaderOptions{})
		var bare []bool
		for r.Next() {
			bare = append(bare, r.Bare())
		}
		assert.Equal(t, []bool{true, false, true, false}, bare)
	})

	t.Run("errors-kept", func(t *testing.T) {
		// An error returned by Err stays the same after later records.
		input, _ := rtBuild([]rtPiece{{bad: "oops", sep: "\n"}, {rec: g(0), sep: "\n"}, {bad: missingAction, sep: "\n"}})
		r := NewReader(bytes.NewReader(input), ReaderOptions{})
		var errs []error
		for r.Next() {
			if r.Err() != nil {
				errs = append(errs, r.Err())
			}
		}
		require.Len(t, errs, 2)
		var e1, e2 *RecordError
		require.ErrorAs(t, errs[0], &e1)
		require.ErrorAs(t, errs[1], &e2)
		assert.Equal(t, 1, e1.Record)
		assert.Equal(t, int64(0), e1.Offset)
		assert.Equal(t, 3, e2.Record)
		assert.NotSame(t, e1, e2)
	})

	t.Run("deep-nesting", func(t *testing.T) {
		deep := rtBadFile(t, "network_deep_nesting.json")
		input, want := rtBuild([]rtPiece{{rec: g(0), sep: "\n"}, {bad: deep, sep: "\n", msg: "nesting"}, {rec: g(1), sep: "\n"}})
		rtCheck(t, input, ReaderOptions{}, want)
	})
}

func TestReaderTruncatedAtEOF(t *testing.T) {
	s := rtLoadSets(t)
	trunc := rtBadFile(t, "network_truncated.json")
	for _, sep := range []string{"", "\n", "\r\n"} {
		input, want := rtBuild([]rtPiece{
			{rec: &s.netEnv[0], sep: sep},
			{rec: &s.auditBare[0], sep: sep},
			{rec: &s.auditEnv[1], sep: sep},
			{bad: trunc, msg: "truncated"},
		})
		rtCheck(t, input, ReaderOptions{}, want)
		// Compressed, the same.
		for _, cp := range rtCompressions[1:] {
			r := NewReader(bytes.NewReader(cp.compress(t, input)), ReaderOptions{})
			got := rtReadAll(t, r)
			require.NoError(t, r.Fatal())
			require.Len(t, got, 4)
			for k := range 3 {
				assert.NoError(t, got[k].err)
			}
			assert.ErrorContains(t, got[3].err, "truncated")
			assert.Equal(t, trunc, string(got[3].raw))
		}
	}
	// A truncated array element: the array is open at EOF too.
	arr, offs := rtFramings[4].build(s.netEnv[:2])
	arr = append(arr[:len(arr)-2], ',')
	off := int64(len(arr))
	arr = append(arr, trunc...)
	want := []rtWant{{good: &s.netEnv[0], offset: offs[0]}, {good: &s.netEnv[1], offset: offs[1]}, {bad: trunc, offset: off, msg: "truncated"}}
	rtCheck(t, arr, ReaderOptions{}, want)
}

func TestReaderOversizedRecord(t *testing.T) {
	s := rtLoadSets(t)
	const limit = 2048
	big := rtSynth(t, synth.Network, false, 99, 1)[0]
	// Make it big with many entries.
	g := synth.New(synth.Options{Kind: synth.Network, Seed: 5, Entries: synth.MaxEntries})
	big.data = g.AppendRecord(nil)
	require.Greater(t, len(big.data), 3*limit+readChunkForTest)
	var small []rtRec
	for _, r := range append(append([]rtRec{}, s.auditEnv...), s.netBare...) {
		if len(r.data) <= limit {
			small = append(small, r)
		}
	}
	require.GreaterOrEqual(t, len(small), 4)
	for _, sep := range []string{"", "\n"} {
		input, want := rtBuild([]rtPiece{
			{rec: &small[0], sep: sep},
			{rec: &small[1], sep: sep},
			{bad: string(big.data), sep: sep},
			{rec: &small[2], sep: sep},
			{bad: string(big.data), sep: sep},
			{bad: string(big.data), sep: sep},
			{rec: &small[3], sep: sep},
		})
		for i := range want {
			if want[i].good == nil {
				want[i].bad = want[i].bad[:limit] // Raw holds the first MaxRecordSize bytes
				want[i].msg = fmt.Sprintf("exceeds the %d-byte limit", limit)
			}
		}
		rtCheck(t, input, ReaderOptions{MaxRecordSize: limit}, want)
	}
	// In an array too.
	arr, offs := rtFramings[4].build([]rtRec{small[0], big, small[1]})
	rtCheck(t, arr, ReaderOptions{MaxRecordSize: limit}, []rtWant{
		{good: &small[0], offset: offs[0]},
		{bad: string(big.data[:limit]), offset: offs[1], msg: "exceeds"},
		{good: &small[1], offset: offs[2]},
	})
}

// readChunkForTest makes the oversized record longer than one read chunk of
// the scanner, so that its tail is skipped without being buffered.
const readChunkForTest = 64 << 10

func TestReaderNonObjectRecords(t *testing.T) {
	s := rtLoadSets(t)
	a, b := s.netEnv[0], s.auditBare[0]
	for _, fr := range []struct {
		name, pre, post string
	}{{"array", "[", "]"}, {"api", `{"logs":[`, `],"version":"1.1"}`}} {
		t.Run(fr.name, func(t *testing.T) {
			input, want := rtBuild([]rtPiece{
				{skip: true, sep: fr.pre},
				{rec: &a, sep: ","},
				{bad: "5", sep: ", "},
				{bad: `"x"`, sep: ","},
				{bad: "[]", sep: ","},
				{bad: "null", sep: ",", msg: "null"},
				{bad: "{}", sep: ",", msg: "empty"},
				{bad: `[{"a":1}]`, sep: ","},
				{bad: "true", sep: ","},
				{rec: &b, sep: fr.post},
			})
			rtCheck(t, input, ReaderOptions{}, want)
		})
	}
	t.Run("forced", func(t *testing.T) {
		a, b := s.auditEnv[1], s.auditBare[1]
		input, want := rtBuild([]rtPiece{
			{skip: true, sep: "["},
			{rec: &a, sep: ","},
			{bad: "-1.5e3", sep: ","},
			{bad: `"{}"`, sep: ","},
			{bad: "[[],{}]", sep: ","},
			{bad: "null", sep: ","},
			{rec: &b, sep: "]"},
		})
		rtCheck(t, input, ReaderOptions{LogType: LogTypeAudit}, want)
	})
}

func TestReaderEmptyInput(t *testing.T) {
	for _, in := range []struct {
		name string
		data []byte
		comp string
	}{
		{"empty", nil, "none"},
		{"whitespace", []byte(" \n\r\n\t "), "none"},
		{"bom", []byte("\xEF\xBB\xBF\n"), "none"},
		{"gzip-empty", rtGzip(t, nil), "gzip"},
		{"zstd-empty", rtZstd(t, nil), "zstd"},
		{"empty-array", []byte("[]"), "none"},
		{"empty-api", []byte(`{"version":"1.1","tailnetId":"example.com","logs":[]}`), "none"},
	} {
		t.Run(in.name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(in.data), ReaderOptions{})
			assert.False(t, r.Next())
			assert.False(t, r.Next())
			assert.NoError(t, r.Fatal())
			assert.NoError(t, r.Err())
			assert.Equal(t, 0, r.Record())
			assert.Equal(t, in.comp, r.Compression())
		})
	}
}

func TestReaderBOM(t *testing.T) {
	s := rtLoadSets(t)
	plain, offs := rtFramings[1].build(s.auditBare[:2])
	input := append([]byte("\xEF\xBB\xBF"), plain...)
	rtCheck(t, input, ReaderOptions{}, []rtWant{{good: &s.auditBare[0], offset: offs[0] + 3}, {good: &s.auditBare[1], offset: offs[1] + 3}})
}

func TestReaderBareEventTime(t *testing.T) {
	const (
		eventTime = "2026-06-03T16:01:20.456789Z"
		logged    = "2026-06-03T16:01:20.998231Z"
		end       = "2026-06-03T15:35:52.424876Z"
	)
	audit := func(fields string) string {
		return `{"type":"CONFIG",` + fields + `"origin":"ADMIN_CONSOLE","actor":{"id":"u1","loginName":"a@example.com"},` +
			`"target":{"id":"n1","type":"NODE"},"action":"CREATE"}`
	}
	network := func(fields string) string {
		return `{"nodeId":"n1",` + fields + `"virtualTraffic":[{"proto":6,"src":"100.64.0.1:1","dst":"100.64.0.2:2","txBytes":5}]}`
	}
	cases := []struct {
		name string
		rec  string
		typ  LogType
		want string // "" means no time
	}{
		{"audit-eventTime-and-logged", audit(`"eventTime":"` + eventTime + `","logged":"` + logged + `",`), LogTypeAudit, eventTime},
		{"audit-logged-first", audit(`"logged":"` + logged + `","eventTime":"` + eventTime + `",`), LogTypeAudit, eventTime},
		{"audit-eventTime-only", audit(`"eventTime":"` + eventTime + `",`), LogTypeAudit, eventTime},
		{"audit-logged-only", audit(`"logged":"` + logged + `",`), LogTypeAudit, logged},
		{"audit-none", audit(``), LogTypeAudit, ""},
		{"network-logged-and-end", network(`"start":"2026-06-03T15:35:47.420115Z","end":"` + end + `","logged":"` + logged + `",`), LogTypeNetwork, logged},
		{"network-logged-only", network(`"logged":"` + logged + `",`), LogTypeNetwork, logged},
		{"network-end-only", network(`"start":"2026-06-03T15:35:47.420115Z","end":"` + end + `",`), LogTypeNetwork, end},
		{"network-none", network(``), LogTypeNetwork, ""},
	}
	// All in one stream too, to check that the time of one record does not
	// leak into the next.
	var all []byte
	for _, c := range cases {
		all = append(all, c.rec...)
		all = append(all, '\n')
	}
	r := NewReader(bytes.NewReader(all), ReaderOptions{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, rd := range []*Reader{NewReader(strings.NewReader(c.rec), ReaderOptions{}), r} {
				require.True(t, rd.Next())
				require.NoError(t, rd.Err())
				assert.True(t, rd.Bare())
				require.Equal(t, c.typ, rd.LogType())
				var has bool
				var tm time.Time
				switch c.typ {
				case LogTypeAudit:
					has, tm = rd.Audit().HasTime(), rd.Audit().Time
					assert.True(t, rd.Audit().HasEvent())
				case LogTypeNetwork:
					has, tm = rd.Network().HasTime(), rd.Network().Time
					assert.True(t, rd.Network().HasEvent())
				}
				if c.want == "" {
					assert.False(t, has)
					assert.True(t, tm.IsZero())
					assert.True(t, rd.EventTime().IsZero())
					// The row's p_event_time falls back to the parse time.
					row := rd.AppendRow(nil, rtMeta())
					assert.Contains(t, string(row), `"p_event_time":"`+rtParseTime.Format(time.RFC3339Nano)+`"`)
					continue
				}
				want, err := time.Parse(time.RFC3339Nano, c.want)
				require.NoError(t, err)
				assert.True(t, has)
				assert.True(t, want.Equal(tm), "time %v, want %v", tm, want)
				assert.True(t, want.Equal(rd.EventTime()))
				row := rd.AppendRow(nil, rtMeta())
				assert.Contains(t, string(row), `"p_event_time":"`+c.want+`"`)
			}
		})
	}
	assert.False(t, r.Next())
}

func TestReaderMaxDecompressed(t *testing.T) {
	s := rtLoadSets(t)
	plain, offs := rtFramings[1].build(s.netEnv)
	n := len(s.netEnv)
	for _, cp := range rtCompressions {
		t.Run(cp.name, func(t *testing.T) {
			input := cp.compress(t, plain)
			// A limit in the middle of record 3: records 1 and 2 come out,
			// then reading stops with a fatal error.
			limit := offs[2] + 10
			r := NewReader(bytes.NewReader(input), ReaderOptions{MaxDecompressed: limit})
			got := rtReadAll(t, r)
			err := r.Fatal()
			require.Error(t, err)
			assert.ErrorIs(t, err, stream.ErrTooLarge)
			var good int
			for _, g := range got {
				if g.err == nil {
					good++
				}
			}
			assert.Equal(t, 2, good)
			assert.LessOrEqual(t, len(got), 2, "no record after the limit")
			assert.False(t, r.Next())

			// Exactly the input size is fine.
			r = NewReader(bytes.NewReader(input), ReaderOptions{MaxDecompressed: int64(len(plain))})
			got = rtReadAll(t, r)
			require.NoError(t, r.Fatal())
			assert.Len(t, got, n)
			// One byte less is not.
			r = NewReader(bytes.NewReader(input), ReaderOptions{MaxDecompressed: int64(len(plain)) - 1})
			rtReadAll(t, r)
			assert.ErrorIs(t, r.Fatal(), stream.ErrTooLarge)
		})
	}
	t.Run("bomb", func(t *testing.T) {
		// 8 MiB of whitespace compresses to almost nothing.
		spaces := bytes.Repeat([]byte(" "), 8<<20)
		for _, input := range [][]byte{rtGzip(t, spaces), rtZstd(t, spaces)} {
			require.Less(t, len(input), 64<<10)
			r := NewReader(bytes.NewReader(input), ReaderOptions{MaxDecompressed: 256 << 10})
			assert.False(t, r.Next())
			assert.ErrorIs(t, r.Fatal(), stream.ErrTooLarge)
			assert.ErrorContains(t, r.Fatal(), "decompressed input exceeds the size limit")
			assert.LessOrEqual(t, r.BytesRead(), int64(256<<10))
		}
	})
}

// rtErrReader fails after its data.
type rtErrReader struct {
	data []byte
	err  error
}

func (e *rtErrReader) Read(p []byte) (int, error) {
	if len(e.data) == 0 {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

func TestReaderIOError(t *testing.T) {
	s := rtLoadSets(t)
	plain, _ := rtFramings[1].build(s.netEnv[:3])
	boom := errors.New("boom")
	r := NewReader(&rtErrReader{data: plain, err: boom}, ReaderOptions{})
	got := rtReadAll(t, r)
	assert.ErrorIs(t, r.Fatal(), boom)
	assert.Len(t, got, 3)
	for _, g := range got {
		assert.NoError(t, g.err)
	}
	// A corrupt gzip stream is a fatal error, not a bad record.
	gz := rtGzip(t, plain)
	gz[len(gz)/2] ^= 0xff
	gz[len(gz)/2+1] ^= 0xff
	r = NewReader(bytes.NewReader(gz), ReaderOptions{})
	rtReadAll(t, r)
	assert.Error(t, r.Fatal())
}

func TestReaderReset(t *testing.T) {
	s := rtLoadSets(t)
	a, aOffs := rtFramings[0].build(s.netEnv)
	b, bOffs := rtFramings[4].build(s.auditBare)
	r := NewReader(bytes.NewReader(rtZstd(t, a)), ReaderOptions{})
	got := rtReadAll(t, r)
	require.Len(t, got, len(s.netEnv))
	assert.Equal(t, "zstd", r.Compression())
	for _, in := range []struct {
		data []byte
		recs []rtRec
		offs []int64
		fr   string
		comp string
	}{
		{rtGzip(t, b), s.auditBare, bOffs, "array", "gzip"},
		{a, s.netEnv, aOffs, "stream", "none"},
		{rtZstd(t, b), s.auditBare, bOffs, "array", "zstd"},
	} {
		r.Reset(bytes.NewReader(in.data))
		got := rtReadAll(t, r)
		require.NoError(t, r.Fatal())
		require.Len(t, got, len(in.recs))
		for k, rec := range in.recs {
			assert.Equal(t, k+1, got[k].record)
			assert.Equal(t, in.offs[k], got[k].offset)
			assert.Equal(t, string(rtSolo(t, rec)), string(got[k].row))
		}
		assert.Equal(t, in.fr, r.Framing())
		assert.Equal(t, in.comp, r.Compression())
	}
}

func TestReaderLogTypeNames(t *testing.T) {
	for _, c := range []struct {
		in   string
		want LogType
	}{{"auto", LogTypeAuto}, {"", LogTypeAuto}, {"Audit", LogTypeAudit}, {"Tailscale.Audit", LogTypeAudit},
		{"network", LogTypeNetwork}, {" TAILSCALE.NETWORK ", LogTypeNetwork}} {
		got, err := ParseLogType(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, got, c.in)
	}
	_, err := ParseLogType("dns")
	assert.Error(t, err)
	assert.Equal(t, "audit", LogTypeAudit.String())
	assert.Equal(t, "network", LogTypeNetwork.String())
	assert.Equal(t, "auto", LogTypeAuto.String())
	assert.Equal(t, "Tailscale.Audit", LogTypeAudit.PantherName())
	assert.Equal(t, "Tailscale.Network", LogTypeNetwork.PantherName())
	assert.Equal(t, "", LogTypeAuto.PantherName())
}

// TestReaderMemoryBound reads a large synthetic stream through a pipe and
// checks that the heap stays small: the reader's memory is bounded by the
// largest record, not by the input.
func TestReaderMemoryBound(t *testing.T) {
	size := int64(50 << 20)
	if testing.Short() {
		size = 24 << 20
	}
	// The heap may grow by at most this much over its size before reading
	// (the generator's and the reader's buffers take about 5 MB): less than
	// the stream, so a reader that kept the input would fail.
	const bound = 16 << 20

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse

	pr, pw := io.Pipe()
	type result struct {
		n, recs int64
		err     error
	}
	done := make(chan result, 1)
	go func() {
		n, recs, err := synth.WriteSize(pw, synth.Options{Kind: synth.Network, Seed: 42}, size)
		pw.CloseWithError(err)
		done <- result{n, int64(recs), err}
	}()
	r := NewReader(pr, ReaderOptions{})
	meta := rtMeta()
	var row []byte
	var recs int64
	var peak uint64
	next := int64(0)
	for r.Next() {
		if err := r.Err(); err != nil {
			t.Fatalf("record %d: %v", r.Record(), err)
		}
		row = r.AppendRow(row[:0], meta)
		recs++
		if r.BytesRead() >= next {
			next = r.BytesRead() + 2<<20
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	require.NoError(t, r.Fatal())
	res := <-done
	require.NoError(t, res.err)
	runtime.ReadMemStats(&ms)
	peak = max(peak, ms.HeapInuse)
	assert.Equal(t, res.recs, recs)
	assert.Equal(t, res.n, r.BytesRead())
	assert.GreaterOrEqual(t, res.n, size)
	growth := int64(peak) - int64(base)
	t.Logf("%d MB in %d records; heap in use %d MB before, peak %d MB", res.n>>20, recs, base>>20, peak>>20)
	assert.Less(t, growth, int64(bound), "heap grew by %d bytes reading %d bytes", growth, res.n)
	assert.Less(t, peak, uint64(64<<20)+base)
}

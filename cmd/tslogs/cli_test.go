package main

// End-to-end tests of the tslogs binary: it is built once in TestMain and run
// with os/exec on real files and real pipes. Expected values are computed
// independently from the inputs with encoding/json.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cliBin is the tslogs binary built by TestMain.
var cliBin string

const (
	cliSampleDir  = "../../testdata/sample"
	cliRecordsDir = "../../testdata/records"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tslogs-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cliBin = filepath.Join(dir, "tslogs")
	gobin := "go"
	if p, err := exec.LookPath("go"); err == nil {
		gobin = p
	}
	build := exec.Command(gobin, "build", "-o", cliBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building tslogs:", err)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	for _, f := range cleanups {
		f()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// cleanups run after all tests and benchmarks.
var cleanups []func()

// cliResult is the outcome of one run of the binary.
type cliResult struct {
	code           int
	stdout, stderr string
}

// cliRun runs tslogs with args and stdin (nil for none).
func cliRun(t *testing.T, stdin io.Reader, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(cliBin, args...)
	cmd.Stdin = stdin
	cmd.Env = append(os.Environ(), "CI=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := cliResult{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	default:
		t.Fatalf("running tslogs %q: %v", args, err)
	}
	return res
}

func cliSample(name string) string { return filepath.Join(cliSampleDir, name) }

func cliReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func cliWriteFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	return p
}

// cliValues decodes the JSON values of data: each top-level value (so
// concatenated envelopes and NDJSON), or the elements of an array, or of an
// API response's "logs".
func cliValues(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out []map[string]any
	for {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				out = append(out, e.(map[string]any))
			}
		case map[string]any:
			if logs, ok := x["logs"].([]any); ok {
				for _, e := range logs {
					out = append(out, e.(map[string]any))
				}
				continue
			}
			out = append(out, x)
		default:
			t.Fatalf("unexpected top-level value %v", v)
		}
	}
}

// cliRows parses NDJSON rows.
func cliRows(t *testing.T, out string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var row map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &row), "row %q", sc.Text())
		rows = append(rows, row)
	}
	require.NoError(t, sc.Err())
	return rows
}

// cliCheckRows checks the Panther columns of rows.
func cliCheckRows(t *testing.T, rows []map[string]any, logType string, seen map[string]bool) {
	t.Helper()
	for i, row := range rows {
		assert.Equal(t, logType, row["p_log_type"], "row %d", i)
		et, ok := row["p_event_time"].(string)
		if assert.True(t, ok, "row %d: p_event_time", i) {
			_, err := time.Parse(time.RFC3339Nano, et)
			assert.NoError(t, err, "row %d: p_event_time", i)
		}
		pt, ok := row["p_parse_time"].(string)
		if assert.True(t, ok, "row %d: p_parse_time", i) {
			_, err := time.Parse(time.RFC3339Nano, pt)
			assert.NoError(t, err)
		}
		id, ok := row["p_row_id"].(string)
		if assert.True(t, ok, "row %d: p_row_id", i) && assert.NotEmpty(t, id) {
			assert.False(t, seen[id], "row %d: p_row_id %q repeated", i, id)
			seen[id] = true
		}
	}
}

// cliEventTime is a record's expected p_event_time, worked out from the
// input: the envelope time (decimal seconds, exactly), else for a bare
// record eventTime or logged (audit), logged or end (network).
func cliEventTime(t *testing.T, v map[string]any, logType string) time.Time {
	t.Helper()
	if n, ok := v["time"].(json.Number); ok {
		r, ok := new(big.Rat).SetString(n.String())
		require.True(t, ok, "time %v", n)
		ns := new(big.Rat).Mul(r, big.NewRat(1e9, 1))
		require.True(t, ns.IsInt())
		return time.Unix(0, ns.Num().Int64()).UTC()
	}
	keys := []string{"logged", "end"}
	if logType == "Tailscale.Audit" {
		keys = []string{"eventTime", "logged"}
	}
	for _, k := range keys {
		if s, ok := v[k].(string); ok {
			tm, err := time.Parse(time.RFC3339Nano, s)
			require.NoError(t, err)
			return tm.UTC()
		}
	}
	return time.Time{}
}

var cliSamples = []struct {
	file, logType string
}{
	{"audit.log", "Tailscale.Audit"},
	{"audit-export.ndjson", "Tailscale.Audit"},
	{"network.log", "Tailscale.Network"},
	{"network-api.json", "Tailscale.Network"},
}

func TestParseSamples(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range cliSamples {
		t.Run(s.file, func(t *testing.T) {
			path := cliSample(s.file)
			recs := cliValues(t, cliReadFile(t, path))
			require.NotEmpty(t, recs)
			res := cliRun(t, nil, "parse", path)
			require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
			assert.Empty(t, res.stderr)
			assert.True(t, strings.HasSuffix(res.stdout, "\n"))
			rows := cliRows(t, res.stdout)
			require.Len(t, rows, len(recs), "one row per record")
			cliCheckRows(t, rows, s.logType, seen)
			for i, rec := range recs {
				want := cliEventTime(t, rec, s.logType)
				require.False(t, want.IsZero(), "record %d has an event time", i+1)
				got, err := time.Parse(time.RFC3339Nano, rows[i]["p_event_time"].(string))
				require.NoError(t, err)
				assert.True(t, want.Equal(got), "record %d: p_event_time %v, want %v", i+1, got, want)
				// The record's own fields are in the row.
				ev := rec
				if e, ok := rec["event"].(map[string]any); ok {
					ev = e
					assert.Contains(t, rows[i], "event")
				}
				if s.logType == "Tailscale.Audit" {
					action := ev["action"]
					if e, ok := rows[i]["event"].(map[string]any); ok {
						assert.Equal(t, action, e["action"], "record %d", i+1)
					} else {
						assert.Equal(t, action, rows[i]["event"].(map[string]any)["action"], "record %d", i+1)
					}
				} else {
					rowEv := rows[i]["event"].(map[string]any)
					assert.Equal(t, ev["nodeId"], rowEv["nodeId"], "record %d", i+1)
				}
			}
		})
	}
	// All samples in one run, with the row IDs unique across files.
	args := []string{"parse"}
	total := 0
	for _, s := range cliSamples {
		args = append(args, cliSample(s.file))
		total += len(cliValues(t, cliReadFile(t, cliSample(s.file))))
	}
	res := cliRun(t, nil, args...)
	require.Equal(t, 0, res.code, res.stderr)
	rows := cliRows(t, res.stdout)
	require.Len(t, rows, total)
	ids := map[string]bool{}
	for _, r := range rows {
		ids[r["p_row_id"].(string)] = true
	}
	assert.Len(t, ids, total, "p_row_id unique")
}

// cliMixed builds a file of good and bad records and returns it with the
// bad records' offsets and bytes, worked out while building it.
type cliBad struct {
	record int
	offset int
	raw    string
}

func cliMixedInput(t *testing.T) (data []byte, good int, bad []cliBad) {
	t.Helper()
	read := func(dir, name string) string {
		b := cliReadFile(t, filepath.Join(cliRecordsDir, dir, name))
		var c bytes.Buffer
		if json.Compact(&c, b) == nil {
			return c.String()
		}
		return strings.TrimSpace(string(b))
	}
	pieces := []struct {
		s   string
		bad bool
	}{
		{read("network", "01_time_millis.json"), false},
		{"this is not json", true},
		{read("audit", "01_old_new_string.json"), false},
		{read("bad", "audit_missing_action.json"), true},
		{read("network", "17_src_dst_nodes.json"), false},
		{read("bad", "network_counter_overflow.json"), true},
		{read("audit", "16_eventtime_type_logged_bare.json"), false},
		{`{"time":1780500887.356,"event":{"nodeId":"nBROKEN","start":"2026-06-03T15:3`, true}, // cut inside a string
		{read("network", "27_logged_bare.json"), false},
		{read("bad", "network_proto_unknown_name.json"), true},
		{read("audit", "09_deferred_at_set.json"), false},
	}
	var buf bytes.Buffer
	for i, p := range pieces {
		if p.bad {
			bad = append(bad, cliBad{record: i + 1, offset: buf.Len(), raw: p.s})
		} else {
			good++
		}
		buf.WriteString(p.s)
		buf.WriteString("\n")
	}
	return buf.Bytes(), good, bad
}

func TestParseMixedGoodAndBad(t *testing.T) {
	dir := t.TempDir()
	data, good, bad := cliMixedInput(t)
	in := cliWriteFile(t, dir, "mixed.ndjson", data)
	dl := filepath.Join(dir, "dead.ndjson")

	res := cliRun(t, nil, "parse", "--dead-letter", dl, in)
	assert.Equal(t, 1, res.code, res.stderr)
	rows := cliRows(t, res.stdout)
	assert.Len(t, rows, good, "every good record is written")
	for _, r := range rows {
		assert.Contains(t, []any{"Tailscale.Audit", "Tailscale.Network"}, r["p_log_type"])
	}

	// One stderr line per bad record, naming its record number and offset.
	lines := strings.Split(strings.TrimRight(res.stderr, "\n"), "\n")
	require.Len(t, lines, len(bad), "stderr:\n%s", res.stderr)
	for i, b := range bad {
		prefix := fmt.Sprintf("tslogs parse: %s: record %d at offset %d: ", in, b.record, b.offset)
		assert.True(t, strings.HasPrefix(lines[i], prefix), "line %q, want prefix %q", lines[i], prefix)
	}

	// The dead-letter file: one JSON line per bad record whose raw bytes
	// are exactly the input's at its offset.
	dead := cliRows(t, string(cliReadFile(t, dl)))
	require.Len(t, dead, len(bad))
	for i, b := range bad {
		d := dead[i]
		assert.Equal(t, float64(b.record), d["record"])
		assert.Equal(t, float64(b.offset), d["offset"])
		assert.Equal(t, in, d["file"])
		assert.Equal(t, b.raw, d["raw"])
		off := int(d["offset"].(float64))
		raw := d["raw"].(string)
		assert.Equal(t, string(data[off:off+len(raw)]), raw)
		assert.Contains(t, d["error"], fmt.Sprintf("record %d at offset %d: ", b.record, b.offset))
	}
	assert.Contains(t, dead[2]["error"], "event.virtualTraffic[0].txBytes")
	assert.Contains(t, dead[1]["error"], "event.action")

	// --dead-letter appends.
	res = cliRun(t, nil, "parse", in, "--dead-letter", dl)
	assert.Equal(t, 1, res.code)
	assert.Len(t, cliRows(t, string(cliReadFile(t, dl))), 2*len(bad))

	// validate: the same verdict, a summary, no rows.
	res = cliRun(t, nil, "validate", in)
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stdout, fmt.Sprintf("records: %d\n", good+len(bad)))
	assert.Contains(t, res.stdout, fmt.Sprintf("valid:   %d (audit 3, network 3)\n", good))
	assert.Contains(t, res.stdout, fmt.Sprintf("invalid: %d\n", len(bad)))
	assert.Contains(t, res.stdout, "event.action: required field is missing")
	assert.Contains(t, res.stdout, fmt.Sprintf("e.g. %s: record 4 at offset %d", in, bad[1].offset))
	assert.NotContains(t, res.stdout, "p_row_id")
}

func TestParseDeadLetterNotUTF8(t *testing.T) {
	dir := t.TempDir()
	good := cliReadFile(t, filepath.Join(cliRecordsDir, "network", "01_time_millis.json"))
	badRaw := "\xff\xfe garbage \xc3"
	data := append(append(bytes.TrimSpace(good), '\n'), badRaw+"\n"...)
	in := cliWriteFile(t, dir, "bin.log", data)
	dl := filepath.Join(dir, "dead.ndjson")
	res := cliRun(t, nil, "parse", "--dead-letter", dl, in)
	assert.Equal(t, 1, res.code, res.stderr)
	assert.Len(t, cliRows(t, res.stdout), 1)
	dead := cliRows(t, string(cliReadFile(t, dl)))
	require.Len(t, dead, 1)
	assert.NotContains(t, dead[0], "raw")
	raw, err := base64.StdEncoding.DecodeString(dead[0]["raw_base64"].(string))
	require.NoError(t, err)
	assert.Equal(t, badRaw, string(raw))
	off := int(dead[0]["offset"].(float64))
	assert.Equal(t, len(bytes.TrimSpace(good))+1, off)
	assert.Equal(t, badRaw, string(data[off:off+len(raw)]))
}

func cliGzip(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, err := w.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

func cliZstd(t *testing.T, data []byte) []byte {
	enc, err := zstd.NewWriter(nil)
	require.NoError(t, err)
	defer enc.Close()
	return enc.EncodeAll(data, nil)
}

// cliStable drops the columns that change between runs.
func cliStable(rows []map[string]any) []map[string]any {
	for _, r := range rows {
		delete(r, "p_parse_time")
		delete(r, "p_row_id")
	}
	return rows
}

func TestParseCompressed(t *testing.T) {
	dir := t.TempDir()
	for _, s := range cliSamples {
		data := cliReadFile(t, cliSample(s.file))
		plain := cliRun(t, nil, "parse", cliSample(s.file))
		require.Equal(t, 0, plain.code)
		want := cliStable(cliRows(t, plain.stdout))
		for _, c := range []struct {
			ext  string
			data []byte
		}{{".gz", cliGzip(t, data)}, {".zst", cliZstd(t, data)}} {
			t.Run(s.file+c.ext, func(t *testing.T) {
				f := cliWriteFile(t, dir, s.file+c.ext, c.data)
				res := cliRun(t, nil, "parse", f)
				require.Equal(t, 0, res.code, res.stderr)
				got := cliStable(cliRows(t, res.stdout))
				assert.Equal(t, want, got)
				// And through standard input.
				fh, err := os.Open(f)
				require.NoError(t, err)
				defer fh.Close()
				res = cliRun(t, fh, "parse", "-")
				require.Equal(t, 0, res.code, res.stderr)
				assert.Equal(t, want, cliStable(cliRows(t, res.stdout)))
			})
		}
	}
	// A corrupt gzip file is an I/O error: exit 2.
	gz := cliGzip(t, cliReadFile(t, cliSample("network.log")))
	gz = gz[:len(gz)/2]
	f := cliWriteFile(t, dir, "cut.gz", gz)
	res := cliRun(t, nil, "parse", f)
	assert.Equal(t, 2, res.code)
	assert.Contains(t, res.stderr, "cut.gz")
}

func TestParseStdin(t *testing.T) {
	path := cliSample("network.log")
	want := len(cliValues(t, cliReadFile(t, path)))

	// From a file.
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	res := cliRun(t, f, "parse", "-")
	require.Equal(t, 0, res.code, res.stderr)
	rows := cliRows(t, res.stdout)
	assert.Len(t, rows, want)
	cliCheckRows(t, rows, "Tailscale.Network", map[string]bool{})

	// From a pipe, written in small pieces, with no FILE argument.
	pr, pw := io.Pipe()
	data := cliReadFile(t, path)
	go func() {
		for len(data) > 0 {
			n := min(len(data), 777)
			if _, err := pw.Write(data[:n]); err != nil {
				pw.CloseWithError(err)
				return
			}
			data = data[n:]
		}
		pw.Close()
	}()
	res = cliRun(t, pr, "parse")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Len(t, cliRows(t, res.stdout), want)

	// "-" among files.
	audit, err := os.Open(cliSample("audit.log"))
	require.NoError(t, err)
	defer audit.Close()
	res = cliRun(t, audit, "validate", cliSample("network.log"), "-", cliSample("audit-export.ndjson"))
	require.Equal(t, 0, res.code, res.stderr)
	nAudit := len(cliValues(t, cliReadFile(t, cliSample("audit.log")))) + len(cliValues(t, cliReadFile(t, cliSample("audit-export.ndjson"))))
	assert.Contains(t, res.stdout, fmt.Sprintf("valid:   %d (audit %d, network %d)", want+nAudit, nAudit, want))
}

func TestParseUsageErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-file.log")
	for _, args := range [][]string{
		{"parse", missing},
		{"validate", missing},
		{"stats", missing},
		{"parse", cliSample("network.log"), missing}, // after a good file
		{"parse", "--bogus", cliSample("network.log")},
		{"validate", "--bogus"},
		{"stats", "--json=maybe"},
		{"synth", "--bogus"},
		{"parse", "--log-type", "dns", cliSample("network.log")},
		{"parse", "--max-record-size", "-1", cliSample("network.log")},
		{"validate", "--max-record-size", "0", cliSample("network.log")}, // used to mean the default
		{"stats", "--top", "0", cliSample("network.log")},
		{"synth", "--records", "3"},                               // no --log-type
		{"synth", "--log-type", "network"},                        // no --records or --size
		{"synth", "--log-type", "network", "--records", "1", "x"}, // unexpected argument
		{"synth", "--log-type", "dns", "--records", "1"},
		{"synth", "--log-type", "network", "--size", "lots"},
		{"parse", "--dead-letter", filepath.Join(dir, "no", "such", "dir", "dl"), cliSample("network.log")},
		{"parse", dir}, // a directory
		{"frobnicate"},
		{},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			res := cliRun(t, nil, args...)
			assert.Equal(t, 2, res.code, "stdout %q stderr %q", res.stdout, res.stderr)
			assert.NotEmpty(t, res.stderr)
		})
	}
	res := cliRun(t, nil, "parse", missing)
	assert.Contains(t, res.stderr, "no-such-file.log")
	res = cliRun(t, nil, "parse", "--bogus")
	assert.Contains(t, res.stderr, "bogus")
}

func TestValidateSummary(t *testing.T) {
	for _, s := range cliSamples {
		n := len(cliValues(t, cliReadFile(t, cliSample(s.file))))
		res := cliRun(t, nil, "validate", cliSample(s.file))
		require.Equal(t, 0, res.code, res.stderr)
		a, nw := n, 0
		if s.logType == "Tailscale.Network" {
			a, nw = 0, n
		}
		assert.Equal(t, fmt.Sprintf("records: %d\nvalid:   %d (audit %d, network %d)\ninvalid: 0\n", n, n, a, nw), res.stdout)
	}
	// Every file of testdata/records/bad is invalid: exit 1, every one
	// counted, grouped by reason.
	bad, err := filepath.Glob(filepath.Join(cliRecordsDir, "bad", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, bad)
	for _, f := range bad {
		t.Run(filepath.Base(f), func(t *testing.T) {
			lt := "network"
			if strings.HasPrefix(filepath.Base(f), "audit_") {
				lt = "audit"
			}
			res := cliRun(t, nil, "validate", "--log-type", lt, f)
			assert.Equal(t, 1, res.code, res.stdout+res.stderr)
			assert.Regexp(t, `(?m)^invalid: [1-9]`, res.stdout)
			res = cliRun(t, nil, "parse", f, "--log-type", lt)
			assert.Equal(t, 1, res.code)
			if filepath.Base(f) == "network_garbage_after_record.json" {
				assert.Len(t, cliRows(t, res.stdout), 1, "the envelope before the garbage is good")
			} else {
				assert.Empty(t, res.stdout)
			}
		})
	}
	// All at once.
	res := cliRun(t, nil, append([]string{"validate"}, bad...)...)
	assert.Equal(t, 1, res.code)
	m := regexp.MustCompile(`(?m)^invalid: (\d+)$`).FindStringSubmatch(res.stdout)
	require.NotNil(t, m, res.stdout)
	n, _ := strconv.Atoi(m[1])
	assert.GreaterOrEqual(t, n, len(bad))
	// Empty input is valid.
	res = cliRun(t, strings.NewReader(""), "validate")
	assert.Equal(t, 0, res.code)
	assert.Equal(t, "records: 0\nvalid:   0\ninvalid: 0\n", res.stdout)
}

// cliInt reads a counter as the wire format allows: a number, a numeric
// string, or null/"" for absent.
func cliInt(t *testing.T, v any) int64 {
	t.Helper()
	switch x := v.(type) {
	case nil:
		return 0
	case json.Number:
		n, err := x.Int64()
		require.NoError(t, err)
		return n
	case string:
		if x == "" {
			return 0
		}
		n, err := strconv.ParseInt(x, 10, 64)
		require.NoError(t, err)
		return n
	}
	t.Fatalf("counter %v (%T)", v, v)
	return 0
}

func TestSynthDeterministic(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
	}{
		{"network", []string{"--log-type", "network", "--records", "50"}},
		{"network-bare", []string{"--log-type", "network", "--records", "30", "--bare"}},
		{"audit", []string{"--log-type", "audit", "--records", "40"}},
		{"audit-bare", []string{"--log-type", "audit", "--records", "40", "--bare"}},
		{"size", []string{"--log-type", "network", "--size", "200KB", "--entries", "20"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := filepath.Join(dir, c.name+"-a")
			b := filepath.Join(dir, c.name+"-b")
			res := cliRun(t, nil, append([]string{"synth", "--seed", "7", "-o", a}, c.args...)...)
			require.Equal(t, 0, res.code, res.stderr)
			// Flags after others, in another order, to standard output.
			res2 := cliRun(t, nil, append(append([]string{"synth"}, c.args...), "-o", b, "--seed", "7")...)
			require.Equal(t, 0, res2.code, res2.stderr)
			out := cliRun(t, nil, append([]string{"synth", "--seed", "7"}, c.args...)...)
			require.Equal(t, 0, out.code)
			da, db := cliReadFile(t, a), cliReadFile(t, b)
			require.NotEmpty(t, da)
			assert.True(t, bytes.Equal(da, db), "same seed, same bytes")
			assert.Equal(t, string(da), out.stdout)
			other := cliRun(t, nil, append([]string{"synth", "--seed", "8"}, c.args...)...)
			require.Equal(t, 0, other.code)
			assert.NotEqual(t, out.stdout, other.stdout, "another seed, other bytes")

			// It parses with zero rejections, one row per record.
			res = cliRun(t, nil, "parse", a)
			require.Equal(t, 0, res.code, res.stderr)
			assert.Empty(t, res.stderr)
			rows := cliRows(t, res.stdout)
			want := "Tailscale.Network"
			if strings.HasPrefix(c.name, "audit") {
				want = "Tailscale.Audit"
			}
			cliCheckRows(t, rows, want, map[string]bool{})
			assert.Len(t, rows, len(cliValues(t, da)))
			if c.name != "size" {
				assert.Len(t, rows, cliAtoi(t, c.args[3]))
			} else {
				assert.GreaterOrEqual(t, len(da), 200<<10)
			}
			res = cliRun(t, nil, "validate", a)
			assert.Equal(t, 0, res.code)
			assert.Contains(t, res.stdout, "invalid: 0\n")
		})
	}
}

func cliAtoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

// Synthetic output through a real pipe between two tslogs processes.
func TestSynthPipeToParse(t *testing.T) {
	synth := exec.Command(cliBin, "synth", "--log-type", "network", "--records", "300", "--seed", "3")
	parse := exec.Command(cliBin, "validate", "-")
	pipe, err := synth.StdoutPipe()
	require.NoError(t, err)
	parse.Stdin = pipe
	var out bytes.Buffer
	parse.Stdout = &out
	require.NoError(t, synth.Start())
	require.NoError(t, parse.Run())
	require.NoError(t, synth.Wait())
	assert.Equal(t, "records: 300\nvalid:   300 (audit 0, network 300)\ninvalid: 0\n", out.String())
}

func TestHelpEveryCommand(t *testing.T) {
	for _, name := range []string{"parse", "validate", "stats", "report", "synth", "serve", "version"} {
		for _, flag := range []string{"--help", "-h", "-help"} {
			t.Run(name+flag, func(t *testing.T) {
				res := cliRun(t, nil, name, flag)
				if name == "serve" && strings.Contains(res.stderr, "not built yet") {
					t.Skip("serve is not built yet")
				}
				assert.Equal(t, 0, res.code, res.stderr)
				text := res.stdout + res.stderr
				assert.Contains(t, text, "Examples")
				assert.Contains(t, text, "tslogs "+name)
			})
		}
		t.Run("help-"+name, func(t *testing.T) {
			res := cliRun(t, nil, "help", name)
			if name == "serve" && strings.Contains(res.stderr, "not built yet") {
				t.Skip("serve is not built yet")
			}
			assert.Equal(t, 0, res.code)
			assert.Contains(t, res.stdout+res.stderr, "Examples")
		})
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		res := cliRun(t, nil, args...)
		assert.Equal(t, 0, res.code)
		for _, c := range []string{"parse", "validate", "stats", "synth", "serve"} {
			assert.Contains(t, res.stdout, c)
		}
	}
}

func TestCLIFlagsAfterFiles(t *testing.T) {
	net := cliSample("network.log")
	audit := cliSample("audit.log")
	nNet := len(cliValues(t, cliReadFile(t, net)))
	nAudit := len(cliValues(t, cliReadFile(t, audit)))

	// --log-type after the file applies to it: forcing audit on network
	// records rejects them.
	res := cliRun(t, nil, "validate", net, "--log-type", "audit")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stdout, fmt.Sprintf("invalid: %d\n", nNet))
	res = cliRun(t, nil, "validate", net, "--log-type=network")
	assert.Equal(t, 0, res.code)

	// Flags between files.
	res = cliRun(t, nil, "validate", audit, "--log-type", "audit", cliSample("audit-export.ndjson"))
	assert.Equal(t, 0, res.code, res.stdout)

	// parse with --dead-letter after the file.
	dl := filepath.Join(t.TempDir(), "dl.ndjson")
	res = cliRun(t, nil, "parse", audit, net, "--dead-letter", dl, "--log-type", "audit")
	assert.Equal(t, 1, res.code)
	assert.Len(t, cliRows(t, res.stdout), nAudit)
	assert.Len(t, cliRows(t, string(cliReadFile(t, dl))), nNet)

	// --max-record-size after the file.
	res = cliRun(t, nil, "validate", net, "--max-record-size", "100")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stdout, fmt.Sprintf("invalid: %d\n", nNet))
	assert.Contains(t, res.stdout, "record exceeds the N-byte limit")

	// "--" ends the flags: what follows is a file, even if it looks like a
	// flag.
	dir := t.TempDir()
	odd := cliWriteFile(t, dir, "-odd.log", cliReadFile(t, net))
	odd2 := cliWriteFile(t, dir, "-odd2.log", cliReadFile(t, net))
	cmd := exec.Command(cliBin, "validate", "--log-type", "network", "--", filepath.Base(odd), "-h", filepath.Base(odd2))
	cmd.Dir = dir
	cliWriteFile(t, dir, "-h", nil)
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Contains(t, string(out), fmt.Sprintf("valid:   %d (audit 0, network %d)", 2*nNet, 2*nNet))
}

// TestParseOutputFull: rows or dead letters that cannot be written (a full
// disk: /dev/full) make parse fail with the reason, never exit 0.
func TestParseOutputFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	dir := t.TempDir()
	good := cliReadFile(t, filepath.Join(cliRecordsDir, "network", "01_time_millis.json"))
	in := cliWriteFile(t, dir, "in.log", append(append(bytes.TrimSpace(good), '\n'), "garbage\n"...))
	for name, args := range map[string][]string{
		"rows":         {"parse", "-o", "/dev/full", in},
		"dead letters": {"parse", "-o", filepath.Join(dir, "rows.ndjson"), "--dead-letter", "/dev/full", in},
	} {
		t.Run(name, func(t *testing.T) {
			res := cliRun(t, nil, args...)
			assert.Equal(t, exitUsage, res.code, res.stderr)
			assert.Contains(t, res.stderr, "no space left on device")
		})
	}
}

// TestSummaryOutputFull: a summary (stats, validate) or version line that
// cannot be written to standard output (a full disk: /dev/full) makes the
// command fail with the reason, never exit 0 as if it had been printed.
func TestSummaryOutputFull(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full here:", err)
	}
	defer full.Close()
	for name, args := range map[string][]string{
		"stats":        {"stats", "--jobs", "1", cliSample("network.log")},
		"stats jobs 2": {"stats", "--jobs", "2", cliSample("network.log")},
		"stats json":   {"stats", "--json", cliSample("network.log")},
		"validate":     {"validate", cliSample("network.log")},
		"version":      {"version"},
		"help":         {"help"},
	} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(cliBin, args...)
			cmd.Env = append(os.Environ(), "CI=1")
			var errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = full, &errb
			err := cmd.Run()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "tslogs %q exited 0 with its output lost; stderr: %s", args, errb.String())
			assert.Equal(t, exitUsage, ee.ExitCode(), errb.String())
			assert.Contains(t, errb.String(), "no space left on device")
		})
	}
}

// cliRunLimited runs tslogs under sh's ulimit with limits, such as "-f 8"
// (files of at most 8 blocks, 512 bytes in dash, 1 KiB in bash: a write
// beyond fails with EFBIG, a disk filling up in the middle of an output
// file) or "-v 4000000" (a bound on memory, for a run that could take all
// of it).
func cliRunLimited(t *testing.T, limits string, stdin io.Reader, args ...string) cliResult {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to set ulimit:", err)
	}
	cmd := exec.Command(sh, append([]string{"-c", `ulimit ` + limits + ` && exec "$@"`, "sh", cliBin}, args...)...)
	cmd.Env = append(os.Environ(), "CI=1")
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	res := cliResult{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return res
}

// TestOutputFileWhole: -o of parse, report and synth is written under a
// temporary name and renamed once complete. A run that fails (the file
// cannot be written whole, or an input cannot be read) leaves no partial
// file under the final name, the earlier file of that name intact, and no
// temporary file; its error names the output file, not the temporary one.
// A run that succeeds keeps an existing file's mode.
func TestOutputFileWhole(t *testing.T) {
	sample := cliSample("network.log")
	for _, tc := range []struct {
		name    string
		args    func(out string) []string
		limited bool   // run with files limited to 8 blocks, 8 KiB at most (the output is larger)
		want    string // in stderr
	}{
		{"parse, write fails", func(out string) []string { return []string{"parse", "-o", out, sample} }, true, "file too large"},
		{"parse, input missing", func(out string) []string { return []string{"parse", "-o", out, sample, "missing.log"} }, false, "missing.log"},
		{"report, write fails", func(out string) []string { return []string{"report", "-o", out, sample} }, true, "file too large"},
		{"synth, write fails", func(out string) []string {
			return []string{"synth", "--log-type", "network", "--records", "300", "-o", out}
		}, true, "file too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := cliWriteFile(t, dir, "out", []byte("earlier output\n"))
			var res cliResult
			if tc.limited {
				res = cliRunLimited(t, "-f 8", nil, tc.args(out)...)
			} else {
				res = cliRun(t, nil, tc.args(out)...)
			}
			assert.Equal(t, exitUsage, res.code, res.stderr)
			assert.Contains(t, res.stderr, tc.want)
			if tc.limited {
				assert.Contains(t, res.stderr, out+":", "the error names the output file")
				assert.NotContains(t, res.stderr, ".tmp")
			}
			assert.Equal(t, "earlier output\n", string(cliReadFile(t, out)), "the earlier file is intact")
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			assert.Equal(t, []string{"out"}, names, "no temporary file is left")

			// The same run without the limit replaces the file, keeping its mode.
			require.NoError(t, os.Chmod(out, 0o640))
			if !tc.limited {
				return
			}
			res = cliRun(t, nil, tc.args(out)...)
			require.Equal(t, exitOK, res.code, res.stderr)
			st, err := os.Stat(out)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o640), st.Mode().Perm())
			assert.Greater(t, st.Size(), int64(8<<10))
		})
	}
}

// TestParquetOutputFull: Parquet files that cannot be written (the disk
// fills up while row groups are flushed) make parse fail with an error
// naming the object's key, and leave no file, complete or temporary.
func TestParquetOutputFull(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pq")
	res := cliRunLimited(t, "-f 8", nil, "parse", "--format", "parquet", "--row-group-size", "1KiB", "--out", out, cliSample("network.log"))
	assert.Equal(t, exitUsage, res.code, res.stderr)
	assert.Regexp(t, `tslogs parse: p_log_type=Tailscale\.Network/dt=\d{4}-\d\d-\d\d/hour=\d\d/[0-9a-f]+-\d{5}\.parquet: .*file too large`, res.stderr)
	var files []string
	require.NoError(t, filepath.WalkDir(out, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			files = append(files, p)
		}
		return err
	}))
	assert.Empty(t, files)
}

// TestParseOutputIsDeadLetterFile: -o and --dead-letter naming one file
// is a usage error: the rows, renamed into place at the end, would replace
// the dead letters appended to it meanwhile.
func TestParseOutputIsDeadLetterFile(t *testing.T) {
	dir := t.TempDir()
	good := cliReadFile(t, filepath.Join(cliRecordsDir, "network", "01_time_millis.json"))
	in := cliWriteFile(t, dir, "in.log", append(append(bytes.TrimSpace(good), '\n'), "garbage\n"...))
	for name, pair := range map[string][2]string{
		"same name":        {filepath.Join(dir, "all.ndjson"), filepath.Join(dir, "all.ndjson")},
		"another spelling": {filepath.Join(dir, "all.ndjson"), filepath.Join(dir, ".", "..", filepath.Base(dir), "all.ndjson")},
	} {
		t.Run(name, func(t *testing.T) {
			res := cliRun(t, nil, "parse", "-o", pair[0], "--dead-letter", pair[1], in)
			assert.Equal(t, exitUsage, res.code, res.stderr)
			assert.Contains(t, res.stderr, "-o and --dead-letter name the same file")
		})
	}
}

// TestOutputFileInterrupted: an interrupted run (SIGINT, SIGTERM) removes
// the temporary file of -o instead of leaving it behind, and dies of the
// signal as before.
func TestOutputFileInterrupted(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "big.log")
			// Far more than is written before the signal comes.
			cmd := exec.Command(cliBin, "synth", "--log-type", "network", "--size", "50GB", "-o", out)
			var errb lockedBuffer // read while the process runs
			cmd.Stderr = &errb
			require.NoError(t, cmd.Start())
			defer cmd.Process.Kill()
			// Wait (boundedly) for the temporary file to grow.
			started := false
			for range 1000 {
				entries, err := os.ReadDir(dir)
				require.NoError(t, err)
				if len(entries) == 1 {
					if info, err := entries[0].Info(); err == nil && info.Size() > 0 {
						started = true
						break
					}
				}
				time.Sleep(10 * time.Millisecond)
			}
			require.True(t, started, "synth wrote nothing; stderr: %s", errb.String())
			require.NoError(t, cmd.Process.Signal(sig))
			err := cmd.Wait()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "synth ended by itself")
			ws, ok := ee.Sys().(syscall.WaitStatus)
			require.True(t, ok)
			assert.True(t, ws.Signaled() && ws.Signal() == sig, "died of %v: %v (stderr %s)", sig, ee, errb.String())
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Empty(t, entries, "no output and no temporary file is left")
		})
	}
}

// TestParseDeadLetterIsInput: --dead-letter naming an input (a file
// argument, or the file standard input reads) is a usage error. Appended
// to while it was read, it fed its own dead letters back as bad records,
// which grew it until the disk was full (the runs here are limited to
// about 1 MB of file, so that a regression fails instead).
func TestParseDeadLetterIsInput(t *testing.T) {
	var bad bytes.Buffer
	for i := range 2000 {
		fmt.Fprintf(&bad, "{\"time\":\"bad\",\"n\":%d}\n", i)
	}
	for _, viaStdin := range []bool{false, true} {
		t.Run(fmt.Sprintf("stdin %v", viaStdin), func(t *testing.T) {
			in := cliWriteFile(t, t.TempDir(), "in.log", bad.Bytes())
			args := []string{"parse", "--jobs", "1", "--dead-letter", in}
			var stdin io.Reader
			if viaStdin {
				f, err := os.Open(in)
				require.NoError(t, err)
				defer f.Close()
				stdin = f
			} else {
				args = append(args, in)
			}
			res := cliRunLimited(t, "-f 2000", stdin, args...)
			assert.Equal(t, exitUsage, res.code, "%.300s", res.stderr)
			assert.Contains(t, res.stderr, "--dead-letter "+in+" is also an input")
			assert.Equal(t, bad.Bytes(), cliReadFile(t, in), "the input is left as it was")
		})
	}
}

// TestOutputFileInReadOnlyDirectory: an existing writable file in a
// directory where no temporary file can be created is still written (in
// place, as before -o was written under a temporary name).
func TestOutputFileInReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: directory permissions do not bite")
	}
	dir := t.TempDir()
	out := cliWriteFile(t, dir, "rows.ndjson", []byte("earlier\n"))
	require.NoError(t, os.Chmod(dir, 0o500))
	defer os.Chmod(dir, 0o700)
	res := cliRun(t, nil, "parse", "-o", out, cliSample("network.log"))
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.Len(t, cliRows(t, string(cliReadFile(t, out))), 300)
}

// TestInputsNamedTwice: an input named twice (the same file under two
// names, standard input twice, or S3 prefixes of which one contains the
// other) is a usage error: its rows would be written twice.
func TestInputsNamedTwice(t *testing.T) {
	sample := cliSample("network.log")
	dir := t.TempDir()
	link := filepath.Join(dir, "link.log")
	abs, err := filepath.Abs(sample)
	require.NoError(t, err)
	require.NoError(t, os.Symlink(abs, link))
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"same name":       {[]string{"parse", sample, sample}, "are the same file"},
		"another name":    {[]string{"validate", sample, link}, "are the same file"},
		"standard input":  {[]string{"stats", "-", "-"}, "standard input (-) is named twice"},
		"nested prefixes": {[]string{"parse", "s3://bucket/logs/", "s3://bucket/logs/2026/"}, "name the same objects"},
	} {
		t.Run(name, func(t *testing.T) {
			res := cliRun(t, nil, tc.args...)
			assert.Equal(t, exitUsage, res.code, res.stderr)
			assert.Contains(t, res.stderr, tc.want)
			assert.NotContains(t, res.stdout, "{", "no rows")
		})
	}
	res := cliRun(t, nil, "validate", sample, cliSample("audit.log"))
	assert.Equal(t, exitOK, res.code, "distinct inputs: %s", res.stderr)
}

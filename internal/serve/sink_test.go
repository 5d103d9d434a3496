package serve

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/syncbuf"
)

func openTestSink(t *testing.T, dir string, clock *testClock, gz bool) (*Sink, *syncbuf.Buffer) {
	t.Helper()
	return openTestSinkWith(t, SinkOptions{Dir: dir, GzipClosed: gz, Now: clock.now})
}

func openTestSinkWith(t *testing.T, opt SinkOptions) (*Sink, *syncbuf.Buffer) {
	t.Helper()
	logs := &syncbuf.Buffer{}
	if opt.Host == "" {
		opt.Host = "h1"
	}
	opt.Logger = slog.New(slog.NewTextHandler(logs, nil))
	s, err := OpenSink(opt)
	require.NoError(t, err)
	return s, logs
}

// commit stores one batch of the given parts.
func commit(s *Sink, parts ...Part) error { return s.Commit(&Batch{Parts: parts}) }

func TestSinkPathAndHost(t *testing.T) {
	s, _ := openTestSink(t, t.TempDir(), newClock(testStart), false)
	defer s.Close()
	p := s.Path(KindNetwork, time.Date(2026, 6, 3, 15, 0, 0, 0, time.UTC))
	rel, _ := filepath.Rel(s.Dir(), p)
	assert.Equal(t, "network/2026/06/03/tailscale-network-2026060315-h1.ndjson", filepath.ToSlash(rel))
	assert.Equal(t, "web-1.example.com", SanitizeHost("web-1.example.com"))
	assert.Equal(t, "a-b-c", SanitizeHost("a/b c"))
	assert.Equal(t, "localhost", SanitizeHost(" .. "))
}

// TestParseName: a file is a host's only if its name parses exactly, with
// that host: never by suffix.
func TestParseName(t *testing.T) {
	h15 := time.Date(2026, 6, 3, 15, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		ok   bool
		want outName
	}{
		{"tailscale-network-2026060315-logs.ndjson", true, outName{KindNetwork, h15, "logs", extPlain}},
		{"tailscale-network-2026060315-eu-logs.ndjson", true, outName{KindNetwork, h15, "eu-logs", extPlain}},
		{"tailscale-deadletter-2026060315-a.b_c.ndjson.gz", true, outName{KindDeadLetter, h15, "a.b_c", extGzip}},
		{"tailscale-audit-2026060315-x.ndjson.gz.tmp", true, outName{KindAudit, h15, "x", extTmp}},
		{"tailscale-network-2026060315-.ndjson", false, outName{}},
		{"tailscale-network-202606031-logs.ndjson", false, outName{}},
		{"tailscale-network-2026063115-logs.ndjson", false, outName{}}, // June 31st
		{"tailscale-network-20260603xx-logs.ndjson", false, outName{}},
		{"tailscale-flows-2026060315-logs.ndjson", false, outName{}},
		{"tailscale-network-2026060315-logs.ndjson.bak", false, outName{}},
		{"tailscale-network-2026060315-lo gs.ndjson", false, outName{}},
		{"x-tailscale-network-2026060315-logs.ndjson", false, outName{}},
	}
	for _, c := range cases {
		got, ok := parseName(c.name)
		assert.Equal(t, c.ok, ok, c.name)
		if c.ok {
			assert.Equal(t, c.want, got, c.name)
			assert.Equal(t, c.name, filepath.Base(relPath(got.kind, got.hour, got.host))+got.ext[len(extPlain):], "round trip")
		}
	}
}

// TestSinkGroupCommit commits from many goroutines: every batch lands whole,
// once, and batches are grouped into fewer commits.
func TestSinkGroupCommit(t *testing.T) {
	clock := newClock(testStart)
	s, _ := openTestSink(t, t.TempDir(), clock, false)
	const writers, batches, rows = 16, 25, 7
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				var net, dead bytes.Buffer
				for r := range rows {
					fmt.Fprintf(&net, `{"w":%d,"b":%d,"r":%d,"pad":"%s"}`+"\n", w, b, r, strings.Repeat("x", 100*r))
				}
				fmt.Fprintf(&dead, `{"w":%d,"b":%d}`+"\n", w, b)
				assert.NoError(t, commit(s, Part{Kind: KindNetwork, Data: net.Bytes()}, Part{Kind: KindDeadLetter, Data: dead.Bytes()}))
			}
		}()
	}
	wg.Wait()
	require.NoError(t, s.Close())
	lines := readLines(t, s.Path(KindNetwork, clock.hour()))
	require.Len(t, lines, writers*batches*rows)
	assert.Len(t, readLines(t, s.Path(KindDeadLetter, clock.hour())), writers*batches)
	seen := map[string]bool{}
	// Rows of one batch are contiguous and in order.
	for i := 0; i < len(lines); i += rows {
		var w, b, r int
		_, err := fmt.Sscanf(lines[i], `{"w":%d,"b":%d,"r":%d`, &w, &b, &r)
		require.NoError(t, err)
		require.Equal(t, 0, r)
		for j := 1; j < rows; j++ {
			assert.True(t, strings.HasPrefix(lines[i+j], fmt.Sprintf(`{"w":%d,"b":%d,"r":%d,`, w, b, j)))
		}
		key := fmt.Sprint(w, b)
		assert.False(t, seen[key])
		seen[key] = true
	}
	n := testCount(t, s.m, "tslogs_sink_batches_per_sync")
	assert.Equal(t, uint64(writers*batches), n.sum, "every batch is counted in a group")
	t.Logf("%d batches in %d commits", writers*batches, n.count)
}

type histo struct {
	count uint64
	sum   uint64
}

func testCount(t *testing.T, m *Metrics, name string) histo {
	mfs, err := m.Registry.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == name {
			h := mf.GetMetric()[0].GetHistogram()
			return histo{h.GetSampleCount(), uint64(h.GetSampleSum())}
		}
	}
	t.Fatalf("no metric %s", name)
	return histo{}
}

// faults is an injection seam for SinkOptions.Inject: it fails the
// operations set in it.
type faults struct {
	mu  sync.Mutex
	set map[string]error // "op kind"
	hit atomic.Int64
}

func (f *faults) inject(op, kind string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.set[op+" "+kind]; err != nil {
		f.hit.Add(1)
		return err
	}
	return nil
}

func (f *faults) fail(op, kind string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.set == nil {
		f.set = map[string]error{}
	}
	f.set[op+" "+kind] = err
}

func (f *faults) clear() {
	f.mu.Lock()
	f.set = nil
	f.mu.Unlock()
}

// sizes returns the size of every file under dir (relative paths).
func sizes(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	m := map[string]int64{}
	require.NoError(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		require.NoError(t, err)
		if fi.Mode().IsRegular() && strings.HasPrefix(fi.Name(), "tailscale-") {
			rel, _ := filepath.Rel(dir, p)
			m[rel] = fi.Size()
		}
		return nil
	}))
	return m
}

// TestSinkAllOrNothing fails each operation on each file in turn in the
// middle of a commit that writes every file: the commit fails, and no file
// keeps any byte of it; the next commit stores the batch whole, once.
func TestSinkAllOrNothing(t *testing.T) {
	for _, kind := range []string{KindNetwork, KindAudit, KindDeadLetter, kindJournal} {
		for _, op := range []string{"open", "write", "sync"} {
			if kind == kindJournal && op == "open" {
				continue // the journal is opened once, at startup
			}
			t.Run(kind+"/"+op, func(t *testing.T) {
				dir := t.TempDir()
				clock := newClock(testStart)
				var f faults
				s, _ := openTestSinkWith(t, SinkOptions{Dir: dir, Now: clock.now, Inject: f.inject})
				defer s.Close()
				parts := []Part{{Kind: KindNetwork, Data: []byte("{\"n\":1}\n")}, {Kind: KindAudit, Data: []byte("{\"a\":1}\n")}, {Kind: KindDeadLetter, Data: []byte("{\"d\":1}\n")}}
				require.NoError(t, commit(s, parts...))
				before := sizes(t, dir)
				if op == "open" && kind != kindJournal {
					clock.add(time.Hour) // a new hour: files are opened again
				}
				f.fail(op, kind, syscall.EIO)
				err := commit(s, parts...)
				require.ErrorIs(t, err, syscall.EIO)
				assert.Positive(t, f.hit.Load())
				after := sizes(t, dir)
				for rel, n := range after {
					assert.Equal(t, before[rel], n, "%s keeps nothing of the failed batch", rel)
				}
				assert.Error(t, s.Check(), "unhealthy after a failed commit")
				f.clear()
				require.NoError(t, commit(s, parts...))
				assert.NoError(t, s.Check())
				require.NoError(t, s.Close())
				for _, k := range kinds {
					assert.Equal(t, 2, countRows(t, dir, k), k)
				}
			})
		}
	}
}

// TestSinkRollsBackAfterCrash: bytes a crash left after a file's committed
// size (its batch was written, its journal line never was) are truncated
// when the sink opens, even as whole lines; so is a torn journal line.
func TestSinkRollsBackAfterCrash(t *testing.T) {
	dir := t.TempDir()
	clock := newClock(testStart)
	s, _ := openTestSink(t, dir, clock, false)
	require.NoError(t, commit(s, Part{Kind: KindNetwork, Data: []byte("{\"a\":1}\n")}, Part{Kind: KindAudit, Data: []byte("{\"b\":1}\n")}))
	require.NoError(t, s.Close())
	// A crash after writing a batch's rows, before its journal line.
	for _, k := range []string{KindNetwork, KindAudit} {
		f, err := os.OpenFile(s.Path(k, clock.hour()), os.O_WRONLY|os.O_APPEND, 0)
		require.NoError(t, err)
		_, err = f.WriteString("{\"unacknowledged\":1}\n{\"unacknowledged\":2}\n")
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
	j, err := os.OpenFile(filepath.Join(dir, ".journal-h1"), os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = j.WriteString(`0badc0de {"t":1,"files":{"network/x":99}`)
	require.NoError(t, err)
	require.NoError(t, j.Close())

	s, logs := openTestSink(t, dir, clock, false)
	defer s.Close()
	assert.Equal(t, []string{`{"a":1}`}, readLines(t, s.Path(KindNetwork, clock.hour())))
	assert.Equal(t, []string{`{"b":1}`}, readLines(t, s.Path(KindAudit, clock.hour())))
	assert.Contains(t, logs.String(), "rolled back")
	assert.Contains(t, logs.String(), "damaged end of the commit journal")
	require.NoError(t, commit(s, Part{Kind: KindNetwork, Data: []byte("{\"a\":2}\n")}))
	assert.Equal(t, []string{`{"a":1}`, `{"a":2}`}, readLines(t, s.Path(KindNetwork, clock.hour())))
}

// TestSinkRepairsTornTail opens files the journal does not know (written
// by an older version) whose last line was cut short by a crash: the torn
// bytes are truncated, at startup for past hours, and when the current
// hour's file is opened. Another host's files are never touched.
func TestSinkRepairsTornTail(t *testing.T) {
	dir := t.TempDir()
	clock := newClock(testStart)
	s, _ := openTestSink(t, dir, clock, false)
	cur := s.Path(KindNetwork, clock.hour())
	past := s.Path(KindAudit, clock.hour().Add(-26*time.Hour))
	other := strings.Replace(cur, "-h1.ndjson", "-xh1.ndjson", 1)
	require.NoError(t, s.Close())
	require.NoError(t, os.Remove(filepath.Join(dir, ".journal-h1")))

	for _, p := range []string{cur, past, other} {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("{\"a\":1}\n{\"a\":2}\n{\"a\":3,\"torn"), 0o644))
	}
	noNewline := s.Path(KindDeadLetter, clock.hour().Add(-2*time.Hour))
	require.NoError(t, os.MkdirAll(filepath.Dir(noNewline), 0o755))
	require.NoError(t, os.WriteFile(noNewline, []byte(`{"only":"torn"`), 0o644))

	s, logs := openTestSink(t, dir, clock, false)
	require.NoError(t, commit(s, Part{Kind: KindNetwork, Data: []byte("{\"a\":4}\n")}))
	require.NoError(t, s.Close())
	assert.Equal(t, []string{`{"a":1}`, `{"a":2}`, `{"a":4}`}, readLines(t, cur))
	assert.Equal(t, []string{`{"a":1}`, `{"a":2}`}, readLines(t, past))
	b, _ := os.ReadFile(noNewline)
	assert.Empty(t, b)
	// Another receiver's file, whose host ends with this one's, is left
	// alone.
	b, _ = os.ReadFile(other)
	assert.True(t, bytes.HasSuffix(b, []byte("torn")))
	assert.Equal(t, 3, strings.Count(logs.String(), "truncated a torn last line"))
}

// TestSinkRotateAndGzip moves the clock past the hour: the old file is
// closed and compressed, the new hour gets a new file, and nothing is lost.
func TestSinkRotateAndGzip(t *testing.T) {
	dir := t.TempDir()
	clock := newClock(time.Date(2026, 6, 3, 15, 59, 59, 0, time.UTC))
	s, _ := openTestSink(t, dir, clock, true)
	h15 := s.Path(KindNetwork, clock.hour())
	require.NoError(t, commit(s, Part{Kind: KindNetwork, Data: []byte("{\"h\":15}\n")}))
	clock.add(2 * time.Second)
	require.NoError(t, commit(s, Part{Kind: KindNetwork, Data: []byte("{\"h\":16}\n")}))
	h16 := s.Path(KindNetwork, clock.hour())
	require.NotEqual(t, h15, h16)
	// The clock going back does not reopen the past hour.
	clock.add(-time.Minute)
	require.NoError(t, commit(s, Part{Kind: KindNetwork, Data: []byte("{\"h\":16}\n")}))
	require.NoError(t, s.Close()) // waits for the compression

	_, err := os.Stat(h15)
	assert.True(t, os.IsNotExist(err), "compressed file removed")
	assert.Equal(t, []string{`{"h":15}`}, gunzipLines(t, h15+".gz"))
	assert.Equal(t, []string{`{"h":16}`, `{"h":16}`}, readLines(t, h16))
	_, err = os.Stat(h16 + ".gz")
	assert.True(t, os.IsNotExist(err), "the current hour stays uncompressed")

	// A restart an hour later compresses the previous hour's file, and a
	// leftover temporary file of an interrupted compression is removed.
	require.NoError(t, os.WriteFile(h16+".gz.tmp", []byte("partial"), 0o644))
	clock.add(2 * time.Hour) // 17:59:01
	s, _ = openTestSink(t, dir, clock, true)
	s.bg.Wait() // Close would stop compressions not yet begun
	require.NoError(t, s.Close())
	assert.Equal(t, []string{`{"h":16}`, `{"h":16}`}, gunzipLines(t, h16+".gz"))
	_, err = os.Stat(h16 + ".gz.tmp")
	assert.True(t, os.IsNotExist(err))
}

// TestSinkGzipInterrupted: a crash between the rename of the compressed
// file and the removal of the source leaves both; the next compression
// removes the source instead of compressing it again. A .gz that is not
// the source's compressed copy is never overwritten or appended to.
func TestSinkGzipInterrupted(t *testing.T) {
	dir := t.TempDir()
	clock := newClock(testStart)
	s, _ := openTestSink(t, dir, clock, true)
	defer s.Close()
	rel := relPath(KindNetwork, clock.hour(), "h1")
	p := filepath.Join(dir, rel)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o750))
	require.NoError(t, os.WriteFile(p, []byte("{\"a\":1}\n"), 0o640))
	data, _ := os.ReadFile(p)
	require.NoError(t, s.gzipFile(rel))
	// The crash: the source is back beside its compressed copy.
	require.NoError(t, os.WriteFile(p, data, 0o640))
	require.NoError(t, s.gzipFile(rel))
	_, err := os.Stat(p)
	assert.True(t, os.IsNotExist(err))
	assert.Equal(t, []string{`{"a":1}`}, gunzipLines(t, p+".gz"))

	// A different source beside it: both are kept.
	require.NoError(t, os.WriteFile(p, []byte("{\"b\":2}\n"), 0o640))
	assert.ErrorContains(t, s.gzipFile(rel), "keeping both")
	assert.Equal(t, []string{`{"a":1}`}, gunzipLines(t, p+".gz"))
	got, _ := os.ReadFile(p)
	assert.Equal(t, "{\"b\":2}\n", string(got))
}

// TestSinkHourNeverGoesBack: after a restart with the clock set back, rows
// keep going to the newest hour's file, which is never compressed while it
// may still be written.
func TestSinkHourNeverGoesBack(t *testing.T) {
	dir := t.TempDir()
	clock := newClock(testStart)
	s, _ := openTestSink(t, dir, clock, true)
	require.NoError(t, commit(s, Part{Kind: KindNetwork, Data: []byte("{\"a\":1}\n")}))
	require.NoError(t, s.Close())
	clock.add(-time.Hour)
	s, logs := openTestSink(t, dir, clock, true)
	require.NoError(t, commit(s, Part{Kind: KindNetwork, Data: []byte("{\"a\":2}\n")}))
	s.bg.Wait()
	require.NoError(t, s.Close())
	assert.Equal(t, []string{`{"a":1}`, `{"a":2}`}, readLines(t, s.Path(KindNetwork, testStart.Truncate(time.Hour))))
	assert.Contains(t, logs.String(), "the clock is behind")
	_, err := os.Stat(s.Path(KindNetwork, clock.hour()))
	assert.True(t, os.IsNotExist(err), "no file for the hour the clock went back to")
}

// TestSinkDedupe: a batch whose ID was committed is not stored again, also
// after a restart (the IDs are in the journal), until the dedupe time has
// passed.
func TestSinkDedupe(t *testing.T) {
	dir := t.TempDir()
	clock := newClock(testStart)
	s, _ := openTestSinkWith(t, SinkOptions{Dir: dir, Now: clock.now, Dedupe: 10 * time.Minute})
	b := &Batch{ID: BatchID{1, 2, 3}, Parts: []Part{{Kind: KindNetwork, Data: []byte("{\"a\":1}\n")}}}
	require.NoError(t, s.Commit(b))
	require.NoError(t, s.Commit(b))
	assert.True(t, s.Committed(b.ID))
	assert.False(t, s.Committed(BatchID{9}))
	require.NoError(t, s.Close())
	s, _ = openTestSinkWith(t, SinkOptions{Dir: dir, Now: clock.now, Dedupe: 10 * time.Minute})
	assert.True(t, s.Committed(b.ID), "remembered across a restart")
	require.NoError(t, s.Commit(b))
	assert.Equal(t, []string{`{"a":1}`}, readLines(t, s.Path(KindNetwork, clock.hour())))
	clock.add(11 * time.Minute)
	assert.False(t, s.Committed(b.ID), "forgotten after the dedupe time")
	require.NoError(t, s.Commit(b))
	require.NoError(t, s.Close())
	assert.Len(t, readLines(t, s.Path(KindNetwork, clock.hour())), 2)
}

func gunzipLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	b, err := io.ReadAll(zr)
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func TestSinkRotateIdle(t *testing.T) {
	dir := t.TempDir()
	clock := newClock(testStart)
	s, _ := openTestSink(t, dir, clock, false)
	defer s.Close()
	require.NoError(t, commit(s, Part{Kind: KindAudit, Data: []byte("{}\n")}))
	clock.add(time.Hour)
	s.Rotate()
	s.acquire()
	n := len(s.files)
	s.release()
	assert.Zero(t, n, "past hour's file closed without new traffic")
}

func TestSinkClosed(t *testing.T) {
	s, _ := openTestSink(t, t.TempDir(), newClock(testStart), false)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	assert.ErrorIs(t, commit(s, Part{Kind: KindNetwork, Data: []byte("{}\n")}), ErrSinkClosed)
	assert.True(t, errors.Is(commit(s, Part{Kind: KindNetwork, Data: []byte("{}\n")}), ErrSinkClosed))
}

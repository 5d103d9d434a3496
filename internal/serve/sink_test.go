package serve

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openTestSink(t *testing.T, dir string, clock *testClock, gz bool) (*Sink, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	s, err := OpenSink(SinkOptions{
		Dir: dir, Host: "h1", GzipClosed: gz, Now: clock.now,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
	})
	require.NoError(t, err)
	return s, logs
}

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

// TestSinkGroupCommit writes from many goroutines: every batch lands whole,
// once, and batches are grouped into fewer fsyncs.
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
				var buf bytes.Buffer
				for r := range rows {
					fmt.Fprintf(&buf, `{"w":%d,"b":%d,"r":%d,"pad":"%s"}`+"\n", w, b, r, strings.Repeat("x", 100*r))
				}
				assert.NoError(t, s.Write(Part{KindNetwork, buf.Bytes()}))
			}
		}()
	}
	wg.Wait()
	require.NoError(t, s.Close())
	lines := readLines(t, s.Path(KindNetwork, clock.hour()))
	require.Len(t, lines, writers*batches*rows)
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
	t.Logf("%d batches in %d fsyncs", writers*batches, n.count)
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

// TestSinkRepairsTornTail opens files whose last line was cut short by a
// crash: the torn bytes are truncated, at startup for past hours, and when
// the current hour's file is opened.
func TestSinkRepairsTornTail(t *testing.T) {
	dir := t.TempDir()
	clock := newClock(testStart)
	s, _ := openTestSink(t, dir, clock, false)
	cur := s.Path(KindNetwork, clock.hour())
	past := s.Path(KindAudit, clock.hour().Add(-26*time.Hour))
	other := strings.Replace(cur, "-h1.ndjson", "-h2.ndjson", 1)
	require.NoError(t, s.Close())

	for _, p := range []string{cur, past, other} {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("{\"a\":1}\n{\"a\":2}\n{\"a\":3,\"torn"), 0o644))
	}
	noNewline := s.Path(KindDeadLetter, clock.hour().Add(-2*time.Hour))
	require.NoError(t, os.MkdirAll(filepath.Dir(noNewline), 0o755))
	require.NoError(t, os.WriteFile(noNewline, []byte(`{"only":"torn"`), 0o644))

	s, logs := openTestSink(t, dir, clock, false)
	require.NoError(t, s.Write(Part{KindNetwork, []byte("{\"a\":4}\n")}))
	require.NoError(t, s.Close())
	assert.Equal(t, []string{`{"a":1}`, `{"a":2}`, `{"a":4}`}, readLines(t, cur))
	assert.Equal(t, []string{`{"a":1}`, `{"a":2}`}, readLines(t, past))
	b, _ := os.ReadFile(noNewline)
	assert.Empty(t, b)
	// Another receiver's file is left alone.
	b, _ = os.ReadFile(other)
	assert.True(t, bytes.HasSuffix(b, []byte("torn")))
	assert.Contains(t, logs.String(), "truncated a torn last line")
	assert.Equal(t, 3, strings.Count(logs.String(), "truncated a torn last line"))
}

// TestSinkRotateAndGzip moves the clock past the hour: the old file is
// closed and compressed, the new hour gets a new file, and nothing is lost.
func TestSinkRotateAndGzip(t *testing.T) {
	dir := t.TempDir()
	clock := newClock(time.Date(2026, 6, 3, 15, 59, 59, 0, time.UTC))
	s, _ := openTestSink(t, dir, clock, true)
	h15 := s.Path(KindNetwork, clock.hour())
	require.NoError(t, s.Write(Part{KindNetwork, []byte("{\"h\":15}\n")}))
	clock.add(2 * time.Second)
	require.NoError(t, s.Write(Part{KindNetwork, []byte("{\"h\":16}\n")}))
	h16 := s.Path(KindNetwork, clock.hour())
	require.NotEqual(t, h15, h16)
	// The clock going back does not reopen the past hour.
	clock.add(-time.Minute)
	require.NoError(t, s.Write(Part{KindNetwork, []byte("{\"h\":16}\n")}))
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

	// If the .gz exists already, new data is appended as another member.
	require.NoError(t, os.WriteFile(h16, []byte("{\"late\":1}\n"), 0o644))
	require.NoError(t, gzipFile(h16))
	assert.Equal(t, []string{`{"h":16}`, `{"h":16}`, `{"late":1}`}, gunzipLines(t, h16+".gz"))
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
	require.NoError(t, s.Write(Part{KindAudit, []byte("{}\n")}))
	clock.add(time.Hour)
	s.Rotate()
	s.bg.Wait()
	s.mu.Lock()
	n := len(s.files)
	s.mu.Unlock()
	assert.Zero(t, n, "past hour's file closed without new traffic")
}

func TestSinkClosed(t *testing.T) {
	s, _ := openTestSink(t, t.TempDir(), newClock(testStart), false)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	assert.ErrorIs(t, s.Write(Part{KindNetwork, []byte("{}\n")}), ErrSinkClosed)
}

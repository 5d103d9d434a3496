package serve

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/syncbuf"
	"github.com/tslogs/tslogs/internal/synth"
)

const testToken = "test-token-0123456789abcdef"

// testClock is a settable clock.
type testClock struct{ ns atomic.Int64 }

func newClock(t time.Time) *testClock {
	c := &testClock{}
	c.set(t)
	return c
}
func (c *testClock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *testClock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) hour() time.Time     { return c.now().Truncate(time.Hour) }
func (c *testClock) add(d time.Duration) { c.set(c.now().Add(d)) }

// testServer is a Server serving on a loopback port.
type testServer struct {
	t     *testing.T
	srv   *Server
	url   string // http://127.0.0.1:port
	dir   string
	clock *testClock
	logs  *syncbuf.Buffer
	stop  func() error
}

var testStart = time.Date(2026, 6, 3, 15, 20, 0, 0, time.UTC)

func startServer(t *testing.T, mod func(*Config)) *testServer {
	t.Helper()
	return startServerIn(t, t.TempDir(), mod)
}

func startServerIn(t *testing.T, dir string, mod func(*Config)) *testServer {
	t.Helper()
	ts := &testServer{t: t, dir: dir, clock: newClock(testStart), logs: &syncbuf.Buffer{}}
	cfg := Config{
		Tokens:          []string{testToken},
		OutDir:          dir,
		Host:            "test-host",
		Now:             ts.clock.now,
		Logger:          slog.New(slog.NewTextHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ShutdownTimeout: 10 * time.Second,
		DrainDelay:      -1,
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := New(cfg)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	ts.srv = srv
	ts.url = "http://" + ln.Addr().String()
	var once sync.Once
	var stopErr error
	ts.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(30 * time.Second):
				t.Error("server did not stop")
			}
		})
		return stopErr
	}
	t.Cleanup(func() { ts.stop() })
	return ts
}

// post sends body to path with the given headers and returns the status
// and reply body.
func (ts *testServer) post(path string, body io.Reader, hdr ...string) (int, string, http.Header) {
	ts.t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.url+path, body)
	require.NoError(ts.t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(ts.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (ts *testServer) get(path string) (int, string) {
	ts.t.Helper()
	resp, err := http.Get(ts.url + path)
	require.NoError(ts.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// path returns the current hour's file of kind.
func (ts *testServer) path(kind string) string {
	return ts.srv.Sink().Path(kind, ts.clock.hour())
}

// lines returns the lines of a file (nil if it does not exist), checking
// that the file ends with a newline.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	if len(data) == 0 {
		return nil
	}
	require.Equal(t, byte('\n'), data[len(data)-1], "%s must end with a newline", path)
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// countRows counts the rows of every file under dir/kind.
func countRows(t *testing.T, dir, kind string) int {
	t.Helper()
	n := 0
	eachLine(t, dir, kind, func([]byte) { n++ })
	return n
}

// eachLine calls fn with every line of every file under dir/kind, .gz
// files decompressed.
func eachLine(t *testing.T, dir, kind string, fn func(line []byte)) {
	t.Helper()
	filepath.WalkDir(filepath.Join(dir, kind), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		f, err := os.Open(path)
		require.NoError(t, err)
		defer f.Close()
		var r io.Reader = f
		if strings.HasSuffix(path, ".gz") {
			zr, err := gzip.NewReader(f)
			require.NoError(t, err)
			r = zr
		}
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			fn(sc.Bytes())
		}
		require.NoError(t, sc.Err())
		return nil
	})
}

// networkBody returns a log-stream body of n network records.
func networkBody(t testing.TB, n int, seed uint64) []byte {
	t.Helper()
	g := synth.New(synth.Options{Kind: synth.Network, Seed: seed})
	b, got := g.AppendBody(nil, 8<<20, n)
	require.Equal(t, n, got)
	return b
}

func auditBody(t testing.TB, n int, seed uint64) []byte {
	t.Helper()
	g := synth.New(synth.Options{Kind: synth.Audit, Seed: seed})
	b, got := g.AppendBody(nil, 8<<20, n)
	require.Equal(t, n, got)
	return b
}

func gzipBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, err := w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func zstdBytes(t testing.TB, b []byte) []byte {
	w, err := zstd.NewWriter(nil)
	require.NoError(t, err)
	defer w.Close()
	return w.EncodeAll(b, nil)
}

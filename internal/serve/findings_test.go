package serve

// Tests that reproduce the findings of issue 10, one test per finding, at
// the HTTP level against real files.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/serve/loadtest"
)

// mixedBody is a body whose records go to every file: network rows, audit
// rows and dead-letter lines.
func mixedBody(t testing.TB, seed uint64) (body []byte, nNet, nAudit, nBad int) {
	var b bytes.Buffer
	b.Write(networkBody(t, 5, seed))
	b.WriteString(`{"time":1780500887.356,"event":{"nodeId":5}}`)
	b.Write(auditBody(t, 3, seed+1))
	b.WriteString(`{"time":"soon","event":{"action":"x"}}`)
	return b.Bytes(), 5, 3, 2
}

// Finding 1: a receiver whose host name ends another's took the other's
// files for its own at startup and compressed (or truncated) them.
func TestFindingHostSuffixOfAnother(t *testing.T) {
	dir := t.TempDir()
	eu := startServerIn(t, dir, func(c *Config) { c.Host = "eu-logs" })
	body := networkBody(t, 10, 1)
	code, _, _ := eu.post("/", bytes.NewReader(body), bearer(testToken)...)
	require.Equal(t, 200, code)

	// "logs" starts an hour later with --gzip-closed: files of past hours
	// are its to compress, but only its own.
	logs := startServerIn(t, dir, func(c *Config) { c.Host = "logs"; c.GzipClosed = true })
	logs.clock.add(time.Hour)
	code, _, _ = logs.post("/", bytes.NewReader(networkBody(t, 4, 2)), bearer(testToken)...)
	require.Equal(t, 200, code)
	require.NoError(t, logs.stop())
	logs = startServerIn(t, dir, func(c *Config) { c.Host = "logs"; c.GzipClosed = true })
	logs.clock.add(2 * time.Hour)
	logs.srv.Sink().Rotate()
	require.NoError(t, logs.stop())

	// eu-logs keeps writing its current file.
	code, _, _ = eu.post("/", bytes.NewReader(networkBody(t, 7, 3)), bearer(testToken)...)
	require.Equal(t, 200, code)
	require.NoError(t, eu.stop())
	assert.Len(t, readLines(t, eu.path(KindNetwork)), 17, "eu-logs' own file, untouched by logs")
	assert.Equal(t, 21, countRows(t, dir, KindNetwork))
}

// blockKind makes the directory of kind's files unusable in a way that
// holds for root too: its top directory is replaced by a regular file.
func blockKind(t *testing.T, dir, kind string) (unblock func()) {
	t.Helper()
	p := filepath.Join(dir, kind)
	require.NoError(t, os.RemoveAll(p))
	require.NoError(t, os.WriteFile(p, []byte("not a directory"), 0o644))
	return func() { require.NoError(t, os.Remove(p)) }
}

// Finding 2: when a later part of a batch failed, the answer was 503 but
// the earlier part stayed, and every retry stored it again.
func TestFinding503StoresNothing(t *testing.T) {
	for _, kind := range []string{KindNetwork, KindAudit, KindDeadLetter} {
		t.Run(kind, func(t *testing.T) {
			ts := startServer(t, nil)
			body, nNet, nAudit, nBad := mixedBody(t, 4)
			unblock := blockKind(t, ts.dir, kind)
			for range 3 {
				code, _, _ := ts.post("/", bytes.NewReader(body), bearer(testToken)...)
				assert.Equal(t, 503, code)
			}
			for _, k := range []string{KindNetwork, KindAudit, KindDeadLetter} {
				if k != kind {
					assert.Empty(t, readLines(t, ts.path(k)), "%s: nothing stored by a 503", k)
				}
			}
			unblock()
			code, _, _ := ts.post("/", bytes.NewReader(body), bearer(testToken)...)
			require.Equal(t, 200, code)
			assert.Len(t, readLines(t, ts.path(KindNetwork)), nNet)
			assert.Len(t, readLines(t, ts.path(KindAudit)), nAudit)
			assert.Len(t, readLines(t, ts.path(KindDeadLetter)), nBad)
		})
	}
}

// Finding 3: /healthz said 200 while every ingest got 503, because it only
// tried to open the network file.
func TestFindingHealthWhileAFileFails(t *testing.T) {
	for _, kind := range []string{KindAudit, KindDeadLetter} {
		t.Run(kind, func(t *testing.T) {
			ts := startServer(t, nil)
			body, _, _, _ := mixedBody(t, 5)
			code, _, _ := ts.post("/", bytes.NewReader(body), bearer(testToken)...)
			require.Equal(t, 200, code)
			unblock := blockKind(t, ts.dir, kind)
			ts.clock.add(time.Hour) // a new hour: new files
			code, _, _ = ts.post("/", bytes.NewReader(body), bearer(testToken)...)
			require.Equal(t, 503, code)
			code, _ = ts.get("/healthz")
			assert.Equal(t, 503, code, "the last write failed")
			code, _ = ts.get("/services/collector/health")
			assert.Equal(t, 503, code)
			unblock()
			assert.Eventually(t, func() bool { c, _ := ts.get("/healthz"); return c == 200 },
				10*time.Second, 50*time.Millisecond, "healthy again once a test write succeeds")
			code, _, _ = ts.post("/", bytes.NewReader(body), bearer(testToken)...)
			assert.Equal(t, 200, code)
		})
	}
}

// Finding 4 (dead letters): a 1 MiB body of "{}" made one dead-letter
// line per "{}" (half a million lines, about 100 times the body).
func TestFindingDeadLetterFlood(t *testing.T) {
	ts := startServer(t, nil)
	body := bytes.Repeat([]byte("{}"), 512<<10)
	code, reply, _ := ts.post("/", bytes.NewReader(body), bearer(testToken)...)
	require.Equal(t, 200, code, reply)
	st, err := os.Stat(ts.path(KindDeadLetter))
	require.NoError(t, err)
	lines := readLines(t, ts.path(KindDeadLetter))
	t.Logf("dead-letter: %d lines, %d bytes for a %d-byte body", len(lines), st.Size(), len(body))
	assert.LessOrEqual(t, len(lines), 101)
	assert.LessOrEqual(t, st.Size(), int64(len(body))*4/3+101*2048)
}

// Finding 5: with --gzip-closed, a restart with the clock set back made
// the startup compression race new writes to the same hour, and lose rows.
func TestFindingClockBackAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	total := 0
	for round := range 6 {
		ts := startServerIn(t, dir, func(c *Config) { c.GzipClosed = true })
		ts.clock.set(testStart.Add(time.Duration(round) * time.Hour))
		code, _, _ := ts.post("/", bytes.NewReader(networkBody(t, 5, uint64(round))), bearer(testToken)...)
		require.Equal(t, 200, code)
		total += 5
		require.NoError(t, ts.stop())

		// Restart with the clock an hour back, then let it come forward
		// again while writing.
		ts = startServerIn(t, dir, func(c *Config) { c.GzipClosed = true })
		ts.clock.set(testStart.Add(time.Duration(round)*time.Hour - time.Hour))
		for i := range 4 {
			if i == 1 {
				ts.clock.add(time.Hour)
			}
			code, _, _ := ts.post("/", bytes.NewReader(networkBody(t, 3, uint64(100*round+i))), bearer(testToken)...)
			require.Equal(t, 200, code)
			total += 3
		}
		require.NoError(t, ts.stop())
	}
	st, err := loadtest.ReadStore(dir)
	require.NoError(t, err)
	assert.Equal(t, total, st.Rows.Total(), "every acknowledged row, once")
}

// Finding 9: files were 0644 and directories 0755.
func TestFindingFileModes(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	ts := startServer(t, nil)
	body, _, _, _ := mixedBody(t, 6)
	code, _, _ := ts.post("/", bytes.NewReader(body), bearer(testToken)...)
	require.Equal(t, 200, code)
	require.NoError(t, ts.stop())
	err := filepath.Walk(ts.dir, func(p string, fi os.FileInfo, err error) error {
		require.NoError(t, err)
		rel, _ := filepath.Rel(ts.dir, p)
		switch {
		case p == ts.dir:
		case fi.IsDir():
			assert.Equal(t, os.FileMode(0o750), fi.Mode().Perm(), rel)
		case fi.Name() == "token":
			assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), rel)
		default:
			assert.Equal(t, os.FileMode(0o640), fi.Mode().Perm(), rel)
		}
		return nil
	})
	require.NoError(t, err)
}

// Finding 9: a symbolic link planted inside OUT was followed, and a file
// outside OUT was written (as root: truncated).
func TestFindingSymlinkInsideOut(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "precious")
	content := []byte("precious data with no newline at the end")
	require.NoError(t, os.WriteFile(outside, content, 0o644))
	outsideDir := t.TempDir()

	ts := startServer(t, nil)
	body, _, _, _ := mixedBody(t, 7)
	// The current network file is a link to a file outside OUT, and the
	// audit directory a link to a directory outside OUT.
	p := ts.path(KindNetwork)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o750))
	require.NoError(t, os.Symlink(outside, p))
	require.NoError(t, os.Symlink(outsideDir, filepath.Join(ts.dir, KindAudit)))
	code, _, _ := ts.post("/", bytes.NewReader(body), bearer(testToken)...)
	assert.Equal(t, 503, code)
	got, err := os.ReadFile(outside)
	require.NoError(t, err)
	assert.Equal(t, content, got, "the file outside OUT is untouched")
	entries, err := os.ReadDir(outsideDir)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing created outside OUT")
	assert.Contains(t, strings.ToLower(ts.logs.String()), "symbolic link")
}

// Finding 9: a one-character token was accepted.
func TestFindingShortToken(t *testing.T) {
	for _, tok := range []string{"x", "short", strings.Repeat("a", 15)} {
		_, err := New(Config{Tokens: []string{tok}, OutDir: t.TempDir(), Host: "h"})
		assert.ErrorContains(t, err, "at least 16", "%q", tok)
	}
	srv, err := New(Config{Tokens: []string{strings.Repeat("a", 16)}, OutDir: t.TempDir(), Host: "h"})
	require.NoError(t, err)
	require.NoError(t, srv.Close())
}

// slowPost starts a request whose body sends head and then stalls until
// release is closed; the status (0 on a connection error) arrives on the
// returned channel.
func slowPost(t *testing.T, url string, head []byte, release <-chan struct{}) <-chan int {
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, url+"/", pr)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	go func() {
		pw.Write(head)
		<-release
		pw.Close()
	}()
	return done
}

// Finding 4 (slow senders): 33 slow authenticated bodies held every slot
// (--max-concurrent 32) and starved the other senders: every other request
// got 503 until they were done. Slow bodies now hold only their memory.
func TestFindingSlowSendersDoNotStarve(t *testing.T) {
	ts := startServer(t, nil)
	release := make(chan struct{})
	var slow []<-chan int
	for range 33 {
		slow = append(slow, slowPost(t, ts.url, []byte(`{"time":1780500887,`), release))
	}
	inFlight := regexp.MustCompile(`(?m)^tslogs_http_ingest_in_flight (\d+)$`)
	require.Eventually(t, func() bool {
		m := inFlight.FindStringSubmatch(scrape(t, ts))
		n, _ := strconv.Atoi(m[1])
		return n >= 32
	}, 10*time.Second, 10*time.Millisecond, "the slow senders are in flight")
	code, _, _ := ts.post("/", bytes.NewReader(networkBody(t, 5, 33)), bearer(testToken)...)
	assert.Equal(t, http.StatusOK, code, "a normal sender is served while 33 slow ones trickle")
	close(release)
	for _, c := range slow {
		<-c
	}
}

// A body slower than MinBodyRate after the grace is cut off with 408.
func TestMinBodyRate(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.MinBodyRate = 64 << 10; c.MinBodyRateGrace = 200 * time.Millisecond })
	release := make(chan struct{})
	defer close(release)
	done := slowPost(t, ts.url, []byte(`{"time":1780500887,`), release)
	select {
	case code := <-done:
		assert.Equal(t, http.StatusRequestTimeout, code)
	case <-time.After(30 * time.Second):
		t.Fatal("the slow sender was not cut off")
	}
	assert.Contains(t, scrape(t, ts), `tslogs_http_ingest_refused_total{reason="slow"} 1`)
	// A normal body is not affected.
	code, _, _ := ts.post("/", bytes.NewReader(networkBody(t, 5, 34)), bearer(testToken)...)
	assert.Equal(t, http.StatusOK, code)
}

// The summary dead-letter line of a compressed body holds the decompressed
// rest of the body, from the first bad record it sums up.
func TestDeadLetterSummaryCompressed(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.MaxDeadLetters = 3 })
	var b bytes.Buffer
	b.Write(networkBody(t, 2, 40))
	for i := range 10 {
		fmt.Fprintf(&b, `{"time":"bad-%d","event":{"action":"x"}}`, i)
	}
	b.Write(networkBody(t, 2, 41))
	for _, enc := range []string{"gzip", "zstd"} {
		body := b.Bytes()
		wire := gzipBytes(t, body)
		if enc == "zstd" {
			wire = zstdBytes(t, body)
		}
		code, _, _ := ts.post("/", bytes.NewReader(wire), append(bearer(testToken), "Content-Encoding", enc)...)
		require.Equal(t, http.StatusOK, code)
	}
	lines := readLines(t, ts.path(KindDeadLetter))
	require.Len(t, lines, 8, "3 bad records one by one and a summary, twice")
	for _, l := range []string{lines[3], lines[7]} {
		var d struct {
			More   int    `json:"more_bad_records"`
			Offset int    `json:"offset"`
			Raw    string `json:"raw"`
		}
		require.NoError(t, json.Unmarshal([]byte(l), &d))
		assert.Equal(t, 7, d.More)
		assert.Equal(t, string(b.Bytes()[d.Offset:]), d.Raw)
		assert.True(t, strings.HasPrefix(d.Raw, `{"time":"bad-3"`))
	}
	assert.Len(t, readLines(t, ts.path(KindNetwork)), 8)
}

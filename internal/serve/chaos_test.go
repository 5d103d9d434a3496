package serve

// The in-process part of the chaos suite (make chaos): real files, real
// faults where the kernel gives them (a full tmpfs, chattr +i, a directory
// replaced by a file), the injection seam for EIO. Every run compares the
// acknowledged records with what is on disk: no acknowledged record or
// dead letter missing, none stored twice, nothing of a refused batch.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/serve/loadtest"
	"github.com/tslogs/tslogs/tailscale"
)

// chaosBody is a body that touches every file: network and audit records
// and bad records, with the identity of each. Each part is larger than a
// page, so that it cannot fit in the slack of a full file system's last
// page.
type chaosBody struct {
	data []byte
	keys []loadtest.Key // rows of the good records
	bad  []string       // raw bytes of the bad records
}

func newChaosBody(t testing.TB, seed uint64) chaosBody {
	var b bytes.Buffer
	b.Write(networkBody(t, 3, seed))
	b.Write(auditBody(t, 8, seed+1))
	cb := chaosBody{}
	for i := range 12 {
		bad := fmt.Sprintf(`{"time":"bad-%d-%d","event":{"action":"%s"}}`, seed, i, strings.Repeat("x", 400))
		b.WriteString(bad)
		cb.bad = append(cb.bad, bad)
	}
	cb.data = b.Bytes()
	r := tailscale.NewReader(bytes.NewReader(cb.data), tailscale.ReaderOptions{})
	meta := &tailscale.RowMeta{ParseTime: time.Unix(0, 0).UTC(), RowID: "x"}
	var row []byte
	for r.Next() {
		if r.Err() != nil {
			continue
		}
		row = r.AppendRow(row[:0], meta)
		cb.keys = append(cb.keys, loadtest.RowKey(row))
	}
	require.Len(t, cb.keys, 11)
	return cb
}

// ledger records what was acknowledged.
type ledger struct {
	mu       sync.Mutex
	rows     loadtest.Multiset
	dead     map[string]int
	requests int
	statuses map[int]int
}

func newLedger() *ledger {
	return &ledger{rows: loadtest.Multiset{}, dead: map[string]int{}, statuses: map[int]int{}}
}

// post sends b once and records it if acknowledged.
func (l *ledger) post(t *testing.T, url string, b chaosBody) int {
	req, err := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(b.data))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testToken)
	status := 0
	if resp, err := http.DefaultClient.Do(req); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		status = resp.StatusCode
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests++
	l.statuses[status]++
	if status == http.StatusOK {
		for _, k := range b.keys {
			l.rows[k]++
		}
		for _, d := range b.bad {
			l.dead[d]++
		}
	}
	return status
}

// postAll posts every body concurrently, once, and returns the statuses.
func (l *ledger) postAll(t *testing.T, url string, bodies []chaosBody) []int {
	out := make([]int, len(bodies))
	var wg sync.WaitGroup
	for i, b := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = l.post(t, url, b)
		}()
	}
	wg.Wait()
	return out
}

// deadLetters returns the raw bytes of every dead-letter line under dir.
func deadLetters(t *testing.T, dir string) map[string]int {
	t.Helper()
	m := map[string]int{}
	eachLine(t, dir, KindDeadLetter, func(line []byte) {
		var v struct {
			Raw       *string `json:"raw"`
			RawBase64 string  `json:"raw_base64"`
		}
		require.NoError(t, json.Unmarshal(line, &v), string(line))
		if v.Raw != nil {
			m[*v.Raw]++
			return
		}
		b, err := base64.StdEncoding.DecodeString(v.RawBase64)
		require.NoError(t, err)
		m[string(b)]++
	})
	return m
}

// bodySource makes distinct chaos bodies, from any goroutine.
type bodySource struct {
	mu   sync.Mutex
	t    testing.TB
	seed uint64
}

func (b *bodySource) next(n int) []chaosBody {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []chaosBody
	for range n {
		b.seed += 10
		out = append(out, newChaosBody(b.t, b.seed))
	}
	return out
}

// verify compares what is on disk under dir with what was acknowledged:
// every acknowledged row and dead letter exactly once, nothing else.
func (l *ledger) verify(t *testing.T, dir string) *loadtest.Store {
	t.Helper()
	st, err := loadtest.ReadStore(dir)
	require.NoError(t, err)
	res := &loadtest.Result{Acked: l.rows, Attempted: l.rows, AckedRecords: l.rows.Total()}
	require.NoError(t, loadtest.Verify(res, st, true))
	got := deadLetters(t, dir)
	var diffs []string
	for raw, n := range l.dead {
		if got[raw] != n {
			diffs = append(diffs, fmt.Sprintf("%.40q acknowledged %d times, stored %d", raw, n, got[raw]))
		}
	}
	for raw, n := range got {
		if _, ok := l.dead[raw]; !ok {
			diffs = append(diffs, fmt.Sprintf("%.40q never acknowledged, stored %d", raw, n))
		}
	}
	assert.Empty(t, diffs[:min(len(diffs), 3)], "dead letters: every acknowledged one exactly once (%d differences)", len(diffs))
	return st
}

// fileSizes returns the size of every output file that is not empty.
func fileSizes(t *testing.T, dir string) map[string]int64 {
	m := map[string]int64{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() && strings.HasPrefix(fi.Name(), "tailscale-") && fi.Size() > 0 {
			rel, _ := filepath.Rel(dir, p)
			m[rel] = fi.Size()
		}
		return nil
	})
	return m
}

// A fault makes kind's file fail; it returns the function that clears it.
type fault struct {
	name string
	real bool // a fault the kernel gives (else injected)
	// setup runs before the server starts (mounts); apply breaks kind's
	// file of the server ts.
	setup func(t *testing.T, dir string)
	apply func(t *testing.T, ts *testServer, kind string) (clear func())
}

func chaosFaults(inj *faults) []fault {
	return []fault{
		{name: "ENOSPC (full tmpfs)", real: true,
			setup: func(t *testing.T, dir string) {
				// OUT and each kind's directory are tmpfs of their own, so
				// that one file's file system can be full alone.
				mountTmpfs(t, dir, 4<<20)
				for _, k := range kinds {
					require.NoError(t, os.Mkdir(filepath.Join(dir, k), 0o750))
					mountTmpfs(t, filepath.Join(dir, k), 4<<20)
				}
			},
			apply: func(t *testing.T, ts *testServer, kind string) func() {
				fs := ts.dir
				if kind != kindJournal {
					fs = filepath.Join(ts.dir, kind)
				}
				filler := fillUp(t, fs)
				return func() { require.NoError(t, os.Remove(filler)) }
			}},
		{name: "EIO on write (injected)",
			apply: func(t *testing.T, ts *testServer, kind string) func() {
				inj.fail("write", kind, syscall.EIO)
				return inj.clear
			}},
		{name: "EIO on fsync (injected)",
			apply: func(t *testing.T, ts *testServer, kind string) func() {
				inj.fail("sync", kind, syscall.EIO)
				return inj.clear
			}},
		{name: "immutable (chattr +i)", real: true,
			apply: func(t *testing.T, ts *testServer, kind string) func() {
				p := filepath.Join(ts.dir, ".journal-test-host")
				if kind != kindJournal {
					p = ts.path(kind)
				}
				require.NoError(t, chattr(t, "+i", p))
				return func() { require.NoError(t, chattr(t, "-i", p)) }
			}},
		{name: "unwritable (directory replaced by a file)", real: true,
			apply: func(t *testing.T, ts *testServer, kind string) func() {
				if kind == kindJournal {
					t.Skip("the journal is not reopened while the receiver runs: see immutable and EIO")
				}
				// New files, to be created below a directory that is now
				// a file; the directory is kept aside.
				ts.clock.add(time.Hour)
				p := filepath.Join(ts.dir, kind)
				require.NoError(t, os.Rename(p, p+".aside"))
				require.NoError(t, os.WriteFile(p, []byte("not a directory"), 0o640))
				return func() {
					require.NoError(t, os.Remove(p))
					require.NoError(t, os.Rename(p+".aside", p))
				}
			}},
	}
}

// TestChaosFaultsPerFile breaks each file in turn (network, audit,
// dead-letter, journal) in each way, while batches that touch every file
// are sent: each batch during the fault gets 503 and leaves no byte in any
// file; /healthz says 503 until the fault is cleared; the retries are then
// stored, and the whole store holds every acknowledged record and dead
// letter exactly once.
func TestChaosFaultsPerFile(t *testing.T) {
	loadtest.SkipUnlessChaos(t)
	var total struct {
		sync.Mutex
		requests, acked, refused, rows int
	}
	src := &bodySource{t: t, seed: 1000}
	for _, kind := range []string{KindNetwork, KindAudit, KindDeadLetter, kindJournal} {
		for _, f := range chaosFaults(nil) {
			t.Run(kind+"/"+f.name, func(t *testing.T) {
				var inj faults
				f := chaosFaults(&inj)[indexOfFault(f.name)]
				dir := t.TempDir()
				if f.setup != nil {
					f.setup(t, dir)
				}
				ts := startServerIn(t, dir, func(c *Config) { c.Inject = inj.inject })
				l := newLedger()
				first, during := src.next(4), src.next(30)
				for _, s := range l.postAll(t, ts.url, first) {
					require.Equal(t, http.StatusOK, s)
				}
				clear := f.apply(t, ts, kind)
				// One batch at a time, so that each refused one can be
				// checked to have left nothing. (A full disk may still take
				// a small journal line in its last page: the first
				// batches may pass until it does not.)
				if f.name != "ENOSPC (full tmpfs)" || kind != kindJournal {
					during = during[:8]
				}
				var refused []chaosBody
				for _, b := range during {
					before := fileSizes(t, dir)
					status := l.post(t, ts.url, b)
					if status == http.StatusOK && f.name == "ENOSPC (full tmpfs)" && kind == kindJournal && len(refused) == 0 {
						continue
					}
					require.Equal(t, http.StatusServiceUnavailable, status, "a batch during the fault")
					assert.Equal(t, before, fileSizes(t, dir), "a refused batch leaves no byte in any file")
					assert.False(t, ts.srv.Sink().Committed(bodyID(0, b.data)), "nor in the journal")
					refused = append(refused, b)
				}
				require.NotEmpty(t, refused, "the fault was hit")
				code, _ := ts.get("/healthz")
				assert.Equal(t, http.StatusServiceUnavailable, code, "/healthz during the fault")
				code, _ = ts.get("/services/collector/health")
				assert.Equal(t, http.StatusServiceUnavailable, code)
				clear()
				require.Eventually(t, func() bool { c, _ := ts.get("/healthz"); return c == http.StatusOK },
					10*time.Second, 50*time.Millisecond, "healthy again once the fault is cleared")
				for _, s := range l.postAll(t, ts.url, refused) {
					assert.Equal(t, http.StatusOK, s, "the retry")
				}
				require.NoError(t, ts.stop())
				st := l.verify(t, dir)
				total.Lock()
				total.requests += l.requests
				total.acked += l.rows.Total()
				total.refused += l.statuses[http.StatusServiceUnavailable]
				total.rows += st.Rows.Total()
				total.Unlock()
				kindOf := "injected"
				if f.real {
					kindOf = "real"
				}
				t.Logf("chaos: fault %s on %s (%s): %d requests, %d refused with 503, %d records acknowledged, %d rows on disk, 0 duplicates",
					f.name, kind, kindOf, l.requests, l.statuses[http.StatusServiceUnavailable], l.rows.Total(), st.Rows.Total())
			})
		}
	}
	t.Logf("chaos: faults per file, in all: %d requests, %d refused with 503, %d records acknowledged, %d rows on disk, 0 missing, 0 duplicates",
		total.requests, total.refused, total.acked, total.rows)
}

func indexOfFault(name string) int {
	for i, f := range chaosFaults(nil) {
		if f.name == name {
			return i
		}
	}
	panic(name)
}

// TestChaosSharedOutSuffixHosts runs two receivers on one OUT whose host
// names end one another ("logs" and "eu-logs"), "logs" with --gzip-closed
// and restarted every simulated hour (its startup compresses its files of
// past hours, and must take only its own), while both receive batches.
func TestChaosSharedOutSuffixHosts(t *testing.T) {
	loadtest.SkipUnlessChaos(t)
	dir := t.TempDir()
	l := newLedger()
	eu := startServerIn(t, dir, func(c *Config) { c.Host = "eu-logs" })
	src := &bodySource{t: t, seed: 5000}
	for hour := range 5 {
		logs := startServerIn(t, dir, func(c *Config) { c.Host = "logs"; c.GzipClosed = true })
		logs.clock.add(time.Duration(hour) * time.Hour)
		var wg sync.WaitGroup
		for _, url := range []string{eu.url, logs.url} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, s := range l.postAll(t, url, src.next(6)) {
					assert.Equal(t, http.StatusOK, s)
				}
			}()
		}
		wg.Wait()
		logs.srv.Sink().Rotate()
		require.NoError(t, logs.stop())
	}
	require.NoError(t, eu.stop())
	// The last "logs" start compresses everything of its past hours.
	logs := startServerIn(t, dir, func(c *Config) { c.Host = "logs"; c.GzipClosed = true })
	logs.clock.add(6 * time.Hour)
	logs.srv.Sink().bg.Wait()
	require.NoError(t, logs.stop())
	st := l.verify(t, dir)
	gz, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*", "*", "*-logs.ndjson.gz"))
	euGz, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*", "*", "*-eu-logs.ndjson.gz"))
	assert.NotEmpty(t, gz, "logs compressed its files")
	assert.Empty(t, euGz, "and none of eu-logs'")
	t.Logf("chaos: two receivers on one OUT (logs, eu-logs), 5 hours, logs restarted each hour with --gzip-closed: %d requests, %d records acknowledged, %d rows on disk, 0 missing, 0 duplicates, %d files compressed",
		l.requests, l.rows.Total(), st.Rows.Total(), len(gz))
}

// TestChaosClockBackAcrossRestart restarts a --gzip-closed receiver with
// its clock set an hour back (an injected clock), then lets the clock come
// forward again while batches arrive: nothing acknowledged is lost (the
// startup compression used to race new writes to the same hour).
func TestChaosClockBackAcrossRestart(t *testing.T) {
	loadtest.SkipUnlessChaos(t)
	dir := t.TempDir()
	l := newLedger()
	src := &bodySource{t: t, seed: 9000}
	now := testStart
	for range 8 {
		ts := startServerIn(t, dir, func(c *Config) { c.GzipClosed = true })
		ts.clock.set(now)
		for _, s := range l.postAll(t, ts.url, src.next(4)) {
			require.Equal(t, http.StatusOK, s)
		}
		require.NoError(t, ts.stop())
		// Restart an hour back; the clock comes forward while batches
		// arrive, and the hour turns.
		ts = startServerIn(t, dir, func(c *Config) { c.GzipClosed = true })
		ts.clock.set(now.Add(-time.Hour))
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				for _, s := range l.postAll(t, ts.url, src.next(3)) {
					assert.Equal(t, http.StatusOK, s)
				}
			}
		}()
		for range 4 {
			ts.clock.add(30 * time.Minute)
			ts.srv.Sink().Rotate()
		}
		wg.Wait()
		require.NoError(t, ts.stop())
		now = ts.clock.now()
	}
	st := l.verify(t, dir)
	t.Logf("chaos: 8 restarts with the clock set an hour back, --gzip-closed: %d requests, %d records acknowledged, %d rows on disk, 0 missing, 0 duplicates",
		l.requests, l.rows.Total(), st.Rows.Total())
}

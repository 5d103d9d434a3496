package serve

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/objstore"
	"github.com/tslogs/tslogs/internal/pqfile"
	"github.com/tslogs/tslogs/internal/syncbuf"
	"github.com/tslogs/tslogs/tailscale"
)

// startObjects starts a server storing objects in a directory (what
// --format parquet does; --out s3:// is the same code on an S3 store, tested
// in cloudtest).
func startObjects(t *testing.T, dir, format string, mod func(*Config)) *testServer {
	t.Helper()
	st, err := objstore.OpenDir(dir, 0)
	require.NoError(t, err)
	return startServer(t, func(c *Config) {
		c.Objects, c.ObjectFormat = st, format
		if mod != nil {
			mod(c)
		}
	})
}

// objectFiles lists the files below dir (slash-separated, relative), with
// their modes; directories' modes go into dirs.
func objectFiles(t *testing.T, dir string) (files map[string]fs.FileMode, dirs map[string]fs.FileMode) {
	t.Helper()
	files, dirs = map[string]fs.FileMode{}, map[string]fs.FileMode{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		if p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		require.NoError(t, err)
		if d.IsDir() {
			dirs[filepath.ToSlash(rel)] = info.Mode().Perm()
		} else {
			files[filepath.ToSlash(rel)] = info.Mode()
		}
		return nil
	}))
	return files, dirs
}

// parquetRows reads a Parquet file of rows of type typ as generic values.
func parquetRows(t *testing.T, path string, typ tailscale.LogType) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	r := parquet.NewReader(bytes.NewReader(data), pqfile.Schema(tailscale.RowColumns(typ, false)))
	var rows []map[string]any
	for {
		row := map[string]any{}
		if err := r.Read(&row); err != nil {
			break
		}
		rows = append(rows, row)
	}
	require.EqualValues(t, r.NumRows(), len(rows))
	return rows
}

func digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// recordsOf reads body's good records: their count and node IDs by type.
func recordsOf(t *testing.T, body []byte) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	r := tailscale.NewReader(bytes.NewReader(body), tailscale.ReaderOptions{})
	for r.Next() {
		require.NoError(t, r.Err())
		id := r.Network().Event.NodeID
		if r.LogType() == tailscale.LogTypeAudit {
			id = r.Audit().Event.Actor.ID
		}
		out[r.LogType().PantherName()] = append(out[r.LogType().PantherName()], strings.Clone(id))
	}
	return out
}

// TestObjectsParquetToDirectory: serve --format parquet to a directory.
// Each batch becomes one Parquet object per log type and event hour, named
// by the SHA-256 of its decompressed body, holding every record once, with
// issue 10's modes (0640, 0750) and no temporary file left; a retried body
// is not stored again, and a retry that reaches a receiver that never saw
// it rewrites the same objects.
func TestObjectsParquetToDirectory(t *testing.T) {
	dir := t.TempDir()
	ts := startObjects(t, dir, FormatParquet, nil)
	net, audit := networkBody(t, 60, 1), auditBody(t, 25, 2)
	for _, b := range []struct {
		body []byte
		hdr  []string
	}{
		{net, nil},
		{gzipBytes(t, audit), []string{"Content-Encoding", "gzip"}},
	} {
		code, reply, _ := ts.post("/", bytes.NewReader(b.body), append(bearer(testToken), b.hdr...)...)
		require.Equal(t, http.StatusOK, code, reply)
	}
	files, dirs := objectFiles(t, dir)
	byType := map[string][]string{}
	for name, mode := range files {
		if name == "token" {
			continue
		}
		assert.Equal(t, fs.FileMode(0o640), mode.Perm(), name)
		assert.True(t, strings.HasSuffix(name, ".parquet"), "%s: no temporary or other file", name)
		typ := strings.TrimPrefix(strings.SplitN(name, "/", 2)[0], "p_log_type=")
		byType[typ] = append(byType[typ], name)
	}
	for d, mode := range dirs {
		assert.Equal(t, fs.FileMode(0o750), mode, d)
	}
	for typ, body := range map[tailscale.LogType][]byte{tailscale.LogTypeNetwork: net, tailscale.LogTypeAudit: audit} {
		want := recordsOf(t, body)[typ.PantherName()]
		var got []string
		for _, name := range byType[typ.PantherName()] {
			assert.Equal(t, digest(body)+".parquet", filepath.Base(name), "named by the decompressed body's SHA-256")
			rows := parquetRows(t, filepath.Join(dir, name), typ)
			hour := strings.Split(name, "/")
			for _, row := range rows {
				assert.Equal(t, typ.PantherName(), row["p_log_type"])
				et := time.UnixMicro(row["p_event_time"].(int64)).UTC()
				assert.Equal(t, []string{"dt=" + et.Format("2006-01-02"), "hour=" + et.Format("15")}, hour[1:3], "a row in its event hour's partition")
				ev := row["event"].(map[string]any)
				if typ == tailscale.LogTypeAudit {
					ev = ev["actor"].(map[string]any)
					got = append(got, ev["id"].(string))
				} else {
					got = append(got, ev["nodeId"].(string))
				}
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		assert.Equal(t, want, got, "%v: every record once", typ)
	}

	// The same body again: acknowledged, not stored again.
	code, _, _ := ts.post("/", bytes.NewReader(net), bearer(testToken)...)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, 1.0, testutil.ToFloat64(ts.srv.Metrics().duplicates))
	again, _ := objectFiles(t, dir)
	assert.Equal(t, len(files), len(again))

	// Another receiver that never saw it (a load balancer's retry): the
	// same objects, rewritten.
	ts2 := startObjects(t, dir, FormatParquet, nil)
	code, _, _ = ts2.post("/", bytes.NewReader(net), bearer(testToken)...)
	require.Equal(t, http.StatusOK, code)
	again, _ = objectFiles(t, dir)
	assert.Equal(t, len(files), len(again), "a retry elsewhere rewrites the same keys")
}

// envelope is a minimal log-stream record of the given type at unix time.
func envelope(typ tailscale.LogType, unix float64, id string) string {
	if typ == tailscale.LogTypeAudit {
		return fmt.Sprintf(`{"time":%.3f,"event":{"action":"UPDATE","origin":"API","actor":{"id":%q,"type":"USER"},"target":{"id":"t1","type":"NODE"}}}`, unix, id)
	}
	return fmt.Sprintf(`{"time":%.3f,"event":{"nodeId":%q,"virtualTraffic":[{"proto":6,"src":"100.64.0.1:1","dst":"100.64.0.2:2","txBytes":10}]}}`, unix, id)
}

// spanningBody has records of both types in three hours, interleaved: a
// Parquet batch writes its first partition directly and reads the records
// of the others again.
func spanningBody() ([]byte, map[string]int) {
	var b strings.Builder
	want := map[string]int{}
	base := float64(testStart.Truncate(time.Hour).Unix())
	for i := range 30 {
		typ := tailscale.LogTypeNetwork
		if i%3 == 0 {
			typ = tailscale.LogTypeAudit
		}
		hour := i % 3
		unix := base + float64(hour)*3600 + float64(i)
		b.WriteString(envelope(typ, unix, fmt.Sprintf("id-%d", i)))
		t := time.Unix(int64(unix), 0).UTC()
		want[pqfile.PartitionDir(typ.PantherName(), t)]++
	}
	return []byte(b.String()), want
}

// TestObjectsSpanningPartitions: a batch over several log types and hours
// makes one object per partition, each with its rows, in Parquet and
// NDJSON; more partitions than the limit is a 413 that stores nothing.
func TestObjectsSpanningPartitions(t *testing.T) {
	body, want := spanningBody()
	for _, format := range []string{FormatParquet, FormatNDJSON} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			ts := startObjects(t, dir, format, nil)
			code, reply, _ := ts.post("/", bytes.NewReader(body), bearer(testToken)...)
			require.Equal(t, http.StatusOK, code, reply)
			files, _ := objectFiles(t, dir)
			got := map[string]int{}
			ids := map[string]bool{}
			for name := range files {
				if name == "token" {
					continue
				}
				part := filepath.ToSlash(filepath.Dir(name))
				typ := tailscale.LogTypeNetwork
				if strings.Contains(part, "Audit") {
					typ = tailscale.LogTypeAudit
				}
				var rows []map[string]any
				if format == FormatParquet {
					rows = parquetRows(t, filepath.Join(dir, name), typ)
				} else {
					for _, line := range readLines(t, filepath.Join(dir, name)) {
						var row map[string]any
						require.NoError(t, json.Unmarshal([]byte(line), &row))
						rows = append(rows, row)
					}
				}
				got[part] += len(rows)
				for _, r := range rows {
					id := r["p_row_id"].(string)
					assert.False(t, ids[id], "row IDs are unique")
					ids[id] = true
				}
			}
			assert.Equal(t, want, got)
		})
	}
	t.Run("too many", func(t *testing.T) {
		dir := t.TempDir()
		st, err := objstore.OpenDir(dir, 0)
		require.NoError(t, err)
		store, err := OpenObjectStore(ObjectStoreOptions{Store: st, MaxPartitions: len(want) - 1})
		require.NoError(t, err)
		ts := startServer(t, func(c *Config) { c.Store = store })
		code, reply, _ := ts.post("/", bytes.NewReader(body), bearer(testToken)...)
		assert.Equal(t, http.StatusRequestEntityTooLarge, code)
		assert.Contains(t, reply, "span too many log types and hours")
		files, _ := objectFiles(t, dir)
		assert.Empty(t, files)
	})
}

// twoHourBody has network records of one hour and audit records of the next.
func twoHourBody() []byte {
	base := float64(testStart.Truncate(time.Hour).Unix())
	var b strings.Builder
	for i := range 10 {
		b.WriteString(envelope(tailscale.LogTypeNetwork, base+float64(i), fmt.Sprintf("n-%d", i)))
		b.WriteString(envelope(tailscale.LogTypeAudit, base+3600+float64(i), fmt.Sprintf("a-%d", i)))
	}
	return []byte(b.String())
}

// TestObjectsFailedBatchLeavesNothing: a batch whose audit object cannot
// be written (a real fault: a regular file stands where its partition's
// directory must go, so mkdir fails with ENOTDIR, as root too) is answered
// 503, and the network object already stored is deleted: nothing of the
// batch is anywhere. Health fails until the fault is gone; the retry then
// stores every object once.
func TestObjectsFailedBatchLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "p_log_type=Tailscale.Audit")
	require.NoError(t, os.WriteFile(blocker, []byte("in the way\n"), 0o600))
	ts := startObjects(t, dir, FormatParquet, nil)
	body := twoHourBody()
	code, reply, hdr := ts.post("/", bytes.NewReader(body), bearer(testToken)...)
	require.Equal(t, http.StatusServiceUnavailable, code, reply)
	assert.NotEmpty(t, hdr.Get("Retry-After"))
	files, _ := objectFiles(t, dir)
	delete(files, "token")
	assert.Equal(t, map[string]fs.FileMode{"p_log_type=Tailscale.Audit": 0o600}, files, "only the obstacle: the network object was deleted")
	assert.Contains(t, ts.logs.String(), "its objects were deleted")
	assert.Equal(t, 1.0, testutil.ToFloat64(ts.srv.Metrics().sinkErrors.WithLabelValues("audit")))
	code, _ = ts.get("/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, code)

	require.NoError(t, os.Remove(blocker))
	require.Eventually(t, func() bool { code, _ := ts.get("/healthz"); return code == http.StatusOK },
		5*time.Second, 100*time.Millisecond, "health comes back once a test write succeeds")
	code, reply, _ = ts.post("/", bytes.NewReader(body), bearer(testToken)...)
	require.Equal(t, http.StatusOK, code, reply)
	files, _ = objectFiles(t, dir)
	delete(files, "token")
	assert.Len(t, files, 2)
	for name := range files {
		assert.Equal(t, digest(body)+".parquet", filepath.Base(name))
	}
}

// TestObjectsSenderGoneKeepsObjects: when the sender has gone before a
// failed commit ends, its objects are left for its retry (which may be
// running on another receiver) to overwrite, not deleted.
func TestObjectsSenderGoneKeepsObjects(t *testing.T) {
	dir := t.TempDir()
	st, err := objstore.OpenDir(dir, 0)
	require.NoError(t, err)
	logs := &syncbuf.Buffer{}
	o, err := OpenObjectStore(ObjectStoreOptions{Store: st, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	require.NoError(t, err)
	defer o.Close()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "blocked"), nil, 0o600))
	gone := make(chan struct{})
	close(gone)
	b := &Batch{Parts: []Part{
		{Kind: KindNetwork, Data: []byte("n\n"), Key: "ok/x.ndjson"},
		{Kind: KindAudit, Data: []byte("a\n"), Key: "blocked/x.ndjson"},
	}, Gone: gone}
	require.Error(t, o.Commit(b))
	_, err = os.Stat(filepath.Join(dir, "ok", "x.ndjson"))
	assert.NoError(t, err, "left for the retry")
	assert.Contains(t, logs.String(), "left for the sender's retry")

	b.Gone = nil
	require.Error(t, o.Commit(b))
	_, err = os.Stat(filepath.Join(dir, "ok", "x.ndjson"))
	assert.ErrorIs(t, err, fs.ErrNotExist, "deleted while the sender waits")
}

// TestObjectsEncoderMemoryBounded: a maximum-size body (4 MiB) whose
// records alternate over the most partitions a batch may have, so that all
// but one are kept and read again, is encoded within what MemoryBound
// counts for a Parquet slot's rows: the live heap, sampled after a
// collection every 50 records and after the parts are made, stays within
// 1.5 × 3 × the body limit plus objectSlotMemory.
func TestObjectsEncoderMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("encodes a 4 MiB body")
	}
	const limit = DefaultMaxBodyBytes
	st, err := objstore.OpenDir(t.TempDir(), 0)
	require.NoError(t, err)
	o, err := OpenObjectStore(ObjectStoreOptions{Store: st})
	require.NoError(t, err)
	defer o.Close()
	var body bytes.Buffer
	base := float64(testStart.Truncate(time.Hour).Unix())
	traffic := strings.Repeat(`{"proto":6,"src":"100.64.0.1:41641","dst":"[fd7a:115c:a1e0::2]:443","txPkts":3,"txBytes":300,"rxPkts":2,"rxBytes":200},`, 40)
	for i := 0; body.Len() < limit-8<<10; i++ {
		hour := i % DefaultMaxPartitions
		fmt.Fprintf(&body, `{"time":%.3f,"event":{"nodeId":"n%d","virtualTraffic":[%s]}}`, base+float64(hour)*3600, i, strings.TrimSuffix(traffic, ","))
	}
	enc := o.NewEncoder(rowsPerBodyByte * limit)
	rd := tailscale.NewReader(enc.Body(bytes.NewReader(body.Bytes())), tailscale.ReaderOptions{})
	meta := &tailscale.RowMeta{ParseTime: testStart, RowIDPrefix: "m-"}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := int64(ms.HeapAlloc)
	var peak int64
	sample := func() {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		peak = max(peak, int64(ms.HeapAlloc)-before)
	}
	n := 0
	for ; rd.Next(); n++ {
		require.NoError(t, rd.Err())
		require.NoError(t, enc.Add(rd, meta))
		require.LessOrEqual(t, enc.Size(), rowsPerBodyByte*limit)
		if n%50 == 0 {
			sample()
		}
	}
	parts, err := enc.Parts(nil, meta)
	require.NoError(t, err)
	sample()
	require.Len(t, parts, DefaultMaxPartitions)
	bound := int64(rowsPerBodyByte*limit)*3/2 + objectSlotMemory(Config{MaxBodyBytes: limit})
	t.Logf("%d records, %d bytes: peak live heap %.1f MiB, bound %.1f MiB", n, body.Len(), float64(peak)/(1<<20), float64(bound)/(1<<20))
	assert.LessOrEqual(t, peak, bound)
	runtime.KeepAlive(parts)
}

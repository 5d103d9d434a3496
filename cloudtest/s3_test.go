package cloudtest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/objstore"
)

// useS3 points this process's AWS configuration at srv.
func useS3(t *testing.T, srv *s3Server) {
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// download copies every object under s3://bucket/prefix into a directory
// and returns it, for DuckDB (which reads S3 only through an extension it
// would download).
func download(t *testing.T, bucket, prefix string) (string, []string) {
	ctx := context.Background()
	st, err := objstore.OpenS3(ctx, "s3://"+bucket+"/"+prefix)
	require.NoError(t, err)
	dir := t.TempDir()
	local, err := objstore.OpenDir(dir, 0)
	require.NoError(t, err)
	defer local.Close()
	var keys []string
	require.NoError(t, st.List(ctx, "", func(in objstore.Info) error {
		rc, err := st.Open(ctx, in.Key)
		require.NoError(t, err)
		var buf bytes.Buffer
		_, err = buf.ReadFrom(rc)
		rc.Close()
		require.NoError(t, err)
		keys = append(keys, in.Key)
		return local.Put(ctx, in.Key, buf.Bytes())
	}))
	return dir, keys
}

func countRows(t *testing.T, dir string) map[string]int64 {
	rows, err := duck(t).Query("SELECT p_log_type, count(*) FROM read_parquet('" + dir + "/**/*.parquet', union_by_name = true) GROUP BY 1")
	require.NoError(t, err)
	out := map[string]int64{}
	for rows.Next() {
		var typ string
		var n int64
		require.NoError(t, rows.Scan(&typ, &n))
		out[typ] = n
	}
	require.NoError(t, rows.Err())
	return out
}

func compress(t *testing.T, data []byte, kind string) []byte {
	var buf bytes.Buffer
	switch kind {
	case "gz":
		w := gzip.NewWriter(&buf)
		_, err := w.Write(data)
		require.NoError(t, err)
		require.NoError(t, w.Close())
	case "zst":
		w, err := zstd.NewWriter(&buf)
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
		require.NoError(t, w.Close())
	default:
		return data
	}
	return buf.Bytes()
}

// TestParseS3Export reads Tailscale's S3 export layout (bare NDJSON
// records, plain, gzip and zstd objects under a prefix) from a real
// S3-compatible server, writes Parquet back to another bucket, and with
// --state reads only new objects on the next run; stats reads the same
// objects through the same input code.
func TestParseS3Export(t *testing.T) {
	srv := startS3(t, "exports", "lake")
	useS3(t, srv)
	ctx := context.Background()
	exports, err := objstore.OpenS3(ctx, "s3://exports/tailscale")
	require.NoError(t, err)
	dir := t.TempDir()
	records := map[string]int64{}
	put := func(key, kind, logType string, n, seed string) {
		path := synth(t, dir, filepath.Base(key), "--log-type", logType, "--records", n, "--seed", seed, "--bare")
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		require.NoError(t, exports.Put(ctx, key, compress(t, data, kind)))
		records[logType] += int64(bytes.Count(data, []byte("\n")))
	}
	put("network/2026/06/03/12/part-0001.ndjson", "", "network", "300", "1")
	put("network/2026/06/03/12/part-0002.ndjson.gz", "gz", "network", "250", "2")
	put("network/2026/06/03/13/part-0003.ndjson.zst", "zst", "network", "200", "3")
	put("audit/2026/06/03/part-0001.ndjson.gz", "gz", "audit", "120", "4")

	state := filepath.Join(dir, "state.jsonl")
	parse := func() {
		tslogs(t, nil, 0, "parse", "--format", "parquet", "--out", "s3://lake/tailscale", "--state", state, "--s3-workers", "3",
			"s3://exports/tailscale/network/", "s3://exports/tailscale/audit/")
	}
	parse()
	local, keys := download(t, "lake", "tailscale")
	for _, k := range keys {
		assert.True(t, strings.HasPrefix(k, "p_log_type=Tailscale."), k)
		assert.True(t, strings.HasSuffix(k, ".parquet"), k)
	}
	assert.Equal(t, map[string]int64{"Tailscale.Network": records["network"], "Tailscale.Audit": records["audit"]}, countRows(t, local))

	// A second run with the state file reads nothing new.
	parse()
	_, again := download(t, "lake", "tailscale")
	assert.Equal(t, keys, again, "a re-run with --state wrote new files")

	// A new object is read, alone.
	put("network/2026/06/03/14/part-0004.ndjson", "", "network", "50", "5")
	parse()
	local, _ = download(t, "lake", "tailscale")
	assert.Equal(t, map[string]int64{"Tailscale.Network": records["network"], "Tailscale.Audit": records["audit"]}, countRows(t, local))

	var st struct{ Records int64 }
	require.NoError(t, json.Unmarshal(tslogs(t, nil, 0, "stats", "--json", "s3://exports/tailscale/network/2026/06/03/12/"), &st))
	assert.Equal(t, int64(550), st.Records)
}

// TestStateOnlyAfterOutput: --state records the objects read only once
// the run's output is written. report and stats saved it before writing
// theirs, so a report that could not be written (or a summary lost to a
// full disk) still marked its objects read, and the next run skipped them.
func TestStateOnlyAfterOutput(t *testing.T) {
	srv := startS3(t, "exports")
	useS3(t, srv)
	ctx := context.Background()
	exports, err := objstore.OpenS3(ctx, "s3://exports/tailscale")
	require.NoError(t, err)
	dir := t.TempDir()
	data, err := os.ReadFile(synth(t, dir, "part.ndjson", "--log-type", "network", "--records", "40", "--seed", "1", "--bare"))
	require.NoError(t, err)
	require.NoError(t, exports.Put(ctx, "network/part-0001.ndjson", data))
	const input = "s3://exports/tailscale/network/"
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full here:", err)
	}
	defer full.Close()

	for name, args := range map[string][]string{
		"report": {"report", "-o", "/dev/full", input},
		"parse":  {"parse", "-o", "/dev/full", input},
		"stats":  {"stats", input},
	} {
		t.Run(name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state.jsonl")
			cmd := exec.Command(tslogsBin, append(args, "--state", state)...)
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = full, &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "the output was lost; stderr: %s", stderr.String())
			assert.Equal(t, 2, ee.ExitCode(), stderr.String())
			assert.Contains(t, stderr.String(), "no space left on device")
			_, err = os.Stat(state)
			assert.True(t, os.IsNotExist(err), "the state file was written by a run whose output was lost")

			// The same run with its output written records the object.
			args := append(args, "--state", state)
			if args[1] == "-o" {
				args[2] = filepath.Join(t.TempDir(), "out")
			}
			tslogs(t, nil, 0, args...)
			saved, err := os.ReadFile(state)
			require.NoError(t, err)
			assert.Contains(t, string(saved), `"object":"s3://exports/tailscale/network/part-0001.ndjson"`)
		})
	}
}

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/pqfile"
	"github.com/tslogs/tslogs/internal/synth"
	"github.com/tslogs/tslogs/tailscale"
)

// readParquetDir reads every .parquet file below dir: rows by relative
// file name, with the files' and directories' modes checked (0640, 0750).
func readParquetDir(t *testing.T, dir string, enrich bool) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		info, err := d.Info()
		require.NoError(t, err)
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			if p != dir {
				assert.Equal(t, fs.FileMode(0o750), info.Mode().Perm(), rel)
			}
			return nil
		}
		if !strings.HasSuffix(p, ".parquet") {
			return nil
		}
		assert.Equal(t, fs.FileMode(0o640), info.Mode().Perm(), rel)
		typ := tailscale.LogTypeNetwork
		if strings.Contains(rel, "Tailscale.Audit") {
			typ = tailscale.LogTypeAudit
		}
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		r := parquet.NewReader(bytes.NewReader(data), pqfile.Schema(tailscale.RowColumns(typ, enrich)))
		for {
			row := map[string]any{}
			if err := r.Read(&row); err != nil {
				require.ErrorIs(t, err, io.EOF)
				break
			}
			out[filepath.ToSlash(rel)] = append(out[filepath.ToSlash(rel)], row)
		}
		return nil
	}))
	return out
}

// rowKey identifies a row across outputs (row IDs and parse times differ):
// its type, event time, node or actor, and p_enrichment as canonical JSON.
func rowKey(t *testing.T, typ string, eventMicros int64, ev map[string]any, enr any) string {
	t.Helper()
	id, _ := ev["nodeId"].(string)
	if a, ok := ev["actor"].(map[string]any); ok {
		id, _ = a["id"].(string)
	}
	e := ""
	if enr != nil {
		if s, ok := enr.(string); ok { // Parquet: JSON text
			var v any
			require.NoError(t, json.Unmarshal([]byte(s), &v))
			enr = v
		}
		b, err := json.Marshal(enr)
		require.NoError(t, err)
		e = string(b)
	}
	return fmt.Sprintf("%s %d %s %s", typ, eventMicros, id, e)
}

// TestParseParquet: parse --format parquet writes Hive-style partitions of
// complete files holding exactly the rows parse writes as NDJSON, with
// p_enrichment (JSON text) when NDJSON rows have it and without the column
// under --enrich=false.
func TestParseParquet(t *testing.T) {
	inputs := []string{cliSample("network.log"), cliSample("audit.log"), cliSample("audit-export.ndjson")}
	nd := cliRun(t, nil, append([]string{"parse"}, inputs...)...)
	require.Equal(t, exitOK, nd.code, nd.stderr)
	var want []string
	enriched := 0
	for _, row := range cliRows(t, nd.stdout) {
		et, err := time.Parse(time.RFC3339Nano, row["p_event_time"].(string))
		require.NoError(t, err)
		if row["p_enrichment"] != nil {
			enriched++
		}
		want = append(want, rowKey(t, row["p_log_type"].(string), et.UnixMicro(), row["event"].(map[string]any), row["p_enrichment"]))
	}
	require.Greater(t, enriched, 100, "the sample's rows resolve nodes")

	for _, enrich := range []bool{true, false} {
		t.Run(fmt.Sprintf("enrich=%v", enrich), func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"parse", "--format", "parquet", "--out", dir, fmt.Sprintf("--enrich=%v", enrich)}, inputs...)
			res := cliRun(t, nil, args...)
			require.Equal(t, exitOK, res.code, res.stderr)
			assert.Empty(t, res.stdout, "no rows on standard output")
			assert.Contains(t, res.stderr, fmt.Sprintf("wrote %d rows to", len(want)))
			var got []string
			for name, rows := range readParquetDir(t, dir, enrich) {
				parts := strings.Split(name, "/")
				require.Len(t, parts, 4, name)
				for _, row := range rows {
					typ := row["p_log_type"].(string)
					et := time.UnixMicro(row["p_event_time"].(int64)).UTC()
					assert.Equal(t, []string{"p_log_type=" + typ, "dt=" + et.Format("2006-01-02"), "hour=" + et.Format("15")}, parts[:3])
					_, has := row["p_enrichment"]
					assert.Equal(t, enrich, has, "p_enrichment column")
					got = append(got, rowKey(t, typ, et.UnixMicro(), row["event"].(map[string]any), row["p_enrichment"]))
				}
			}
			w := slices.Clone(want)
			if !enrich {
				for i := range w {
					w[i] = w[i][:strings.LastIndexByte(w[i], ' ')+1]
				}
			}
			slices.Sort(w)
			slices.Sort(got)
			assert.Equal(t, w, got)
		})
	}
}

func TestParseParquetUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--format", "parquet"}, "needs --out"},
		{[]string{"--out", dir}, "--out goes with --format parquet"},
		{[]string{"--format", "parquet", "--out", dir, "-o", filepath.Join(dir, "x")}, "-o is for NDJSON"},
		{[]string{"--format", "csv"}, "neither ndjson nor parquet"},
		{[]string{"--format", "parquet", "--out", dir, "--row-group-size", "big"}, "--row-group-size"},
	} {
		res := cliRun(t, nil, append(append([]string{"parse"}, tc.args...), cliSample("network.log"))...)
		assert.Equal(t, exitUsage, res.code, "%v", tc.args)
		assert.Contains(t, res.stderr, tc.msg, "%v", tc.args)
	}
}

// TestServeParquetInProcess: serve --format parquet --out DIR stores each
// batch as Parquet objects named by the body's SHA-256, in its records'
// event hours, acknowledged once stored.
func TestServeParquetInProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &lockedBuffer{}, &lockedBuffer{}
	code := make(chan int, 1)
	go func() {
		code <- serveMain(ctx, []string{"--listen", "127.0.0.1:0", "--out", dir, "--format", "parquet", "--drain-delay", "0s"}, out, errb)
	}()
	require.Eventually(t, func() bool { return listeningRE.MatchString(out.String()) }, 10*time.Second, 10*time.Millisecond,
		"stdout %q stderr %q", out.String(), errb.String())
	url := listeningRE.FindStringSubmatch(out.String())[1]
	assert.Contains(t, out.String(), "Writing parquet objects to")
	tok, err := os.ReadFile(filepath.Join(dir, "token"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(tok)), "\n")

	body, n := synth.New(synth.Options{Kind: synth.Network, Seed: 9}).AppendBody(nil, 0, 40)
	req, _ := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+lines[len(lines)-1])
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	cancel()
	require.Equal(t, exitOK, <-code, errb.String())

	sum := sha256.Sum256(body)
	rows := 0
	for name, rs := range readParquetDir(t, dir, false) {
		assert.Equal(t, hex.EncodeToString(sum[:])+".parquet", filepath.Base(name))
		rows += len(rs)
	}
	assert.Equal(t, n, rows)

	for _, args := range [][]string{
		{"--format", "orc"},
		{"--out", "s3://bucket/prefix"},
		{"--format", "parquet", "--gzip-closed"},
	} {
		var o, e bytes.Buffer
		assert.Equal(t, exitUsage, serveMain(context.Background(), append(args, "--listen", "127.0.0.1:0"), &o, &e), "%v", args)
		assert.NotEmpty(t, e.String())
	}
}

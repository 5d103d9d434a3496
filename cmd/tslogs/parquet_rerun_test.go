package main

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/synth"
)

// TestParseParquetRerunReplaces checks that parse --format parquet, run
// again on the same inputs after a run that failed part way, replaces the
// files the failed run completed instead of adding copies of their rows:
// the files are named after the inputs' data, not at random.
func TestParseParquetRerunReplaces(t *testing.T) {
	// 40 records an hour apart: 40 partitions, more than a Dataset keeps
	// open (8), so that files are completed while the run goes on.
	var buf bytes.Buffer
	_, err := synth.Write(&buf, synth.Options{Kind: synth.Network, Seed: 21}, 40)
	require.NoError(t, err)
	base := time.Date(2026, 6, 1, 0, 30, 0, 0, time.UTC).Unix()
	i := 0
	data := regexp.MustCompile(`\{"time":[0-9.]+,`).ReplaceAllFunc(buf.Bytes(), func([]byte) []byte {
		i++
		return fmt.Appendf(nil, `{"time":%d,`, base+int64(i-1)*3600)
	})
	require.Equal(t, 40, i)
	in := filepath.Join(t.TempDir(), "flows.log")
	require.NoError(t, os.WriteFile(in, data, 0o644))

	parse := func(out string) cliResult {
		return cliRun(t, nil, "parse", "--format", "parquet", "--out", out, in)
	}
	count := func(dir string) (map[string]int, int) {
		files := map[string]int{}
		rows := 0
		for name, rs := range readParquetDir(t, dir, true) {
			files[name] = len(rs)
			rows += len(rs)
		}
		return files, rows
	}

	// A run that succeeds, for reference.
	ref := t.TempDir()
	res := parse(ref)
	require.Equal(t, exitOK, res.code, res.stderr)
	refFiles, refRows := count(ref)
	require.Equal(t, 40, refRows)
	require.Len(t, refFiles, 40)

	// A run that fails at the 31st hour: its partition's directory is taken
	// by a file. The files of earlier hours closed so far stay.
	out := t.TempDir()
	hour := time.Unix(base+30*3600, 0).UTC()
	blocker := filepath.Join(out, "p_log_type=Tailscale.Network", "dt="+hour.Format("2006-01-02"), "hour="+hour.Format("15"))
	require.NoError(t, os.MkdirAll(filepath.Dir(blocker), 0o750))
	require.NoError(t, os.WriteFile(blocker, nil, 0o640))
	res = parse(out)
	require.Equal(t, exitUsage, res.code, res.stderr)
	failedFiles, failedRows := count(out)
	require.NotEmpty(t, failedFiles, "the failed run completed no file: the test does not test")
	require.Less(t, failedRows, 40)
	for name := range failedFiles {
		_, ok := refFiles[name]
		assert.True(t, ok, "the failed run's %s is not a name a good run gives", name)
	}

	// The same inputs again: every row once, under the same names.
	require.NoError(t, os.Remove(blocker))
	res = parse(out)
	require.Equal(t, exitOK, res.code, res.stderr)
	files, rows := count(out)
	assert.Equal(t, 40, rows, "rows of the failed run were written twice")
	assert.Equal(t, slices.Sorted(maps.Keys(refFiles)), slices.Sorted(maps.Keys(files)))

	// Standard input has no identity: names are random, as before.
	stdin := t.TempDir()
	res = cliRun(t, bytes.NewReader(data), "parse", "--format", "parquet", "--out", stdin, "-")
	require.Equal(t, exitOK, res.code, res.stderr)
	stdinFiles, _ := count(stdin)
	for name := range stdinFiles {
		_, ok := refFiles[name]
		assert.False(t, ok, "%s: a name from standard input's data", name)
	}
}

package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/internal/synth"
)

// jobsInputs writes inputs that exercise what --jobs must not change: good
// records of both types, every bad record of testdata/records/bad among
// them (cut lines, garbage, '}{' inside strings), an array and an API
// document in the middle of a stream, gzip, and a larger damaged stream.
func jobsInputs(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	var files []string
	write := func(name string, data []byte) {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o644))
		files = append(files, p)
	}
	net := cliReadFile(t, cliSample("network.log"))
	audit := cliReadFile(t, cliSample("audit.log"))
	bads, err := filepath.Glob("../../testdata/records/bad/*.json")
	require.NoError(t, err)
	var mixed bytes.Buffer
	var lines []string
	dec := json.NewDecoder(bytes.NewReader(net))
	for dec.More() {
		var v json.RawMessage
		require.NoError(t, dec.Decode(&v))
		lines = append(lines, string(v)+[]string{"\n", "", "\r\n"}[len(lines)%3])
	}
	for i, b := range bads {
		mixed.WriteString(strings.Join(lines[i*10:i*10+10], ""))
		mixed.Write(bytes.TrimSpace(cliReadFile(t, b)))
		mixed.WriteString([]string{"\n", "", "\n\n"}[i%3])
	}
	mixed.WriteString(`[` + strings.TrimSpace(lines[0]) + `,` + strings.TrimSpace(lines[1]) + `]`)
	mixed.WriteString(`{"version":"1","logs":[` + strings.TrimSpace(lines[2]) + `,{"bad":}]}` + "\n")
	mixed.WriteString(`{"time":1,"event":{"nodeId":"x}{y","virtualTraffic":[{"src":"1.2.3.4:5"}]}}`)
	mixed.WriteString(strings.Join(lines[200:], ""))
	write("mixed.log", mixed.Bytes())
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	_, err = w.Write(audit)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	write("audit.log.gz", gz.Bytes())

	var big bytes.Buffer
	_, _, err = synth.WriteSize(&big, synth.Options{Kind: synth.Network, Seed: 5}, 3<<20)
	require.NoError(t, err)
	data := big.Bytes()
	rng := rand.New(rand.NewPCG(5, 6))
	for range 30 {
		k := rng.IntN(len(data))
		data[k] = "\"{}[]\n:,x"[rng.IntN(9)]
	}
	write("damaged.log", data)
	return files
}

// runInProcess runs a command with --jobs and a chunk size, in this
// process, and returns its exit code, standard output and error, and the
// dead-letter file.
func runInProcess(t *testing.T, jobs, chunk int, args ...string) (int, string, string, string) {
	t.Helper()
	parallelChunkSize = chunk
	now = func() time.Time { return time.Date(2026, 6, 5, 1, 2, 3, 4, time.UTC) }
	defer func() { parallelChunkSize, now = 0, time.Now }()
	dl := filepath.Join(t.TempDir(), "dead.ndjson")
	if args[0] == "parse" {
		args = append([]string{args[0], "--dead-letter", dl}, args[1:]...)
	}
	args = append([]string{args[0], fmt.Sprintf("--jobs=%d", jobs)}, args[1:]...)
	var out, errs bytes.Buffer
	code := run(args, &out, &errs)
	dead, _ := os.ReadFile(dl)
	return code, out.String(), errs.String(), string(dead)
}

// Row IDs start with a random prefix per run, and p_parse_time is the
// clock's: the rest of the rows must be the same.
var (
	rowIDPrefix = regexp.MustCompile(`"p_row_id":"[0-9a-f]{16}-`)
	parseTime   = regexp.MustCompile(`"p_parse_time":"[^"]*"`)
)

func maskRun(s string) string {
	return parseTime.ReplaceAllString(rowIDPrefix.ReplaceAllString(s, `"p_row_id":"-`), `"p_parse_time":""`)
}

// TestJobsChangeNothing: parse, validate and stats write the same rows (in
// the same order, with the same row IDs and p_enrichment), the same errors
// and dead letters, the same summaries and exit codes with one job as with
// several, whatever the chunks the input is cut into.
func TestJobsChangeNothing(t *testing.T) {
	files := jobsInputs(t)
	for _, cmd := range [][]string{{"parse"}, {"parse", "--enrich=false"}, {"validate"}, {"stats", "--json", "--top", "50"}} {
		args := append(append([]string(nil), cmd...), files...)
		wantCode, wantOut, wantErr, wantDead := runInProcess(t, 1, 1<<20, args...)
		if cmd[0] == "stats" {
			require.Equal(t, exitOK, wantCode, "%v: %s", cmd, wantErr)
		} else {
			require.Equal(t, exitRejected, wantCode, "%v: %s", cmd, wantErr)
		}
		if cmd[0] == "parse" {
			require.Greater(t, strings.Count(wantOut, "\n"), 1000, "rows")
			require.NotEmpty(t, wantDead)
			if len(cmd) == 1 {
				require.Contains(t, wantOut, `"p_enrichment"`)
			}
		}
		for _, c := range []struct{ jobs, chunk int }{{2, 1 << 20}, {3, 4096}, {4, 1}, {2, 300}} {
			code, out, errs, dead := runInProcess(t, c.jobs, c.chunk, args...)
			what := fmt.Sprintf("%v with --jobs %d and chunks of %d bytes", cmd, c.jobs, c.chunk)
			assert.Equal(t, wantCode, code, what)
			if w, g := maskRun(wantOut), maskRun(out); w != g {
				wl, gl := strings.Split(w, "\n"), strings.Split(g, "\n")
				for i := range min(len(wl), len(gl)) {
					if wl[i] != gl[i] {
						k := 0
						for k < len(wl[i]) && k < len(gl[i]) && wl[i][k] == gl[i][k] {
							k++
						}
						t.Errorf("%s: standard output differs at line %d (of %d, %d), byte %d:\n%.200s\n%.200s", what, i+1, len(wl), len(gl), k, wl[i][max(0, k-60):], gl[i][max(0, k-60):])
						break
					}
				}
				if len(wl) != len(gl) {
					t.Errorf("%s: %d lines, want %d", what, len(gl), len(wl))
				}
			}
			assert.True(t, wantErr == errs, "%s: standard error differs:\n%.500s\n%.500s", what, wantErr, errs)
			assert.True(t, wantDead == dead, "%s: dead letters differ", what)
		}
	}
}

// TestJobsRefusesNonsense: --jobs 0 or below used to be taken silently (as
// one job); every reading command now says what is wrong and reads nothing.
func TestJobsRefusesNonsense(t *testing.T) {
	for _, cmd := range []string{"parse", "validate", "stats", "report"} {
		for _, n := range []string{"0", "-3"} {
			t.Run(cmd+"/jobs="+n, func(t *testing.T) {
				args := []string{cmd, "--jobs", n}
				page := filepath.Join(t.TempDir(), "report.html")
				if cmd == "report" {
					args = append(args, "-o", page)
				}
				res := cliRun(t, nil, append(args, cliSample("network.log"))...)
				assert.Equal(t, exitUsage, res.code, "stderr %q", res.stderr)
				assert.Contains(t, res.stderr, "--jobs must be at least 1, got "+n)
				assert.Empty(t, res.stdout)
				assert.NoFileExists(t, page)
			})
		}
	}
}

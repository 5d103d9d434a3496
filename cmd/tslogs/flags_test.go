package main

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOddFlagValues: flag values that make no sense are usage errors that
// say what is wrong, never a run that means something else (a size that
// wraps around int64, NaN, a time range with its ends swapped) nor one
// that takes the machine's memory (--jobs in the billions; run with
// memory bounded, so that a regression fails instead of swapping).
func TestOddFlagValues(t *testing.T) {
	sample := cliSample("network.log")
	out := filepath.Join(t.TempDir(), "pq")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"jobs in the billions", []string{"stats", "--jobs", "1000000000", sample}, "--jobs must be at most 1024"},
		{"s3 workers 0", []string{"parse", "--s3-workers", "0", sample}, "--s3-workers must be between 1 and 64, got 0"},
		{"s3 workers in the millions", []string{"stats", "--s3-workers", "1000000", sample}, "--s3-workers must be between 1 and 64, got 1000000"},
		{"tolerance NaN", []string{"stats", "--tolerance", "NaN", sample}, "--tolerance must be between 0 and 1"},
		{"size wrapping to 1 GiB", []string{"parse", "--format", "parquet", "--out", out, "--row-group-size", "17179869185G", sample},
			`--row-group-size: invalid size "17179869185G"`},
		{"since after until", []string{"parse", "--since", "2026-01-02", "--until", "2026-01-01", sample},
			"--since (2026-01-02T00:00:00Z) is not before --until (2026-01-01T00:00:00Z)"},
		{"since equal to until", []string{"stats", "--since", "2026-01-01", "--until", "2026-01-01T00:00:00Z", sample},
			"is not before --until"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := cliRunLimited(t, "-v 4000000", nil, tc.args...)
			assert.Equal(t, exitUsage, res.code, res.stderr)
			assert.Contains(t, res.stderr, tc.want)
			assert.NotContains(t, res.stderr, "goroutine ", "no crash")
		})
	}
}

// TestParseSizeOverflow: a size whose bytes do not fit in int64 is an
// error, not the value it wraps around to.
func TestParseSizeOverflow(t *testing.T) {
	for _, s := range []string{"17179869185G", "8589934592GiB", "9007199254740992K", "9223372036854775808"} {
		t.Run(s, func(t *testing.T) {
			n, err := parseSize(s)
			require.Error(t, err, "got %d", n)
			assert.Contains(t, err.Error(), s)
		})
	}
	n, err := parseSize("8589934591G") // the largest count of GiB that fits
	require.NoError(t, err)
	assert.Equal(t, int64(8589934591)<<30, n)
}

// TestParseWhenNegativeDuration: a negative duration is refused for what it
// is, not as something that is not a duration at all.
func TestParseWhenNegativeDuration(t *testing.T) {
	_, err := parseWhen("-1h", time.Now())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"-1h": a duration before now must not be negative`)
	at, err := parseWhen("1h", time.Date(2026, 6, 3, 15, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 6, 3, 14, 0, 0, 0, time.UTC), at)
}

// TestStateFileErrorsNameIt: a --state file that cannot be read is named
// in the error, whatever went wrong.
func TestStateFileErrorsNameIt(t *testing.T) {
	dir := t.TempDir()
	long := cliWriteFile(t, dir, "long.jsonl", append(bytes.Repeat([]byte("x"), 2<<20), '\n'))
	bad := cliWriteFile(t, dir, "bad.jsonl", []byte("{\"object\":\"s3://b/k\",\"etag\":\"e\"}\nnot json\n"))
	for name, tc := range map[string]struct{ path, want string }{
		"line too long": {long, long + ": "},
		"not a state":   {bad, bad + ":2: not a state line"},
		"a directory":   {dir, "read " + dir + ": is a directory"},
	} {
		t.Run(name, func(t *testing.T) {
			res := cliRun(t, nil, "stats", "--state", tc.path, cliSample("network.log"))
			assert.Equal(t, exitUsage, res.code, res.stderr)
			assert.Contains(t, res.stderr, "--state: "+tc.want)
		})
	}
}

//go:build !race

package jlex_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tslogs/tslogs/jlex"
)

// TestEncodeAllocs checks that the encoders' writers allocate nothing when
// dst has room, on every path: each time format, custom ones included, a
// later format checked against earlier ones, the fallback, raw values with
// invalid UTF-8, embedded JSON, and every array writer. (A raw value set by hand that is not JSON costs the
// lexer's error.)
func TestEncodeAllocs(t *testing.T) {
	dst := make([]byte, 0, 4096)
	times := []struct {
		t       time.Time
		formats jlex.TimeFormats
	}{
		{time.Unix(-2, 1), jlex.TimeFormats(jlex.Unix)},
		{time.Unix(1700000000, 123e6), jlex.TimeFormats(jlex.UnixMs)},
		{time.Unix(1700000000, 123456789), jlex.TimeFormats(jlex.RFC3339)},
		{time.Unix(1, 1), jlex.UnixMs.Then(jlex.UnixNs).Then(jlex.Unix)},
		{time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), jlex.UnixNs.Then(jlex.Unix)},
		{time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), jlex.UnixNs.Then(jlex.UnixMs)},
	}
	for _, tt := range times {
		assert.Zero(t, testing.AllocsPerRun(100, func() { dst = jlex.AppendTimeAs(dst[:0], tt.t, tt.formats) }), "AppendTimeAs %v in %v", tt.t, tt.formats)
	}
	// Custom formats: strftime with escapes, a Go layout in full and
	// widened, and a built-in format after a custom one.
	customs := []struct {
		t       time.Time
		formats *jlex.CustomTimeFormats
	}{
		{time.Unix(971211336, 0), jlex.MustCustomTimeFormats("%d/%b/%Y:%H:%M:%S %z")},
		{time.Unix(971211336, 0), jlex.MustCustomTimeFormats("%c%n%A %B %e %j %P %Z %s \"")},
		{time.Unix(971211336, 123456789), jlex.MustCustomTimeFormats("%Y%m%d%H%M%S.%f", "unix")},
		{time.Unix(971211336, 5e8), jlex.MustCustomTimeFormats("layout=02/01/2006 15:04:05.999")},
		{time.Unix(971211336, 123456789), jlex.MustCustomTimeFormats("layout=2006-01-02 15:04:05 MST")},
		{time.Unix(971211336, 0), jlex.MustCustomTimeFormats("cloudflare", "%s")},
	}
	for _, tt := range customs {
		assert.Zero(t, testing.AllocsPerRun(100, func() { dst = jlex.AppendCustomTime(dst[:0], tt.t, tt.formats) }), "AppendCustomTime %v in %v", tt.t, tt.formats)
	}
	for _, s := range []string{`{"a": [1, "\u00e9"]}`, "[\"\xff\"]"} {
		raw := json.RawMessage(s)
		assert.Zero(t, testing.AllocsPerRun(100, func() { dst = jlex.AppendRaw(dst[:0], raw) }), "AppendRaw %q", raw)
	}
	for _, s := range []string{`{"a": 1}`, `"say \"hi\""`} {
		raw := json.RawMessage(s)
		assert.Zero(t, testing.AllocsPerRun(100, func() { dst = jlex.AppendEmbeddedRaw(dst[:0], raw) }), "AppendEmbeddedRaw %q", raw)
	}
	strs, ints, floats := []string{"a", "b\n"}, []int64{1, -2}, []float64{0.5, 1e300}
	ts, raws, objs := []time.Time{time.Unix(1, 0)}, []json.RawMessage{nil, json.RawMessage(`1`)}, []encItem{{1}, {2}}
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		dst = jlex.AppendStringArray(dst[:0], strs)
		dst = jlex.AppendIntArray(dst, ints)
		dst = jlex.AppendFloatArray(dst, floats)
		dst = jlex.AppendBoolArray(dst, []bool{true})
		dst = jlex.AppendTimeArray(dst, ts, jlex.TimeFormats(jlex.Unix))
		dst = jlex.AppendCustomTimeArray(dst, ts, customs[0].formats)
		dst = jlex.AppendRawArray(dst, raws)
		dst = jlex.AppendObjectArray(dst, objs)
	}), "array writers")
}

package jlex_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/jlex"
)

// TestAppendTimeAs checks timestamps against JSON written by hand: the
// first format that holds every digit, and what happens when none does.
func TestAppendTimeAs(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	fs := func(f jlex.TimeFormat, more ...jlex.TimeFormat) jlex.TimeFormats {
		l := jlex.TimeFormats(f)
		for _, g := range more {
			l = l.Then(g)
		}
		return l
	}
	tests := []struct {
		name    string
		t       time.Time
		formats jlex.TimeFormats
		want    string
	}{
		{"unix millis", time.Unix(1780500887, 356e6), fs(jlex.Unix), `1780500887.356`},
		{"unix whole", time.Unix(1780500887, 0), fs(jlex.Unix), `1780500887`},
		{"unix epoch", time.Unix(0, 0), fs(jlex.Unix), `0`},
		{"unix one nanosecond", time.Unix(1, 1), fs(jlex.Unix), `1.000000001`},
		{"unix half a second before the epoch", time.Unix(-1, 5e8), fs(jlex.Unix), `-0.5`},
		{"unix before the epoch, whole", time.Unix(-2, 0), fs(jlex.Unix), `-2`},
		{"unix before the epoch, fraction", time.Unix(-2, 1), fs(jlex.Unix), `-1.999999999`},
		{"unix year 0000", time.Unix(-62167219200, 0), fs(jlex.Unix), `-62167219200`},
		{"unix last nanosecond of 9999", time.Unix(253402300799, 999999999), fs(jlex.Unix), `253402300799.999999999`},
		{"unix zero time", time.Time{}, fs(jlex.Unix), `-62135596800`},
		{"unix_ms", time.Unix(1700000000, 123e6), fs(jlex.UnixMs), `1700000000123`},
		{"unix_ms small", time.Unix(0, 5e6), fs(jlex.UnixMs), `5`},
		{"unix_ms epoch", time.Unix(0, 0), fs(jlex.UnixMs), `0`},
		{"unix_ms before the epoch", time.Unix(-1, 5e8), fs(jlex.UnixMs), `-500`},
		{"unix_ms before the epoch, carry", time.Unix(-2, 999e6), fs(jlex.UnixMs), `-1001`},
		{"unix_us", time.Unix(1700000000, 123456e3), fs(jlex.UnixUs), `1700000000123456`},
		{"unix_ns", time.Unix(1700000000, 123456789), fs(jlex.UnixNs), `1700000000123456789`},
		{"unix_ns small", time.Unix(0, 7), fs(jlex.UnixNs), `7`},
		{"unix_ns before the epoch", time.Unix(-1, 999999999), fs(jlex.UnixNs), `-1`},
		{"unix_ns largest int64", utc(2262, 4, 11, 23, 47, 16, 854775807), fs(jlex.UnixNs, jlex.RFC3339), `9223372036854775807`},
		{"unix_ns smallest int64", utc(1677, 9, 21, 0, 12, 43, 145224192), fs(jlex.UnixNs, jlex.RFC3339), `-9223372036854775808`},
		{"rfc3339", utc(2026, 6, 3, 15, 34, 42, 351262815), fs(jlex.RFC3339), `"2026-06-03T15:34:42.351262815Z"`},
		{"rfc3339 trailing zeros dropped", utc(2026, 6, 3, 15, 34, 42, 5e8), fs(jlex.RFC3339), `"2026-06-03T15:34:42.5Z"`},
		{"rfc3339 in UTC", time.Date(2026, 6, 3, 17, 34, 42, 0, time.FixedZone("", 2*3600)), fs(jlex.RFC3339), `"2026-06-03T15:34:42Z"`},
		{"rfc3339 year 0000", utc(0, 1, 1, 0, 0, 0, 0), fs(jlex.RFC3339), `"0000-01-01T00:00:00Z"`},
		{"rfc3339 first of two", time.Unix(1700000000, 0), fs(jlex.RFC3339, jlex.Unix), `"2023-11-14T22:13:20Z"`},
		// The first format that holds every digit.
		{"unix_ms then rfc3339, millis", time.Unix(1700000000, 123e6), fs(jlex.UnixMs, jlex.RFC3339), `1700000000123`},
		{"unix_ms then rfc3339, micros", time.Unix(1700000000, 123456e3), fs(jlex.UnixMs, jlex.RFC3339), `"2023-11-14T22:13:20.123456Z"`},
		{"unix_ms then unix_us then unix", time.Unix(1700000000, 1), fs(jlex.UnixMs, jlex.UnixUs, jlex.Unix), `1700000000.000000001`},
		{"unix_ns beyond int64 then rfc3339", utc(2262, 4, 11, 23, 47, 16, 854775808), fs(jlex.UnixNs, jlex.RFC3339), `"2262-04-11T23:47:16.854775808Z"`},
		{"unix_ns before int64 then rfc3339", utc(1677, 9, 21, 0, 12, 43, 145224191), fs(jlex.UnixNs, jlex.RFC3339), `"1677-09-21T00:12:43.145224191Z"`},
		{"rfc3339 year 10000 then unix", utc(10000, 1, 1, 0, 0, 0, 0), fs(jlex.RFC3339, jlex.Unix), `253402300800`},
		{"rfc3339 year -1 then unix", utc(-1, 1, 1, 0, 0, 0, 0), fs(jlex.RFC3339, jlex.Unix), `-62198755200`},
		// No format holds every digit: the first one, as near as it can.
		{"unix_ms alone, micros dropped", time.Unix(1700000000, 123999e3), fs(jlex.UnixMs), `1700000000123`},
		{"unix_ms alone, rounded toward the past", time.Unix(-1, 999999), fs(jlex.UnixMs), `-1000`},
		{"unix_us alone, nanos dropped", time.Unix(1, 1999), fs(jlex.UnixUs), `1000001`},
		{"unix_ns alone beyond int64, in full", utc(9999, 12, 31, 23, 59, 59, 0), fs(jlex.UnixNs), `253402300799000000000`},
		{"rfc3339 alone, year 10000", utc(10000, 1, 1, 0, 0, 0, 0), fs(jlex.RFC3339), `"10000-01-01T00:00:00Z"`},
		// A later format whose text an earlier one would read as another
		// instant is passed over.
		{"unix_ns near the epoch read by unix_ms", time.Unix(1, 1), fs(jlex.UnixMs, jlex.UnixNs, jlex.Unix), `1.000000001`},
		{"unix_us read by unix_ms", time.Unix(1, 1e3), fs(jlex.UnixMs, jlex.UnixUs, jlex.RFC3339), `"1970-01-01T00:00:01.000001Z"`},
		{"unix_us beyond unix_ms's years", time.Unix(1700000000, 123456e3), fs(jlex.UnixMs, jlex.UnixUs, jlex.RFC3339), `1700000000123456`},
		{"whole seconds beyond unix_ns, read by unix_ns", utc(3000, 1, 1, 0, 0, 0, 0), fs(jlex.UnixNs, jlex.Unix), `32503680000.0`},
		{"no format left: the first one", utc(3000, 1, 1, 0, 0, 0, 0), fs(jlex.UnixNs, jlex.UnixMs), `32503680000000000000`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := jlex.AppendTimeAs([]byte("x"), tt.t, tt.formats)
			assert.Equal(t, "x"+tt.want, string(got))
			assert.True(t, json.Valid(got[1:]), "not JSON: %s", got[1:])
		})
	}
}

// TestAppendTimeAsDecodes checks, on random instants across years 0000–9999,
// that the decoder reads what AppendTimeAs writes back to the same instant,
// for lists of formats with unix or rfc3339, which hold every such instant.
func TestAppendTimeAsDecodes(t *testing.T) {
	const minUnix, maxUnix = -62167219200, 253402300799
	rng := rand.New(rand.NewPCG(1, 2))
	lists := []jlex.TimeFormats{
		jlex.TimeFormats(jlex.Unix), jlex.TimeFormats(jlex.RFC3339), jlex.UnixNs.Then(jlex.RFC3339),
		jlex.UnixMs.Then(jlex.RFC3339), jlex.UnixUs.Then(jlex.Unix), jlex.RFC3339.Then(jlex.Unix),
		jlex.UnixMs.Then(jlex.UnixUs).Then(jlex.UnixNs).Then(jlex.Unix),
		jlex.UnixNs.Then(jlex.Unix), jlex.UnixUs.Then(jlex.UnixMs).Then(jlex.RFC3339),
	}
	for i := range 20000 {
		sec := minUnix + rng.Int64N(maxUnix-minUnix+1)
		nsec := rng.Int64N(1e9)
		switch i % 4 { // whole seconds, millis and micros as often as any
		case 0:
			nsec = 0
		case 1:
			nsec -= nsec % 1e6
		case 2:
			nsec -= nsec % 1e3
		}
		switch {
		case i%5 == 0:
			sec = rng.Int64N(19e9) - 95e8 // within unix_ns's range and around its ends
		case i%7 == 0:
			sec = rng.Int64N(4000) - 2000 // near the epoch, where integer formats read each other's text
		}
		want := time.Unix(sec, nsec).UTC()
		formats := lists[i%len(lists)]
		out := jlex.AppendTimeAs(nil, want, formats)
		var got time.Time
		l := new(jlex.Lexer)
		l.Reset(out, nil)
		ok := l.Time(&got, formats)
		l.End()
		require.True(t, ok && l.Ok(), "%v in %v: wrote %s, which does not decode: %v", want, formats, out, l.Err())
		require.Equal(t, want, got, "%v in %v: wrote %s", want, formats, out)
	}
}

func TestAppendRaw(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"object with its whitespace", `{"a": [1, 2]}`, `{"a": [1, 2]}`},
		{"number", `-1.5e3`, `-1.5e3`},
		{"string with escapes", `"\u00e9\n"`, `"\u00e9\n"`},
		{"non-ASCII", `"é😀"`, `"é😀"`},
		{"empty is null", ``, `null`},
		{"invalid UTF-8 replaced byte by byte", "[\"a\xffb\xc3\x28\"]", "[\"a\uFFFDb\uFFFD(\"]"},
		{"not JSON", `[1,`, `null`},
		{"two values", `1 2`, `null`},
		{"raw control character", "\"\x01\"", `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := jlex.AppendRaw([]byte("x"), json.RawMessage(tt.raw))
			assert.Equal(t, "x"+tt.want, string(got))
			assert.True(t, json.Valid(got[1:]) && utf8.Valid(got), "not valid JSON: %q", got[1:])
		})
	}
}

// encItem is a stand-in for a generated object type.
type encItem struct{ n int }

func (x *encItem) AppendJSON(dst []byte) []byte {
	return append(dst, `{"n":`+string(rune('0'+x.n))+`}`...)
}

func TestAppendArrays(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"strings", jlex.AppendStringArray(nil, []string{"a", `"`, "\xff", ""}), `["a","\"","` + "\uFFFD" + `",""]`},
		{"no strings", jlex.AppendStringArray(nil, nil), `[]`},
		{"int16", jlex.AppendIntArray(nil, []int16{-32768, 0, 32767}), `[-32768,0,32767]`},
		{"int64", jlex.AppendIntArray(nil, []int64{math.MinInt64, math.MaxInt64}), `[-9223372036854775808,9223372036854775807]`},
		{"no ints", jlex.AppendIntArray(nil, []int32{}), `[]`},
		{"floats", jlex.AppendFloatArray(nil, []float64{0.1, math.Copysign(0, -1), 1e21, 5e-324, 1e-7, math.NaN()}), `[0.1,-0,1e+21,5e-324,1e-7,null]`},
		{"bools", jlex.AppendBoolArray(nil, []bool{true, false}), `[true,false]`},
		{"times", jlex.AppendTimeArray(nil, []time.Time{time.Unix(1, 5e8), {}}, jlex.TimeFormats(jlex.Unix)), `[1.5,-62135596800]`},
		{"times in two formats", jlex.AppendTimeArray(nil, []time.Time{time.Unix(1, 5e6), time.Unix(1, 5)}, jlex.UnixMs.Then(jlex.RFC3339)), `[1005,"1970-01-01T00:00:01.000000005Z"]`},
		{"raws", jlex.AppendRawArray(nil, []json.RawMessage{json.RawMessage(`1`), nil, json.RawMessage(`{"a": 1}`)}), `[1,null,{"a": 1}]`},
		{"objects", jlex.AppendObjectArray(nil, []encItem{{1}, {2}}), `[{"n":1},{"n":2}]`},
		{"no objects", jlex.AppendObjectArray(nil, []encItem(nil)), `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(tt.got))
		})
	}
}

// marshalItem is what a generated MarshalJSON does.
func marshalItem(x encItem) ([]byte, error) {
	buf := jlex.MarshalBuffer()
	return jlex.MarshalResult(buf, x.AppendJSON((*buf)[:0]))
}

func TestMarshalResult(t *testing.T) {
	first, err := marshalItem(encItem{1})
	require.NoError(t, err)
	second, err := marshalItem(encItem{2})
	require.NoError(t, err)
	assert.Equal(t, `{"n":1}`, string(first), "a result is not the pooled buffer, which the next call reuses")
	assert.Equal(t, `{"n":2}`, string(second))
}

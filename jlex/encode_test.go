package jlex_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
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
		// cloudflare: nanoseconds from a minute after the epoch through
		// 2262, else whole seconds before 6e10 (the year 3871), else RFC
		// 3339.
		{"cloudflare nanoseconds", time.Unix(1600000000, 123456789), fs(jlex.Cloudflare), `1600000000123456789`},
		{"cloudflare first nanoseconds", time.Unix(60, 0), fs(jlex.Cloudflare), `60000000000`},
		{"cloudflare seconds below a minute", time.Unix(59, 0), fs(jlex.Cloudflare), `59`},
		{"cloudflare seconds before the epoch", time.Unix(-1, 0), fs(jlex.Cloudflare), `-1`},
		{"cloudflare fraction below a minute", time.Unix(59, 5e8), fs(jlex.Cloudflare), `"1970-01-01T00:00:59.5Z"`},
		{"cloudflare seconds beyond int64 nanoseconds", utc(3000, 1, 1, 0, 0, 0, 0), fs(jlex.Cloudflare), `32503680000`},
		{"cloudflare fraction beyond int64 nanoseconds", utc(3000, 1, 1, 0, 0, 0, 5e8), fs(jlex.Cloudflare), `"3000-01-01T00:00:00.5Z"`},
		{"cloudflare seconds from 6e10 on", utc(5000, 1, 1, 0, 0, 0, 0), fs(jlex.Cloudflare), `"5000-01-01T00:00:00Z"`},
		{"cloudflare nanoseconds read by unix_ms", time.Unix(60, 1), fs(jlex.UnixMs, jlex.Cloudflare), `"1970-01-01T00:01:00.000000001Z"`},
		{"cloudflare alone, year 10000", utc(10000, 1, 1, 0, 0, 0, 0), fs(jlex.Cloudflare), `"10000-01-01T00:00:00Z"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := jlex.AppendTimeAs([]byte("x"), tt.t, tt.formats)
			assert.Equal(t, "x"+tt.want, string(got))
			assert.True(t, json.Valid(got[1:]), "not JSON: %s", got[1:])
		})
	}
}

// randomInstant is the i-th of a series of random instants in years
// 0000–9999 UTC: whole seconds, milliseconds and microseconds as often as
// nanoseconds, and many within unix_ns's range and around its ends, near
// the epoch (where integer formats read each other's text) and at
// midnight.
func randomInstant(rng *rand.Rand, i int) time.Time {
	const minUnix, maxUnix = -62167219200, 253402300799
	sec := minUnix + rng.Int64N(maxUnix-minUnix+1)
	nsec := rng.Int64N(1e9)
	switch i % 4 {
	case 0:
		nsec = 0
	case 1:
		nsec -= nsec % 1e6
	case 2:
		nsec -= nsec % 1e3
	}
	switch {
	case i%5 == 0:
		sec = rng.Int64N(19e9) - 95e8
	case i%7 == 0:
		sec = rng.Int64N(4000) - 2000
	case i%11 == 0:
		sec -= sec % 86400
	}
	return time.Unix(sec, nsec).UTC()
}

// TestAppendTimeAsDecodes checks, on random instants across years 0000–9999,
// that the decoder reads what AppendTimeAs writes back to the same instant,
// for lists of formats with unix or rfc3339, which hold every such instant.
func TestAppendTimeAsDecodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	lists := []jlex.TimeFormats{
		jlex.TimeFormats(jlex.Unix), jlex.TimeFormats(jlex.RFC3339), jlex.UnixNs.Then(jlex.RFC3339),
		jlex.UnixMs.Then(jlex.RFC3339), jlex.UnixUs.Then(jlex.Unix), jlex.RFC3339.Then(jlex.Unix),
		jlex.UnixMs.Then(jlex.UnixUs).Then(jlex.UnixNs).Then(jlex.Unix),
		jlex.UnixNs.Then(jlex.Unix), jlex.UnixUs.Then(jlex.UnixMs).Then(jlex.RFC3339),
		jlex.TimeFormats(jlex.Cloudflare), jlex.UnixMs.Then(jlex.Cloudflare), jlex.UnixNs.Then(jlex.Cloudflare).Then(jlex.Unix),
	}
	for i := range 20000 {
		want := randomInstant(rng, i)
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

// TestAppendCustomTime checks custom time formats against JSON written by
// hand: every strftime directive, escaping, which digits each format holds,
// Go layouts that drop digits their parser reads, and lists in which an
// earlier format would read a later one's text as another instant.
func TestAppendCustomTime(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	// 2024-03-05 is a Tuesday, the 65th day of a leap year; 07:08:09 UTC
	// that day is 1709622489 s after the epoch.
	tue := utc(2024, 3, 5, 7, 8, 9, 0)
	tests := []struct {
		name    string
		t       time.Time
		formats []string
		want    string
	}{
		{"Apache access log", utc(2000, 10, 10, 20, 55, 36, 0), []string{"%d/%b/%Y:%H:%M:%S %z"}, `"10/Oct/2000:20:55:36 +0000"`},
		{"every directive", tue.Add(123456 * time.Microsecond),
			[]string{"%Y %y %m %d %e %j %H %k %I %l %M %S %f %p %P %b %h %B %a %A %z %Z %s %%"},
			`"2024 24 03 05  5 065 07  7 07  7 08 09 123456 AM am Mar Mar March Tue Tuesday +0000 UTC 1709622489 %"`},
		{"compositions", tue, []string{"%c|%F|%D|%T|%R|%r|%v"}, `"Tue Mar  5 07:08:09 2024|2024-03-05|03/05/24|07:08:09|07:08|07:08:09 AM| 5-Mar-2024"`},
		{"in UTC", time.Date(2024, 3, 5, 9, 8, 9, 0, time.FixedZone("", 2*3600)), []string{"%F %T %z"}, `"2024-03-05 07:08:09 +0000"`},
		{"afternoon", tue.Add(12 * time.Hour), []string{"%F %I:%M:%S %p"}, `"2024-03-05 07:08:09 PM"`},
		{"noon", utc(2024, 3, 5, 12, 0, 0, 0), []string{"%F %l:%M:%S %P"}, `"2024-03-05 12:00:00 pm"`},
		{"midnight", utc(2024, 3, 5, 0, 0, 0, 0), []string{"%F %I:%M:%S %p"}, `"2024-03-05 12:00:00 AM"`},
		// %p adds 12 hours to whatever set the hour, and %I or %l make
		// it a 12-hour time.
		{"%H with %p", tue.Add(12 * time.Hour), []string{"%F %H:%M:%S %p"}, `"2024-03-05 07:08:09 PM"`},
		{"%H with %p, noon", utc(2024, 3, 5, 12, 0, 0, 0), []string{"%F %H:%M:%S %p"}, `"2024-03-05 00:00:00 PM"`},
		{"%k after %I with %p", tue.Add(12 * time.Hour), []string{"%F %I %k:%M:%S %p"}, `"2024-03-05 07  7:08:09 PM"`},
		{"%k after %I with %p, noon", utc(2024, 3, 5, 12, 0, 0, 0), []string{"%F %I %k:%M:%S %p"}, `"2024-03-05 12 12:00:00 PM"`},
		{"%H without %p", tue.Add(12 * time.Hour), []string{"%F %H:%M:%S"}, `"2024-03-05 19:08:09"`},
		{"year below 1000", utc(999, 1, 2, 0, 0, 0, 0), []string{"%Y%m%d"}, `"09990102"`},
		{"newline and tab escaped", utc(2024, 3, 5, 0, 0, 0, 0), []string{"%Y%n%m%t%d"}, `"2024\n03\t05"`},
		{"literal quote, backslash and non-ASCII", utc(2024, 1, 1, 0, 0, 0, 0), []string{`"%Y" \ é`}, `"\"2024\" \\ é"`},
		// Digits a strftime format holds: whole seconds without %f,
		// microseconds with it, whole days without a time of day.
		{"fraction: the format with %f", tue.Add(250 * time.Millisecond), []string{"%F %T", "%F %T.%f"}, `"2024-03-05 07:08:09.250000"`},
		{"%f in six digits", tue.Add(time.Microsecond), []string{"%F %T.%f"}, `"2024-03-05 07:08:09.000001"`},
		{"nanoseconds: beyond %f", tue.Add(123456789), []string{"%F %T.%f", "unix"}, `1709622489.123456789`},
		{"a time of day: beyond a date", tue, []string{"%Y-%m-%d", "rfc3339"}, `"2024-03-05T07:08:09Z"`},
		{"midnight: a date", utc(2024, 3, 5, 0, 0, 0, 0), []string{"%Y-%m-%d", "rfc3339"}, `"2024-03-05"`},
		{"%y holds 2068", utc(2068, 1, 1, 0, 0, 0, 0), []string{"%y-%m-%d", "rfc3339"}, `"68-01-01"`},
		{"%y does not hold 2069", utc(2069, 1, 1, 0, 0, 0, 0), []string{"%y-%m-%d", "rfc3339"}, `"2069-01-01T00:00:00Z"`},
		{"%s does not hold times before the epoch", utc(1969, 12, 31, 23, 59, 59, 0), []string{"%s", "rfc3339"}, `"1969-12-31T23:59:59Z"`},
		// No format holds it: the first, its finer digits dropped.
		{"none: milliseconds dropped", tue.Add(250 * time.Millisecond), []string{"%F %T"}, `"2024-03-05 07:08:09"`},
		{"none: nanoseconds dropped", tue.Add(123456789), []string{"%F %T.%f"}, `"2024-03-05 07:08:09.123456"`},
		// Go layouts, including digits time.Parse reads but the layout
		// does not write.
		{"layout", utc(2020, 9, 14, 14, 29, 21, 5e8), []string{"layout=02/01/2006 15:04:05.999"}, `"14/09/2020 14:29:21.5"`},
		{"layout, whole seconds", utc(2020, 9, 14, 14, 29, 21, 0), []string{"layout=02/01/2006 15:04:05.999"}, `"14/09/2020 14:29:21"`},
		{"layout .999 widened", utc(2020, 9, 14, 14, 29, 21, 123456789), []string{"layout=02/01/2006 15:04:05.999"}, `"14/09/2020 14:29:21.123456789"`},
		{"layout ,999 widened", utc(2020, 9, 14, 14, 29, 21, 1000), []string{"layout=15:04:05,999 02.01.2006"}, `"14:29:21,000001 14.09.2020"`},
		{"layout without a fraction, fraction added", tue.Add(250 * time.Millisecond), []string{"layout=2006-01-02 15:04:05"}, `"2024-03-05 07:08:09.25"`},
		{"layout with a zone, fraction added", tue.Add(250 * time.Millisecond), []string{"layout=2006-01-02T15:04:05Z07:00"}, `"2024-03-05T07:08:09.25Z"`},
		{"layout .000 holds milliseconds only", tue.Add(123456 * time.Microsecond), []string{"layout=2006-01-02 15:04:05.000", "unix"}, `1709622489.123456`},
		{"layout .000 alone", tue.Add(123456 * time.Microsecond), []string{"layout=2006-01-02 15:04:05.000"}, `"2024-03-05 07:08:09.123"`},
		{"layout zone name", tue, []string{"layout=2006-01-02 15:04:05 MST"}, `"2024-03-05 07:08:09 UTC"`},
		{"layout numeric zone", tue, []string{"layout=2006-01-02 15:04:05 -0700"}, `"2024-03-05 07:08:09 +0000"`},
		{"layout without a year, year 0", utc(0, 3, 5, 7, 8, 9, 0), []string{"layout=Jan _2 15:04:05", "rfc3339"}, `"Mar  5 07:08:09"`},
		{"layout without a year, another year", tue, []string{"layout=Jan _2 15:04:05", "rfc3339"}, `"2024-03-05T07:08:09Z"`},
		// Built-in formats among custom ones, and texts an earlier format
		// would read as another instant.
		{"built-in first", tue, []string{"unix_ns", "%Y%m%d%H%M%S", "rfc3339"}, `1709622489000000000`},
		{"digits read by unix_ns", utc(2300, 1, 1, 0, 0, 0, 0), []string{"unix_ns", "%Y%m%d%H%M%S", "rfc3339"}, `"2300-01-01T00:00:00Z"`},
		{"digits not read by unix_ns", utc(2300, 1, 1, 0, 0, 0, 0), []string{"unix_ns", "%Y-%m-%d", "rfc3339"}, `"2300-01-01"`},
		{"cloudflare", tue, []string{"%Y", "cloudflare"}, `1709622489000000000`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := jlex.MustCustomTimeFormats(tt.formats...)
			got := jlex.AppendCustomTime([]byte("x"), tt.t, f)
			assert.Equal(t, "x"+tt.want, string(got))
			require.True(t, json.Valid(got[1:]), "not JSON: %s", got[1:])
			if !strings.HasPrefix(tt.name, "none") && !strings.HasSuffix(tt.name, "alone") {
				var back time.Time
				l := new(jlex.Lexer)
				l.Reset(got[1:], nil)
				require.True(t, l.CustomTime(&back, f), "%s does not decode: %v", got[1:], l.Err())
				assert.Equal(t, tt.t.UTC(), back, "%s decodes to another instant", got[1:])
			}
		})
	}
}

// TestAppendCustomTimeDecodes checks, on random instants across years
// 0000–9999, that the decoder reads what AppendCustomTime writes back to
// the same instant, for lists of formats that hold every such instant:
// strftime formats followed by a built-in one, Go layouts (which hold
// every digit, written as their parser reads them) and mixes.
func TestAppendCustomTimeDecodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	lists := [][]string{
		{"%d/%b/%Y:%H:%M:%S %z", "rfc3339"},
		{"%Y%m%d%H%M%S.%f", "unix"},
		{"%c", "%F %T.%f", "cloudflare"},
		{"%y-%m-%d %I:%M:%S %p", "unix_ms", "rfc3339"},
		{"%Y %j %H:%M:%S", "unix"},
		{"%F %H:%M:%S %p", "rfc3339"},
		{"%F %I %k:%M:%S %P", "rfc3339"},
		{"%s", "%s.%f", "unix_ns", "rfc3339"},
		{"unix_ms", "%Y%m%d%H%M%S", "cloudflare"},
		{"layout=02/01/2006 15:04:05.999"},
		{"layout=2006-01-02 15:04:05"},
		{"layout=" + time.UnixDate},
		{"layout=" + time.RFC1123Z},
		{"layout=2006-01-02 15:04:05.000", "%F %T.%f", "rfc3339"},
	}
	for i := range 20000 {
		want := randomInstant(rng, i)
		formats := lists[i%len(lists)]
		f := jlex.MustCustomTimeFormats(formats...)
		out := jlex.AppendCustomTime(nil, want, f)
		var got time.Time
		l := new(jlex.Lexer)
		l.Reset(out, nil)
		ok := l.CustomTime(&got, f)
		l.End()
		require.True(t, ok && l.Ok(), "%v in %v: wrote %s, which does not decode: %v", want, formats, out, l.Err())
		require.Equal(t, want, got, "%v in %v: wrote %s", want, formats, out)
	}
}

func TestAppendEmbeddedRaw(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"object as itself", `{"a": [1, 2]}`, `{"a": [1, 2]}`},
		{"number as itself", `1e3`, `1e3`},
		{"string as JSON text in a string", `"hi"`, `"\"hi\""`},
		{"empty string as JSON text in a string", `""`, `"\"\""`},
		{"string with escapes", `"\u00e9\n"`, `"\"\\u00e9\\n\""`},
		{"string after whitespace", ` "a"`, `" \"a\""`},
		{"invalid UTF-8 replaced", "\"\xff\"", "\"\\\"\uFFFD\\\"\""},
		{"empty is null", ``, `null`},
		{"not JSON is null", `"a`, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := jlex.AppendEmbeddedRaw([]byte("x"), json.RawMessage(tt.raw))
			assert.Equal(t, "x"+tt.want, string(got))
			assert.True(t, json.Valid(got[1:]) && utf8.Valid(got), "not valid JSON: %q", got[1:])
		})
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
		{"custom times", jlex.AppendCustomTimeArray(nil, []time.Time{time.Unix(1, 0), time.Unix(1, 5e8)}, jlex.MustCustomTimeFormats("%s", "unix")), `["1",1.5]`},
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

package jlex_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/jlex"
)

// decodeCustom decodes the JSON value doc with formats and returns the time
// in RFC 3339 (nanoseconds), "absent", or "error: <message>".
func decodeCustom(t *testing.T, doc string, formats ...string) string {
	t.Helper()
	f, err := jlex.NewCustomTimeFormats(formats...)
	require.NoError(t, err)
	l := newLexer(doc)
	var got time.Time
	present := l.CustomTime(&got, f)
	l.End()
	switch {
	case !l.Ok():
		return "error: " + l.Err().Error()
	case !present:
		return "absent"
	}
	require.Equal(t, time.UTC, got.Location())
	return got.Format(time.RFC3339Nano)
}

// TestCustomTimeStrftime checks strftime formats on values worked out by
// hand, among them the custom formats Panther's own schemas use.
func TestCustomTimeStrftime(t *testing.T) {
	for _, tc := range []struct {
		format, in, want string
	}{
		// Apache's access log time (Panther's Apache.AccessCombined).
		{"%d/%b/%Y:%H:%M:%S %z", "10/Oct/2000:13:55:36 -0700", "2000-10-10T20:55:36Z"},
		{"%Y%m%d%H%M%S.%f", "20200914142921.123", "2020-09-14T14:29:21.123Z"},
		{"%a, %d %b %Y %H:%M:%S %z", "Mon, 14 Sep 2020 14:29:21 +0200", "2020-09-14T12:29:21Z"},
		{"%Y-%m-%d %H:%M:%S", "2020-09-14 14:29:21", "2020-09-14T14:29:21Z"},
		{"%F %T", "2020-09-14 14:29:21", "2020-09-14T14:29:21Z"},
		// Numbers take one digit up to the directive's width; names any case.
		{"%m/%d/%y %I:%M %p", "9/4/20 1:05 pm", "2020-09-04T13:05:00Z"},
		{"%m/%d/%y %I:%M %p", "09/04/69 12:05 AM", "1969-09-04T00:05:00Z"},
		{"%D %r", "12/31/68 12:00:00 PM", "2068-12-31T12:00:00Z"},
		{"%B %e %Y", "SEPTEMBER  4 2020", "2020-09-04T00:00:00Z"},
		{"%A %c", "Friday Fri Sep  4 10:11:12 2020", "2020-09-04T10:11:12Z"},
		{"%Y-%j", "2020-366", "2020-12-31T00:00:00Z"},
		{"%s", "1600000000", "2020-09-13T12:26:40Z"},
		{"%H:%M:%S.%f %Z", "10:11:12.000001 UTC", "1900-01-01T10:11:12.000001Z"},
		{"%Y%n%m%t%d%%", "2020 \t\n09\t04%", "2020-09-04T00:00:00Z"},
		{"%k|%l|%M", " 7| 3|05", "1900-01-01T03:05:00Z"}, // %l comes last and sets the hour
		// Out of range, partial or trailing text, unknown zone: errors.
		{"%Y-%m-%d", "2020-13-01", "bad"},
		{"%Y-%m-%d", "2021-02-29", "bad"},
		{"%Y-%j", "2021-366", "bad"},
		{"%H:%M", "24:00", "bad"},
		{"%I %p", "13 PM", "bad"},
		{"%Y-%m-%d", "2020-09-14x", "bad"},
		{"%Y-%m-%d", "2020-09", "bad"},
		{"%Y %Z", "2020 PST", "bad"},
		{"%z", "+02:00", "bad"},
		{"%Y", "", "absent"},
	} {
		t.Run(tc.format+" "+tc.in, func(t *testing.T) {
			got := decodeCustom(t, strconv.Quote(tc.in), tc.format)
			if tc.want == "bad" {
				assert.Equal(t, "error: cannot parse "+strconv.Quote(tc.in)+" as a timestamp ("+tc.format+") at offset 0", got)
				return
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestCustomTimeLayoutsAndLists(t *testing.T) {
	for _, tc := range []struct {
		name    string
		doc     string
		formats []string
		want    string
	}{
		{"Go layout", `"14/09/2020 14:29:21.5"`, []string{"layout=02/01/2006 15:04:05.999"}, "2020-09-14T14:29:21.5Z"},
		{"Go layout with an offset", `"2020-09-14 14:29:21 -0700"`, []string{"layout=2006-01-02 15:04:05 -0700"}, "2020-09-14T21:29:21Z"},
		{"Go layout mismatch", `"2020-09-14"`, []string{"layout=2006/01/02"}, `error: cannot parse "2020-09-14" as a timestamp (layout=2006/01/02) at offset 0`},
		{"tried in order", `"2020-09-14"`, []string{"rfc3339", "%Y-%m-%d"}, "2020-09-14T00:00:00Z"},
		{"built-in first", `1600000000`, []string{"unix", "%s"}, "2020-09-13T12:26:40Z"},
		{"custom formats read strings only", `20200914`, []string{"%Y%m%d"}, `error: cannot parse "20200914" as a timestamp (%Y%m%d) at offset 0`},
		{"null", `null`, []string{"%Y"}, "absent"},
		{"not a timestamp", `true`, []string{"%Y"}, "error: expected timestamp, found boolean at offset 0"},
		// Panther's cloudflare format: RFC 3339 text, integer seconds
		// below 60,000,000,000, integer nanoseconds from there on.
		{"cloudflare text", `"2020-09-14T14:29:21.25Z"`, []string{"cloudflare"}, "2020-09-14T14:29:21.25Z"},
		{"cloudflare seconds", `1600000000`, []string{"cloudflare"}, "2020-09-13T12:26:40Z"},
		{"cloudflare largest seconds", `59999999999`, []string{"cloudflare"}, "3871-04-29T10:39:59Z"},
		{"cloudflare nanoseconds", `60000000000`, []string{"cloudflare"}, "1970-01-01T00:01:00Z"},
		{"cloudflare nanoseconds now", `1600000000123456789`, []string{"cloudflare"}, "2020-09-13T12:26:40.123456789Z"},
		{"cloudflare fraction", `1.5`, []string{"cloudflare"}, `error: cannot parse "1.5" as a timestamp (cloudflare) at offset 0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, decodeCustom(t, tc.doc, tc.formats...))
		})
	}
	// Cloudflare is also a built-in format code for Lexer.Time.
	l := newLexer(`1600000000`)
	var got time.Time
	require.True(t, l.Time(&got, jlex.TimeFormats(jlex.Cloudflare)))
	assert.Equal(t, "2020-09-13T12:26:40Z", got.Format(time.RFC3339Nano))
	assert.Equal(t, "cloudflare", jlex.Cloudflare.String())
}

func TestCustomTimeFormatErrors(t *testing.T) {
	for formats, want := range map[string]string{
		"%Q":        `time format "%Q": unsupported directive %Q`,
		"%Y%":       `time format "%Y%": stray % at the end`,
		"layout=":   `time format "layout=": empty Go layout`,
		"unixtime":  `unknown time format "unixtime" (want unix, unix_ms, unix_us, unix_ns, rfc3339, cloudflare, a strftime format or layout=<Go layout>)`,
		"%Y %G %m":  `time format "%Y %G %m": unsupported directive %G`,
		"%c and %U": `time format "%c and %U": unsupported directive %U`,
	} {
		_, err := jlex.NewCustomTimeFormats(formats)
		assert.EqualError(t, err, want, formats)
	}
	_, err := jlex.NewCustomTimeFormats()
	assert.EqualError(t, err, "no time formats")
	assert.PanicsWithValue(t, `jlex: time format "%Q": unsupported directive %Q`, func() { jlex.MustCustomTimeFormats("%Q") })
	assert.Equal(t, "rfc3339, %Y", jlex.MustCustomTimeFormats("rfc3339", "%Y").String())
}

func TestCustomTimes(t *testing.T) {
	f := jlex.MustCustomTimeFormats("%Y-%m-%d")
	l := newLexer(`["2020-09-14", null, "2020-09-15"]`)
	s := []time.Time{{}, {}, {}, {}}
	require.True(t, l.CustomTimes(&s, f))
	require.NoError(t, l.Err())
	require.Len(t, s, 3)
	assert.Equal(t, "2020-09-14T00:00:00Z", s[0].Format(time.RFC3339))
	assert.True(t, s[1].IsZero())
	assert.Equal(t, "2020-09-15T00:00:00Z", s[2].Format(time.RFC3339))
}

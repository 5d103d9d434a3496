package jlex_test

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/jlex"
)

// unix is time.Unix in UTC, the form every jlex time is in.
func unix(sec, nsec int64) time.Time { return time.Unix(sec, nsec).UTC() }

const (
	firstSec = -62167219200 // 0000-01-01T00:00:00Z
	lastSec  = 253402300799 // 9999-12-31T23:59:59Z
)

func TestUnixBoundsConstants(t *testing.T) {
	assert.Equal(t, time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), int64(firstSec))
	assert.Equal(t, time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix(), int64(lastSec))
}

func TestParseUnix(t *testing.T) {
	tests := []struct {
		name string
		tok  string
		want time.Time
		ok   bool
	}{
		{"seconds", "1780500887", unix(1780500887, 0), true},
		{"milliseconds exact", "1780500887.356", unix(1780500887, 356000000), true},
		{"exponent", "1.780500887356e9", unix(1780500887, 356000000), true},
		{"upper exponent with plus", "1.780500887356E+9", unix(1780500887, 356000000), true},
		{"negative exponent", "178050088735.6e-2", unix(1780500887, 356000000), true},
		{"integer with negative exponent", "1780500887356e-3", unix(1780500887, 356000000), true},
		{"fraction below one", "0.1780500887356e10", unix(1780500887, 356000000), true},
		{"exponent shifts into the integer part", "178050088.7356e1", unix(1780500887, 356000000), true},
		{"exponent beyond range", "178050088735.6e1", time.Time{}, false},
		{"milliseconds read as seconds", "1780500887356", time.Time{}, false},
		{"zero", "0", unix(0, 0), true},
		{"negative zero", "-0", unix(0, 0), true},
		{"zero fraction", "0.000", unix(0, 0), true},
		{"zero exponent", "0e10", unix(0, 0), true},
		{"one nanosecond", "0.000000001", unix(0, 1), true},
		{"minus one nanosecond", "-0.000000001", unix(0, -1), true},
		{"nanosecond by exponent", "1e-9", unix(0, 1), true},
		{"below a nanosecond", "1e-10", unix(0, 0), true},
		{"nanoseconds by exponent", "123456789e-9", unix(0, 123456789), true},
		{"tiny exponent", "5e-99999", unix(0, 0), true},
		{"half second", "0.5", unix(0, 500000000), true},
		{"negative", "-1.5", unix(-1, -500000000), true},
		{"negative whole", "-86400", unix(-86400, 0), true},
		{"ten digits truncated", "1.9999999999", unix(1, 999999999), true},
		{"many digits truncated", "1.00000000099999999999999999999999999999999999", unix(1, 0), true},
		{"negative truncated toward zero", "-1.9999999999", unix(-1, -999999999), true},
		{"interior zeros", "10.05", unix(10, 50000000), true},
		{"leading fraction zeros", "0.05", unix(0, 50000000), true},
		{"exponent one", "1e0", unix(1, 0), true},
		{"exponent nine", "1e9", unix(1000000000, 0), true},
		{"many integer digits with negative exponent", "1" + strings.Repeat("0", 40) + "e-40", unix(1, 0), true},
		{"last second", "253402300799", unix(lastSec, 0), true},
		{"last nanosecond", "253402300799.999999999", unix(lastSec, 999999999), true},
		{"after year 9999", "253402300800", time.Time{}, false},
		{"first second", "-62167219200", unix(firstSec, 0), true},
		{"before year 0", "-62167219200.000000001", time.Time{}, false},
		{"second before year 0", "-62167219201", time.Time{}, false},
		{"1e12", "1e12", time.Time{}, false},
		{"huge exponent", "1e99999999999", time.Time{}, false},
		{"negative huge", "-1e20", time.Time{}, false},
		{"empty", "", time.Time{}, false},
		{"minus", "-", time.Time{}, false},
		{"trailing dot", "1.", time.Time{}, false},
		{"leading dot", ".5", time.Time{}, false},
		{"bare exponent", "1e", time.Time{}, false},
		{"leading zero", "01", time.Time{}, false},
		{"letter", "1x", time.Time{}, false},
		{"leading space", " 1", time.Time{}, false},
		{"trailing space", "1 ", time.Time{}, false},
		{"plus", "+1", time.Time{}, false},
		{"hex", "0x10", time.Time{}, false},
		{"RFC 3339", "2026-06-03T15:34:47Z", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := jlex.ParseUnix([]byte(tt.tok))
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
			if ok {
				assert.Equal(t, time.UTC, got.Location())
				ref, refOK := refParseUnix(tt.tok)
				assert.True(t, refOK, "reference accepts it")
				assert.Equal(t, ref, got, "reference")
			}
		})
	}
}

// refParseUnix parses a JSON number as exact seconds with math/big,
// truncating to nanoseconds toward zero, and accepts years 0000–9999.
func refParseUnix(tok string) (time.Time, bool) {
	r, ok := new(big.Rat).SetString(tok)
	if !ok {
		return time.Time{}, false
	}
	ns := new(big.Rat).Mul(r, new(big.Rat).SetInt64(1e9))
	q := new(big.Int).Quo(ns.Num(), ns.Denom())
	sec, nsec := new(big.Int).QuoRem(q, big.NewInt(1e9), new(big.Int))
	if !sec.IsInt64() {
		return time.Time{}, false
	}
	t := unix(sec.Int64(), nsec.Int64())
	if t.Year() < 0 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t, true
}

func randomDigits(r *rand.Rand, n int, first string) string {
	var b strings.Builder
	b.WriteString(first)
	for b.Len() < n {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	return b.String()
}

// TestParseUnixRandom compares ParseUnix with math/big on random JSON
// numbers of every shape.
func TestParseUnixRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 0; n < 20000; n++ {
		var tok strings.Builder
		if r.IntN(4) == 0 {
			tok.WriteByte('-')
		}
		if r.IntN(5) == 0 {
			tok.WriteByte('0')
		} else {
			tok.WriteString(randomDigits(r, 1+r.IntN(14), string(rune('1'+r.IntN(9)))))
		}
		if r.IntN(2) == 0 {
			tok.WriteByte('.')
			tok.WriteString(randomDigits(r, 1+r.IntN(20), ""))
		}
		if r.IntN(3) == 0 {
			tok.WriteString([]string{"e", "E"}[r.IntN(2)])
			tok.WriteString([]string{"", "+", "-"}[r.IntN(3)])
			tok.WriteString(fmt.Sprint(r.IntN(25)))
		}
		s := tok.String()
		want, wantOK := refParseUnix(s)
		got, ok := jlex.ParseUnix([]byte(s))
		if !assert.Equalf(t, wantOK, ok, "%s", s) || !assert.Equalf(t, want, got, "%s", s) {
			return
		}
	}
}

// decodeTime runs Lexer.Time over doc and checks End.
func decodeTime(doc string, formats jlex.TimeFormats) (*jlex.Lexer, time.Time, bool) {
	l := newLexer(doc)
	got := time.Now() // must be overwritten
	ok := l.Time(&got, formats)
	l.End()
	return l, got, ok
}

func TestTimeUnixIntegers(t *testing.T) {
	ms := jlex.TimeFormats(jlex.UnixMs)
	us := jlex.TimeFormats(jlex.UnixUs)
	ns := jlex.TimeFormats(jlex.UnixNs)
	tests := []struct {
		name    string
		doc     string
		formats jlex.TimeFormats
		want    time.Time
		err     *wantErr
	}{
		{name: "ms", doc: `1780500887356`, formats: ms, want: unix(1780500887, 356000000)},
		{name: "ms string", doc: `"1780500887356"`, formats: ms, want: unix(1780500887, 356000000)},
		{name: "ms zero", doc: `0`, formats: ms, want: unix(0, 0)},
		{name: "ms negative", doc: `-1`, formats: ms, want: unix(0, -1000000)},
		{name: "ms negative whole", doc: `-1500`, formats: ms, want: unix(-1, -500000000)},
		{name: "ms last", doc: `253402300799999`, formats: ms, want: unix(lastSec, 999000000)},
		{name: "ms after year 9999", doc: `253402300800000`, formats: ms, err: &wantErr{0, "", `cannot parse "253402300800000" as a timestamp (unix_ms)`}},
		{name: "ms first", doc: `-62167219200000`, formats: ms, want: unix(firstSec, 0)},
		{name: "ms before year 0", doc: `-62167219200001`, formats: ms, err: &wantErr{0, "", `cannot parse "-62167219200001" as a timestamp (unix_ms)`}},
		{name: "ms fraction", doc: `1780500887356.5`, formats: ms, err: &wantErr{0, "", `cannot parse "1780500887356.5" as a timestamp (unix_ms)`}},
		{name: "ms exponent", doc: `1e3`, formats: ms, err: &wantErr{0, "", `cannot parse "1e3" as a timestamp (unix_ms)`}},
		{name: "ms beyond int64", doc: `9223372036854775808`, formats: ms, err: &wantErr{0, "", `cannot parse "9223372036854775808" as a timestamp (unix_ms)`}},
		{name: "us", doc: `1780500887356123`, formats: us, want: unix(1780500887, 356123000)},
		{name: "us negative", doc: `-1`, formats: us, want: unix(0, -1000)},
		{name: "us last", doc: `253402300799999999`, formats: us, want: unix(lastSec, 999999000)},
		{name: "us after year 9999", doc: `253402300800000000`, formats: us, err: &wantErr{0, "", `cannot parse "253402300800000000" as a timestamp (unix_us)`}},
		{name: "us first", doc: `-62167219200000000`, formats: us, want: unix(firstSec, 0)},
		{name: "us before year 0", doc: `-62167219200000001`, formats: us, err: &wantErr{0, "", `cannot parse "-62167219200000001" as a timestamp (unix_us)`}},
		{name: "ns", doc: `1780500887356123456`, formats: ns, want: unix(1780500887, 356123456)},
		{name: "ns string", doc: `"1780500887356123456"`, formats: ns, want: unix(1780500887, 356123456)},
		{name: "ns negative", doc: `-1`, formats: ns, want: unix(0, -1)},
		{name: "ns max int64", doc: `9223372036854775807`, formats: ns, want: time.Unix(0, 9223372036854775807).UTC()},
		{name: "ns min int64", doc: `-9223372036854775808`, formats: ns, want: time.Unix(0, -9223372036854775808).UTC()},
		{name: "ns beyond int64", doc: `9223372036854775808`, formats: ns, err: &wantErr{0, "", `cannot parse "9223372036854775808" as a timestamp (unix_ns)`}},
		{name: "ns fraction", doc: ` 1.5`, formats: ns, err: &wantErr{1, "", `cannot parse "1.5" as a timestamp (unix_ns)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, got, ok := decodeTime(tt.doc, tt.formats)
			checkErr(t, l, tt.err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.err == nil, ok)
		})
	}
}

// rfc3339Agree are timestamps on which ParseRFC3339 and time.Parse with
// RFC3339Nano must agree, accepting or rejecting.
var rfc3339Agree = []string{
	"2026-06-03T15:34:47Z",
	"2026-06-03T15:34:47.356Z",
	"2026-06-03T15:34:47+02:00",
	"2026-06-03T15:34:47-07:30",
	"2026-06-03T15:34:47.123456789-07:30",
	"2026-06-03T15:34:47+00:00",
	"2026-06-03T15:34:47-00:00",
	"2026-06-03T15:34:47+23:59",
	"2026-06-03T15:34:47-23:59",
	"2026-01-01T00:30:00+01:00",
	"2026-12-31T23:59:59-07:30",
	"1970-01-01T00:00:00Z",
	"1969-12-31T23:59:59.5Z",
	"0000-01-01T00:00:00Z",
	"0001-01-01T00:00:00Z",
	"9999-12-31T23:59:59.999999999Z",
	"2024-02-29T00:00:00Z",
	"2000-02-29T12:00:00Z",
	"1600-02-29T12:00:00Z",
	"0000-02-29T12:00:00Z",
	"2023-02-29T00:00:00Z",
	"1900-02-29T00:00:00Z",
	"2100-02-29T00:00:00Z",
	"2023-02-28T23:59:59Z",
	"2026-04-30T00:00:00Z",
	"2026-04-31T00:00:00Z",
	"2026-06-31T00:00:00Z",
	"2026-09-31T00:00:00Z",
	"2026-11-31T00:00:00Z",
	"2026-12-31T00:00:00Z",
	"2026-12-32T00:00:00Z",
	"2026-13-01T00:00:00Z",
	"2026-00-01T00:00:00Z",
	"2026-01-00T00:00:00Z",
	"2026-01-01T24:00:00Z",
	"2026-01-01T23:60:00Z",
	"2026-01-01T23:59:60Z",
	"2026-06-03t15:34:47Z",
	"2026-06-03T15:34:47z",
	"2026-06-03 15:34:47Z",
	"2026-06-03T15:34:47",
	"2026-06-03T15:34:47.Z",
	"2026-06-03T15:34:47.356",
	"2026-06-03T15:34:47+2:00",
	"2026-06-03T15:34:47+02",
	"2026-06-03T15:34:47+0200",
	"2026-06-03T15:34:47Z ",
	" 2026-06-03T15:34:47Z",
	"2026-6-03T15:34:47Z",
	"26-06-03T15:34:47Z",
	"2026-06-03T15:34Z",
	"2026-06-03",
	"",
	"2026-06-03T15:34:47ZZ",
	"2026-06-03T15:34:47+02:00Z",
	"2026-06-03T15:34:47.1.2Z",
	"2026-06-03T15:34:4xZ",
	"2026/06/03T15:34:47Z",
	"2026-06-03T15-34-47Z",
	"+2026-06-03T15:34:47Z",
	"2026-06-03T15:34:47+02:0x",
	"20a6-06-03T15:34:47Z",
}

func checkRFC3339AgainstTime(t *testing.T, s string) {
	t.Helper()
	ref, refErr := time.Parse(time.RFC3339Nano, s)
	got, ok := jlex.ParseRFC3339([]byte(s))
	if refErr != nil {
		assert.Falsef(t, ok, "%q: time.Parse rejects it: %v", s, refErr)
		assert.Equal(t, time.Time{}, got)
		return
	}
	if assert.Truef(t, ok, "%q: time.Parse accepts it", s) {
		assert.Equalf(t, ref.UTC(), got, "%q", s)
		assert.Equal(t, time.UTC, got.Location())
	}
}

func TestParseRFC3339AgainstTimeParse(t *testing.T) {
	for _, s := range rfc3339Agree {
		t.Run(s, func(t *testing.T) { checkRFC3339AgainstTime(t, s) })
	}
	t.Run("fraction digits", func(t *testing.T) {
		for n := 0; n <= 9; n++ {
			for _, zone := range []string{"Z", "+05:45"} {
				s := "2026-06-03T15:34:47"
				if n > 0 {
					s += "." + "123456789"[:n]
				}
				checkRFC3339AgainstTime(t, s+zone)
			}
		}
	})
	t.Run("every day end", func(t *testing.T) {
		// Days 28–32 of every month of leap, non-leap and century years.
		for _, y := range []int{0, 1, 4, 100, 400, 1600, 1900, 1969, 1970, 2000, 2023, 2024, 2100, 9996, 9999} {
			for m := 1; m <= 12; m++ {
				for d := 28; d <= 32; d++ {
					checkRFC3339AgainstTime(t, fmt.Sprintf("%04d-%02d-%02dT12:34:56Z", y, m, d))
				}
			}
		}
	})
	t.Run("every day of two years", func(t *testing.T) {
		for d := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2025; d = d.AddDate(0, 0, 1) {
			checkRFC3339AgainstTime(t, d.Format("2006-01-02")+"T23:59:59.999+14:00")
		}
	})
	t.Run("random instants", func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 8))
		for n := 0; n < 5000; n++ {
			sec := firstSec + 86400 + r.Int64N(lastSec-firstSec-2*86400)
			off := (r.IntN(2*24*60-1) - (24*60 - 1)) * 60
			tm := time.Unix(sec, r.Int64N(1e9)).In(time.FixedZone("", off))
			checkRFC3339AgainstTime(t, tm.Format(time.RFC3339Nano))
		}
	})
}

// TestParseRFC3339Stricter lists what time.Parse accepts but RFC 3339, and
// so ParseRFC3339, does not.
func TestParseRFC3339Stricter(t *testing.T) {
	for _, s := range []string{
		"2026-06-03T15:34:47.1234567891Z", // ten fraction digits
		"2026-06-03T15:34:47.123456789123Z",
		"2026-06-03T15:34:47,5Z", // comma before the fraction
		"2026-06-03T15:34:47+24:00",
		"2026-06-03T15:34:47+23:60",
	} {
		t.Run(s, func(t *testing.T) {
			_, err := time.Parse(time.RFC3339Nano, s)
			require.NoError(t, err, "time.Parse accepts it")
			got, ok := jlex.ParseRFC3339([]byte(s))
			assert.False(t, ok)
			assert.Equal(t, time.Time{}, got)
		})
	}
}

func TestParseRFC3339Exact(t *testing.T) {
	tests := []struct {
		s    string
		want time.Time
	}{
		{"2026-06-03T15:34:47.356Z", unix(1780500887, 356000000)},
		{"2026-06-03T17:34:47.356+02:00", unix(1780500887, 356000000)},
		{"2026-06-03T08:04:47.356-07:30", unix(1780500887, 356000000)},
		{"1970-01-01T00:00:00.000000001Z", unix(0, 1)},
		{"1969-12-31T23:59:59.999999999Z", unix(-1, 999999999)},
		{"0000-01-01T00:00:00Z", unix(firstSec, 0)},
		{"9999-12-31T23:59:59Z", unix(lastSec, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			got, ok := jlex.ParseRFC3339([]byte(tt.s))
			require.True(t, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestParseRFC3339PrintsBack checks the promise behind the year bounds:
// every accepted time is in years 0000–9999 in UTC, so it prints as RFC 3339
// (AppendTime) and reads back. An offset must not carry an instant past
// either end.
func TestParseRFC3339PrintsBack(t *testing.T) {
	for _, s := range []string{
		"0000-01-01T00:00:00Z",
		"0000-01-01T00:00:00-01:00",
		"9999-12-31T23:59:59.999999999Z",
		"9999-12-31T23:59:59+01:00",
		"9999-12-31T23:59:59-01:00", // 10000-01-01T00:59:59Z
		"0000-01-01T00:00:00+01:00", // -0001-12-31T23:00:00Z
	} {
		t.Run(s, func(t *testing.T) {
			got, ok := jlex.ParseRFC3339([]byte(s))
			if !ok {
				return // rejecting is fine
			}
			assert.GreaterOrEqual(t, got.Year(), 0, "year in UTC")
			assert.LessOrEqual(t, got.Year(), 9999, "year in UTC")
			out := jlex.AppendTime(nil, got)
			back, err := time.Parse(`"`+time.RFC3339Nano+`"`, string(out))
			if assert.NoErrorf(t, err, "AppendTime wrote %s", out) {
				assert.True(t, back.Equal(got))
			}
		})
	}
}

func TestTimeFormatsInOrder(t *testing.T) {
	unixThenRFC := jlex.Unix.Then(jlex.RFC3339)
	tests := []struct {
		name    string
		doc     string
		formats jlex.TimeFormats
		want    time.Time
		present bool
		err     *wantErr
	}{
		{name: "unix number", doc: `1780500887.356`, formats: jlex.TimeFormats(jlex.Unix), want: unix(1780500887, 356000000), present: true},
		{name: "unix string", doc: `"1780500887.356"`, formats: jlex.TimeFormats(jlex.Unix), want: unix(1780500887, 356000000), present: true},
		{name: "unix escaped string", doc: `"\u0031780500887.356"`, formats: jlex.TimeFormats(jlex.Unix), want: unix(1780500887, 356000000), present: true},
		{name: "unix rejects RFC 3339", doc: `"2026-06-03T15:34:47Z"`, formats: jlex.TimeFormats(jlex.Unix), err: &wantErr{0, "", `cannot parse "2026-06-03T15:34:47Z" as a timestamp (unix)`}},
		{name: "RFC 3339", doc: `"2026-06-03T15:34:47.356Z"`, formats: jlex.TimeFormats(jlex.RFC3339), want: unix(1780500887, 356000000), present: true},
		{name: "RFC 3339 rejects a number", doc: `1780500887`, formats: jlex.TimeFormats(jlex.RFC3339), err: &wantErr{0, "", `cannot parse "1780500887" as a timestamp (rfc3339)`}},
		{name: "RFC 3339 rejects a numeric string", doc: `"1780500887"`, formats: jlex.TimeFormats(jlex.RFC3339), err: &wantErr{0, "", `cannot parse "1780500887" as a timestamp (rfc3339)`}},
		{name: "either: number", doc: `1780500887.356`, formats: unixThenRFC, want: unix(1780500887, 356000000), present: true},
		{name: "either: string", doc: `"2026-06-03T17:34:47.356+02:00"`, formats: unixThenRFC, want: unix(1780500887, 356000000), present: true},
		{name: "either: neither", doc: `"yesterday"`, formats: unixThenRFC, err: &wantErr{0, "", `cannot parse "yesterday" as a timestamp (unix, rfc3339)`}},
		{name: "ms before unix wins", doc: `1780500887`, formats: jlex.UnixMs.Then(jlex.Unix), want: unix(1780500, 887000000), present: true},
		{name: "unix before ms wins", doc: `1780500887`, formats: jlex.Unix.Then(jlex.UnixMs), want: unix(1780500887, 0), present: true},
		{name: "unix out of range falls to ms", doc: `1780500887356`, formats: jlex.Unix.Then(jlex.UnixMs), want: unix(1780500887, 356000000), present: true},
		{name: "ms rejects fraction falls to unix", doc: `1780500887.356`, formats: jlex.UnixMs.Then(jlex.Unix), want: unix(1780500887, 356000000), present: true},
		{name: "three formats", doc: `"2026-06-03T15:34:47Z"`, formats: jlex.UnixNs.Then(jlex.UnixUs).Then(jlex.RFC3339), want: unix(1780500887, 0), present: true},
		{name: "null is absent", doc: `null`, formats: unixThenRFC},
		{name: "empty string is absent", doc: `""`, formats: unixThenRFC},
		{name: "boolean", doc: `true`, formats: unixThenRFC, err: &wantErr{0, "", "expected timestamp, found boolean"}},
		{name: "object", doc: ` {}`, formats: unixThenRFC, err: &wantErr{1, "", "expected timestamp, found object"}},
		{name: "invalid number", doc: `1x`, formats: unixThenRFC, err: &wantErr{0, "", "invalid number"}},
		{name: "bad string", doc: `"2026`, formats: unixThenRFC, err: &wantErr{0, "", "unterminated string"}},
		{name: "end of input", doc: ``, formats: unixThenRFC, err: &wantErr{0, "", "unexpected end of input, expected timestamp"}},
		{name: "out of range", doc: `1e12`, formats: jlex.TimeFormats(jlex.Unix), err: &wantErr{0, "", `cannot parse "1e12" as a timestamp (unix)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, got, ok := decodeTime(tt.doc, tt.formats)
			checkErr(t, l, tt.err)
			assert.Equal(t, tt.present, ok)
			assert.Equal(t, tt.want, got)
		})
	}
	t.Run("error path", func(t *testing.T) {
		l := newLexer(`{"t":"soon"}`)
		require.True(t, l.BeginObject())
		_, ok := l.Key()
		require.True(t, ok)
		var tm time.Time
		assert.False(t, l.Time(&tm, unixThenRFC))
		checkErr(t, l, &wantErr{5, "t", `cannot parse "soon" as a timestamp (unix, rfc3339)`})
	})
}

func TestTimeFormatsString(t *testing.T) {
	tests := []struct {
		name string
		fs   fmt.Stringer
		want string
	}{
		{"unix", jlex.Unix, "unix"},
		{"unix_ms", jlex.UnixMs, "unix_ms"},
		{"unix_us", jlex.UnixUs, "unix_us"},
		{"unix_ns", jlex.UnixNs, "unix_ns"},
		{"rfc3339", jlex.RFC3339, "rfc3339"},
		{"unknown", jlex.TimeFormat(9), "TimeFormat(9)"},
		{"zero format", jlex.TimeFormat(0), ""},
		{"empty list", jlex.TimeFormats(0), ""},
		{"single", jlex.TimeFormats(jlex.RFC3339), "rfc3339"},
		{"two", jlex.Unix.Then(jlex.RFC3339), "unix, rfc3339"},
		{"two reversed", jlex.RFC3339.Then(jlex.Unix), "rfc3339, unix"},
		{"five", jlex.Unix.Then(jlex.UnixMs).Then(jlex.UnixUs).Then(jlex.UnixNs).Then(jlex.RFC3339), "unix, unix_ms, unix_us, unix_ns, rfc3339"},
		{"eight", jlex.Unix.Then(jlex.UnixMs).Then(jlex.UnixUs).Then(jlex.UnixNs).Then(jlex.RFC3339).Then(jlex.Unix).Then(jlex.UnixMs).Then(jlex.RFC3339),
			"unix, unix_ms, unix_us, unix_ns, rfc3339, unix, unix_ms, rfc3339"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.fs.String())
		})
	}
	t.Run("packing", func(t *testing.T) {
		assert.Equal(t, jlex.TimeFormats(jlex.Unix)|jlex.TimeFormats(jlex.RFC3339)<<4, jlex.Unix.Then(jlex.RFC3339))
	})
}

func TestTimes(t *testing.T) {
	l := newLexer(`[1780500887, null, "1780500887.5", 1e9]`)
	s := make([]time.Time, 5)
	require.True(t, l.Times(&s, jlex.TimeFormats(jlex.Unix)))
	l.End()
	require.NoError(t, l.Err())
	assert.Equal(t, []time.Time{unix(1780500887, 0), {}, unix(1780500887, 500000000), unix(1e9, 0)}, s)

	l = newLexer(`[1, "x"]`)
	assert.False(t, l.Times(&s, jlex.TimeFormats(jlex.Unix)))
	checkErr(t, l, &wantErr{4, "[1]", `cannot parse "x" as a timestamp (unix)`})
}

package jlex

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// timeInputs returns timestamp tokens around the forms Lexer.timeFast
// takes: unix numbers and RFC 3339 strings as producers write them, and
// every way of leaving those forms a character or a digit at a time.
func timeInputs(r *rand.Rand) []string {
	in := []string{
		"1780500887.356", "1780500887", "1780500887.0", "1780500887.", "1780500887.x", "01780500887.356", "0.5", "0", "-1.5",
		"1780500887.356e0", "1780500887.356E+1", "17805008873560e-4", "1780500887.3561234567891", "1780500887.123456789",
		"253402300799.999999999", "253402300800", "999999999999", "1234567890123", "1", "9.000000001", "1780500887356",
		"1780500887.356x", "1780500887_1", "1780500887.356.1", "1780500887-1", "1780500887+1", "178050088a",
		`"1780500887.356"`, `""`, `null`, `true`,
		`"2026-06-03T15:34:42.351262815Z"`, `"2026-06-03T15:34:42Z"`, `"2026-06-03T15:34:42.1Z"`, `"2026-06-03T15:34:42.12345678Z"`,
		`"2026-06-03T15:34:42.1234567891Z"`, `"2026-06-03T15:34:42.Z"`, `"2026-06-03T15:34:42+02:00"`, `"2026-06-03T15:34:42.5-05:30"`,
		`"2026-06-03t15:34:42Z"`, `"2026-06-03T15:34:42z"`, `"2026-06-03 15:34:42Z"`, `"2026-06-31T00:00:00Z"`, `"2024-02-29T00:00:00Z"`,
		`"2100-02-29T00:00:00Z"`, `"2026-13-01T00:00:00Z"`, `"2026-00-01T00:00:00Z"`, `"2026-06-00T00:00:00Z"`, `"2026-06-03T24:00:00Z"`,
		`"2026-06-03T15:60:00Z"`, `"2026-06-03T15:34:60Z"`, `"0000-01-01T00:00:00Z"`, `"9999-12-31T23:59:59.999999999Z"`,
		`"2026-06-03T15:34:42Zx"`, `"2026-06-03T15:34:42Z "`, `"2026-06-03T15:34:42.35126281\u0035Z"`, `"2026/06/03T15:34:42Z"`,
		`"2026-06-03T15:34:4Z"`, `"202-06-03T15:34:42Z"`, `"2026-06-03T15:34:42.1a2Z"`,
	}
	// Random instants, as producers write them, and damaged.
	for range 3000 {
		sec := r.Int64N(253402300800)
		nsec := r.Int64N(1e9)
		tm := time.Unix(sec, nsec).UTC()
		var s string
		switch r.IntN(4) {
		case 0:
			s = fmt.Sprintf("%d.%0*d", sec, 1+r.IntN(12), r.Int64N(1e12))
		case 1:
			s = fmt.Sprint(sec)
		default:
			s = `"` + tm.Format(time.RFC3339Nano) + `"`
		}
		if r.IntN(4) == 0 && len(s) > 2 {
			b := []byte(s)
			b[1+r.IntN(len(b)-2)] = "0123456789.:-TZe+ x"[r.IntN(19)]
			s = string(b)
		}
		in = append(in, s)
	}
	return in
}

// TestTimeFast checks that Lexer.Time, with its fast path, reads every
// token as the general path alone does: the same instant, error, and
// position after it, for every list of formats, followed by each byte a
// token may run into, and near the end of the input.
func TestTimeFast(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	formats := []TimeFormats{TimeFormats(Unix), TimeFormats(RFC3339), TimeFormats(Cloudflare), RFC3339.Then(Unix), Unix.Then(RFC3339), TimeFormats(UnixMs)}
	pad := strings.Repeat(`,"x":1`, 8) + "}"
	taken := 0
	for _, tok := range timeInputs(r) {
		for _, after := range []string{",", "}", "]", " ,", "\n}", "x", ".5", "e1", "0"} {
			for _, tail := range []string{pad, ""} {
				doc := tok + after + tail
				for _, fs := range formats {
					fast, general := newInternalLexer(doc), newInternalLexer(doc)
					var got, want time.Time
					gotOK := fast.Time(&got, fs)
					wantOK := general.timeGeneral(&want, fs)
					if gotOK != wantOK || !got.Equal(want) || got.Location() != want.Location() || fast.Pos() != general.Pos() ||
						fmt.Sprint(fast.Err()) != fmt.Sprint(general.Err()) {
						t.Fatalf("Time(%q, %v) = %v, %v at %d (%v); general path: %v, %v at %d (%v)",
							doc, fs, got, gotOK, fast.Pos(), fast.Err(), want, wantOK, general.Pos(), general.Err())
					}
					var dst time.Time
					if l := newInternalLexer(doc); l.timeFast(&dst, TimeFormat(fs&0xf)) {
						taken++
					}
				}
			}
		}
	}
	if taken == 0 {
		t.Fatal("the fast path took nothing")
	}
}

func newInternalLexer(doc string) *Lexer {
	l := new(Lexer)
	l.Reset([]byte(doc), nil)
	return l
}

// TestDaysFromCivilUTC checks the unsigned day count against
// daysFromCivil and the time package on every month of years 0 to 9999.
func TestDaysFromCivilUTC(t *testing.T) {
	for y := 0; y <= 9999; y++ {
		for m := 1; m <= 12; m++ {
			for _, d := range []int{1, 28} {
				want := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400
				if got := daysFromCivilUTC(y, m, d); got != want || daysFromCivil(y, m, d) != want {
					t.Fatalf("%04d-%02d-%02d: daysFromCivilUTC %d, daysFromCivil %d, want %d", y, m, d, got, daysFromCivil(y, m, d), want)
				}
			}
		}
	}
}

package jlex

import (
	"strconv"
	"strings"
	"time"
)

// This file holds the timestamp writers of the encoders. Each writes t in
// the first of a field's formats that holds every digit of it, as the
// decoder reads it back; the rule is the same for built-in and custom
// formats: a format's text is taken only when the decoder, trying the
// formats in order, reads it as t.

// AppendTimeAs appends t as a timestamp of a field whose timeFormats are
// formats, in the first of them that holds every digit of t:
//
//   - unix: always; decimal seconds with up to nine fractional digits,
//     trailing zeros dropped (1780500887.356, -0.5, 0)
//   - unix_ms, unix_us: when t has no digits finer than the unit; an integer
//   - unix_ns: when the nanoseconds since the epoch fit an int64 (years
//     1677 through 2262), as the decoder requires; an integer
//   - rfc3339: when the year is 0000 through 9999; a string in UTC with up
//     to nine fractional digits, trailing zeros dropped
//   - cloudflare: integer nanoseconds (Cloudflare's default) from a minute
//     after the epoch through 2262; else integer seconds, for whole seconds
//     before the year 3871; else RFC 3339
//
// and whose text the decoder, trying formats in order, reads as t: a text
// that an earlier format (one that could not hold t) would read as another
// instant is passed over, and whole seconds in unix are then written with
// a fraction (1700000000.0), which integer formats do not read.
//
// A decoded timestamp always fits the format it was read in, so this is
// exact for decoded values. A value set by hand that no format holds (only
// possible without unix in formats, such as a time with microseconds in a
// unix_ms field) is written in the first format anyway: digits finer than
// its unit are dropped (rounded toward the past), an integer beyond int64
// is written in full, and a year beyond 0000–9999 as Go's time package
// formats it. The output is valid JSON either way.
func AppendTimeAs(dst []byte, t time.Time, formats TimeFormats) []byte {
	sec, nsec := t.Unix(), int64(t.Nanosecond())
	if f := TimeFormat(formats & 0xf); builtinHolds(f, 0, sec, nsec) {
		// The common case: the first format, in its first form, which
		// the decoder tries first.
		dst, isString := appendBuiltin(dst, f, 0, t, sec, nsec)
		if isString {
			dst = append(dst, '"')
		}
		return dst
	}
	var buf [8]timeEntry
	entries := buf[:0]
	for fs := formats; fs != 0; fs >>= 4 {
		entries = append(entries, timeEntry{builtin: TimeFormat(fs & 0xf)})
	}
	return appendTimeIn(dst, t, entries)
}

// AppendCustomTime is AppendTimeAs for a field with custom formats (a
// strftime format or a Go layout among them): it appends t in the first of
// f's formats whose text the decoder (Lexer.CustomTime), trying them in
// order, reads as t, which for a decoded value always exists. Built-in
// formats are written as AppendTimeAs writes them. Custom ones are JSON
// strings in UTC:
//
//   - a strftime format writes %z as +0000, %Z as UTC, %f as six digits
//     (microseconds, all that %f reads), %e, %k and %l padded with a
//     space, and %n and %t as a newline and a tab. With %p (or %P), whose
//     PM its parser reads as 12 hours more, %H and %k write the hour as
//     that parser reads it back: 0 to 11 ("07:05 PM" for 19:05), or 1 to
//     12 when %I or %l makes the time a 12-hour one. It holds t only when t
//     has no digits finer than its finest directive: whole seconds without
//     %f, microseconds with it, whole days without %H, %I or %s; years
//     1969 through 2068 with %y alone.
//   - a Go layout writes t as time.Time.AppendFormat does. time.Parse
//     reads a fraction of any length after the seconds (and after a .9
//     element), which the layout may not write: when t has digits the
//     layout drops, they are written in full there (a layout ending
//     "15:04:05" writes "10:00:00.25" for 250 ms).
//
// When no format holds t (a value set by hand, such as milliseconds in a
// strftime format without %f), it is written in the first format anyway,
// the finer digits dropped. It allocates nothing when dst has room, except
// that a Go layout costs time.Parse's allocations when the check of a text
// against it fails (a later format written after a layout that cannot hold
// t) or when the layout has a numeric zone and the machine's local zone is
// not UTC.
func AppendCustomTime(dst []byte, t time.Time, f *CustomTimeFormats) []byte {
	return appendTimeIn(dst, t, f.entries)
}

// maxTimeForms is the largest number of forms a format has (cloudflare's
// nanoseconds, seconds and RFC 3339).
const maxTimeForms = 3

// appendTimeIn appends t in the first form of the first of entries whose
// text the decoder reads back as t, or as near as the first entry can.
func appendTimeIn(dst []byte, t time.Time, entries []timeEntry) []byte {
	if len(entries) == 0 {
		return AppendTime(dst, t)
	}
	t = t.UTC()
	sec, nsec := t.Unix(), int64(t.Nanosecond())
	for i := range entries {
		for form := range maxTimeForms {
			n := len(dst)
			out, isString, ok := entries[i].appendForm(dst, form, t, sec, nsec)
			if !ok {
				continue
			}
			dst = out
			text := dst[n:]
			if isString {
				text = text[1:]
			}
			if readsBack(entries, i, text, isString, sec, nsec) {
				if isString {
					return closeString(dst, n)
				}
				return dst
			}
			dst = dst[:n]
		}
	}
	return entries[0].appendNearest(dst, t, sec, nsec)
}

// readsBack reports whether the decoder, trying entries in order, reads
// text (a number's text, or a string's content when isString) as the
// instant sec, nsec, given that entries[i] wrote it. A built-in format
// holds what it writes by construction (builtinHolds), so only the formats
// before it are tried; a custom one is tried too.
func readsBack(entries []timeEntry, i int, text []byte, isString bool, sec, nsec int64) bool {
	if isString && len(text) == 0 {
		return false // "" is absent
	}
	last := i
	if entries[i].builtin == 0 {
		last++
	}
	for j := range last {
		if got, ok := entries[j].parse(text, isString); ok {
			return got.Unix() == sec && int64(got.Nanosecond()) == nsec
		}
	}
	return last == i
}

// appendForm appends t (in UTC; sec, nsec since the epoch) in form k of
// format e: a number's text, or a string's opening quote and content
// (isString), which closeString ends. ok is false, and dst unchanged, when
// e has no form k, or when a built-in format's form k cannot hold t.
func (e *timeEntry) appendForm(dst []byte, k int, t time.Time, sec, nsec int64) (out []byte, isString, ok bool) {
	switch {
	case e.builtin != 0:
		if !builtinHolds(e.builtin, k, sec, nsec) {
			return dst, false, false
		}
		dst, isString = appendBuiltin(dst, e.builtin, k, t, sec, nsec)
		return dst, isString, true
	case e.strftime != nil && k == 0:
		return appendStrftime(append(dst, '"'), e.strftime, t), true, true
	case e.layout != "" && k == 0:
		return t.AppendFormat(append(dst, '"'), e.layout), true, true
	case e.fullLayout != "" && k == 1 && nsec != 0:
		return t.AppendFormat(append(dst, '"'), e.fullLayout), true, true
	}
	return dst, false, false
}

// appendNearest appends t (in UTC) in format e when no format holds it:
// its first form, as near as it can.
func (e *timeEntry) appendNearest(dst []byte, t time.Time, sec, nsec int64) []byte {
	switch {
	case e.builtin == RFC3339 || e.builtin == Cloudflare:
		return AppendTime(dst, t) // only a year beyond 0000–9999 gets here
	case e.builtin != 0:
		dst, _ = appendBuiltin(dst, e.builtin, 0, t, sec, nsec)
		return dst
	}
	n := len(dst)
	if e.strftime != nil {
		return closeString(appendStrftime(append(dst, '"'), e.strftime, t), n)
	}
	return closeString(t.AppendFormat(append(dst, '"'), e.layout), n)
}

// cloudflareSplit is where Panther's cloudflare format switches from
// integer seconds to integer nanoseconds: 60,000,000,000.
const cloudflareSplit = int64(time.Minute)

// builtinHolds reports whether form k of the built-in format f holds the
// instant sec, nsec exactly, in a range its decoder accepts (except for
// unix, unix_ms and unix_us, which are written whatever the year; see
// AppendTimeAs). Every format has form 0; unix has form 1, whole seconds
// with ".0"; cloudflare has nanoseconds, seconds and RFC 3339.
func builtinHolds(f TimeFormat, k int, sec, nsec int64) bool {
	inYears := sec >= minUnix && sec <= maxUnix
	switch f {
	case Unix:
		return k == 0 || k == 1 && nsec == 0
	case UnixMs:
		return k == 0 && nsec%1e6 == 0
	case UnixUs:
		return k == 0 && nsec%1e3 == 0
	case UnixNs:
		return k == 0 && inInt64Nanos(sec, nsec)
	case RFC3339:
		return k == 0 && inYears
	case Cloudflare:
		switch k {
		case 0:
			return sec >= cloudflareSplit/1e9 && inInt64Nanos(sec, nsec)
		case 1:
			return nsec == 0 && sec >= minUnix && sec < cloudflareSplit
		case 2:
			return inYears
		}
	}
	return false
}

// inInt64Nanos reports whether the nanoseconds since the epoch of sec, nsec
// fit an int64: -9223372036.854775808 s through 9223372036.854775807 s.
func inInt64Nanos(sec, nsec int64) bool {
	const lo, hi = -9223372037, 9223372036
	return sec > lo && sec < hi || sec == lo && nsec >= 145224192 || sec == hi && nsec <= 854775807
}

// appendBuiltin appends t in form k of the built-in format f (see
// builtinHolds): a number, or an RFC 3339 string's opening quote and
// content (isString).
func appendBuiltin(dst []byte, f TimeFormat, k int, t time.Time, sec, nsec int64) (out []byte, isString bool) {
	switch f {
	case Unix:
		dst = appendUnix(dst, sec, nsec, 1e9, true)
		if k == 1 {
			dst = append(dst, ".0"...)
		}
		return dst, false
	case UnixMs:
		return appendUnix(dst, sec, nsec/1e6, 1e3, false), false
	case UnixUs:
		return appendUnix(dst, sec, nsec/1e3, 1e6, false), false
	case UnixNs:
		return appendUnix(dst, sec, nsec, 1e9, false), false
	case Cloudflare:
		switch k {
		case 0:
			return appendUnix(dst, sec, nsec, 1e9, false), false
		case 1:
			return strconv.AppendInt(dst, sec, 10), false
		}
	}
	return t.UTC().AppendFormat(append(dst, '"'), time.RFC3339Nano), true
}

// appendUnix appends sec + frac/perSec, where 0 <= frac < perSec and perSec
// is a power of ten, exactly: as a decimal number of seconds when point is
// set, else as an integer count of 1/perSec seconds (sec*perSec + frac,
// written digit by digit so that it never overflows).
func appendUnix(dst []byte, sec, frac, perSec int64, point bool) []byte {
	var whole uint64
	switch {
	case sec >= 0:
		whole = uint64(sec)
	case frac == 0:
		dst = append(dst, '-')
		whole = -uint64(sec) // also right for math.MinInt64
	default:
		// -(sec + frac/perSec) = (-sec-1) + (perSec-frac)/perSec
		dst = append(dst, '-')
		whole, frac = uint64(-(sec + 1)), perSec-frac
	}
	if point {
		dst = strconv.AppendUint(dst, whole, 10)
		if frac == 0 {
			return dst
		}
		dst = append(dst, '.')
		n := len(dst)
		dst = appendPadded(dst, uint64(frac), perSec)
		for dst[len(dst)-1] == '0' && len(dst) > n {
			dst = dst[:len(dst)-1]
		}
		return dst
	}
	if whole == 0 {
		return strconv.AppendUint(dst, uint64(frac), 10)
	}
	dst = strconv.AppendUint(dst, whole, 10)
	return appendPadded(dst, uint64(frac), perSec)
}

// appendPadded appends v < perSec with as many digits as perSec has zeros.
func appendPadded(dst []byte, v uint64, perSec int64) []byte {
	for p := uint64(perSec) / 10; p > 0; p /= 10 {
		dst = append(dst, byte('0'+v/p%10))
	}
	return dst
}

// closeString ends a JSON string begun at dst[n] (its opening quote, the
// content after it unescaped): it appends the closing quote, escaping the
// content first when it needs it (a literal of a custom time format may
// hold a quote, a backslash or a control character; %n and %t write one).
func closeString(dst []byte, n int) []byte {
	content := dst[n+1:]
	plain := true
	for _, c := range content {
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		return append(dst, '"')
	}
	// Write the escaped string after the content, then move it over the
	// content: AppendString reads the content while appending beyond it.
	m := len(dst)
	dst = AppendString(dst, bytesString(content))
	k := copy(dst[n:], dst[m:])
	return dst[:n+k]
}

// appendStrftime appends t, in UTC, as a compiled strftime format writes it
// (see AppendCustomTime).
func appendStrftime(dst []byte, ops []timeOp, t time.Time) []byte {
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	hour12 := hour % 12
	if hour12 == 0 {
		hour12 = 12
	}
	// parseStrftime adds 12 hours for PM whatever directive set the hour,
	// and wants 1 to 12 once %I or %l appeared: %H and %k then write the
	// hour so that it reads back.
	hour24, ampmSeen, twelveSeen := hour, false, false
	for _, op := range ops {
		ampmSeen = ampmSeen || op.verb == 'p' || op.verb == 'P'
		twelveSeen = twelveSeen || op.verb == 'I' || op.verb == 'l'
	}
	switch {
	case ampmSeen && twelveSeen:
		hour24 = hour12
	case ampmSeen:
		hour24 = hour % 12
	}
	for _, op := range ops {
		switch op.verb {
		case 0:
			dst = append(dst, op.lit...)
		case 'Y':
			if year < 0 || year > 9999 {
				dst = strconv.AppendInt(dst, int64(year), 10) // set by hand: no format reads it
			} else {
				dst = appendDigits(dst, year, 4, '0')
			}
		case 'y':
			dst = appendDigits(dst, (year%100+100)%100, 2, '0')
		case 'm':
			dst = appendDigits(dst, int(month), 2, '0')
		case 'd':
			dst = appendDigits(dst, day, 2, '0')
		case 'e':
			dst = appendDigits(dst, day, 2, ' ')
		case 'j':
			dst = appendDigits(dst, t.YearDay(), 3, '0')
		case 'H':
			dst = appendDigits(dst, hour24, 2, '0')
		case 'k':
			dst = appendDigits(dst, hour24, 2, ' ')
		case 'I':
			dst = appendDigits(dst, hour12, 2, '0')
		case 'l':
			dst = appendDigits(dst, hour12, 2, ' ')
		case 'M':
			dst = appendDigits(dst, minute, 2, '0')
		case 'S':
			dst = appendDigits(dst, sec, 2, '0')
		case 'f':
			dst = appendDigits(dst, t.Nanosecond()/1e3, 6, '0')
		case 'p':
			dst = append(dst, ampm[hour/12]...)
		case 'P':
			dst = append(dst, "ap"[hour/12], 'm')
		case 'b', 'h':
			dst = append(dst, shortMonths[month-1]...)
		case 'B':
			dst = append(dst, longMonths[month-1]...)
		case 'a':
			dst = append(dst, shortDays[t.Weekday()]...)
		case 'A':
			dst = append(dst, longDays[t.Weekday()]...)
		case 'z':
			dst = append(dst, "+0000"...)
		case 'Z':
			dst = append(dst, "UTC"...)
		case 's':
			dst = strconv.AppendInt(dst, t.Unix(), 10)
		case 'n':
			dst = append(dst, '\n')
		case 't':
			dst = append(dst, '\t')
		}
	}
	return dst
}

// appendDigits appends v >= 0 in at least width digits, padded on the left
// with pad.
func appendDigits(dst []byte, v, width int, pad byte) []byte {
	for w, p := 1, 10; w < width; w, p = w+1, p*10 {
		if v < p {
			dst = append(dst, pad)
		}
	}
	return strconv.AppendInt(dst, int64(v), 10)
}

// fullFractionLayout returns a variant of a Go layout that writes every
// nanosecond digit, and whose output the layout itself parses to the same
// instant, or "" when the layout needs none or has none. time.Parse reads a
// fraction of any length after the seconds, and after a .9 (or ,9) element
// of any width, which the layout writes with fewer digits, or none: the
// variant widens each .9 element to nine digits, else adds .999999999 after
// the seconds. A layout with a fixed-width fraction (.000) parses only that
// many digits and needs no variant; one without seconds parses no fraction
// and has none. Each candidate is checked on an instant with nine
// fractional digits, and the encoder checks each text it writes.
func fullFractionLayout(layout string) string {
	ref := time.Date(2001, 2, 3, 16, 5, 6, 123456789, time.UTC)
	want, err := time.Parse(layout, ref.Format(layout))
	if err != nil || want.Nanosecond() == ref.Nanosecond() {
		return ""
	}
	holds := func(v string) bool {
		got, err := time.Parse(layout, ref.Format(v))
		return err == nil && got.Unix() == want.Unix() && got.Nanosecond() == ref.Nanosecond()
	}
	if v := widenFractions(layout); v != layout && holds(v) {
		return v
	}
	for i := 0; i < len(layout); i++ {
		if layout[i] == '5' {
			if v := layout[:i+1] + ".999999999" + layout[i+1:]; holds(v) {
				return v
			}
		}
	}
	return ""
}

// widenFractions replaces each .9 or ,9 element of a Go layout (a run of
// nines after a period or comma, not followed by a digit) by nine nines.
func widenFractions(layout string) string {
	var b strings.Builder
	for i := 0; i < len(layout); i++ {
		c := layout[i]
		b.WriteByte(c)
		if c != '.' && c != ',' {
			continue
		}
		j := i + 1
		for j < len(layout) && layout[j] == '9' {
			j++
		}
		if j > i+1 && (j == len(layout) || layout[j] < '0' || layout[j] > '9') {
			b.WriteString("999999999")
			i = j - 1
		}
	}
	return b.String()
}

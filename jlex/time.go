package jlex

import (
	"strconv"
	"time"
)

// TimeFormat is one of Panther's timeFormats.
type TimeFormat uint8

// The supported timeFormats.
const (
	Unix       TimeFormat = iota + 1 // seconds, fraction and exponent allowed, parsed exactly
	UnixMs                           // integer milliseconds
	UnixUs                           // integer microseconds
	UnixNs                           // integer nanoseconds
	RFC3339                          // RFC 3339 with 0–9 fractional digits and Z or a numeric offset
	Cloudflare                       // RFC 3339 text, or integer seconds (below 6e10) or nanoseconds
)

var formatNames = [...]string{"", "unix", "unix_ms", "unix_us", "unix_ns", "rfc3339", "cloudflare"}

// String returns the format's name in schemas, such as "unix_ms".
func (f TimeFormat) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "TimeFormat(" + strconv.Itoa(int(f)) + ")"
}

// TimeFormats is an ordered list of up to eight formats packed in four-bit
// codes, first format in the lowest bits. A single TimeFormat converts to it.
type TimeFormats uint32

// Then returns the list f followed by g.
func (f TimeFormat) Then(g TimeFormat) TimeFormats { return TimeFormats(f).Then(g) }

// Then appends g to the list.
func (fs TimeFormats) Then(g TimeFormat) TimeFormats {
	shift := 0
	for fs>>shift&0xf != 0 {
		shift += 4
	}
	return fs | TimeFormats(g)<<shift
}

// String returns the names of the formats, in order, separated by ", ".
func (fs TimeFormats) String() string {
	s := ""
	for ; fs != 0; fs >>= 4 {
		if s != "" {
			s += ", "
		}
		s += TimeFormat(fs & 0xf).String()
	}
	return s
}

// Earliest and latest instants accepted: years 0000 through 9999, so every
// value prints as RFC 3339.
const (
	minUnix = -62167219200 // 0000-01-01T00:00:00Z
	maxUnix = 253402300799 // 9999-12-31T23:59:59Z
)

// Time decodes a timestamp into *dst, trying each of formats in order. The
// result is in UTC. null and "" are absent.
func (l *Lexer) Time(dst *time.Time, formats TimeFormats) bool {
	if l.timeFast(dst, TimeFormat(formats&0xf)) {
		return true
	}
	return l.timeGeneral(dst, formats)
}

// timeGeneral is Time without its fast path.
func (l *Lexer) timeGeneral(dst *time.Time, formats TimeFormats) bool {
	*dst = time.Time{}
	tok, isString, off, present := l.timeToken()
	if !present {
		return false
	}
	for fs := TimeFormats(formats); fs != 0; fs >>= 4 {
		if t, ok := parseTime(TimeFormat(fs&0xf), tok, isString); ok {
			*dst = t
			return true
		}
	}
	l.fail(off, "cannot parse "+strconv.Quote(string(tok))+" as a timestamp ("+formats.String()+")")
	return false
}

// timeToken reads a timestamp's token: a string's content (isString) or a
// number's text, at offset off. present is false for null, "" and errors.
func (l *Lexer) timeToken() (tok []byte, isString bool, off int, present bool) {
	if l.err != nil {
		return nil, false, l.pos, false
	}
	switch c := l.skipWS(); {
	case c == '"':
		off = l.pos
		tok = l.stringContent()
		return tok, true, off, l.err == nil && len(tok) > 0
	case c == '-' || c >= '0' && c <= '9':
		off = l.pos
		tok, _ = l.number()
		return tok, false, off, l.err == nil
	case c == 'n':
		l.literal("null")
		return nil, false, l.pos, false
	}
	l.unexpected("timestamp")
	return nil, false, l.pos, false
}

// timeFast reads the timestamp at l.pos into *dst when it has the form
// producers write for format f, the first format of the field: a unix
// number of seconds with a fraction of up to nine digits, or an RFC 3339
// string in UTC ("Z") with up to nine fractional digits. It reads them
// straight from the input, and reports false for anything else, leaving
// the lexer as it was, for the general path (which gives the same result
// for what timeFast takes).
func (l *Lexer) timeFast(dst *time.Time, f TimeFormat) bool {
	data, p := l.data, l.pos
	if l.err != nil || p < 0 || p >= len(data) {
		return false
	}
	var sec, nsec int64
	var end int
	switch c := data[p]; {
	case f == Unix && c-'1' <= 8:
		// Up to 12 digits, the first not 0, then maybe a fraction,
		// then a byte that ends a number.
		i := p
		if p <= len(data)-16 {
			// The digits a word at a time: up to eight, then up to
			// four more.
			x := loadLE(data, p)
			n := digitRun(x)
			if n < 8 {
				sec = int64(eightDigits(x << ((64 - 8*n) & 63)))
			} else {
				sec = int64(eightDigits(x))
				x = loadLE(data, p+8)
				if m := digitRun(x); m > 0 {
					sec = sec*int64(pow10[m&15]) + int64(eightDigits(x<<((64-8*m)&63)))
					n += m
				}
			}
			if i = p + n; n > 12 {
				return false
			}
		} else {
			for ; i < len(data) && i < p+12 && data[i]-'0' <= 9; i++ {
				sec = sec*10 + int64(data[i]-'0')
			}
		}
		if i < len(data) && data[i] == '.' {
			i++
			var nd int
			if nsec, nd, i = fraction(data, i); nd == 0 {
				return false
			}
		}
		if i >= len(data) || !numberEnds[data[i]] || sec > maxUnix {
			return false
		}
		end = i
	case (f == RFC3339 || f == Cloudflare) && c == '"' && p < len(data)-24:
		y, mo, d, h, mi, s, ok := dateTimeWords(loadLE(data, p+1), loadLE(data, p+9), loadLE(data, p+17))
		if !ok || mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) || h > 23 || mi > 59 || s > 59 {
			return false
		}
		i := p + 20
		if byteAt(data, i) == '.' {
			var nd int
			if nsec, nd, i = fraction(data, i+1); nd == 0 || nd > 9 {
				return false
			}
		}
		if i >= len(data)-1 || twoBytes(data, i) != 'Z'|'"'<<8 {
			return false
		}
		sec = daysFromCivilUTC(y, mo, d)*86400 + int64(h*3600+mi*60+s)
		end = i + 2
	default:
		return false
	}
	*dst = time.Unix(sec, nsec).UTC()
	l.pos = end
	return true
}

// dateTimeWords reads "YYYY-MM-DDTHH:MM:SS" from the little-endian words
// of its first 24 bytes, a word at a time: ok is false unless the
// separators are there and the other bytes are digits.
func dateTimeWords(w0, w1, w2 uint64) (y, mo, d, h, mi, s int, ok bool) {
	// Xored with the layout, digits become their values and separators
	// zero; a byte above 9 is neither. The separators themselves are
	// checked exactly.
	const (
		t0 = '0' | '0'<<8 | '0'<<16 | '0'<<24 | '-'<<32 | '0'<<40 | '0'<<48 | '-'<<56
		t1 = '0' | '0'<<8 | 'T'<<16 | '0'<<24 | '0'<<32 | ':'<<40 | '0'<<48 | '0'<<56
		t2 = ':' | '0'<<8 | '0'<<16
	)
	w2 &= 0xffffff
	y0, y1, y2 := w0^t0, w1^t1, w2^t2
	above9 := func(y uint64) uint64 { return (y&^msb + lsb*(0x80-10) | y) & msb }
	if above9(y0)|above9(y1)|above9(y2) != 0 ||
		w0&0xff0000ff00000000 != t0&0xff0000ff00000000 || w1&0x0000ff0000ff0000 != t1&0x0000ff0000ff0000 || byte(w2) != ':' {
		return 0, 0, 0, 0, 0, 0, false
	}
	// Each byte of y0*10 + y0>>8 is a digit and the next as a two-digit
	// number (at most 99: no carry between bytes).
	p0, p1, p2 := y0*10+y0>>8, y1*10+y1>>8, y2*10+y2>>8
	b := func(p uint64, k uint) int { return int(p >> (8 * k) & 0xff) }
	return b(p0, 0)*100 + b(p0, 2), b(p0, 5), b(p1, 0), b(p1, 3), b(p1, 6), b(p2, 1), true
}

// numberEnds reports whether a byte may follow a number that the fast path
// takes: the general path then goes on from it.
var numberEnds = [256]bool{',': true, '}': true, ']': true, ' ': true, '\t': true, '\n': true, '\r': true}

// fraction reads the digits of a decimal fraction from data[i] on. It
// returns their value in nanoseconds (the first nine digits; later ones
// are truncated), how many there are, and the offset after them.
func fraction(data []byte, i int) (nsec int64, n, end int) {
	start := i
	if i <= len(data)-16 {
		// Up to eight digits in one word, as producers write them, or
		// nine: a word and a byte.
		x := loadLE(data, i)
		if n = digitRun(x); n < 8 {
			return int64(eightDigits(x<<((64-8*n)&63)) * pow10[(9-n)&15]), n, i + n
		}
		nsec, i = int64(eightDigits(x)), i+8
		if d := byteAt(data, i) - '0'; d > 9 {
			return nsec * 10, 8, i
		} else if byteAt(data, i+1)-'0' > 9 {
			return nsec*10 + int64(d), 9, i + 1
		}
	}
	for ; i < len(data) && data[i]-'0' <= 9; i++ {
		if i-start < 9 {
			nsec = nsec*10 + int64(data[i]-'0')
		}
	}
	n = i - start
	if n < 9 {
		nsec *= int64(pow10[(9-n)&15])
	}
	return nsec, n, i
}

// parseTime parses tok, a number's text or a string's decoded content
// (isString), as a timestamp in the built-in format f.
func parseTime(f TimeFormat, tok []byte, isString bool) (time.Time, bool) {
	switch f {
	case Unix:
		return parseUnix(tok)
	case UnixMs:
		return parseUnixInt(tok, 1e6)
	case UnixUs:
		return parseUnixInt(tok, 1e3)
	case UnixNs:
		return parseUnixInt(tok, 1)
	case RFC3339:
		if isString {
			return parseRFC3339(tok)
		}
	case Cloudflare:
		// Panther's cloudflare codec: a string is RFC 3339, an integer is
		// seconds below 60,000,000,000 (the year 3871) and nanoseconds
		// from there on.
		if isString {
			return parseRFC3339(tok)
		}
		if n, ok := parseInt(tok); ok {
			if n < int64(time.Minute) {
				return parseUnixInt(tok, 1e9)
			}
			return parseUnixInt(tok, 1)
		}
	}
	return time.Time{}, false
}

// parseUnix parses decimal seconds since the Unix epoch exactly: digits
// beyond nanoseconds are truncated toward zero, never rounded through a
// float. It accepts JSON number syntax (fraction, exponent).
func parseUnix(tok []byte) (time.Time, bool) {
	n, _ := scanNumber(tok)
	if n != len(tok) || n == 0 {
		return time.Time{}, false
	}
	neg := tok[0] == '-'
	i := 0
	if neg {
		i++
	}
	// Collect significant digits and the position of the decimal point.
	var digits [40]byte
	nd := 0    // digits kept
	point := 0 // number of digits before the decimal point, relative to digits
	lead := true
	for ; i < len(tok) && tok[i] >= '0' && tok[i] <= '9'; i++ {
		if lead && tok[i] == '0' {
			continue
		}
		lead = false
		if nd < len(digits) { // later digits cannot reach the nanoseconds of an in-range value
			digits[nd] = tok[i]
			nd++
		}
		point++
	}
	if i < len(tok) && tok[i] == '.' {
		i++
		for ; i < len(tok) && tok[i] >= '0' && tok[i] <= '9'; i++ {
			if lead && tok[i] == '0' {
				point--
				continue
			}
			lead = false
			if nd < len(digits) {
				digits[nd] = tok[i]
				nd++
			}
		}
	}
	if i < len(tok) && (tok[i] == 'e' || tok[i] == 'E') {
		i++
		eneg := false
		if tok[i] == '+' || tok[i] == '-' {
			eneg = tok[i] == '-'
			i++
		}
		e := 0
		for ; i < len(tok); i++ {
			if e < 1e8 { // saturate beyond any |point| a record can reach, within a 32-bit int
				e = e*10 + int(tok[i]-'0')
			}
		}
		if eneg {
			e = -e
		}
		point += e
	}
	if nd == 0 {
		return time.Unix(0, 0).UTC(), true
	}
	if point > 12 {
		return time.Time{}, false
	}
	var sec, nsec int64
	for k := 0; k < point; k++ {
		d := int64(0)
		if k < nd {
			d = int64(digits[k] - '0')
		}
		sec = sec*10 + d
	}
	for k := point; k < point+9; k++ {
		d := int64(0)
		if k >= 0 && k < nd {
			d = int64(digits[k] - '0')
		}
		nsec = nsec*10 + d
	}
	if neg {
		sec, nsec = -sec, -nsec
	}
	if sec < minUnix || sec > maxUnix || (sec == minUnix && nsec < 0) {
		return time.Time{}, false
	}
	return time.Unix(sec, nsec).UTC(), true
}

func parseUnixInt(tok []byte, unit int64) (time.Time, bool) {
	n, integer := scanNumber(tok)
	if n != len(tok) || !integer {
		return time.Time{}, false
	}
	v, ok := parseInt(tok)
	if !ok {
		return time.Time{}, false
	}
	sec, rem := v/(1e9/unit), v%(1e9/unit)
	if sec < minUnix || sec > maxUnix || (sec == minUnix && rem < 0) {
		return time.Time{}, false
	}
	return time.Unix(sec, rem*unit).UTC(), true
}

func digits2(b []byte, i int) (int, bool) {
	a, c := b[i]-'0', b[i+1]-'0'
	if a > 9 || c > 9 {
		return 0, false
	}
	return int(a)*10 + int(c), true
}

// parseRFC3339 parses YYYY-MM-DDTHH:MM:SS[.F{1,9}](Z|±HH:MM) into UTC,
// checking every field's range as time.Parse does.
func parseRFC3339(b []byte) (time.Time, bool) {
	if len(b) < len("2006-01-02T15:04:05Z") || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	y1, ok1 := digits2(b, 0)
	y2, ok2 := digits2(b, 2)
	mo, ok3 := digits2(b, 5)
	d, ok4 := digits2(b, 8)
	h, ok5 := digits2(b, 11)
	mi, ok6 := digits2(b, 14)
	s, ok7 := digits2(b, 17)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		return time.Time{}, false
	}
	y := y1*100 + y2
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, false
	}
	i := 19
	var nsec int64
	if i < len(b) && b[i] == '.' {
		i++
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		nd := i - start
		if nd == 0 || nd > 9 {
			return time.Time{}, false
		}
		for k := start; k < i; k++ {
			nsec = nsec*10 + int64(b[k]-'0')
		}
		for k := nd; k < 9; k++ {
			nsec *= 10
		}
	}
	var offset int
	switch {
	case i == len(b)-1 && b[i] == 'Z':
	case i == len(b)-6 && (b[i] == '+' || b[i] == '-') && b[i+3] == ':':
		oh, okh := digits2(b, i+1)
		om, okm := digits2(b, i+4)
		if !okh || !okm || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = oh*3600 + om*60
		if b[i] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	sec := daysFromCivil(y, mo, d)*86400 + int64(h*3600+mi*60+s) - int64(offset)
	if sec < minUnix || sec > maxUnix {
		return time.Time{}, false // an offset moved it out of years 0000–9999
	}
	return time.Unix(sec, nsec).UTC(), true
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns days since 1970-01-01 of a proleptic Gregorian date.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// daysFromCivilUTC is daysFromCivil for years 0 to 9999, month 1 to 12,
// in unsigned arithmetic: the years are counted from 400 BC, one era
// earlier, so that none is negative.
func daysFromCivilUTC(y, m, d int) int64 {
	uy, um := uint(y+400), uint(m)
	if um <= 2 {
		uy--
	}
	era := uy / 400
	yoe := uy - era*400
	mp := um + 9
	if mp >= 12 {
		mp -= 12
	}
	doy := (153*mp+2)/5 + uint(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468 - 146097
}

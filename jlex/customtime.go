package jlex

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// CustomTimeFormats is an ordered list of timestamp formats of which at least
// one is custom: a strftime format such as "%Y-%m-%d %H:%M:%S", or a Go time
// layout written "layout=2006-01-02 15:04:05". Generated code builds one per
// such field, once, with MustCustomTimeFormats, and decodes with
// Lexer.CustomTime.
type CustomTimeFormats struct {
	entries []timeEntry
	names   string // the formats as the schema writes them, for errors
}

// timeEntry is one format of a CustomTimeFormats: a built-in format, a
// compiled strftime format, or a Go layout.
type timeEntry struct {
	builtin  TimeFormat
	strftime []timeOp
	layout   string
}

// The built-in formats by the names schemas use.
var builtinFormats = map[string]TimeFormat{
	"unix": Unix, "unix_ms": UnixMs, "unix_us": UnixUs, "unix_ns": UnixNs, "rfc3339": RFC3339, "cloudflare": Cloudflare,
}

// NewCustomTimeFormats compiles formats, each as a schema writes it: a
// built-in name (unix, unix_ms, unix_us, unix_ns, rfc3339, cloudflare), a
// strftime format, or "layout=" and a Go time layout. The error names the
// first format it cannot use.
func NewCustomTimeFormats(formats ...string) (*CustomTimeFormats, error) {
	if len(formats) == 0 {
		return nil, errors.New("no time formats")
	}
	f := &CustomTimeFormats{names: strings.Join(formats, ", ")}
	for _, s := range formats {
		var e timeEntry
		switch layout, isLayout := strings.CutPrefix(s, "layout="); {
		case builtinFormats[s] != 0:
			e.builtin = builtinFormats[s]
		case isLayout:
			if layout == "" {
				return nil, fmt.Errorf("time format %q: empty Go layout", s)
			}
			e.layout = layout
		case strings.Contains(s, "%"):
			ops, err := compileStrftime(s)
			if err != nil {
				return nil, fmt.Errorf("time format %q: %w", s, err)
			}
			e.strftime = ops
		default:
			return nil, fmt.Errorf("unknown time format %q (want unix, unix_ms, unix_us, unix_ns, rfc3339, cloudflare, a strftime format or layout=<Go layout>)", s)
		}
		f.entries = append(f.entries, e)
	}
	return f, nil
}

// MustCustomTimeFormats is NewCustomTimeFormats that panics on an error, for
// the package-level variables of generated code, whose formats the
// generator has already checked.
func MustCustomTimeFormats(formats ...string) *CustomTimeFormats {
	f, err := NewCustomTimeFormats(formats...)
	if err != nil {
		panic("jlex: " + err.Error())
	}
	return f
}

// String returns the formats as the schema writes them.
func (f *CustomTimeFormats) String() string { return f.names }

// CustomTime is Time for a list with custom formats: it decodes a timestamp
// into *dst, trying each of f's formats in order. The result is in UTC. null
// and "" are absent. A strftime format allocates nothing; a Go layout whose
// input has a numeric offset other than zero allocates once (time.Parse
// creates a fixed zone).
func (l *Lexer) CustomTime(dst *time.Time, f *CustomTimeFormats) bool {
	*dst = time.Time{}
	tok, isString, off, present := l.timeToken()
	if !present {
		return false
	}
	for _, e := range f.entries {
		var t time.Time
		var ok bool
		switch {
		case e.builtin != 0:
			t, ok = parseTime(e.builtin, tok, isString)
		case !isString:
		case e.strftime != nil:
			t, ok = parseStrftime(e.strftime, tok)
		default:
			var err error
			t, err = time.Parse(e.layout, unsafe.String(unsafe.SliceData(tok), len(tok)))
			ok = err == nil && t.Year() >= 0 && t.Year() <= 9999
			t = t.UTC()
		}
		if ok {
			*dst = t
			return true
		}
	}
	l.fail(off, "cannot parse "+strconv.Quote(string(tok))+" as a timestamp ("+f.names+")")
	return false
}

// CustomTimes decodes an array of timestamps in formats f.
func (l *Lexer) CustomTimes(s *[]time.Time, f *CustomTimeFormats) bool {
	*s = (*s)[:0]
	if !l.BeginArray() {
		return false
	}
	for l.More() {
		*s = append(*s, time.Time{})
		l.CustomTime(&(*s)[len(*s)-1], f)
	}
	l.EndArray()
	return l.err == nil
}

// timeOp is one step of a compiled strftime format: a literal to match, or
// a directive.
type timeOp struct {
	lit  string // the literal, when verb is 0
	verb byte
}

// compileStrftime compiles the strftime directives tslogs parses as Panther
// does (itchyny/timefmt-go's Parse): %Y %y %m %d %e %j %H %k %I %l %M %S %f
// %p %P %b %h %B %a %A %z %Z %s %n %t %%, and the compositions %F %D %x %T
// %X %R %r %v %c.
func compileStrftime(format string) ([]timeOp, error) {
	var ops []timeOp
	lit := func(s string) {
		if n := len(ops); n > 0 && ops[n-1].verb == 0 {
			ops[n-1].lit += s
			return
		}
		ops = append(ops, timeOp{lit: s})
	}
	var add func(b byte) error
	add = func(b byte) error {
		switch b {
		case 'Y', 'y', 'm', 'd', 'e', 'j', 'H', 'k', 'I', 'l', 'M', 'S', 'f', 'p', 'P', 'b', 'h', 'B', 'a', 'A', 'z', 'Z', 's', 'n', 't':
			ops = append(ops, timeOp{verb: b})
		case '%':
			lit("%")
		default:
			comp, ok := strftimeCompositions[b]
			if !ok {
				return fmt.Errorf("unsupported directive %%%c", b)
			}
			for i := 0; i < len(comp); i++ {
				if c := comp[i]; c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
					if err := add(c); err != nil {
						return err
					}
				} else {
					lit(comp[i : i+1])
				}
			}
		}
		return nil
	}
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			lit(format[i : i+1])
			continue
		}
		if i++; i == len(format) {
			return nil, errors.New("stray % at the end")
		}
		if err := add(format[i]); err != nil {
			return nil, err
		}
	}
	return ops, nil
}

// strftimeCompositions are the directives that stand for others, as
// timefmt-go defines them.
var strftimeCompositions = map[byte]string{
	'c': "a b e H:M:S Y", 'F': "Y-m-d", 'D': "m/d/y", 'x': "m/d/y", 'v': "e-b-Y",
	'T': "H:M:S", 'X': "H:M:S", 'r': "I:M:S p", 'R': "H:M",
}

var (
	longMonths  = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	shortMonths = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	longDays    = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	shortDays   = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	ampm        = []string{"AM", "PM"}
)

// parseStrftime parses b by a compiled strftime format, as timefmt-go does
// (numbers of up to the directive's width, names in any case, %z as ±hhmm)
// except that it rejects out-of-range fields rather than normalising them,
// and that %Z accepts only UTC and GMT, the abbreviations with a known
// offset.
func parseStrftime(ops []timeOp, b []byte) (time.Time, bool) {
	year, month, day, hour, minute, sec, nsec, yday, offset := 1900, 1, 1, 0, 0, 0, 0, 0, 0
	hour12, pm := false, false
	j := 0
	for _, op := range ops {
		if op.verb == 0 {
			if len(b)-j < len(op.lit) || string(b[j:j+len(op.lit)]) != op.lit {
				return time.Time{}, false
			}
			j += len(op.lit)
			continue
		}
		var ok bool
		switch op.verb {
		case 'Y':
			year, j, ok = strftimeNumber(b, j, 4)
		case 'y':
			year, j, ok = strftimeNumber(b, j, 2)
			if year < 69 {
				year += 2000
			} else {
				year += 1900
			}
		case 'm':
			month, j, ok = strftimeNumber(b, j, 2)
		case 'd', 'e', 'H', 'k', 'I', 'l':
			if op.verb == 'e' || op.verb == 'k' || op.verb == 'l' {
				if j < len(b) && b[j] == ' ' {
					j++ // these pad with a space
				}
			}
			var n int
			n, j, ok = strftimeNumber(b, j, 2)
			switch op.verb {
			case 'd', 'e':
				day = n
			case 'H', 'k':
				hour = n
			default:
				hour, hour12 = n, true
			}
		case 'j':
			yday, j, ok = strftimeNumber(b, j, 3)
			ok = ok && yday >= 1 && yday <= 366
		case 'M':
			minute, j, ok = strftimeNumber(b, j, 2)
		case 'S':
			sec, j, ok = strftimeNumber(b, j, 2)
		case 'f':
			start := j
			nsec, j, ok = strftimeNumber(b, j, 6)
			for n := j - start; n < 9; n++ {
				nsec *= 10
			}
		case 'p', 'P':
			var i int
			i, j, ok = strftimeName(b, j, ampm)
			pm = i == 1
		case 'b', 'h':
			month, j, ok = strftimeName(b, j, shortMonths)
			month++
		case 'B':
			month, j, ok = strftimeName(b, j, longMonths)
			month++
		case 'a':
			_, j, ok = strftimeName(b, j, shortDays)
		case 'A':
			_, j, ok = strftimeName(b, j, longDays)
		case 'z':
			if len(b)-j < 5 || b[j] != '+' && b[j] != '-' {
				return time.Time{}, false
			}
			hh, ok1 := digits2(b, j+1)
			mm, ok2 := digits2(b, j+3)
			ok = ok1 && ok2 && hh <= 23 && mm <= 59
			offset = (hh*60 + mm) * 60
			if b[j] == '-' {
				offset = -offset
			}
			j += 5
		case 'Z':
			k := j
			for k < len(b) && b[k] >= 'A' && b[k] <= 'Z' {
				k++
			}
			ok = string(b[j:k]) == "UTC" || string(b[j:k]) == "GMT"
			j = k
		case 's':
			var unix int
			unix, j, ok = strftimeNumber(b, j, 10)
			t := time.Unix(int64(unix), 0).UTC()
			var mon time.Month
			year, mon, day = t.Date()
			month = int(mon)
			hour, minute, sec = t.Clock()
		case 'n', 't':
			k := j
			for k < len(b) && (b[k] == ' ' || b[k] >= '\t' && b[k] <= '\r') {
				k++
			}
			ok = k > j
			j = k
		}
		if !ok {
			return time.Time{}, false
		}
	}
	if j != len(b) {
		return time.Time{}, false
	}
	if hour12 {
		if hour < 1 || hour > 12 {
			return time.Time{}, false
		}
		if hour == 12 {
			hour = 0
		}
	}
	if pm {
		hour += 12
	}
	if year > 9999 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	var days int64
	if yday > 0 {
		if yday > 365 && daysIn(2, year) == 28 {
			return time.Time{}, false
		}
		days = daysFromCivil(year, 1, 1) + int64(yday-1)
	} else {
		if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
			return time.Time{}, false
		}
		days = daysFromCivil(year, month, day)
	}
	secs := days*86400 + int64(hour*3600+minute*60+sec) - int64(offset)
	return time.Unix(secs, int64(nsec)).UTC(), true
}

// strftimeNumber reads 1 to width digits at b[j], as timefmt-go does.
func strftimeNumber(b []byte, j, width int) (int, int, bool) {
	n, k := 0, j
	for k < len(b) && k-j < width && b[k] >= '0' && b[k] <= '9' {
		n = n*10 + int(b[k]-'0')
		k++
	}
	return n, k, k > j
}

// strftimeName matches one of names at b[j], ignoring ASCII case, and
// returns its index.
func strftimeName(b []byte, j int, names []string) (int, int, bool) {
	for i, name := range names {
		if len(b)-j >= len(name) && foldEqual(name, b[j:j+len(name)]) {
			return i, j + len(name), true
		}
	}
	return 0, j, false
}

// foldEqual reports whether a and b are equal ignoring the case of ASCII
// letters; len(b) must be len(a).
func foldEqual(a string, b []byte) bool {
	for i := 0; i < len(a); i++ {
		if a[i]|0x20 != b[i]|0x20 {
			return false
		}
	}
	return true
}

package synth

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/tslogs/tslogs/jlex"
)

const (
	nsPerMs  = int64(1e6)
	nsPerSec = int64(1e9)
)

func itoa(i int) string { return strconv.Itoa(i) }

func quoteGo(s string) string { return strconv.Quote(s) }

// appendStringArray appends a JSON array of strings.
func appendStringArray(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jlex.AppendString(dst, s)
	}
	return append(dst, ']')
}

// appendUnixMillis appends ms (milliseconds since the Unix epoch) as a JSON
// number of seconds with exactly three decimals, or with ".0" when the
// value is a whole second (as seen on the wire: 1780480800.0).
func appendUnixMillis(dst []byte, ms int64) []byte {
	sec, frac := ms/1000, ms%1000
	dst = strconv.AppendInt(dst, sec, 10)
	if frac == 0 {
		return append(dst, '.', '0')
	}
	return append(dst, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}

// appendRFC3339Nano appends ns (nanoseconds since the Unix epoch, UTC) in
// Go's time.RFC3339Nano layout: fraction with trailing zeros trimmed,
// omitted entirely when zero, and a "Z" suffix. It is equivalent to
// time.Unix(0, ns).UTC().AppendFormat(dst, time.RFC3339Nano) for years
// 1970–9999, but several times faster.
func appendRFC3339Nano(dst []byte, ns int64) []byte {
	secs := ns / nsPerSec
	nanos := ns % nsPerSec
	if nanos < 0 {
		secs--
		nanos += nsPerSec
	}
	days := secs / 86400
	rem := secs % 86400
	if rem < 0 {
		rem += 86400
		days--
	}
	y, m, d := civil(days)
	hh, mm, ss := rem/3600, rem/60%60, rem%60
	dst = append(dst,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-',
		byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+hh/10), byte('0'+hh%10), ':',
		byte('0'+mm/10), byte('0'+mm%10), ':',
		byte('0'+ss/10), byte('0'+ss%10))
	if nanos != 0 {
		var frac [10]byte
		frac[0] = '.'
		n := nanos
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + n%10)
			n /= 10
		}
		end := 10
		for frac[end-1] == '0' {
			end--
		}
		dst = append(dst, frac[:end]...)
	}
	return append(dst, 'Z')
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's days-to-civil algorithm).
func civil(days int64) (y, m, d int64) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// appendPort appends ":" and port.
func appendPort(dst []byte, port int) []byte {
	dst = append(dst, ':')
	return strconv.AppendUint(dst, uint64(port), 10)
}

// appendKeyUint appends `,"key":v` when v is non-zero (Go's omitzero).
func appendKeyUint(dst []byte, key string, v uint64) []byte {
	if v == 0 {
		return dst
	}
	dst = append(dst, key...)
	return strconv.AppendUint(dst, v, 10)
}

// between returns a uniform int64 in [lo, hi).
func between(r *rand.Rand, lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + r.Int64N(hi-lo)
}

// logNormal returns exp(mu + sigma*N(0,1)).
func logNormal(r *rand.Rand, mu, sigma float64) float64 {
	return math.Exp(mu + sigma*r.NormFloat64())
}

// expNs returns an exponentially distributed duration with the given mean.
func expNs(r *rand.Rand, mean int64) int64 {
	return int64(r.ExpFloat64() * float64(mean))
}

const base36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// stableID returns prefix + 11 base-36 characters + "CNTRL", the shape of
// Tailscale stable IDs.
func stableID(r *rand.Rand, prefix byte) string {
	var b [17]byte
	b[0] = prefix
	for i := 1; i <= 11; i++ {
		b[i] = base36[r.IntN(36)]
	}
	copy(b[12:], "CNTRL")
	return string(b[:])
}

// hexID returns n random lowercase hex characters.
func hexID(r *rand.Rand, n int) string {
	const hex = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hex[r.IntN(16)]
	}
	return string(b)
}

// Package deadletter writes the parts of dead-letter lines that tslogs parse
// and tslogs serve share: the raw bytes of a record that could not be
// decoded, kept exactly.
package deadletter

import (
	"encoding/base64"
	"unicode/utf8"
	"unsafe"

	"github.com/tslogs/tslogs/jlex"
)

// Slack is how many bytes beyond 4/3 of a record's length escaping may cost
// before AppendRawMember writes base64 instead: short records, whose quotes
// weigh most, stay readable.
const Slack = 64

// AppendRawMember appends a record's raw bytes as a "raw" member when they
// are valid UTF-8 and escaping costs little, else as "raw_base64". Either way
// every byte is kept, in at most 4/3 of its length plus Slack and the
// member's own few bytes, so callers can bound the size of a dead-letter
// line.
func AppendRawMember(dst, raw []byte) []byte {
	if utf8.Valid(raw) && escapedLen(raw) <= len(raw)+len(raw)/3+Slack {
		dst = jlex.AppendKey(dst, `"raw":`)
		return jlex.AppendString(dst, unsafe.String(unsafe.SliceData(raw), len(raw)))
	}
	dst = jlex.AppendKey(dst, `"raw_base64":`)
	dst = base64.StdEncoding.AppendEncode(append(dst, '"'), raw)
	return append(dst, '"')
}

// escapedLen bounds the length of raw escaped as a JSON string (without
// quotes): control bytes take 6, '"' and '\\' 2, U+2028 and U+2029 6.
func escapedLen(raw []byte) int {
	n := len(raw)
	for i, c := range raw {
		switch {
		case c < 0x20:
			n += 5
		case c == '"' || c == '\\':
			n++
		case c == 0xE2 && i+2 < len(raw) && raw[i+1] == 0x80 && raw[i+2]&^1 == 0xA8:
			n += 3 // U+2028 and U+2029 are escaped as \u2028 and \u2029
		}
	}
	return n
}

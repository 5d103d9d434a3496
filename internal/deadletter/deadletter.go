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

// AppendRawMember appends a record's raw bytes as a "raw" member when they
// are valid UTF-8, else base64 as "raw_base64", so a dead-letter line keeps
// every byte.
func AppendRawMember(dst []byte, raw []byte) []byte {
	if utf8.Valid(raw) {
		dst = jlex.AppendKey(dst, `"raw":`)
		return jlex.AppendString(dst, unsafe.String(unsafe.SliceData(raw), len(raw)))
	}
	dst = jlex.AppendKey(dst, `"raw_base64":`)
	dst = base64.StdEncoding.AppendEncode(append(dst, '"'), raw)
	return append(dst, '"')
}

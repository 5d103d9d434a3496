package serve

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tslogs/tslogs/internal/deadletter"
	"github.com/tslogs/tslogs/jlex"
	"github.com/tslogs/tslogs/tailscale"
)

// Dead-letter lines are bounded per request: the first MaxDeadLetters bad
// records get a line each, with the record's bytes; the others get one
// summary line with their count and the rest of the body from the first of
// them. Every byte of the body is in at most one line, encoded at most 4/3
// times larger (as text, or as base64 when escaping would cost more), so a
// request's dead-letter lines take at most
//
//	4/3 × body + (MaxDeadLetters + 1) × maxDeadLetterOverhead
//
// bytes. maxDeadLetterOverhead bounds what a line holds besides its bytes:
// its fixed members, the error (at most maxErrorBytes before escaping,
// which at most sextuples it) and the remote address.
const (
	maxErrorBytes         = 300
	maxDeadLetterOverhead = 200 + deadletter.Slack + 6*maxErrorBytes + 6*64
)

// logTypeLabel is "network", "audit" or "unknown".
func logTypeLabel(t tailscale.LogType) string {
	switch t {
	case tailscale.LogTypeNetwork, tailscale.LogTypeAudit:
		return t.String()
	}
	return "unknown"
}

// appendDeadLetter appends one dead-letter line for a bad record:
// {"time","error","log_type","record","offset","remote","raw"}, with
// raw_base64 instead of raw when the bytes are not valid UTF-8 or escaping
// them would make them more than 4/3 longer.
func appendDeadLetter(dst []byte, t time.Time, remote string, r *tailscale.Reader, err error) []byte {
	dst = appendDeadLetterHead(dst, t, remote, err.Error(), logTypeLabel(r.LogType()), r.Record(), r.Offset())
	dst = deadletter.AppendRawMember(dst, r.Raw())
	return append(dst, '}', '\n')
}

// appendDeadLetterSummary appends the line for the bad records beyond the
// first MaxDeadLetters: their count and the body from the first of them
// (record rec at offset off) to its end.
func appendDeadLetterSummary(dst []byte, t time.Time, remote string, n, rec int, off int64, rest []byte) []byte {
	msg := strconv.Itoa(n) + " more bad records, not listed one by one: raw holds the body from the first of them to its end (good records in it were stored as rows)"
	dst = appendDeadLetterHead(dst, t, remote, msg, "unknown", rec, off)
	dst = jlex.AppendKey(dst, `"more_bad_records":`)
	dst = strconv.AppendInt(dst, int64(n), 10)
	dst = deadletter.AppendRawMember(dst, rest)
	return append(dst, '}', '\n')
}

func appendDeadLetterHead(dst []byte, t time.Time, remote, msg, logType string, rec int, off int64) []byte {
	if len(msg) > maxErrorBytes {
		cut := maxErrorBytes
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	if len(remote) > 64 {
		remote = remote[:64]
	}
	dst = append(dst, '{')
	dst = jlex.AppendKey(dst, `"time":`)
	dst = jlex.AppendTime(dst, t)
	dst = jlex.AppendKey(dst, `"error":`)
	dst = jlex.AppendString(dst, msg)
	dst = jlex.AppendKey(dst, `"log_type":`)
	dst = jlex.AppendString(dst, logType)
	dst = jlex.AppendKey(dst, `"record":`)
	dst = strconv.AppendInt(dst, int64(rec), 10)
	dst = jlex.AppendKey(dst, `"offset":`)
	dst = strconv.AppendInt(dst, off, 10)
	dst = jlex.AppendKey(dst, `"remote":`)
	return jlex.AppendString(dst, remote)
}

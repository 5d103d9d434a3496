package tailscale

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tslogs/tslogs/internal/stream"
	"github.com/tslogs/tslogs/jlex"
)

// LogType names a kind of Tailscale log record.
type LogType int

// The log types. LogTypeAuto, as a reader option, detects the type of each
// record from its fields.
const (
	LogTypeAuto LogType = iota
	LogTypeAudit
	LogTypeNetwork
)

// String returns "auto", "audit" or "network".
func (t LogType) String() string {
	switch t {
	case LogTypeAuto:
		return "auto"
	case LogTypeAudit:
		return "audit"
	case LogTypeNetwork:
		return "network"
	}
	return fmt.Sprintf("LogType(%d)", int(t))
}

// PantherName returns Panther's name of the log type: Tailscale.Audit or
// Tailscale.Network ("" for LogTypeAuto).
func (t LogType) PantherName() string {
	switch t {
	case LogTypeAudit:
		return "Tailscale.Audit"
	case LogTypeNetwork:
		return "Tailscale.Network"
	}
	return ""
}

// ParseLogType parses "auto", "audit" or "network" (also Panther's
// Tailscale.Audit and Tailscale.Network), ignoring case.
func ParseLogType(s string) (LogType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "auto", "":
		return LogTypeAuto, nil
	case "audit", "tailscale.audit", "configuration", "config":
		return LogTypeAudit, nil
	case "network", "tailscale.network", "flow", "net":
		return LogTypeNetwork, nil
	}
	return LogTypeAuto, fmt.Errorf("unknown log type %q (want auto, audit or network)", s)
}

// DefaultMaxRecordSize is the default limit on one record's size: 4 MiB,
// sixteen times the largest record Tailscale writes.
const DefaultMaxRecordSize = stream.DefaultMaxRecordSize

// ReaderOptions configure a Reader. The zero value reads any framing and
// compression and detects the log type of each record.
type ReaderOptions struct {
	// LogType is the type of every record, or LogTypeAuto to detect it per
	// record.
	LogType LogType
	// MaxRecordSize bounds one record, and so the reader's memory; 0 means
	// DefaultMaxRecordSize. A larger record is rejected and skipped.
	MaxRecordSize int
	// MaxDecompressed, if positive, bounds the whole decompressed input; more
	// is a fatal error (protection against decompression bombs).
	MaxDecompressed int64
	// MaxZstdWindow bounds the window a zstd frame may ask for, and so the
	// zstd decoder's memory (a larger one is a fatal error); 0 means 64 MiB.
	MaxZstdWindow int
	// Nodes, when set, learns the nodes named by every good network record
	// (see NodeDirectory.Learn), and AppendRow adds to each row the nodes
	// its addresses and node IDs resolve to, as Panther's p_enrichment (see
	// NodeDirectory.AppendNetworkEnrichment).
	Nodes *NodeDirectory
}

// RecordError is the error of one bad record. The reader goes on with the
// next record after it.
type RecordError struct {
	Record int   // 1-based record number
	Offset int64 // byte offset of the record in the decompressed input
	Err    error // *Error for a decode error; a framing error otherwise
}

// Error returns "record N at offset M: " and the cause.
func (e *RecordError) Error() string {
	return fmt.Sprintf("record %d at offset %d: %v", e.Record, e.Offset, e.Err)
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *RecordError) Unwrap() error { return e.Err }

// Reader reads Tailscale log records from a stream, one at a time, in any of
// the ways they reach people:
//
//   - framing: log-stream POST bodies (envelopes concatenated with no
//     separator), NDJSON or other whitespace-separated records, a top-level
//     JSON array, or the REST API's {"logs":[...]} object;
//   - compression: none, gzip or zstd, detected from the first bytes;
//   - envelope: the log-stream envelope {"time","event","fields"}, or a bare
//     record as in S3/GCS exports and API responses, detected per record
//     from its first key of either shape ("time", "event" or "fields" mean
//     an envelope; HEC metadata such as "host" and unknown keys before it
//     are passed over).
//
// A bare record is decoded into the Event of an envelope whose Time is the
// record's own event time: for audit, eventTime, else logged; for network,
// logged, else end.
//
// The reader's memory is bounded by the largest record, not by the input,
// and reading allocates nothing per record once its buffers have grown.
// A record is read once: the decoder finds where it ends as it decodes it,
// in place in the reader's buffer. The framing rules below are applied by a
// separate pass over the bytes only where the decoder cannot take a record
// whole (a bad record, or one not all read yet), to report it and find the
// next one; a record is read the same either way. A
// bad record makes Err non-nil for that record only; Raw then holds its bytes
// for a dead-letter file, and Next goes on with the next record. In NDJSON a
// line cut short is one bad record: the next line is read on its own. An
// array or API document still open at the end of the input (a cut download)
// ends with a bad record (ErrTruncated) after every good one. With
// ReaderOptions.LogType set, a record of the other type is a bad record
// (ErrWrongLogType).
//
//	r := tailscale.NewReader(f, tailscale.ReaderOptions{})
//	for r.Next() {
//		if err := r.Err(); err != nil {
//			log.Print(err) // record 7 at offset 1234: event...: ...
//			continue
//		}
//		switch r.LogType() {
//		case tailscale.LogTypeNetwork:
//			use(r.Network())
//		case tailscale.LogTypeAudit:
//			use(r.Audit())
//		}
//	}
//	if err := r.Fatal(); err != nil { ... } // I/O or decompression error
type Reader struct {
	opt     ReaderOptions
	sc      *stream.Scanner
	audit   Audit
	network Network
	typ     LogType
	bare    bool
	err     error
	enr     []byte // scratch of WriteColumns' p_enrichment
	// lex decodes records where the scanner finds them (take).
	lex *jlex.Lexer
	// rowMeta writes rows for RowBatch.Add.
	rowMeta RowMeta
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader, opt ReaderOptions) *Reader {
	rd := &Reader{opt: opt, lex: new(jlex.Lexer), sc: stream.NewScanner(r, stream.Options{
		MaxRecordSize:   opt.MaxRecordSize,
		MaxDecompressed: opt.MaxDecompressed,
		MaxZstdWindow:   opt.MaxZstdWindow,
	})}
	rd.sc.SetTake(rd.take)
	return rd
}

// take decodes the record at the front of data, in place, and returns its
// length, or 0 if data does not start with a whole good record (see
// stream.Scanner.SetTake). This is how a record is usually read: the
// decoder finds where it ends, and the scanner frames a record itself only
// when take fails, to report and step over a bad one.
func (r *Reader) take(data []byte) int {
	l := r.lex
	typ, bare, ok := detectQuick(data)
	if !ok {
		var err error
		if typ, bare, err = detect(l, data, r.opt.LogType); err != nil {
			return 0
		}
	} else if want := r.opt.LogType; want != LogTypeAuto && typ != want {
		return 0 // the framed path reports the LogTypeError
	}
	var x takeable
	switch typ {
	case LogTypeNetwork:
		x = &r.network
	case LogTypeAudit:
		x = &r.audit
	default:
		return 0
	}
	l.ResetView(data, x.emptyArena())
	if bare {
		x.decodeEventFrom(l)
		x.setBareTime()
	} else {
		x.decodeFrom(l)
	}
	if !l.Ok() {
		return 0
	}
	r.typ, r.bare = typ, bare
	return l.Pos()
}

// Reset makes the Reader read r, keeping its memory.
func (r *Reader) Reset(rd io.Reader) {
	r.sc.Reset(rd)
	r.err = nil
}

// Next advances to the next record, good or bad. It returns false at the end
// of input or after a fatal error (see Fatal).
func (r *Reader) Next() bool {
	r.err = nil
	if !r.sc.Next() {
		return false
	}
	if r.sc.Taken() {
		if r.typ == LogTypeNetwork && r.opt.Nodes != nil {
			r.opt.Nodes.Learn(&r.network)
		}
		return true
	}
	if err := r.sc.Err(); err != nil {
		r.typ, r.bare = r.opt.LogType, false
		r.fail(err)
		return true
	}
	data := r.sc.Bytes()
	var err error
	r.typ, r.bare, err = detect(r.lex, data, r.opt.LogType)
	if err != nil {
		r.fail(err)
		return true
	}
	switch r.typ {
	case LogTypeNetwork:
		if r.bare {
			err = r.network.DecodeBare(data)
		} else {
			err = r.network.Decode(data)
		}
	case LogTypeAudit:
		if r.bare {
			err = r.audit.DecodeBare(data)
		} else {
			err = r.audit.Decode(data)
		}
	}
	if err != nil {
		r.fail(err)
	} else if r.typ == LogTypeNetwork && r.opt.Nodes != nil {
		r.opt.Nodes.Learn(&r.network)
	}
	return true
}

// fail records err for the current record. Decode errors get absolute
// offsets.
func (r *Reader) fail(err error) {
	var se *stream.RecordError
	if errors.As(err, &se) {
		err = &framingError{msg: se.Msg, kind: se.Err}
	}
	var de *jlex.Error
	if errors.As(err, &de) {
		abs := *de
		abs.Offset += int(r.sc.Offset())
		err = &abs
	}
	// A new RecordError for each bad record: an error already returned by
	// Err must not change when the next record fails.
	r.err = &RecordError{Record: r.sc.Record(), Offset: r.sc.Offset(), Err: err}
}

// framingError is a scanner error without the scanner's record and offset
// (RecordError adds them), still matching the stream sentinels with
// errors.Is: ErrTruncated, ErrRecordTooLarge, ErrSyntax and ErrDepth.
type framingError struct {
	msg  string
	kind error
}

func (e *framingError) Error() string { return e.msg }
func (e *framingError) Unwrap() error { return e.kind }

// The framing errors a RecordError may wrap, for errors.Is.
var (
	ErrSyntax         = stream.ErrSyntax         // garbage between records, or a record broken inside
	ErrTruncated      = stream.ErrTruncated      // the input ended inside a record
	ErrRecordTooLarge = stream.ErrRecordTooLarge // the record is larger than MaxRecordSize
	ErrDepth          = stream.ErrDepth          // the record nests too deep
)

// Err returns the current record's error, a *RecordError, or nil.
func (r *Reader) Err() error { return r.err }

// Fatal returns the error that stopped reading early (I/O, decompression,
// or the MaxDecompressed limit), or nil at a clean end of input.
func (r *Reader) Fatal() error {
	if err := r.sc.Fatal(); err != nil {
		return fmt.Errorf("after record %d, offset %d: %w", r.sc.Record(), r.sc.BytesRead(), err)
	}
	return nil
}

// LogType returns the current record's log type. For a bad record it is
// the type found if it could be told (a record of the other type than
// ReaderOptions.LogType fails with a *LogTypeError), else the configured
// type, which may be LogTypeAuto.
func (r *Reader) LogType() LogType { return r.typ }

// Bare reports whether the current record came without an envelope.
func (r *Reader) Bare() bool { return r.bare }

// Network returns the current record when it is a network record. It is
// reused by the next call to Next, and its strings may point into the
// Reader's buffer: they are valid until then (strings.Clone what you keep).
func (r *Reader) Network() *Network { return &r.network }

// Audit returns the current record when it is an audit record. It is reused
// by the next call to Next, and its strings and raw values may point into
// the Reader's buffer: they are valid until then.
func (r *Reader) Audit() *Audit { return &r.audit }

// Raw returns the current record's bytes, valid until the next call to Next.
// For an oversized record it holds the first MaxRecordSize bytes.
func (r *Reader) Raw() []byte { return r.sc.Bytes() }

// Record returns the current record's 1-based number.
func (r *Reader) Record() int { return r.sc.Record() }

// Offset returns the current record's byte offset in the decompressed input.
func (r *Reader) Offset() int64 { return r.sc.Offset() }

// BytesRead returns how many decompressed bytes have been consumed.
func (r *Reader) BytesRead() int64 { return r.sc.BytesRead() }

// Framing returns the detected framing: "stream", "array" or "api".
func (r *Reader) Framing() string { return r.sc.Framing().String() }

// Compression returns the detected compression: "none", "gzip" or "zstd".
func (r *Reader) Compression() string { return r.sc.Compression().String() }

// EventTime returns the current good record's event time (Panther's
// p_event_time before the parse-time fallback).
func (r *Reader) EventTime() time.Time {
	switch r.typ {
	case LogTypeNetwork:
		return r.network.EventTime()
	case LogTypeAudit:
		return r.audit.EventTime()
	}
	return time.Time{}
}

// AppendRow appends the current good record, as read, as a Panther-style
// row, with p_enrichment when ReaderOptions.Nodes is set and something
// resolves. The row is the record's AppendDecodedRow: changes made to the
// value Network or Audit returns do not show in it (write those values'
// AppendRow instead).
func (r *Reader) AppendRow(dst []byte, m *RowMeta) []byte {
	d := r.opt.Nodes
	switch {
	case r.typ == LogTypeNetwork && d != nil:
		return d.enrichNetworkRow(r.network.AppendDecodedRow(dst, m), len(dst), &r.network, m)
	case r.typ == LogTypeNetwork:
		return r.network.AppendDecodedRow(dst, m)
	case r.typ == LogTypeAudit && d != nil:
		return d.enrichAuditRow(r.audit.AppendDecodedRow(dst, m), len(dst), &r.audit)
	case r.typ == LogTypeAudit:
		return r.audit.AppendDecodedRow(dst, m)
	}
	return dst
}

// takeable is what take decodes into: Network or Audit.
type takeable interface {
	emptyArena() []byte // the value's arena, emptied, for strings that need one
	decodeFrom(l *jlex.Lexer)
	decodeEventFrom(l *jlex.Lexer)
	setBareTime()
}

func (x *Network) emptyArena() []byte { return x.arena[:0] }
func (x *Audit) emptyArena() []byte   { return x.arena[:0] }

// Keys that decide a record's shape. The first decisive key wins.
var (
	detectEnvelopeKeys = []string{"time", "event", "fields"}
	detectNetworkKeys  = []string{"nodeId", "start", "end", "virtualTraffic", "subnetTraffic", "exitTraffic", "physicalTraffic", "srcNode", "dstNodes"}
	detectAuditKeys    = []string{"action", "origin", "actor", "target", "eventGroupID", "old", "new", "deferredAt", "actionDetails", "eventTime", "error"}
)

// setKey returns the member of set equal to key (no allocation).
func setKey(key []byte, set []string) string {
	for _, k := range set {
		if string(key) == k {
			return k
		}
	}
	return ""
}

func oneOf(key []byte, set []string) bool {
	for _, k := range set {
		if string(key) == k {
			return true
		}
	}
	return false
}

// detect tells an envelope from a bare record by the record's first key
// that belongs to only one shape ("time", "event" and "fields" mean an
// envelope; a field of an audit or network record, or "logged", a bare
// record), and the log type by the first key of the event that belongs to
// only one type. When want is not LogTypeAuto, a record of the other type
// is an error (*LogTypeError) and a record whose type cannot be told is
// taken to be of type want.
func detect(l *jlex.Lexer, data []byte, want LogType) (typ LogType, bare bool, err error) {
	typ, bare, key, err := detectType(l, data)
	if want == LogTypeAuto {
		return typ, bare, err
	}
	if typ != LogTypeAuto && typ != want {
		return typ, bare, &LogTypeError{Want: want, Found: typ, Key: key}
	}
	return want, bare, nil
}

// LogTypeError is the error of a record of one log type read by a Reader
// set to the other (ReaderOptions.LogType). It wraps ErrWrongLogType.
type LogTypeError struct {
	// Want is the log type the Reader was set to read.
	Want LogType
	// Found is the log type the record has.
	Found LogType
	// Key is the field that tells the record's type.
	Key string
}

// Error names both types and the field that tells them apart.
func (e *LogTypeError) Error() string {
	return fmt.Sprintf("wrong log type: this is %s %s record (it has %q), not %s %s record",
		article(e.Found), e.Found, e.Key, article(e.Want), e.Want)
}

// Unwrap returns ErrWrongLogType, for errors.Is.
func (e *LogTypeError) Unwrap() error { return ErrWrongLogType }

// ErrWrongLogType is wrapped by the error of a record of the other log type
// than ReaderOptions.LogType.
var ErrWrongLogType = errors.New("wrong log type")

func article(t LogType) string {
	if t == LogTypeAudit {
		return "an"
	}
	return "a"
}

// detectType is detect for LogTypeAuto. It also returns the key that told
// the type; typ is LogTypeAuto (with err set) when it could not be told.
func detectType(l *jlex.Lexer, data []byte) (typ LogType, bare bool, typeKey string, err error) {
	const want = LogTypeAuto
	l.ResetView(data, nil)
	if !l.BeginObject() {
		if l.Ok() {
			return want, bare, "", errors.New("expected a record object, found null")
		}
		return want, false, "", l.Err()
	}
	key, ok := l.Key()
	if !ok {
		if l.Ok() {
			return want, bare, "", errors.New("empty record {}")
		}
		return want, false, "", l.Err()
	}
	// Keys of neither shape (the Splunk HEC metadata host, source,
	// sourcetype and index before "time", or unknown fields) are passed over.
	for {
		if oneOf(key, detectEnvelopeKeys) {
			bare = false
			break
		}
		if oneOf(key, detectNetworkKeys) || oneOf(key, detectAuditKeys) || string(key) == "logged" {
			bare = true
			break
		}
		l.Skip()
		if key, ok = l.Key(); !ok {
			bare = true
			if !l.Ok() {
				return want, true, "", l.Err()
			}
			return want, bare, "", errors.New("cannot tell the log type: no field of audit or network records")
		}
	}
	if !bare {
		// Find the event object, then look at its keys.
		for string(key) != "event" {
			l.Skip()
			if key, ok = l.Key(); !ok {
				if l.Ok() {
					return want, bare, "", errors.New("event: required field is missing (so the log type cannot be told)")
				}
				return want, false, "", l.Err()
			}
		}
		if !l.BeginObject() {
			if l.Ok() {
				return want, bare, "", errors.New("event: required field is missing (null, so the log type cannot be told)")
			}
			return want, false, "", l.Err()
		}
		if key, ok = l.Key(); !ok {
			return want, bare, "", errors.New("event: empty object, so the log type cannot be told")
		}
	}
	for {
		switch {
		case oneOf(key, detectNetworkKeys):
			return LogTypeNetwork, bare, setKey(key, detectNetworkKeys), nil
		case oneOf(key, detectAuditKeys):
			return LogTypeAudit, bare, setKey(key, detectAuditKeys), nil
		}
		l.Skip()
		if key, ok = l.Key(); !ok {
			if l.Ok() {
				return want, bare, "", errors.New("cannot tell the log type: no field of audit or network records")
			}
			return want, bare, "", l.Err()
		}
	}
}

// detectQuick is detectType for the shapes records usually have, read
// straight from compact bytes: an envelope whose first key is "time", with
// a number or plain string value, followed by "event" whose first key tells
// the type; or a bare record whose first key tells it. ok is false when it
// cannot tell so simply (detectType then reads the record).
func detectQuick(data []byte) (typ LogType, bare bool, ok bool) {
	if len(data) == 0 || data[0] != '{' {
		return LogTypeAuto, false, false
	}
	key, rest, ok := quickKey(data[1:])
	if !ok {
		return LogTypeAuto, false, false
	}
	if string(key) == "time" {
		// Skip a number or a string without escapes.
		i := 0
		if len(rest) > 0 && rest[0] == '"' {
			i = 1
			for i < len(rest) && rest[i] != '"' && rest[i] != '\\' {
				i++
			}
			if i >= len(rest) || rest[i] != '"' {
				return LogTypeAuto, false, false
			}
			i++
		} else {
			for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.' || rest[i] == '-' || rest[i] == '+' || rest[i] == 'e' || rest[i] == 'E') {
				i++
			}
		}
		if i == 0 || i+1 >= len(rest) || rest[i] != ',' {
			return LogTypeAuto, false, false
		}
		if key, rest, ok = quickKey(rest[i+1:]); !ok || string(key) != "event" || len(rest) == 0 || rest[0] != '{' {
			return LogTypeAuto, false, false
		}
		if key, _, ok = quickKey(rest[1:]); !ok {
			return LogTypeAuto, false, false
		}
	} else {
		bare = true
	}
	switch {
	case oneOf(key, detectNetworkKeys):
		return LogTypeNetwork, bare, true
	case oneOf(key, detectAuditKeys):
		return LogTypeAudit, bare, true
	}
	return LogTypeAuto, false, false
}

// quickKey reads `"key":` at the front of b, a key without escapes and with
// no whitespace around it, and returns the key and what follows the colon.
func quickKey(b []byte) (key, rest []byte, ok bool) {
	if len(b) < 3 || b[0] != '"' {
		return nil, nil, false
	}
	for i := 1; i < len(b) && i < 32; i++ {
		switch b[i] {
		case '"':
			if i+1 < len(b) && b[i+1] == ':' {
				return b[1:i], b[i+2:], true
			}
			return nil, nil, false
		case '\\':
			return nil, nil, false
		}
	}
	return nil, nil, false
}

// DecodeBare decodes a bare network record (the event of an envelope, as in
// S3 exports and API responses) into x.Event, and sets x.Time to the
// record's logged time, else its end.
func (x *Network) DecodeBare(data []byte) error {
	if err := x.decodeEventOnly(data); err != nil {
		return err
	}
	x.setBareTime()
	return nil
}

// setBareTime sets the time of a bare record just decoded: its logged
// time, else its end. It does nothing to an empty x (a failed decode).
func (x *Network) setBareTime() {
	switch {
	case x.Event.HasLogged():
		x.SetTime(x.Event.Logged)
	case x.Event.HasEnd():
		x.SetTime(x.Event.End)
	}
}

// DecodeBare decodes a bare audit record (the event of an envelope, as in S3
// exports and API responses) into x.Event, and sets x.Time to the record's
// eventTime, else its logged time.
func (x *Audit) DecodeBare(data []byte) error {
	if err := x.decodeEventOnly(data); err != nil {
		return err
	}
	x.setBareTime()
	return nil
}

// setBareTime sets the time of a bare record just decoded: its eventTime,
// else its logged time. It does nothing to an empty x (a failed decode).
func (x *Audit) setBareTime() {
	switch {
	case x.Event.HasEventTime():
		x.SetTime(x.Event.EventTime)
	case x.Event.HasLogged():
		x.SetTime(x.Event.Logged)
	}
}

package stream

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/tslogs/tslogs/jlex"
)

const (
	// DefaultMaxRecordSize is the record size limit used when
	// Options.MaxRecordSize is 0. Tailscale's own records are at most 256 KiB.
	DefaultMaxRecordSize = 4 << 20
	// DefaultMaxDepth is the nesting limit used when Options.MaxDepth is 0:
	// the decoder's own limit (jlex.MaxDepth, 128), so that a record
	// is too deep for both or for neither. Tailscale's records nest 4 levels
	// deep; 128 leaves room for arbitrary audit values.
	DefaultMaxDepth = jlex.MaxDepth

	// readChunk is the size the buffer grows to at once, and the free space
	// it keeps beyond MaxRecordSize for reading ahead.
	readChunk = 64 << 10
	// minBuf is the initial buffer size.
	minBuf = 4 << 10
	// maxMaxRecordSize caps Options.MaxRecordSize.
	maxMaxRecordSize = 1 << 30
	// apiKeyLookahead bounds the bytes examined after a document's '{' to
	// find its first key.
	apiKeyLookahead = 4096
)

// Options configures a Scanner. The zero value is ready to use.
type Options struct {
	// MaxRecordSize is the largest record, in bytes; a larger one is a bad
	// record. 0 (or negative) means DefaultMaxRecordSize; at most 1 GiB.
	// The Scanner's buffer grows to at most MaxRecordSize plus 64 KiB.
	MaxRecordSize int
	// MaxDepth is the deepest nesting of brackets allowed in a record: `{}`
	// is depth 1, `{"a":[1]}` depth 2. 0 (or negative) means DefaultMaxDepth.
	MaxDepth int
	// MaxDecompressed, if positive, is the largest decompressed input
	// accepted; more ends scanning with a fatal error wrapping ErrTooLarge
	// (protection against decompression bombs). 0 means unlimited.
	MaxDecompressed int64
	// MaxZstdWindow is the largest zstd window accepted; 0 means
	// DefaultMaxZstdWindow.
	MaxZstdWindow int
}

// Framing is the way records are laid out in a document.
type Framing int

const (
	// FramingUnknown: no document has been seen yet.
	FramingUnknown Framing = iota
	// FramingStream: concatenated, NDJSON or whitespace-separated objects.
	FramingStream
	// FramingArray: a top-level array of records.
	FramingArray
	// FramingAPI: a REST API object whose "logs" array holds the records.
	FramingAPI
)

// String returns "unknown", "stream", "array" or "api".
func (f Framing) String() string {
	switch f {
	case FramingUnknown:
		return "unknown"
	case FramingStream:
		return "stream"
	case FramingArray:
		return "array"
	case FramingAPI:
		return "api"
	}
	return fmt.Sprintf("Framing(%d)", int(f))
}

// Sentinel errors wrapped by RecordError (test with errors.Is).
var (
	// ErrSyntax: garbage between records or a record broken inside.
	ErrSyntax = errors.New("syntax error")
	// ErrTruncated: the input ended inside a record.
	ErrTruncated = errors.New("truncated input")
	// ErrRecordTooLarge: the record is longer than Options.MaxRecordSize.
	ErrRecordTooLarge = errors.New("record too large")
	// ErrDepth: the record nests deeper than Options.MaxDepth.
	ErrDepth = errors.New("nesting too deep")
)

// RecordError describes a bad record. Scanning goes on after it.
type RecordError struct {
	Record int   // 1-based record number
	Offset int64 // offset of the record's first byte in the decompressed input
	Err    error // ErrSyntax, ErrTruncated, ErrRecordTooLarge or ErrDepth
	Msg    string
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("record %d at offset %d: %s", e.Record, e.Offset, e.Msg)
}

func (e *RecordError) Unwrap() error { return e.Err }

type state uint8

const (
	stStart    state = iota // compression not detected yet
	stDoc                   // expecting the start of a document
	stStream                // between records of a stream
	stArrElem               // in an array, expecting an element
	stArrAfter              // in an array, after an element
	stAPIKey                // in an API object, expecting a key
	stAPIColon              // in an API object, after a key
	stAPIValue              // in an API object, expecting a value
	stAPIAfter              // in an API object, after a value
	stDone
)

type spanKind uint8

const (
	spComposite spanKind = iota // object or array, ends at its matching bracket
	spString                    // string, ends at its closing quote
	spStop                      // scalar or garbage, ends before a stop byte
)

// span is the scanning state of the current record (or skipped value).
type span struct {
	kind     spanKind
	emit     bool       // a record (else a value skipped silently unless bad)
	trim     bool       // ends before the next record: its length leaves out the whitespace before it
	stop     *[256]bool // for spStop
	stopByte int        // for spStop: single stop byte (fast path), or -1
	depth    int        // for spComposite
	inStr    bool       // inside a string
	esc      bool       // inside a string, the next byte is escaped
	afterStr bool       // just after a closing quote, next significant byte not seen
	skipping bool       // oversized: bytes past MaxRecordSize are not kept
	off      int64      // offset of the first byte
	end      int        // buffer index just past the span, once done
	errKind  error      // first problem seen, nil if none
	errMsg   string
	errArg   byte
	errFmt   string
	tailSig  byte  // skipping: last significant byte before the region
	tailOff  int64 // skipping: its input offset
	tailRaw  byte  // skipping: last byte before the region
	lines    bool  // a record of a stream: a '{' just after a newline ends it
}

// Scanner splits an input into raw JSON records (see the package doc). It
// is not safe for concurrent use; one Scanner can be reused for many inputs
// with Reset.
type Scanner struct {
	opt      Options
	max      int // MaxRecordSize
	maxDepth int
	maxBuf   int

	src  io.Reader
	dec  decoders
	rd   io.Reader
	comp Compression

	buf    []byte
	pos    int   // scanning position
	end    int   // end of buffered data
	rs     int   // start of the current span
	region int   // skipping: start of live data (the kept prefix is before it)
	base   int64 // input offset of buf[0] (of buf[region] minus region when skipping)
	nread  int64
	eof    bool
	rerr   error // read error not yet reached by the scanner
	fatal  error

	state   state
	framing Framing
	inAPI   bool // the current array is an API object's "logs"
	keyLogs bool // the current API key is "logs"
	eofCut  bool // the input ended inside a record, already reported
	sp      span
	stack   []uint64 // bracket kinds by depth (bit d-1): 1 = object

	stackDepth int // depths up to this have room in stack (<= maxDepth)

	rec    int
	recOff int64
	recB   []byte
	recErr *RecordError

	// take, when set, decodes records where they start (see SetTake);
	// taken reports that it took the current record.
	take  func([]byte) int
	taken bool
	// want is the buffer size fill grows to at once: more than minBuf
	// after a record that take could not see whole (see noteStraddle).
	want int
	// typical is the size of recent records (see noteLen).
	typical int
	// readonly: buf is a chunk of the caller's (ResetChunk), not to be
	// written to.
	readonly bool
	// between: Next last stopped between records of a stream.
	between bool
	// full: the last read returned all it was asked for.
	full bool
	// missEnd, when positive, is the input offset where the buffered
	// input ended when take failed on the current record.
	missEnd int64
}

// NewScanner returns a Scanner reading r.
func NewScanner(r io.Reader, opt Options) *Scanner {
	s := &Scanner{opt: opt}
	s.max = opt.MaxRecordSize
	if s.max <= 0 {
		s.max = DefaultMaxRecordSize
	}
	s.max = min(s.max, maxMaxRecordSize)
	s.maxDepth = opt.MaxDepth
	if s.maxDepth <= 0 {
		s.maxDepth = DefaultMaxDepth
	}
	s.maxBuf = s.max + readChunk
	// The bracket stack grows as records nest deeper, up to MaxDepth.
	s.stack = make([]uint64, min(s.maxDepth/64+1, DefaultMaxDepth/64))
	s.stackDepth = min(len(s.stack)<<6, s.maxDepth)
	s.Reset(r)
	return s
}

// Close releases the Scanner's zstd decoder, if it made one. The Scanner can
// still be used; it makes a new decoder when it needs one.
func (s *Scanner) Close() {
	s.dec.close()
	s.Reset(nil)
}

// Reset makes the Scanner read r from the start, keeping its buffers and
// decoders.
func (s *Scanner) Reset(r io.Reader) {
	if s.readonly {
		s.buf, s.readonly = nil, false
	}
	s.between = false
	s.src = r
	s.rd = nil
	s.comp = None
	s.pos, s.end, s.rs, s.region = 0, 0, 0, 0
	s.base, s.nread = 0, 0
	s.eof, s.rerr, s.fatal = false, nil, nil
	s.state = stStart
	s.framing = FramingUnknown
	s.inAPI, s.keyLogs = false, false
	s.eofCut = false
	s.sp = span{}
	s.rec, s.recOff, s.recB, s.recErr = 0, 0, nil, nil
	s.taken, s.missEnd = false, 0
}

// Next advances to the next record, good or bad. It returns false at the
// end of the input or when a fatal (I/O or decompression) error stops
// scanning; see Fatal.
func (s *Scanner) Next() bool {
	s.recB, s.recErr, s.taken, s.missEnd = nil, nil, false, 0
	s.between = false
	if s.state == stStart {
		s.start()
	}
	for s.fatal == nil {
		switch s.state {
		case stDone:
			return false

		case stDoc:
			c, ok := s.peek()
			if !ok {
				s.state = stDone
				continue
			}
			switch c {
			case '[':
				s.framing = FramingArray
				s.pos++
				s.inAPI = false
				s.state = stArrElem
			case '{':
				if s.apiObject() {
					s.framing = FramingAPI
					s.pos++
					s.state = stAPIKey
				} else {
					s.beginStream()
				}
			case 0xEF:
				if s.bom() {
					continue
				}
				s.beginStream()
			default:
				s.beginStream()
			}

		case stStream:
			c, ok := s.peek()
			if !ok {
				s.state, s.between = stDone, true
				continue
			}
			switch c {
			case '{':
				if s.take != nil && s.tryTake(true) {
					return true
				}
				s.beginComposite(true)
				s.sp.lines = true
			case '[':
				s.state = stDoc
				continue
			default:
				s.beginGarbage(nil, "syntax error: unexpected %s between records")
			}
			if s.run() {
				return true
			}

		case stArrElem:
			c, ok := s.peek()
			if !ok {
				if s.openAtEOF() {
					return true
				}
				continue
			}
			switch c {
			case ']':
				s.pos++
				s.endArray()
				continue
			case ',':
				s.pos++
				continue
			case '{':
				if s.take != nil && s.tryTake(false) {
					s.state = stArrAfter
					return true
				}
				s.beginComposite(true)
			case '[':
				s.beginComposite(true)
			case '"':
				s.beginString(true)
			case '}':
				s.beginGarbage(&arrGarbageStops, "syntax error: unexpected %s in array")
			default:
				s.beginScalar(true, &scalarStops)
			}
			s.state = stArrAfter
			if s.run() {
				return true
			}

		case stArrAfter:
			c, ok := s.peek()
			if !ok {
				if s.openAtEOF() {
					return true
				}
				continue
			}
			switch c {
			case ',':
				s.pos++
				s.state = stArrElem
				continue
			case ']':
				s.pos++
				s.endArray()
				continue
			case '{':
				s.beginComposite(true)
			default:
				s.beginGarbage(&arrGarbageStops, "syntax error: unexpected %s after array element")
			}
			if s.run() {
				return true
			}

		case stAPIKey:
			c, ok := s.peek()
			if !ok {
				if s.openAtEOF() {
					return true
				}
				continue
			}
			switch c {
			case '"':
				s.beginString(false)
				s.state = stAPIColon
				s.keyLogs = false
				if !s.runSpan() {
					return false
				}
				s.keyLogs = s.sp.errKind == nil && string(s.buf[s.rs:s.sp.end]) == `"logs"`
				if s.finish() {
					return true
				}
				continue
			case '}':
				s.pos++
				s.state = stDoc
				continue
			case ',':
				s.pos++
				continue
			default:
				s.beginGarbage(&apiGarbageStops, "syntax error: unexpected %s in API object")
			}
			if s.run() {
				return true
			}

		case stAPIColon:
			c, ok := s.peek()
			if !ok {
				if s.openAtEOF() {
					return true
				}
				continue
			}
			if c == ':' {
				s.pos++
			}
			s.state = stAPIValue

		case stAPIValue:
			c, ok := s.peek()
			if !ok {
				if s.openAtEOF() {
					return true
				}
				continue
			}
			s.state = stAPIAfter
			switch c {
			case '[':
				if s.keyLogs {
					s.pos++
					s.inAPI = true
					s.state = stArrElem
					continue
				}
				s.beginComposite(false)
			case '{':
				s.beginComposite(false)
			case '"':
				s.beginString(false)
			case ',', '}':
				continue
			default:
				s.beginScalar(false, &apiScalarStops)
			}
			if s.run() {
				return true
			}

		case stAPIAfter:
			c, ok := s.peek()
			if !ok {
				if s.openAtEOF() {
					return true
				}
				continue
			}
			switch c {
			case ',':
				s.pos++
				s.state = stAPIKey
				continue
			case '}':
				s.pos++
				s.state = stDoc
				continue
			case '"':
				s.state = stAPIKey
				continue
			default:
				s.beginGarbage(&apiGarbageStops, "syntax error: unexpected %s in API object")
			}
			if s.run() {
				return true
			}
		}
	}
	return false
}

// SetTake makes the Scanner hand each record that starts with '{' where a
// record may start (in a stream or an array, not a value of an API object)
// to take before framing it: take gets the buffered input from the
// record's first byte on and returns the length of the record it decoded
// from the front of it, or 0 when it could not decode one (the record is
// bad, or not all of it is buffered yet). The Scanner accepts a length
// only where its own rules would have found the same record, good: the
// record ends with '}', is within MaxRecordSize, and in a stream holds no
// '{' right after a newline (which would cut it). It then reports the
// record without reading its bytes a second time, and Taken returns true;
// otherwise it frames the record itself, as without take, and the caller
// decodes Bytes.
//
// take must accept only valid JSON objects, ending at their closing
// brace, nested no deeper than jlex.MaxDepth: then every record it takes is
// one the Scanner would have framed the same way and found good. It must
// not keep data. With Options.MaxDepth below jlex.MaxDepth, take is not
// used. A nil take turns this off.
func (s *Scanner) SetTake(take func(data []byte) int) {
	s.take = take
}

// Taken reports whether the current record was decoded by the function
// given to SetTake, which has already seen all of it.
func (s *Scanner) Taken() bool { return s.taken }

// tryTake offers the record starting at s.pos to s.take, and makes it the
// current record if take decodes it (see SetTake). lines is true in a
// stream, where a '{' after a newline inside a record cuts it.
func (s *Scanner) tryTake(lines bool) bool {
	if s.maxDepth < jlex.MaxDepth {
		return false
	}
	for s.full && !s.eof && s.rerr == nil && s.end-s.pos < 2*s.typical && s.canFill(s.pos) {
		// A source that filled the last read (a file, bytes in memory)
		// most likely has more at once: read on before offering the
		// record. (A live source that paused right at the end of a full
		// read delays the record until it sends more or ends.)
		if !s.fill(s.pos) {
			break // at the end, or a read error that ends the input here
		}
	}
	if !s.eof && s.rerr == nil && s.end-s.pos < 2*s.typical && !s.endsObject() {
		// The record may well go on beyond the input buffered: frame it
		// rather than have take fail on it, and have fill make room for
		// records of this size. (Input that ends with '}', as the end of
		// a file or a line of NDJSON just written do, is offered: Read
		// tells the end of the input only once asked for more.)
		s.want = min(s.maxBuf, max(s.want, 32*s.typical))
		return false
	}
	view := s.buf[s.pos:min(s.end, s.pos+s.max)]
	n := s.take(view)
	if n <= 0 || n > len(view) || view[n-1] != '}' || (lines && bytes.Contains(view[:n], newlineBrace)) {
		if !s.eof && s.rerr == nil {
			// Perhaps only part of the record is buffered: finish notes
			// whether it went on beyond what was.
			s.missEnd = s.base + int64(s.end)
		}
		return false
	}
	s.rec++
	s.recOff = s.base + int64(s.pos)
	s.recB = view[:n:n]
	s.pos += n
	s.taken = true
	s.noteLen(n)
	return true
}

// endsObject reports whether the buffered input ends with '}' and
// whitespace.
func (s *Scanner) endsObject() bool {
	for j := s.end - 1; j > s.pos; j-- {
		if c := s.buf[j]; !isWS(c) {
			return c == '}'
		}
	}
	return false
}

// noteLen follows the sizes of records: typical is the largest of the
// recent ones (it decays by an eighth per record).
func (s *Scanner) noteLen(n int) {
	s.typical = max(n, s.typical-s.typical>>3)
}

var newlineBrace = []byte("\n{")

// noteStraddle grows the buffer fill aims for after a record of n bytes
// went on beyond the input buffered when it began: to 32 such records (at
// most MaxRecordSize plus a read chunk, the bound the buffer always had),
// so that take seldom sees records cut by the end of the buffer.
func (s *Scanner) noteStraddle(n int) {
	s.want = min(s.maxBuf, max(s.want, 32*n))
}

// Bytes returns the raw bytes of the current record, valid until the next
// call to Next or Reset (copy them to keep them). For a bad record these are
// the bytes skipped, at most MaxRecordSize of them (an oversized record's
// first MaxRecordSize bytes). It is nil once Next has returned false.
func (s *Scanner) Bytes() []byte { return s.recB }

// Err returns a *RecordError if the current record is bad, else nil.
func (s *Scanner) Err() error {
	if s.recErr == nil {
		return nil
	}
	return s.recErr
}

// Record returns the 1-based number of the current record.
func (s *Scanner) Record() int { return s.rec }

// Offset returns the offset of the current record's first byte in the
// decompressed input.
func (s *Scanner) Offset() int64 { return s.recOff }

// Fatal returns the I/O or decompression error that ended scanning, or nil
// at a clean end of input.
func (s *Scanner) Fatal() error { return s.fatal }

// Framing returns the framing of the current document.
func (s *Scanner) Framing() Framing { return s.framing }

// Compression returns the compression detected, valid once Next was called.
func (s *Scanner) Compression() Compression { return s.comp }

// BytesRead returns the number of decompressed bytes read so far (which may
// run ahead of the current record by what the buffer holds: at most
// MaxRecordSize plus a read chunk).
func (s *Scanner) BytesRead() int64 { return s.nread }

// start detects the compression and sets up the decompressed reader.
func (s *Scanner) start() {
	s.state = stDoc
	if s.src == nil { // after Close
		s.state = stDone
		return
	}
	var err error
	s.rd, s.comp, err = s.dec.open(s.src, s.opt)
	if err != nil {
		s.fatal = err
	}
}

// decoders opens inputs: it detects their compression and keeps the
// decompressors for the next input.
type decoders struct {
	pre prefixReader
	lim limitReader
	gz  *gzip.Reader
	zd  *zstd.Decoder
}

// open returns a reader of src's decompressed bytes, limited to
// opt.MaxDecompressed, and the compression detected.
func (d *decoders) open(src io.Reader, opt Options) (io.Reader, Compression, error) {
	d.pre.reset(src)
	if err := d.pre.peek(); err != nil {
		return nil, None, err
	}
	comp := detect(d.pre.pre)
	var rd io.Reader = &d.pre
	switch comp {
	case Gzip:
		var err error
		if d.gz == nil {
			d.gz, err = gzip.NewReader(&d.pre)
		} else {
			err = d.gz.Reset(&d.pre)
		}
		if err != nil {
			return nil, comp, fmt.Errorf("gzip: %w", err)
		}
		d.gz.Multistream(true)
		rd = d.gz
	case Zstd:
		var err error
		if d.zd == nil {
			d.zd, err = NewZstdDecoder(&d.pre, opt.MaxZstdWindow)
		} else {
			err = d.zd.Reset(&d.pre)
		}
		if err != nil {
			return nil, comp, fmt.Errorf("zstd: %w", err)
		}
		rd = d.zd
	}
	if opt.MaxDecompressed > 0 {
		d.lim = limitReader{r: rd, n: opt.MaxDecompressed, limit: opt.MaxDecompressed}
		rd = &d.lim
	}
	return rd, comp, nil
}

// close releases the zstd decoder.
func (d *decoders) close() {
	if d.zd != nil {
		d.zd.Close()
		d.zd = nil
	}
}

// fill reads more input. Buffered bytes before keep may be dropped. It
// returns false, with nothing read, at the end of the input or on an error.
//
// The buffer is compacted (live bytes moved to its start) only when it is
// full, and grown (doubling from minBuf up to MaxRecordSize plus one read
// chunk) when it is smaller than a read chunk or the live bytes take more
// than half of it, so that the copying stays linear in the input even with
// tiny reads.
func (s *Scanner) fill(keep int) bool {
	if s.eof {
		return false
	}
	if s.rerr != nil {
		s.fatal = s.rerr
		return false
	}
	if s.end == len(s.buf) {
		live := s.end - keep
		var nb []byte
		if len(s.buf) < s.maxBuf && (len(s.buf) < readChunk || live > len(s.buf)/2 || len(s.buf) < s.want) {
			nb = make([]byte, min(max(2*len(s.buf), minBuf, s.want), s.maxBuf))
		} else if keep > 0 {
			nb = s.buf
		} else { // cannot happen: spans are bounded by MaxRecordSize
			s.fatal = errors.New("stream: internal error: buffer full")
			return false
		}
		copy(nb, s.buf[keep:s.end])
		s.buf = nb
		s.end = live
		s.pos -= keep
		s.rs -= keep
		s.base += int64(keep)
	}
	for range 100 {
		// Reads of a few records at a time: what is decoded next is still
		// in the cache.
		want := min(len(s.buf)-s.end, max(4*readChunk, 8*s.typical))
		n, err := s.rd.Read(s.buf[s.end : s.end+want])
		if n < 0 || n > want {
			s.fatal = errors.New("stream: invalid Read count")
			return false
		}
		s.end += n
		s.nread += int64(n)
		s.full = n == want
		if err != nil {
			if err == io.EOF {
				s.eof = true
			} else {
				s.rerr = err
			}
			if n > 0 {
				return true
			}
			if s.rerr != nil {
				s.fatal = s.rerr
			}
			return false
		}
		if n > 0 {
			return true
		}
	}
	s.fatal = io.ErrNoProgress
	return false
}

// canFill reports whether fill(keep) has room to read into: free space at
// the end of the buffer, bytes before keep to drop, or room to grow. A
// buffer of MaxRecordSize plus a read chunk always has room while a record
// is framed, but reading on before offering a record (tryTake) may find it
// full of records as large as the limit.
func (s *Scanner) canFill(keep int) bool {
	return s.end < len(s.buf) || keep > 0 || len(s.buf) < s.maxBuf
}

func isWS(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// peek skips whitespace and returns the next byte without consuming it.
func (s *Scanner) peek() (byte, bool) {
	for {
		for s.pos < s.end {
			c := s.buf[s.pos]
			if !isWS(c) {
				return c, true
			}
			s.pos++
		}
		if !s.fill(s.pos) {
			return 0, false
		}
	}
}

// bom skips a UTF-8 byte order mark at s.pos, reporting whether there was one.
func (s *Scanner) bom() bool {
	for s.end-s.pos < 3 {
		if !s.fill(s.pos) {
			break
		}
	}
	if s.end-s.pos >= 3 && s.buf[s.pos+1] == 0xBB && s.buf[s.pos+2] == 0xBF {
		s.pos += 3
		return true
	}
	return false
}

// apiObject reports whether the '{' at s.pos starts a REST API object, that
// is whether its first key is "logs", "version" or "tailnetId".
func (s *Scanner) apiObject() bool {
	const longest = len("tailnetId") + 1 // with the closing quote
	i := 1                               // offset from s.pos (which fill may move)
	for {
		limit := min(s.end-s.pos, 1+apiKeyLookahead)
		for i < limit && isWS(s.buf[s.pos+i]) {
			i++
		}
		if i < limit {
			if s.buf[s.pos+i] != '"' {
				return false
			}
			rest := s.buf[s.pos+i+1 : s.end]
			if j := bytes.IndexByte(rest[:min(len(rest), longest)], '"'); j >= 0 {
				switch string(rest[:j]) {
				case "logs", "version", "tailnetId":
					return true
				}
				return false
			}
			if len(rest) >= longest {
				return false
			}
		} else if i >= 1+apiKeyLookahead {
			return false
		}
		if !s.fill(s.pos) {
			return false
		}
	}
}

// beginStream starts a stream document at s.pos.
func (s *Scanner) beginStream() {
	s.framing = FramingStream
	s.state = stStream
}

// openAtEOF ends scanning at the end of the input inside an array or API
// document, between records. Unless a record cut by the end of the input
// was just reported, this is a truncated input: it reports a bad record
// (with no bytes, at the end of the input) so that a cut download never
// looks complete, and returns true.
func (s *Scanner) openAtEOF() bool {
	s.state = stDone
	if s.fatal != nil || s.eofCut {
		return false
	}
	msg := "truncated input: the array is not closed"
	if s.inAPI {
		msg = `truncated input: the API object's "logs" array is not closed`
	} else if s.framing == FramingAPI {
		msg = "truncated input: the API object is not closed"
	}
	s.rec++
	s.recOff = s.base + int64(s.end)
	s.recB = s.buf[s.end:s.end]
	s.recErr = &RecordError{Record: s.rec, Offset: s.recOff, Err: ErrTruncated, Msg: msg}
	return true
}

func (s *Scanner) endArray() {
	if s.inAPI {
		s.inAPI = false
		s.state = stAPIAfter
	} else {
		s.state = stDoc
	}
}

// Stop sets for spStop spans.
var (
	// scalarStops ends a scalar array element.
	scalarStops = stopSet(" \t\r\n,]}[{\"")
	// apiScalarStops ends a scalar value in an API object.
	apiScalarStops = stopSet(" \t\r\n,}]")
	// arrGarbageStops and apiGarbageStops end garbage in an array and in an
	// API object.
	arrGarbageStops = stopSet(",]{")
	apiGarbageStops = stopSet(",}\"")
)

func stopSet(chars string) (t [256]bool) {
	for i := 0; i < len(chars); i++ {
		t[chars[i]] = true
	}
	return t
}

func (s *Scanner) begin(kind spanKind, emit bool) {
	s.rs = s.pos
	s.region = 0
	s.sp = span{kind: kind, emit: emit, off: s.base + int64(s.pos), stopByte: -1}
}

func (s *Scanner) beginComposite(emit bool) {
	s.begin(spComposite, emit)
	s.push(s.buf[s.pos] == '{')
	s.pos++
}

func (s *Scanner) beginString(emit bool) {
	s.begin(spString, emit)
	s.sp.inStr = true
	s.pos++
}

func (s *Scanner) beginScalar(emit bool, stops *[256]bool) {
	s.begin(spStop, emit)
	s.sp.stop = stops
}

// beginGarbage starts a bad record at s.pos, which ends before the next
// byte in stops (or, if stops is nil, the next '{'); its first byte is always
// part of it. format describes the error, with %s for that first byte.
func (s *Scanner) beginGarbage(stops *[256]bool, format string) {
	s.begin(spStop, true)
	s.sp.trim = true
	s.sp.stop = stops
	if stops == nil {
		s.sp.stopByte = '{'
	}
	s.sp.setErr(ErrSyntax, format, s.buf[s.pos])
	s.pos++
}

func (sp *span) setErr(kind error, format string, c byte) {
	if sp.errKind == nil {
		sp.errKind, sp.errFmt, sp.errArg = kind, format, c
	}
}

func (sp *span) setErrMsg(kind error, msg string) {
	if sp.errKind == nil {
		sp.errKind, sp.errMsg, sp.errFmt = kind, msg, ""
	}
}

// run scans the current span and reports whether it produced a record.
func (s *Scanner) run() bool {
	return s.runSpan() && s.finish()
}

// runSpan scans the current span to its end, reading as needed. It returns
// false if a fatal error stopped it.
func (s *Scanner) runSpan() bool {
	for {
		lim := s.end
		if !s.sp.skipping && lim-s.rs > s.max {
			// One byte past the limit tells whether the span is longer.
			lim = s.rs + s.max + 1
		}
		var done bool
		switch s.sp.kind {
		case spComposite:
			done = s.scanComposite(lim)
		case spString:
			done = s.scanString(lim)
		default:
			done = s.scanStop(lim)
		}
		if done {
			return true
		}
		// s.pos == lim: more input is needed.
		if !s.sp.skipping && s.pos-s.rs > s.max {
			s.enterSkip()
			continue
		}
		keep := s.rs
		if s.sp.skipping {
			s.discard()
			keep = 0
		}
		if !s.fill(keep) {
			if s.fatal != nil {
				return false
			}
			s.atEOF()
			return true
		}
	}
}

// enterSkip switches the current span to skipping: its first MaxRecordSize
// bytes are kept at the start of the buffer, and the rest is scanned in the
// space after them without being kept.
func (s *Scanner) enterSkip() {
	if s.readonly { // a chunk of the caller's: work on a copy of it
		s.buf, s.readonly = append([]byte(nil), s.buf...), false
	}
	if s.rs > 0 {
		n := copy(s.buf, s.buf[s.rs:s.end])
		s.end = n
		s.pos -= s.rs
		s.base += int64(s.rs)
		s.rs = 0
	}
	s.region = s.max
	s.sp.skipping = true
	s.sp.tailRaw = s.buf[s.region-1]
	s.sp.tailSig, s.sp.tailOff = 0, -1
	for j := s.region - 1; j >= 0; j-- {
		if c := s.buf[j]; !isWS(c) {
			s.sp.tailSig, s.sp.tailOff = c, s.base+int64(j)
			break
		}
	}
}

// discard drops the scanned bytes of a skipping span.
func (s *Scanner) discard() {
	s.sp.tailSig, s.sp.tailOff = s.lastSig(s.end)
	if s.end > s.region {
		s.sp.tailRaw = s.buf[s.end-1]
	}
	s.base += int64(s.end - s.region)
	s.end = s.region
	s.pos = s.region
}

// atEOF ends the current span at the end of the input.
func (s *Scanner) atEOF() {
	sp := &s.sp
	sp.end = s.end
	s.pos = s.end
	switch {
	case sp.inStr:
		sp.setErrMsg(ErrTruncated, "truncated input: unterminated string")
		s.eofCut = true
	case sp.kind == spComposite:
		if s.bracket(1) {
			sp.setErrMsg(ErrTruncated, "truncated input: unterminated object")
		} else {
			sp.setErrMsg(ErrTruncated, "truncated input: unterminated array")
		}
		s.eofCut = true
	}
}

// finish turns the finished span into the current record, if it is one.
func (s *Scanner) finish() bool {
	sp := &s.sp
	if !sp.emit && sp.errKind == nil {
		return false
	}
	// The record's length, without the whitespace before the next record
	// for a bad one that ends there.
	length := s.base + int64(sp.end) - sp.off
	if sp.trim {
		if _, off := s.lastSig(sp.end); off >= sp.off {
			length = off + 1 - sp.off
		}
	}
	first := s.rs // index of the record's first byte
	if sp.skipping {
		first = 0
	}
	errKind, msg := sp.errKind, sp.errMsg
	if sp.errFmt != "" {
		msg = fmt.Sprintf(sp.errFmt, quoteByte(sp.errArg))
	}

	if length > int64(s.max) {
		// An oversized record keeps its first MaxRecordSize bytes, which
		// the buffer holds; the size error takes precedence.
		length = int64(s.max)
		if sp.emit {
			errKind, msg = ErrRecordTooLarge, fmt.Sprintf("record exceeds the %d-byte limit", s.max)
		}
	}
	if s.missEnd > 0 {
		if sp.off+length > s.missEnd {
			s.noteStraddle(int(length))
		}
		s.missEnd = 0
	}
	s.noteLen(int(length))
	s.rec++
	s.recB = s.buf[first : first+int(length)]
	s.recOff = sp.off
	if errKind != nil {
		s.recErr = &RecordError{Record: s.rec, Offset: sp.off, Err: errKind, Msg: msg}
	}
	return true
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		if c == '\'' {
			return `'\''`
		}
		return "'" + string(rune(c)) + "'"
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

package stream

import (
	"bytes"
	"errors"
	"io"
)

// Reading one input on several goroutines: a Splitter cuts the decompressed
// input into chunks where a record of a stream probably starts; a Scanner
// reads each chunk (ResetChunk) as if it read the input from there, in
// stream state; a chunk that it ends between records (EndedBetweenRecords)
// was cut where the Scanner reading the whole input would have been between
// records, so that the records of the chunks are those of the input. Where
// a guess was wrong (a chunk that ends inside a record, or leaves the stream
// for an array), the input is read on from the start of that chunk by one
// Scanner (ResetAt), which can hand back to the chunks at the next chunk
// boundary it reaches between records of a stream (Settled).

// ErrChunkEnd is the end given to ResetChunk for a chunk that the input goes
// on beyond: the fatal error that ends reading the chunk.
var ErrChunkEnd = errors.New("stream: end of chunk")

// ResetChunk makes the Scanner read data, which starts at offset base of a
// decompressed input, in place: the Scanner does not change data, which must
// stay unchanged while it is in use. Records are numbered from 1. If
// stream, data starts between two records of a stream (FramingStream);
// otherwise at the start of a document. At the end of data, the input ends
// (end nil) or fails with end, as a read error would end it there.
func (s *Scanner) ResetChunk(data []byte, base int64, stream bool, end error) {
	s.Reset(nil)
	s.buf, s.readonly = data, true
	s.end = len(data)
	s.base, s.nread = base, base+int64(len(data))
	s.eof = end == nil
	s.rerr = end
	s.state = stDoc
	if stream {
		s.state, s.framing = stStream, FramingStream
	}
}

// ResetAt makes the Scanner read r, the decompressed input from offset base
// on, as ResetChunk does; the first record is number rec+1.
func (s *Scanner) ResetAt(r io.Reader, base int64, rec int, stream bool) {
	s.Reset(r)
	s.rd = r
	s.base, s.nread, s.rec = base, base, rec
	s.state = stDoc
	if stream {
		s.state, s.framing = stStream, FramingStream
	}
}

// EndedBetweenRecords reports whether Next, having returned false, stopped
// between two records of a stream, rather than inside a record or a
// document of another framing.
func (s *Scanner) EndedBetweenRecords() bool { return s.between }

// Settled reports whether the Scanner, just after Next returned a record,
// is between records of a stream with every byte it has read scanned (the
// whitespace after the record included): what follows in the input will
// start a record or a document.
func (s *Scanner) Settled() bool {
	if s.state != stStream {
		return false
	}
	for s.pos < s.end && isWS(s.buf[s.pos]) {
		s.pos++
	}
	return s.pos == s.end
}

// Splitter cuts an input into chunks for Scanner.ResetChunk: it
// decompresses it and cuts it after at least Size bytes at the next place
// where a record of a stream probably starts, a '{' right after a newline
// or a '}'. A chunk with no such place within Size + MaxRecordSize + 64 KiB
// bytes is cut there anyway.
type Splitter struct {
	opt   Options
	dec   decoders
	rd    io.Reader
	comp  Compression
	size  int
	max   int
	carry []byte // read beyond the last cut
	off   int64  // input offset of carry
	end   error  // the input's end: io.EOF, or a read error
	first bool
}

// NewSplitter returns a Splitter of r's decompressed bytes, in chunks of at
// least size bytes (at least 1), with the limits of opt. A fatal
// error detecting or opening the compression is returned by Next.
func NewSplitter(r io.Reader, opt Options, size int) *Splitter {
	rec := opt.MaxRecordSize
	if rec <= 0 {
		rec = DefaultMaxRecordSize
	}
	size = max(size, 1)
	sp := &Splitter{opt: opt, size: size, max: size + min(rec, maxMaxRecordSize) + readChunk, first: true}
	var err error
	sp.rd, sp.comp, err = sp.dec.open(r, opt)
	if err != nil {
		sp.end = err
	}
	return sp
}

// Compression returns the compression detected.
func (sp *Splitter) Compression() Compression { return sp.comp }

// Close releases the Splitter's zstd decoder.
func (sp *Splitter) Close() { sp.dec.close() }

// Next fills buf (reusing its memory) with the next chunk and returns it,
// its input offset, whether it is the first one and, for the last one, how
// the input ends after it (nil at its end, or a read error): last is
// false while the input goes on. ok is false when there are no more chunks
// (after the last one).
func (sp *Splitter) Next(buf []byte) (chunk []byte, off int64, first, last bool, end error, ok bool) {
	if sp.end != nil && len(sp.carry) == 0 && !sp.first {
		return nil, 0, false, false, nil, false
	}
	if cap(buf) < sp.size+2*readChunk {
		buf = make([]byte, 0, sp.size+2*readChunk)
	}
	buf = append(buf[:0], sp.carry...)
	sp.carry = sp.carry[:0]
	off, first = sp.off, sp.first
	sp.first = false
	from := 0 // where to look for a cut
	for {
		for sp.end == nil && len(buf) < sp.size {
			buf = sp.read(buf)
		}
		if len(buf) >= sp.size {
			if cut := findCut(buf, max(from, sp.size)); cut > 0 {
				sp.carry = append(sp.carry, buf[cut:]...)
				sp.off = off + int64(cut)
				return buf[:cut], off, first, false, nil, true
			}
			from = max(len(buf)-1, sp.size)
		}
		if sp.end != nil {
			end := sp.end
			if end == io.EOF {
				end = nil
			}
			sp.off = off + int64(len(buf))
			return buf, off, first, true, end, true
		}
		if len(buf) >= sp.max {
			// No place to cut: the Scanner reading this chunk will not
			// end it between records, and the input is read on in one.
			sp.off = off + int64(len(buf))
			return buf, off, first, false, nil, true
		}
		buf = sp.read(buf)
	}
}

// read reads up to a read chunk more into buf.
func (sp *Splitter) read(buf []byte) []byte {
	if cap(buf)-len(buf) < readChunk {
		nb := make([]byte, len(buf), 2*cap(buf)+readChunk)
		copy(nb, buf)
		buf = nb
	}
	for range 100 {
		n, err := sp.rd.Read(buf[len(buf) : len(buf)+readChunk])
		buf = buf[:len(buf)+n]
		if err != nil {
			sp.end = err
			return buf
		}
		if n > 0 {
			return buf
		}
	}
	sp.end = io.ErrNoProgress
	return buf
}

// findCut returns the index, at or after from, of the first '{' right
// after a '\n' or a '}', or 0 if there is none.
func findCut(b []byte, from int) int {
	for i := from; i < len(b); {
		j := bytes.IndexByte(b[i:], '{')
		if j < 0 {
			return 0
		}
		i += j
		if i > 0 && (b[i-1] == '\n' || b[i-1] == '}') {
			return i
		}
		i++
	}
	return 0
}

package stream

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Compression is the compression format of an input stream.
type Compression int

const (
	// None means the input is not compressed.
	None Compression = iota
	// Gzip means gzip (RFC 1952), possibly several concatenated members.
	Gzip
	// Zstd means Zstandard, possibly several concatenated frames.
	Zstd
)

// String returns "none", "gzip" or "zstd".
func (c Compression) String() string {
	switch c {
	case None:
		return "none"
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	}
	return fmt.Sprintf("Compression(%d)", int(c))
}

// DefaultMaxZstdWindow is the largest zstd window (back-reference distance)
// accepted when Options.MaxZstdWindow is 0. It covers every level of the
// reference zstd tool except --ultra/--long, and bounds the decoder's memory.
const DefaultMaxZstdWindow = 64 << 20

// ErrTooLarge is the fatal error (wrapped, test with errors.Is) returned when
// the decompressed input exceeds Options.MaxDecompressed or the limit given to
// LimitReader.
var ErrTooLarge = errors.New("decompressed input exceeds the size limit")

// ErrUnsupportedEncoding is returned by ParseContentEncoding for an encoding
// the package cannot decode.
var ErrUnsupportedEncoding = errors.New("unsupported content encoding")

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// detect returns the compression announced by the first bytes of a stream.
func detect(magic []byte) Compression {
	switch {
	case len(magic) >= 2 && magic[0] == gzipMagic[0] && magic[1] == gzipMagic[1]:
		return Gzip
	case len(magic) >= 4 && string(magic[:4]) == string(zstdMagic):
		return Zstd
	}
	return None
}

// ParseContentEncoding maps an HTTP Content-Encoding header value to a
// Compression: "" and "identity" are None, "gzip" and "x-gzip" are Gzip,
// "zstd" is Zstd (case-insensitive). Anything else, including a list of
// several encodings, returns ErrUnsupportedEncoding.
func ParseContentEncoding(v string) (Compression, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "identity":
		return None, nil
	case "gzip", "x-gzip":
		return Gzip, nil
	case "zstd":
		return Zstd, nil
	}
	return None, fmt.Errorf("%w: %q", ErrUnsupportedEncoding, v)
}

// NewZstdDecoder returns a streaming zstd decoder set up for low memory use:
// no concurrency (no goroutines), low-memory buffers, and frames whose window
// is larger than maxWindow (0 means DefaultMaxZstdWindow) rejected.
func NewZstdDecoder(r io.Reader, maxWindow int) (*zstd.Decoder, error) {
	if maxWindow <= 0 {
		maxWindow = DefaultMaxZstdWindow
	}
	if maxWindow < zstd.MinWindowSize {
		maxWindow = zstd.MinWindowSize
	}
	return zstd.NewReader(r,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(uint64(maxWindow)),
		zstd.WithDecoderMaxMemory(uint64(maxWindow)),
	)
}

// NewDecompressorFor returns a reader of the decompressed bytes of r, which is
// compressed with c (for example as given by ParseContentEncoding). Close
// releases the decoder's resources; it does not close r.
func NewDecompressorFor(r io.Reader, c Compression) (io.ReadCloser, error) {
	switch c {
	case None:
		return io.NopCloser(r), nil
	case Gzip:
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return zr, nil
	case Zstd:
		zr, err := NewZstdDecoder(r, 0)
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return zr.IOReadCloser(), nil
	}
	return nil, fmt.Errorf("%w: %v", ErrUnsupportedEncoding, c)
}

// NewDecompressor detects the compression of r from its magic bytes (gzip
// 1f 8b, zstd 28 b5 2f fd, otherwise none) and returns a reader of the
// decompressed bytes. Close releases the decoder's resources; it does not
// close r. An empty r yields an empty reader and None.
func NewDecompressor(r io.Reader) (io.ReadCloser, Compression, error) {
	p := &prefixReader{r: r}
	if err := p.peek(); err != nil {
		return nil, None, err
	}
	c := detect(p.pre)
	rc, err := NewDecompressorFor(p, c)
	return rc, c, err
}

// LimitReader returns a reader that reads from r but fails with an error
// wrapping ErrTooLarge as soon as r turns out to hold more than n bytes.
// Exactly n bytes read cleanly.
func LimitReader(r io.Reader, n int64) io.Reader {
	return &limitReader{r: r, n: n, limit: n}
}

type limitReader struct {
	r     io.Reader
	n     int64 // bytes still allowed
	limit int64
	one   [1]byte
}

func (l *limitReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if l.n <= 0 {
		// Everything allowed has been read: find out whether more follows.
		for range 100 {
			n, err := l.r.Read(l.one[:])
			if n > 0 {
				return 0, fmt.Errorf("%w (%d bytes)", ErrTooLarge, l.limit)
			}
			if err != nil {
				return 0, err
			}
		}
		return 0, io.ErrNoProgress
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// prefixReader reads the first few bytes of a stream ahead (to detect the
// compression) and then serves them before the rest of the stream.
type prefixReader struct {
	r   io.Reader
	buf [4]byte
	pre []byte // unread part of buf
}

func (p *prefixReader) reset(r io.Reader) {
	p.r = r
	p.pre = nil
}

// peek reads up to 4 bytes ahead. A short stream is not an error.
func (p *prefixReader) peek() error {
	n, zero := 0, 0
	for n < len(p.buf) {
		m, err := p.r.Read(p.buf[n:])
		n += m
		if err != nil {
			p.pre = p.buf[:n]
			if err == io.EOF {
				err = nil
			}
			return err
		}
		if m == 0 {
			if zero++; zero >= 100 {
				return io.ErrNoProgress
			}
		}
	}
	p.pre = p.buf[:n]
	return nil
}

func (p *prefixReader) Read(b []byte) (int, error) {
	if len(p.pre) > 0 {
		n := copy(b, p.pre)
		p.pre = p.pre[n:]
		if len(p.pre) > 0 || n == len(b) {
			return n, nil
		}
		// Fill the rest too: the few bytes read ahead hold no record, and
		// a reader that gets them alone reads again at once.
		m, err := p.r.Read(b[n:])
		return n + m, err
	}
	return p.r.Read(b)
}

package stream

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewDecompressor(t *testing.T) {
	plain := []byte(recA + recB)
	for _, c := range []Compression{None, Gzip, Zstd} {
		rc, got, err := NewDecompressor(bytes.NewReader(compress(t, c, plain)))
		require.NoError(t, err, c)
		assert.Equal(t, c, got)
		out, err := io.ReadAll(rc)
		require.NoError(t, err, c)
		assert.Equal(t, plain, out, c)
		require.NoError(t, rc.Close())
	}
	// Short and empty inputs are plain.
	for _, in := range []string{"", "{", "\x1f"} {
		rc, c, err := NewDecompressor(strings.NewReader(in))
		require.NoError(t, err)
		assert.Equal(t, None, c)
		out, err := io.ReadAll(rc)
		require.NoError(t, err)
		assert.Equal(t, in, string(out))
	}
	// A gzip header that is not one is an error.
	_, _, err := NewDecompressor(strings.NewReader("\x1f\x8bnot gzip"))
	assert.Error(t, err)
}

func TestNewDecompressorFor(t *testing.T) {
	plain := []byte(recC)
	for _, c := range []Compression{None, Gzip, Zstd} {
		rc, err := NewDecompressorFor(bytes.NewReader(compress(t, c, plain)), c)
		require.NoError(t, err)
		out, err := io.ReadAll(rc)
		require.NoError(t, err)
		assert.Equal(t, plain, out)
		require.NoError(t, rc.Close())
	}
	// Content-Encoding: gzip on a body that is not gzip.
	_, err := NewDecompressorFor(strings.NewReader(recC), Gzip)
	assert.Error(t, err)
	_, err = NewDecompressorFor(strings.NewReader(recC), Compression(9))
	assert.ErrorIs(t, err, ErrUnsupportedEncoding)
}

func TestParseContentEncoding(t *testing.T) {
	for in, want := range map[string]Compression{"": None, "identity": None, "gzip": Gzip, " GZIP ": Gzip, "x-gzip": Gzip, "zstd": Zstd} {
		c, err := ParseContentEncoding(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, c, in)
	}
	for _, in := range []string{"br", "deflate", "gzip, zstd"} {
		_, err := ParseContentEncoding(in)
		assert.ErrorIs(t, err, ErrUnsupportedEncoding, in)
		assert.ErrorContains(t, err, in)
	}
}

func TestLimitReader(t *testing.T) {
	out, err := io.ReadAll(LimitReader(strings.NewReader("0123456789"), 10))
	require.NoError(t, err)
	assert.Equal(t, "0123456789", string(out))

	out, err = io.ReadAll(LimitReader(strings.NewReader("0123456789"), 9))
	assert.ErrorIs(t, err, ErrTooLarge)
	assert.ErrorContains(t, err, "(9 bytes)")
	assert.Equal(t, "012345678", string(out))

	// With a Content-Encoding decoder in front, as an HTTP receiver does.
	body := gzipBytes(t, []byte(strings.Repeat("x", 1<<20)))
	rc, err := NewDecompressorFor(bytes.NewReader(body), Gzip)
	require.NoError(t, err)
	n, err := io.Copy(io.Discard, LimitReader(rc, 1000))
	assert.ErrorIs(t, err, ErrTooLarge)
	assert.Equal(t, int64(1000), n)
}

func TestZstdWindowLimit(t *testing.T) {
	// A frame that asks for an 8 MiB window is refused with a 1 MiB limit.
	var buf bytes.Buffer
	w, err := zstd.NewWriter(&buf, zstd.WithWindowSize(8<<20), zstd.WithEncoderConcurrency(1))
	require.NoError(t, err)
	var plain bytes.Buffer
	records := 0
	for ; plain.Len() < 3<<20; records++ {
		plain.Write(envelope(records, records%50))
	}
	_, err = w.Write(plain.Bytes())
	require.NoError(t, err)
	require.NoError(t, w.Close())

	s := NewScanner(bytes.NewReader(buf.Bytes()), Options{MaxZstdWindow: 1 << 20})
	for s.Next() {
	}
	assert.ErrorIs(t, s.Fatal(), zstd.ErrWindowSizeExceeded)
	assert.Equal(t, Zstd, s.Compression())

	// The default limit accepts it.
	s = NewScanner(bytes.NewReader(buf.Bytes()), Options{})
	n := 0
	for s.Next() {
		require.NoError(t, s.Err())
		n++
	}
	require.NoError(t, s.Fatal())
	assert.Equal(t, int64(plain.Len()), s.BytesRead())
	assert.Equal(t, records, n)
}

package stream

import (
	"bytes"
	"testing"
)

// benchInput returns about 8 MiB of concatenated ~4 KB envelopes.
func benchInput(b *testing.B) ([]byte, int) {
	var buf bytes.Buffer
	n := 0
	for buf.Len() < 8<<20 {
		buf.Write(envelope(n, 30))
		n++
	}
	return buf.Bytes(), n
}

func benchScan(b *testing.B, in []byte, size, want int) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	rd := bytes.NewReader(in)
	s := NewScanner(rd, Options{})
	b.ResetTimer()
	for b.Loop() {
		rd.Reset(in)
		s.Reset(rd)
		n := 0
		for s.Next() {
			if s.Err() != nil {
				b.Fatal(s.Err())
			}
			n++
		}
		if n != want || s.Fatal() != nil {
			b.Fatalf("got %d records, fatal %v; want %d", n, s.Fatal(), want)
		}
	}
}

// BenchmarkScan measures uncompressed concatenated envelopes; MB/s is of the
// decompressed input in all three.
func BenchmarkScan(b *testing.B) {
	in, n := benchInput(b)
	benchScan(b, in, len(in), n)
}

func BenchmarkScanGzip(b *testing.B) {
	in, n := benchInput(b)
	benchScan(b, gzipBytes(b, in), len(in), n)
}

func BenchmarkScanZstd(b *testing.B) {
	in, n := benchInput(b)
	benchScan(b, zstdBytes(b, in), len(in), n)
}

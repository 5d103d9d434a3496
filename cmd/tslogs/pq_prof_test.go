package main

import (
	"io"
	"os"
	"strings"
	"testing"
)

func BenchmarkParquetTmp(b *testing.B) {
	path, _ := benchCorpus(b)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	for b.Loop() {
		dir := b.TempDir()
		var errs strings.Builder
		if code := parseOrValidate("parse", []string{"--format", "parquet", "--out", dir, path}, os.Stdin, io.Discard, &errs); code != exitOK {
			b.Fatalf("exit %d: %s", code, errs.String())
		}
	}
}

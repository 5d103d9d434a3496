package jlex_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tslogs/tslogs/jlex"
)

func benchStrings(b *testing.B, text string) {
	doc := []byte(`"` + text + `"`)
	var l jlex.Lexer
	arena := make([]byte, 0, 2*len(doc))
	var s string
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		l.ResetView(doc, arena)
		if !l.String(&s) {
			b.Fatal(l.Err())
		}
	}
}

func BenchmarkStringPlain(b *testing.B)    { benchStrings(b, strings.Repeat("abcdefgh", 32)) }
func BenchmarkStringEscaped(b *testing.B)  { benchStrings(b, strings.Repeat(`abc\"efg\n`, 32)) }
func BenchmarkStringNonASCII(b *testing.B) { benchStrings(b, strings.Repeat("abcdéfgh", 32)) }

func BenchmarkSkipString(b *testing.B) {
	doc := []byte(`"` + strings.Repeat(`abcdefgh\n`, 32) + `"`)
	var l jlex.Lexer
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		l.ResetView(doc, nil)
		l.Skip()
	}
}

func BenchmarkInt64(b *testing.B) {
	for _, tok := range []string{"7", "3456", "1780500887356", "-9223372036854775808", `"1780500887356"`} {
		b.Run(tok, func(b *testing.B) {
			doc := []byte(tok)
			var l jlex.Lexer
			var v int64
			b.ReportAllocs()
			for b.Loop() {
				l.ResetView(doc, nil)
				if !l.Int64(&v) {
					b.Fatal(l.Err())
				}
			}
		})
	}
}

func BenchmarkStrconvParseInt(b *testing.B) {
	for b.Loop() {
		if _, err := strconv.ParseInt("1780500887356", 10, 64); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseRFC3339(b *testing.B) {
	in := []byte("2026-06-03T15:34:47.356123-07:30")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := jlex.ParseRFC3339(in); !ok {
			b.Fatal("rejected")
		}
	}
}

func BenchmarkTimeParseRFC3339Nano(b *testing.B) {
	in := "2026-06-03T15:34:47.356123-07:30"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := time.Parse(time.RFC3339Nano, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseUnix(b *testing.B) {
	for _, tok := range []string{"1780500887", "1780500887.356", "1.780500887356e9"} {
		b.Run(tok, func(b *testing.B) {
			in := []byte(tok)
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := jlex.ParseUnix(in); !ok {
					b.Fatal("rejected")
				}
			}
		})
	}
}

func BenchmarkDecodeRecord(b *testing.B) {
	data := []byte(realisticRecordForBench)
	var l jlex.Lexer
	arena := make([]byte, 0, 4096)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		l.ResetView(data, arena)
		decodeDoc(&l)
	}
}

// realisticRecordForBench is shaped like decodeDoc's schema, with unknown
// members to skip.
var realisticRecordForBench = `{"z":[1,2,3],"a":{"q":{"r":"s"},"b":[` + strings.Repeat(`{"c":1780500887356,"d":"abcdefgh","e":[true,false,null]},`, 20) + `{"c":-1}]},"y":"done"}`

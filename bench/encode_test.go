package bench

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	gojson "github.com/goccy/go-json"
	"github.com/mailru/easyjson"
	"github.com/tslogs/tslogs/bench/corpus"
	"github.com/tslogs/tslogs/bench/mirror"
	"github.com/tslogs/tslogs/tailscale"
)

// tslogsRecord is a decoded tailscale.Network or tailscale.Audit.
type tslogsRecord interface {
	AppendJSON(dst []byte) []byte
	MarshalJSON() ([]byte, error)
}

// An encoder writes one decoded record as JSON. ts is the record decoded by
// tslogs, m the same record decoded into its mirror struct by goccy; buf
// is the previous output, for encoders that append.
type encoder struct {
	name string
	enc  func(ts tslogsRecord, m any, buf []byte) ([]byte, error)
}

// encoders lists the contenders of BenchmarkEncode: tslogs' generated
// encoders on tslogs' values, the peers' Marshal on the mirror structs
// (whose tags leave out empty fields, as AppendJSON leaves out absent ones).
var encoders = []encoder{
	{"tslogs-append", func(ts tslogsRecord, _ any, buf []byte) ([]byte, error) { return ts.AppendJSON(buf[:0]), nil }},
	{"tslogs-marshaljson", func(ts tslogsRecord, _ any, _ []byte) ([]byte, error) { return ts.MarshalJSON() }},
	{"tslogs-via-encoding-json", func(ts tslogsRecord, _ any, _ []byte) ([]byte, error) { return json.Marshal(ts) }},
	{stdName, func(_ tslogsRecord, m any, _ []byte) ([]byte, error) { return json.Marshal(m) }},
	{"goccy", func(_ tslogsRecord, m any, _ []byte) ([]byte, error) { return gojson.Marshal(m) }},
	{"easyjson", func(_ tslogsRecord, m any, _ []byte) ([]byte, error) { return easyjson.Marshal(m.(easyjson.Marshaler)) }},
}

// encodeCorpora are the corpora of many distinct records that
// BenchmarkEncode writes.
var encodeCorpora = []string{"netmix", "auditmix"}

// decodedCorpus is every record of a corpus decoded by tslogs and, into
// mirror structs, by goccy.
type decodedCorpus struct {
	kind   corpus.Kind
	ts     []tslogsRecord
	m      []any
	outLen int // bytes of AppendJSON's output for all records
}

func decodeCorpus(tb testing.TB, name string) decodedCorpus {
	tb.Helper()
	for _, c := range corpora {
		if c.Name != name {
			continue
		}
		d := decodedCorpus{kind: c.Kind}
		for i, rec := range c.records {
			var ts tslogsRecord
			var m any
			var err error
			switch c.Kind {
			case corpus.Network:
				x, y := new(tailscale.Network), new(mirror.Network)
				ts, m, err = x, y, x.Decode(rec)
				if err == nil {
					err = gojson.Unmarshal(rec, y)
				}
			case corpus.Audit:
				x, y := new(tailscale.Audit), new(mirror.Audit)
				ts, m, err = x, y, x.Decode(rec)
				if err == nil {
					err = gojson.Unmarshal(rec, y)
				}
			}
			if err != nil {
				tb.Fatalf("%s record %d: %v", name, i+1, err)
			}
			d.ts = append(d.ts, ts)
			d.m = append(d.m, m)
			d.outLen += len(ts.AppendJSON(nil))
		}
		return d
	}
	tb.Fatalf("no corpus %s", name)
	return decodedCorpus{}
}

// BenchmarkEncode runs every encoder on every record of the corpora of
// many distinct records:
//
//	BenchmarkEncode/corpus=C/enc=E
//
// One op writes every record of the corpus once. MB/s counts the bytes
// tslogs' AppendJSON writes for them, the same for every encoder, so that
// MB/s ratios are time ratios; out-B/op is what the encoder itself wrote;
// cpu-ns/op is the CPU time of the whole process per op (garbage
// collection on other threads included), beside ns/op, the wall time.
func BenchmarkEncode(b *testing.B) {
	for _, name := range encodeCorpora {
		d := decodeCorpus(b, name)
		b.Run("corpus="+name, func(b *testing.B) {
			for _, e := range encoders {
				b.Run("enc="+e.name, func(b *testing.B) {
					b.SetBytes(int64(d.outLen))
					b.ReportAllocs()
					var buf []byte
					out := 0
					cpu := cpuTime()
					for b.Loop() {
						out = 0
						for i := range d.ts {
							var err error
							buf, err = e.enc(d.ts[i], d.m[i], buf)
							if err != nil {
								b.Fatal(err)
							}
							out += len(buf)
						}
					}
					b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
					b.ReportMetric(float64(out), "out-B/op")
					b.ReportMetric(float64(b.N*len(d.ts))/b.Elapsed().Seconds(), "records/s")
				})
			}
		})
	}
}

// TestSameEncoding checks that every encoder writes every record of the
// encode corpora as JSON that tslogs decodes to the record it was given,
// compared in the canonical form of TestSameValues, and that tslogs'
// encoders agree byte for byte (encoding/json compacts, which changes
// nothing here: AppendJSON writes no whitespace outside json values, and
// the corpora's json values have none).
func TestSameEncoding(t *testing.T) {
	for _, name := range encodeCorpora {
		d := decodeCorpus(t, name)
		t.Run(name, func(t *testing.T) {
			for _, e := range encoders {
				t.Run(e.name, func(t *testing.T) {
					for i := range d.ts {
						out, err := e.enc(d.ts[i], d.m[i], nil)
						if err != nil {
							t.Fatalf("record %d: %v", i+1, err)
						}
						want := string(d.ts[i].AppendJSON(nil))
						if strings.HasPrefix(e.name, "tslogs-") && string(out) != want {
							t.Fatalf("record %d: %s wrote\n%s\nAppendJSON\n%s", i+1, e.name, out, want)
						}
						if err := sameRecord(d.kind, d.ts[i], out); err != nil {
							t.Fatalf("record %d: %s: %v\n%s", i+1, e.name, err, out)
						}
					}
				})
			}
		})
	}
}

// sameRecord decodes out with tslogs and compares it with want.
func sameRecord(kind corpus.Kind, want tslogsRecord, out []byte) error {
	var got, exp any
	switch kind {
	case corpus.Network:
		var x tailscale.Network
		if err := x.Decode(out); err != nil {
			return err
		}
		got, exp = canonTslogsNetwork(&x), canonTslogsNetwork(want.(*tailscale.Network))
	case corpus.Audit:
		var x tailscale.Audit
		if err := x.Decode(out); err != nil {
			return err
		}
		got, exp = canonTslogsAudit(&x), canonTslogsAudit(want.(*tailscale.Audit))
	}
	if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", exp); g != w {
		return fmt.Errorf("decodes to\n%s\nnot\n%s", g, w)
	}
	return nil
}

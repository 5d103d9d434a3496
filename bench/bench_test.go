package bench

import (
	"bytes"
	"testing"

	"github.com/tslogs/tslogs/bench/corpus"
	"github.com/tslogs/tslogs/tailscale"
)

// BenchmarkDecode runs every decoder on every corpus:
//
//	BenchmarkDecode/corpus=C/dec=D/dest=fresh|reuse|none
//
// One op decodes the whole corpus: one record, every distinct record of a
// Tailnet corpus (already split: only decoding is timed), or for
// corpus=stream every record of the ≥ 100 MB stream. Peers find the
// stream's records with corpus.Split, a plain brace-counting splitter,
// inside the timed loop (dec=split measures it alone). dec=tslogs-reader
// reads a multi-record corpus as one log-stream body with
// tailscale.Reader, which frames, detects and decodes each record into its
// reused destination. The *-netlogtype peers decode into Tailscale's own
// types and run on the Tailnet corpora only. MB/s counts the corpus'
// bytes; records/s its records.
func BenchmarkDecode(b *testing.B) {
	for _, c := range corpora {
		if !c.Bench {
			continue
		}
		b.Run("corpus="+c.Name, func(b *testing.B) {
			if c.Stream {
				b.Run("dec=tslogs-reader/dest=reuse", func(b *testing.B) { benchReader(b, c) })
			}
			if c.Stream && !c.PreSplit {
				b.Run("dec=split/dest=none", func(b *testing.B) {
					run(b, c, func() error {
						for rec, rest := corpus.Split(c.data); rec != nil; rec, rest = corpus.Split(rest) {
						}
						return nil
					})
				})
			}
			for _, d := range decoders {
				if !d.runs(c.Corpus) {
					continue
				}
				if d.floor != nil {
					b.Run("dec="+d.name+"/dest=none", func(b *testing.B) { run(b, c, each(c, d.floor)) })
					continue
				}
				for _, reuse := range []bool{false, true} {
					b.Run("dec="+d.name+"/dest="+destName(reuse), func(b *testing.B) {
						var decode func([]byte) error
						switch c.Kind {
						case corpus.Network:
							decode, _ = d.net(reuse)
						case corpus.Audit:
							decode, _ = d.audit(reuse)
						}
						run(b, c, each(c, decode))
					})
				}
			}
		})
	}
}

// each returns one op over c: decode its record, decode each of its
// records already split, or split its stream and decode every record.
func each(c loaded, decode func([]byte) error) func() error {
	if !c.Stream {
		rec := c.records[0]
		return func() error { return decode(rec) }
	}
	if c.PreSplit {
		return func() error {
			for _, rec := range c.records {
				if err := decode(rec); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return func() error {
		for rec, rest := corpus.Split(c.data); rec != nil; rec, rest = corpus.Split(rest) {
			if err := decode(rec); err != nil {
				return err
			}
		}
		return nil
	}
}

// run times op, reporting besides go test's figures the records per
// second and the process' CPU time: "cpu-MB/s" is the corpus' bytes over
// the CPU time the process spent in the loop (every thread, the garbage
// collector's included), which other processes on a shared machine
// disturb less than the wall time that MB/s counts.
func run(b *testing.B, c loaded, op func() error) {
	b.SetBytes(int64(len(c.data)))
	b.ReportAllocs()
	n := 0
	cpu0 := cpuTime()
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(n*len(c.records))/b.Elapsed().Seconds(), "records/s")
	if cpu > 0 {
		b.ReportMetric(float64(n)*float64(len(c.data))/1e6/cpu.Seconds(), "cpu-MB/s")
	}
}

func benchReader(b *testing.B, c loaded) {
	var br bytes.Reader
	r := tailscale.NewReader(&br, tailscale.ReaderOptions{LogType: tailscale.LogTypeNetwork})
	run(b, c, func() error {
		br.Reset(c.data)
		r.Reset(&br)
		n := 0
		for r.Next() {
			if err := r.Err(); err != nil {
				return err
			}
			n++
		}
		if err := r.Fatal(); err != nil {
			return err
		}
		if n != len(c.records) {
			b.Fatalf("tailscale.Reader read %d records, want %d", n, len(c.records))
		}
		return nil
	})
}

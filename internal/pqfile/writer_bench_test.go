package pqfile

import (
	"bufio"
	"bytes"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/synth"
	"github.com/tslogs/tslogs/jlex"
	"github.com/tslogs/tslogs/tailscale"
)

// BenchmarkWriter reads 16 MB of synthetic network records and writes them
// as Parquet to io.Discard (write), with p_enrichment (write-enriched), or
// only reads them (read, the baseline a writer's cost is measured against),
// reporting the process' CPU time per op beside wall time.
func BenchmarkWriter(b *testing.B) {
	var in bytes.Buffer
	bw := bufio.NewWriter(&in)
	_, _, err := synth.WriteSize(bw, synth.Options{Kind: synth.Network, Seed: 5}, 16<<20)
	require.NoError(b, err)
	require.NoError(b, bw.Flush())
	for _, c := range []struct {
		name          string
		write, enrich bool
	}{{"read", false, false}, {"write", true, false}, {"write-enriched", true, true}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(in.Len()))
			var out countingDiscard
			cpu0 := cpuTime()
			for b.Loop() {
				opt := tailscale.ReaderOptions{}
				if c.enrich {
					opt.Nodes = tailscale.NewNodeDirectory(0)
				}
				r := tailscale.NewReader(bytes.NewReader(in.Bytes()), opt)
				meta := &jlex.RowMeta{ParseTime: parseTime, RowIDPrefix: "r-"}
				var w *Writer
				out = countingDiscard{}
				for r.Next() {
					if !c.write {
						continue
					}
					if w == nil {
						w = NewWriter(&out, r.Columns(), Options{})
					}
					if err := w.Write(r, meta); err != nil {
						b.Fatal(err)
					}
				}
				if w != nil {
					require.NoError(b, w.Close())
				}
			}
			b.ReportMetric(float64(out.n), "file-bytes")
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package bench

import (
	"testing"
	"time"

	"github.com/tslogs/tslogs/tailscale"
)

// BenchmarkRow times the rows tslogs parse writes, from records already
// decoded:
//
//	BenchmarkRow/corpus=C/enrich=false|true
//	BenchmarkRow/corpus=C/rows=decoded
//
// One op writes the row of every distinct record of a Tailnet corpus
// (AppendRow: the record's members, p_log_type… p_row_id and the p_any_*
// indicators), and with enrich=true also its p_enrichment, from a node
// directory that has learned every record of the corpus first (what
// tslogs parse writes by default). rows=decoded writes the same rows with
// AppendDecodedRow, which copies members from the records' text (as
// tslogs parse does). MB/s counts the corpus' bytes.
func BenchmarkRow(b *testing.B) {
	for _, c := range corpora {
		if c.Tailnet == nil {
			continue
		}
		recs := make([]tailscale.Network, len(c.records))
		dir := tailscale.NewNodeDirectory(0)
		for i, rec := range c.records {
			if err := recs[i].Decode(rec); err != nil {
				b.Fatalf("%s: record %d: %v", c.Name, i+1, err)
			}
			dir.Learn(&recs[i])
		}
		for _, enrich := range []bool{false, true} {
			name := "corpus=" + c.Name + "/enrich=false"
			if enrich {
				name = "corpus=" + c.Name + "/enrich=true"
			}
			b.Run(name, func(b *testing.B) {
				m := &tailscale.RowMeta{ParseTime: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC), RowIDPrefix: "0123456789abcdef-"}
				var row []byte
				var d *tailscale.NodeDirectory
				if enrich {
					d = dir
				}
				run(b, c, func() error {
					for i := range recs {
						row = appendRow(row[:0], &recs[i], m, d)
					}
					return nil
				})
			})
		}
		b.Run("corpus="+c.Name+"/rows=decoded", func(b *testing.B) {
			m := &tailscale.RowMeta{ParseTime: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC), RowIDPrefix: "0123456789abcdef-"}
			var row []byte
			run(b, c, func() error {
				for i := range recs {
					row = appendDecodedRow(row[:0], &recs[i], m)
				}
				return nil
			})
		})
	}
}

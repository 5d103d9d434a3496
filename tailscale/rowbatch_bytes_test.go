package tailscale

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/internal/synth"
)

// batchBytes is the memory b's slices take (their capacity).
func batchBytes(b *RowBatch) int {
	return cap(b.buf) + cap(b.rows)*int(unsafe.Sizeof(batchRow{})) + cap(b.text) +
		cap(b.nodes)*int(unsafe.Sizeof(batchNode{})) + cap(b.refs)*4 + cap(b.spans)*int(unsafe.Sizeof(span{})) +
		cap(b.ips)*int(unsafe.Sizeof(batchAddr{})) + cap(b.strs)*int(unsafe.Sizeof(""))
}

// TestRowBatchBytesBound: what a RowBatch holds of the records added to it
// (their rows and the copies enrichment needs) stays within
// RowBatchBytesPerByte bytes per byte of the records, and
// RowBatchBytesPerRecord per record, whatever the records: Tailscale's, and
// hostile shapes that make the most of each byte (nodes, addresses, tags
// and traffic entries as small as they can be, records with nothing but a
// nodeId).
func TestRowBatchBytesBound(t *testing.T) {
	// records makes 16 records of n elements, each element's numbers (i, a
	// count over all the records) filled in by elem.
	records := func(open string, elem func(int) string, close string, n int) string {
		var s strings.Builder
		i := 0
		for r := range 16 {
			s.WriteString(strings.ReplaceAll(open, "{R}", strconv.Itoa(r)))
			for k := range n {
				if k > 0 {
					s.WriteByte(',')
				}
				s.WriteString(elem(i))
				i++
			}
			s.WriteString(close)
		}
		return s.String()
	}
	var tailscale bytes.Buffer
	g := synth.New(synth.Options{Kind: synth.Network, Seed: 5})
	for tailscale.Len() < 4<<20 {
		tailscale.Write(g.AppendRecord(nil))
		tailscale.WriteByte('\n')
	}
	shapes := []struct{ name, input string }{
		{"tailscale", tailscale.String()},
		{"tiny nodes", records(`{"time":1,"event":{"nodeId":"n","dstNodes":[`, func(i int) string { return fmt.Sprintf(`{"nodeId":"%x"}`, i) }, "]}}\n", 4000)},
		{"tiny traffic", records(`{"time":1,"event":{"nodeId":"n","virtualTraffic":[`, func(i int) string {
			return fmt.Sprintf(`{"src":"1.%d.%d.1:1","dst":"1.%d.%d.2:1"}`, i>>8&255, i&255, i>>8&255, i&255)
		}, "]}}\n", 4000)},
		{"tiny IPv6 traffic", records(`{"time":1,"event":{"nodeId":"n","virtualTraffic":[`, func(i int) string { return fmt.Sprintf(`{"src":"[::%x]:1"}`, i) }, "]}}\n", 4000)},
		{"empty tags", records(`{"time":1,"event":{"nodeId":"n","dstNodes":[{"nodeId":"a{R}","tags":[`, func(int) string { return `""` }, "]}]}}\n", 4000)},
		{"node addresses", records(`{"time":1,"event":{"nodeId":"n","dstNodes":[{"nodeId":"a{R}","addresses":[`, func(i int) string {
			return fmt.Sprintf(`"1.%d.%d.1"`, i>>8&255, i&255)
		}, "]}]}}\n", 4000)},
		{"bare nodeIds", strings.Repeat(`{"nodeId":"a"}`, 1<<16)},
		{"minimal records", strings.Repeat(`{"time":1,"event":{"nodeId":""}}`, 1<<15)},
	}
	for _, sh := range shapes {
		var b RowBatch
		r := NewReader(strings.NewReader(sh.input), ReaderOptions{})
		n := 0
		for r.Next() {
			require.NoError(t, r.Err(), "%s: record %d", sh.name, n+1)
			b.Add(r, time.Date(2026, 6, 3, 16, 0, 0, 123456789, time.UTC))
			n++
		}
		require.NoError(t, r.Fatal(), sh.name)
		size, in := batchBytes(&b), len(sh.input)
		perByte := float64(size-n*RowBatchBytesPerRecord) / float64(in)
		t.Logf("%-18s %8d bytes, %6d records: %9d bytes held, %.2f per byte beyond %d per record", sh.name, in, n, size, perByte, RowBatchBytesPerRecord)
		assert.LessOrEqual(t, size, RowBatchBytesPerByte*in+RowBatchBytesPerRecord*n, sh.name)
	}
}

package pqfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/rowcmp"
	"github.com/tslogs/tslogs/internal/synth"
	"github.com/tslogs/tslogs/jlex"
	"github.com/tslogs/tslogs/tailscale"
)

var parseTime = time.Date(2026, 6, 3, 15, 4, 5, 123456000, time.UTC)

// TestLevelsMatchTheLibrary checks the levels the generator computes
// (jlex.Column.Leaves, used by the generated WriteColumns) against those
// parquet-go derives from the schema built here, leaf by leaf, and that the
// leaves come in schema order.
func TestLevelsMatchTheLibrary(t *testing.T) {
	for _, tc := range []struct {
		name string
		cols *jlex.Column
	}{
		{"network", (*tailscale.Network)(nil).Columns()},
		{"audit", (*tailscale.Audit)(nil).Columns()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaves := tc.cols.Leaves()
			schema := Schema(tc.cols)
			paths := schema.Columns()
			require.Len(t, paths, len(leaves))
			for i, l := range leaves {
				col, ok := schema.Lookup(paths[i]...)
				require.True(t, ok)
				assert.Equal(t, i, col.ColumnIndex, "%v", paths[i])
				assert.Equal(t, l.MaxRep, col.MaxRepetitionLevel, "%v: repetition level", paths[i])
				assert.Equal(t, l.MaxDef, col.MaxDefinitionLevel, "%v: definition level", paths[i])
				// The library's path has the list levels; ours does not.
				var named []string
				for _, p := range paths[i] {
					if p != "list" && p != "element" {
						named = append(named, p)
					}
				}
				assert.Equal(t, l.Path, named)
			}
			assert.Equal(t, []string{"time"}, leaves[0].Path, "fields keep schema order")
		})
	}
}

// writeSample writes the records of type typ in files as Parquet, through
// the Reader's columns (with p_enrichment when enrich), and returns the
// file with the NDJSON rows of the same records, as generic values.
func writeSample(t *testing.T, typ tailscale.LogType, enrich bool, files ...string) (pq []byte, rows []map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	metaA := &jlex.RowMeta{ParseTime: parseTime, RowIDPrefix: "r-"}
	metaB := &jlex.RowMeta{ParseTime: parseTime, RowIDPrefix: "r-"}
	opt := tailscale.ReaderOptions{LogType: typ}
	if enrich {
		opt.Nodes = tailscale.NewNodeDirectory(0)
	}
	w := NewWriter(&buf, tailscale.RowColumns(typ, enrich), Options{})
	for _, name := range files {
		f, err := os.Open(name)
		require.NoError(t, err)
		r := tailscale.NewReader(f, opt)
		for r.Next() {
			if r.Err() != nil {
				continue
			}
			require.NoError(t, w.Write(r, metaA))
			var row map[string]any
			require.NoError(t, json.Unmarshal(r.AppendRow(nil, metaB), &row))
			rows = append(rows, row)
		}
		require.NoError(t, r.Fatal())
		f.Close()
	}
	require.NoError(t, w.Close())
	return buf.Bytes(), rows
}

// TestRoundTrip writes the bundled samples as Parquet and reads them back
// with parquet-go: every row equals the NDJSON row of the same record
// (timestamps compared as microseconds, JSON text as the value it holds,
// absent fields as nulls), p_enrichment included.
func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name   string
		typ    tailscale.LogType
		enrich bool
		files  []string
	}{
		{"network", tailscale.LogTypeNetwork, false, []string{"../../testdata/sample/network.log", "../../testdata/sample/network-api.json"}},
		{"network enriched", tailscale.LogTypeNetwork, true, []string{"../../testdata/sample/network.log"}},
		{"audit", tailscale.LogTypeAudit, false, []string{"../../testdata/sample/audit.log", "../../testdata/sample/audit-export.ndjson"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, want := writeSample(t, tc.typ, tc.enrich, tc.files...)
			require.NotEmpty(t, want)
			cols := tailscale.RowColumns(tc.typ, tc.enrich)
			r := parquet.NewReader(bytes.NewReader(data), Schema(cols))
			enriched := 0
			for i, w := range want {
				got := map[string]any{}
				require.NoError(t, r.Read(&got), "row %d", i)
				b, err := json.Marshal(got)
				require.NoError(t, err)
				var g map[string]any
				require.NoError(t, json.Unmarshal(b, &g))
				if w["p_enrichment"] != nil {
					enriched++
				}
				require.NoError(t, rowcmp.Normalize(w, cols, rowcmp.NDJSON))
				require.NoError(t, rowcmp.Normalize(g, cols, rowcmp.ParquetGo))
				assert.Equal(t, w, g, "row %d", i)
			}
			if tc.enrich {
				assert.Greater(t, enriched, len(want)/2, "most sample rows resolve a node")
			}
		})
	}
}

// TestMemoryBounded writes streams many row groups long and samples the
// live heap after rows: its peak stays within MemoryBound, and four times
// as much input raises it by no more than the footer of the extra row
// groups.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 80 MB of records")
	}
	opt := Options{RowGroupBytes: 1 << 20}
	columns := len((*tailscale.Network)(nil).Columns().Leaves())
	small, smallGroups := peakHeap(t, opt, 16<<20)
	large, largeGroups := peakHeap(t, opt, 64<<20)
	bound := opt.MemoryBound(columns, largeGroups)
	t.Logf("peak above baseline: %.1f MB for 16 MB of input (%d row groups), %.1f MB for 64 MB (%d row groups); bound %.1f MB",
		mb(small), smallGroups, mb(large), largeGroups, mb(bound))
	assert.LessOrEqual(t, large, bound, "peak heap above the baseline exceeds the stated bound")
	footer := int64(columns) * int64(largeGroups-smallGroups) * FooterBytesPerColumn
	// The peak varies by a few MB with where page and dictionary buffers
	// happen to be largest; growth with the input would be far more.
	assert.Less(t, large, small+footer+(12<<20), "peak heap grows with the input beyond the footer")
}

// peakHeap writes size bytes of synthetic network records to a Writer
// discarding its output and returns the largest live heap seen above the
// heap before writing, sampled every 100 rows after a collection, and the
// number of row groups written.
func peakHeap(t *testing.T, opt Options, size int64) (int64, int) {
	var in bytes.Buffer
	bw := bufio.NewWriter(&in)
	_, _, err := synth.WriteSize(bw, synth.Options{Kind: synth.Network, Seed: 3}, size)
	require.NoError(t, err)
	require.NoError(t, bw.Flush())
	r := tailscale.NewReader(bytes.NewReader(in.Bytes()), tailscale.ReaderOptions{})
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := int64(ms.HeapAlloc)
	var w *Writer
	meta := &jlex.RowMeta{ParseTime: parseTime, RowIDPrefix: "r-"}
	var peak int64
	var out countingDiscard
	for n := 0; r.Next(); n++ {
		require.NoError(t, r.Err())
		if w == nil {
			w = NewWriter(&out, r.Network().Columns(), opt)
		}
		require.NoError(t, w.Write(r.Network(), meta))
		if n%100 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, int64(ms.HeapAlloc)-base)
		}
	}
	require.NoError(t, w.Close())
	require.Greater(t, w.RowGroups(), 3, "the test must span several row groups")
	return peak, w.RowGroups()
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

type countingDiscard struct{ n int64 }

func (c *countingDiscard) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func TestSchemaText(t *testing.T) {
	s := Schema((*tailscale.Audit)(nil).Columns()).String()
	for _, want := range []string{
		"optional int64 time (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS))",
		"optional binary old (STRING)",
		"optional group tags (LIST)",
		"required binary p_row_id (STRING)",
	} {
		assert.True(t, strings.Contains(s, want), "schema lacks %q:\n%s", want, s)
	}
}

// TestPruningStatistics checks that what engines prune row groups and pages
// by is written, though page headers carry no statistics: the column
// chunk's min and max of p_event_time and of a text column equal those of
// the rows, and the column index has a page's bounds for both.
func TestPruningStatistics(t *testing.T) {
	data, rows := writeSample(t, tailscale.LogTypeNetwork, false, "../../testdata/sample/network.log")
	require.NotEmpty(t, rows)
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	md := f.Metadata()
	require.Len(t, md.RowGroups, 1)
	leaves := tailscale.RowColumns(tailscale.LogTypeNetwork, false).Leaves()
	var minT, maxT time.Time
	var minID, maxID string
	for i, r := range rows {
		ts, err := time.Parse(time.RFC3339Nano, r["p_event_time"].(string))
		require.NoError(t, err)
		id, _ := r["event"].(map[string]any)["nodeId"].(string)
		if i == 0 || ts.Before(minT) {
			minT = ts
		}
		if i == 0 || ts.After(maxT) {
			maxT = ts
		}
		if i == 0 || id < minID {
			minID = id
		}
		if i == 0 || id > maxID {
			maxID = id
		}
	}
	for _, tc := range []struct {
		path     string
		min, max []byte
	}{
		{"p_event_time", parquet.Int64Value(minT.UnixMicro()).Bytes(), parquet.Int64Value(maxT.UnixMicro()).Bytes()},
		{"event.nodeId", []byte(minID), []byte(maxID)},
	} {
		t.Run(tc.path, func(t *testing.T) {
			col := -1
			for i, l := range leaves {
				if strings.Join(l.Path, ".") == tc.path {
					col = i
				}
			}
			require.GreaterOrEqual(t, col, 0)
			st := md.RowGroups[0].Columns[col].MetaData.Statistics
			assert.Equal(t, tc.min, st.MinValue, "chunk min")
			assert.Equal(t, tc.max, st.MaxValue, "chunk max")
			ci := f.ColumnIndexes()[col]
			require.NotEmpty(t, ci.MinValues)
			// The library truncates long bounds in the column index.
			assert.True(t, bytes.HasPrefix(tc.min, ci.MinValues[0]), "first page's min %q, want a prefix of %q", ci.MinValues[0], tc.min)
			assert.NotEmpty(t, ci.MinValues[0], "first page's min")
		})
	}
}

// TestWritersShareCodec writes the network sample with several Writers at
// once, which share one zstd codec (and its pool of encoders): every file
// is the same, byte for byte, as the file of a Writer alone.
func TestWritersShareCodec(t *testing.T) {
	alone, _ := writeSample(t, tailscale.LogTypeNetwork, true, "../../testdata/sample/network.log")
	files := make([][]byte, 4)
	// Parallel subtests, so that writeSample's require calls stop their
	// own test's goroutine; the group returns once all have ended.
	t.Run("at once", func(t *testing.T) {
		for i := range files {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				files[i], _ = writeSample(t, tailscale.LogTypeNetwork, true, "../../testdata/sample/network.log")
			})
		}
	})
	for i, f := range files {
		assert.True(t, bytes.Equal(alone, f), "file %d differs from the file written alone", i)
	}
}

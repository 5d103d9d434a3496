package main

import (
	"errors"
	"io"
	"time"

	summ "github.com/tslogs/tslogs/internal/summary"
	"github.com/tslogs/tslogs/tailscale"
)

// The commands on several cores: tailscale.ReadParallel decodes the
// records (and parse writes their rows) on jobs goroutines, in chunks, and
// the chunks come back in input order, where what depends on the records
// before (row IDs, the nodes p_enrichment names, the first example of each
// reason, the order of the output) is done.

// parallelChunkSize, when not 0, is ReadParallel's chunk size for every
// command (tests make it small).
var parallelChunkSize int

// parseChunkSize is the chunk size of parse's rows: a chunk of 512 KiB and
// its rows (about 2.5 times as many bytes) stay within a core's cache while
// a worker writes them and until they are copied out in input order, where
// those of 1 MiB chunks did not: with two cores, parse took about a tenth
// less CPU and wall time (eight interleaved rounds against 1 MiB; in a
// sweep of 128 KiB to 1 MiB, 128 and 256 KiB did no better than 512). validate and stats keep
// tailscale.DefaultChunkSize: they write no rows, and smaller chunks made
// stats, which merges one summary per chunk, slower.
const parseChunkSize = 512 << 10

// chunkSize returns the chunk size of a command that writes rows or not.
func chunkSize(rows bool) int {
	switch {
	case parallelChunkSize > 0:
		return parallelChunkSize
	case rows:
		return parseChunkSize
	}
	return tailscale.DefaultChunkSize
}

// now is the clock of p_parse_time (tests stop it).
var now = time.Now

// deliverError carries an error of writing the output out of ReadParallel,
// which is not the input's.
type deliverError struct{ err error }

func (e deliverError) Error() string { return e.err.Error() }

// readParallel is forEachInput's read with ReadParallel.
func readParallel[S any](src io.Reader, opt tailscale.ReaderOptions, jobs, chunk int, fn tailscale.ParallelFuncs[S]) (err, fatal error) {
	deliver := fn.Deliver
	fn.Deliver = func(s S, first int) error {
		if err := deliver(s, first); err != nil {
			return deliverError{err}
		}
		return nil
	}
	fatal = tailscale.ReadParallel(src, opt, tailscale.ParallelOptions{Jobs: jobs, ChunkSize: chunk}, fn)
	var de deliverError
	if errors.As(fatal, &de) {
		return de.err, nil
	}
	return nil, fatal
}

// parseChunk is what a chunk of records gives parse and validate.
type parseChunk struct {
	recs []chunkRecord
	rows tailscale.RowBatch
	raw  []byte // bad records' bytes, for the dead-letter file
}

type chunkRecord struct {
	typ        tailscale.LogType
	row        int // in rows; -1 for none
	err        error
	offset     int64
	raw0, raw1 int
}

// parseParallel is parse and validate's reading with ReadParallel: rows
// (when rows is set) are written by the workers and numbered, enriched
// (opt.Nodes) and handed to good in input order, in the memory rowBuf
// returns; the bad records to bad, with their bytes when keepRaw.
func parseParallel(files []string, obj objectFlags, opt tailscale.ReaderOptions, jobs int, stdin io.Reader, stderr io.Writer,
	rows, keepRaw bool, meta *tailscale.RowMeta, rowBuf func() []byte,
	bad func(name string, err error, record int, offset int64, raw []byte) error,
	good func(typ tailscale.LogType, row []byte) error) (*inputSet, error) {
	return forEachInput(files, obj, stdin, stderr, func(name string, src io.Reader) (error, error) {
		chunk := chunkSize(rows)
		return readParallel(src, opt, jobs, chunk, tailscale.ParallelFuncs[*parseChunk]{
			New: func() *parseChunk {
				c := new(parseChunk)
				if rows {
					c.rows.Grow(3 * chunk) // rows are about 2.5 times their records
				}
				return c
			},
			Reset: func(c *parseChunk) {
				c.recs, c.raw = c.recs[:0], c.raw[:0]
				c.rows.Reset()
			},
			Record: func(c *parseChunk, r *tailscale.Reader) {
				rec := chunkRecord{typ: r.LogType(), row: -1, err: r.Err(), offset: r.Offset()}
				switch {
				case rec.err != nil && keepRaw:
					rec.raw0 = len(c.raw)
					c.raw = append(c.raw, r.Raw()...)
					rec.raw1 = len(c.raw)
				case rec.err == nil && rows:
					rec.row = c.rows.Len()
					c.rows.Add(r, now().UTC())
				}
				c.recs = append(c.recs, rec)
			},
			Deliver: func(c *parseChunk, first int) error {
				for i := range c.recs {
					rec := &c.recs[i]
					if rec.err != nil {
						if err := bad(name, rec.err, first+i, rec.offset, c.raw[rec.raw0:rec.raw1]); err != nil {
							return err
						}
						continue
					}
					var row []byte
					if rec.row >= 0 {
						row = c.rows.AppendRow(rowBuf(), rec.row, meta, opt.Nodes)
					}
					if err := good(rec.typ, row); err != nil {
						return err
					}
				}
				return nil
			},
		})
	})
}

// statsChunk is what a chunk of records gives stats: an aggregate of its
// own, merged into the whole in input order.
type statsChunk struct{ agg *summ.Aggregate }

// summarizeParallel is summarize's reading with ReadParallel.
func summarizeParallel(files []string, obj objectFlags, ropt tailscale.ReaderOptions, jobs int, stdin io.Reader, stderr io.Writer, total *summ.Aggregate, aopt summ.Options) (*inputSet, error) {
	return forEachInput(files, obj, stdin, stderr, func(_ string, src io.Reader) (error, error) {
		return readParallel(src, ropt, jobs, chunkSize(false), tailscale.ParallelFuncs[*statsChunk]{
			New:    func() *statsChunk { return &statsChunk{agg: summ.New(aopt)} },
			Reset:  func(c *statsChunk) { c.agg = summ.New(aopt) },
			Record: func(c *statsChunk, r *tailscale.Reader) { c.agg.Add(r) },
			Deliver: func(c *statsChunk, _ int) error {
				total.Merge(c.agg)
				return nil
			},
		})
	})
}

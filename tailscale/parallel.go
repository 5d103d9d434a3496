package tailscale

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"

	"github.com/tslogs/tslogs/internal/ordered"
	"github.com/tslogs/tslogs/internal/stream"
)

// ParallelOptions configure ReadParallel. The zero value uses every core.
type ParallelOptions struct {
	// Jobs is the number of goroutines decoding records; 0 or less means
	// runtime.GOMAXPROCS(0).
	Jobs int
	// ChunkSize is the input, in bytes, handed to a goroutine at once; 0
	// means DefaultChunkSize.
	ChunkSize int
}

// DefaultChunkSize is the ChunkSize used when ParallelOptions.ChunkSize is 0.
const DefaultChunkSize = 1 << 20

// ParallelFuncs are what ReadParallel does with the records. S holds what
// one chunk of records gives (rows, counts, errors): ReadParallel keeps a
// few of them and reuses them.
type ParallelFuncs[S any] struct {
	// New makes an empty state.
	New func() S
	// Reset empties a state for reuse (after Deliver).
	Reset func(S)
	// Record is called for each record, good or bad, in input order within
	// a chunk, on one of the goroutines (so that the records of different
	// chunks are handled at the same time). r is positioned on the record
	// as by Reader.Next; but for a chunk read by a worker, r.Record() and
	// the Record field of r.Err() count from the chunk's first record:
	// the error is brought up to date before Deliver, which gets the
	// number of the chunk's first record.
	Record func(s S, r *Reader)
	// Deliver is called with each state once its records have been
	// recorded, in input order, on the goroutine that called ReadParallel.
	// first is the number of its first record in the input. An error stops
	// reading, and ReadParallel returns it.
	Deliver func(s S, first int) error
}

// ReadParallel reads r as NewReader(r, opt) does, on several goroutines,
// and returns what Reader.Fatal would (or Deliver's error). Records are
// handed to fn.Record in chunks of about ParallelOptions.ChunkSize bytes of
// input, a chunk per goroutine, and fn.Deliver gets the chunks back in
// input order, so that output can be written in input order.
//
// The input is cut into chunks where a record of a stream (NDJSON, or
// records concatenated as log-stream bodies are) probably starts. A guess
// that turns out wrong (a '}{' inside a string), a JSON array or API
// document, or a stretch with no place to cut, is read on one goroutine
// (the caller's) from there until the input is again between records at
// the start of a chunk. Either way the records, their numbers, offsets and
// errors are exactly those a Reader reports: one bad record never takes a
// neighbour with it, and the same input gives the same records with any
// number of goroutines.
//
// Memory: at most 2·Jobs+2 chunks are in flight, each of at most
// ChunkSize + MaxRecordSize + 64 KiB bytes of input (twice that while its
// buffer grows) and its state S, and each goroutine keeps a Reader (about
// MaxRecordSize + 64 KiB at most, and its decoded record). A state is given
// at most max(4096, ChunkSize/64) records: a chunk of more, smaller
// records is read on the caller's goroutine, at most 1,024 records or a
// chunk's size of input at a time, so that what S keeps for each record
// (a RowBatch's row, an error) stays bounded for any input.
//
// opt.Nodes is not used: a directory must learn the records in input
// order, which a caller does in Deliver (see RowBatch).
func ReadParallel[S any](r io.Reader, opt ReaderOptions, popt ParallelOptions, fn ParallelFuncs[S]) error {
	jobs := popt.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	size := popt.ChunkSize
	if size <= 0 {
		size = DefaultChunkSize
	}
	opt.Nodes = nil
	sp := stream.NewSplitter(r, stream.Options{
		MaxRecordSize:   opt.MaxRecordSize,
		MaxDecompressed: opt.MaxDecompressed,
		MaxZstdWindow:   opt.MaxZstdWindow,
	}, size)
	defer sp.Close()

	pr := &parallelRead[S]{opt: opt, fn: fn, readers: make([]*Reader, jobs+1), size: size}
	p := ordered.Start(ordered.Config[*pchunk[S]]{
		Jobs:     jobs,
		InFlight: 2*jobs + 2,
		New:      func() *pchunk[S] { return &pchunk[S]{st: fn.New()} },
		Produce: func(c *pchunk[S]) (bool, error) {
			data, off, first, last, end, ok := sp.Next(c.data[:0])
			if !ok {
				return false, nil
			}
			fn.Reset(c.st)
			*c = pchunk[S]{data: data, off: off, first: first, last: last, end: end, st: c.st, errs: c.errs[:0]}
			return true, nil
		},
		Work: pr.work,
	})
	defer p.Stop()
	pr.p = p
	return pr.run()
}

// pchunk is a chunk of input and what its records gave.
type pchunk[S any] struct {
	data        []byte
	off         int64
	first, last bool
	end         error // the input's end after the last chunk
	// What reading it gave:
	st      S
	n       int            // records
	errs    []*RecordError // the bad records' errors, to renumber
	clean   bool           // it ended between records of a stream
	fatal   error          // the last chunk's fatal error
	skipped bool
	// overflow is set when the chunk holds more than maxChunkRecords
	// records: the worker stopped there.
	overflow bool
}

// maxChunkRecords is how many records a worker reads of a chunk of size
// bytes: one per 64 bytes, and at least 4,096. Tailscale's records take
// hundreds of bytes or more; smaller ones (a hostile input of {} or of bare
// {"nodeId":"a"}) are read on the caller's goroutine, seqBatch at a time,
// so that the memory a chunk's records take beyond their bytes stays
// within maxChunkRecords of them.
func maxChunkRecords(size int) int { return max(4096, size/64) }

type parallelRead[S any] struct {
	opt ReaderOptions
	fn  ParallelFuncs[S]
	p   *ordered.Pipeline[*pchunk[S]]
	// readers are the workers' Readers, each kept by one worker (its
	// memories of addresses stay in that core's cache), and last the
	// caller's goroutine's.
	readers []*Reader
	seqSt   *S  // the state sequential delivers, made once
	size    int // the chunk size
	// seqMode is set while the caller's goroutine reads the input on its
	// own: the workers then leave the chunks to it.
	seqMode atomic.Bool
	count   int // records delivered
}

// parallelCounts counts, for the tests, the chunks read by workers and
// the times the caller's goroutine read on its own.
var parallelCounts struct {
	worker, sequential, resync atomic.Int64
}

// work reads a chunk on a worker.
func (pr *parallelRead[S]) work(worker int, c *pchunk[S]) {
	if pr.seqMode.Load() {
		c.skipped = true
		return
	}
	pr.read(worker, c)
	parallelCounts.worker.Add(1)
}

// read reads a chunk's records into its state, with the Reader of worker
// (len(pr.readers)-1 for the caller's goroutine).
func (pr *parallelRead[S]) read(worker int, c *pchunk[S]) {
	rd := pr.reader(worker)
	end := c.end
	if !c.last {
		end = stream.ErrChunkEnd
	}
	rd.sc.ResetChunk(c.data, c.off, !c.first, end)
	rd.err = nil
	limit := maxChunkRecords(len(c.data))
	for rd.Next() {
		if c.n == limit {
			// Records this small take more memory than their bytes
			// (each has a row's p_* members, an error, its place in
			// the chunk): the caller's goroutine reads the chunk again
			// on its own, delivering a few at a time.
			c.overflow = true
			break
		}
		pr.fn.Record(c.st, rd)
		c.n++
		if rd.err != nil {
			var re *RecordError
			if errors.As(rd.err, &re) {
				c.errs = append(c.errs, re)
			}
		}
	}
	switch {
	case c.overflow:
	case c.last:
		c.fatal = rd.sc.Fatal()
	default:
		c.clean = rd.sc.Fatal() == stream.ErrChunkEnd && rd.sc.EndedBetweenRecords()
	}
	rd.sc.Reset(nil) // drop the chunk
}

// reader returns the Reader of worker, made on first use.
func (pr *parallelRead[S]) reader(worker int) *Reader {
	if pr.readers[worker] == nil {
		pr.readers[worker] = NewReader(nil, pr.opt)
	}
	return pr.readers[worker]
}

// run delivers the chunks in order, reading on its own from a chunk that
// a worker could not read as a whole.
func (pr *parallelRead[S]) run() error {
	for {
		c, ok := pr.p.Next()
		if !ok {
			return pr.p.Err()
		}
		if c.skipped {
			pr.read(len(pr.readers)-1, c)
		}
		if c.overflow || (!c.clean && !c.last) {
			if done, err := pr.sequential(c); done || err != nil {
				return err
			}
			continue
		}
		first := pr.count + 1
		for _, re := range c.errs {
			re.Record += pr.count
		}
		pr.count += c.n
		if err := pr.fn.Deliver(c.st, first); err != nil {
			return err
		}
		if c.last {
			if c.fatal != nil {
				return fmt.Errorf("after record %d, offset %d: %w", pr.count, c.off+int64(len(c.data)), c.fatal)
			}
			return nil
		}
		pr.p.Release(c)
	}
}

// seqBatch is how many records the caller's goroutine reads on its own
// before it delivers them (or fewer: those of a chunk's size of input).
const seqBatch = 1024

// sequential reads the input from chunk c on, on the caller's goroutine,
// as one Reader does, until that Reader is between records of a stream at
// the end of a chunk (the workers then read the chunks again; done is
// false) or the input ends (done, with the fatal error if any).
func (pr *parallelRead[S]) sequential(c *pchunk[S]) (done bool, err error) {
	pr.seqMode.Store(true)
	parallelCounts.sequential.Add(1)
	f := &chunkFeed[S]{p: pr.p, cur: c}
	rd := pr.reader(len(pr.readers) - 1) // the caller's goroutine's
	rd.sc.ResetAt(f, c.off, pr.count, !c.first)
	rd.err = nil
	defer rd.sc.Reset(nil) // drop the feed
	if pr.seqSt == nil {
		pr.seqSt = new(S)
		*pr.seqSt = pr.fn.New()
	}
	st := *pr.seqSt
	first, n, from := pr.count+1, 0, c.off
	flush := func() error {
		if n == 0 {
			return nil
		}
		err := pr.fn.Deliver(st, first)
		pr.fn.Reset(st)
		first, n, from = first+n, 0, rd.BytesRead()
		return err
	}
	for rd.Next() {
		pr.fn.Record(st, rd)
		n++
		pr.count++
		if f.pos == len(f.cur.data) && !f.cur.last && rd.sc.Settled() {
			// Between records at the start of the next chunk: the
			// workers can read the chunks from here.
			if err := flush(); err != nil {
				return true, err
			}
			pr.p.Release(f.cur)
			pr.seqMode.Store(false)
			parallelCounts.resync.Add(1)
			return false, nil
		}
		if n == seqBatch || rd.BytesRead()-from >= int64(pr.size) {
			if err := flush(); err != nil {
				return true, err
			}
		}
	}
	if err := flush(); err != nil {
		return true, err
	}
	return true, rd.Fatal()
}

// chunkFeed reads the chunks' data in order, from the pipeline.
type chunkFeed[S any] struct {
	p   *ordered.Pipeline[*pchunk[S]]
	cur *pchunk[S]
	pos int
}

func (f *chunkFeed[S]) Read(b []byte) (int, error) {
	for f.pos == len(f.cur.data) {
		if f.cur.last {
			if f.cur.end != nil {
				return 0, f.cur.end
			}
			return 0, io.EOF
		}
		next, ok := f.p.Next()
		if !ok {
			if err := f.p.Err(); err != nil {
				return 0, err
			}
			return 0, io.ErrUnexpectedEOF
		}
		f.p.Release(f.cur)
		f.cur, f.pos = next, 0
	}
	n := copy(b, f.cur.data[f.pos:])
	f.pos += n
	return n, nil
}

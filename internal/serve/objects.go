package serve

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"path"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tslogs/tslogs/internal/objstore"
	"github.com/tslogs/tslogs/internal/pqfile"
	"github.com/tslogs/tslogs/tailscale"
)

// Output formats of an ObjectStore.
const (
	FormatNDJSON  = "ndjson"
	FormatParquet = "parquet"
)

// Defaults of ObjectStoreOptions.
const (
	// DefaultObjectTimeout bounds the PUTs of one batch, and again the
	// DELETEs of a failed one.
	DefaultObjectTimeout = time.Minute
	// DefaultMaxPartitions bounds the objects one batch makes: the log
	// types and event hours its records span. Tailscale's batches span at
	// most two hours of one log type.
	DefaultMaxPartitions = 32
)

// Parquet options of the objects of one batch: a batch is one row group;
// pages and dictionaries small, since a batch is (Tailscale's are at most
// 512 KiB).
const (
	objPageBytes = 64 << 10
	objDictBytes = 16 << 10
)

// ObjectStoreOptions configure an ObjectStore.
type ObjectStoreOptions struct {
	// Store is where objects go: an S3 bucket prefix or a directory.
	Store objstore.Store
	// Format is FormatParquet (the default) or FormatNDJSON.
	Format string
	// Host names this receiver's health-probe object.
	Host string
	// Dedupe and MaxBatchIDs: as in SinkOptions (this receiver's memory of
	// the batches it stored; across receivers, names do the deduplication).
	Dedupe      time.Duration
	MaxBatchIDs int
	// Timeout bounds the PUTs of one batch (DefaultObjectTimeout when 0).
	Timeout time.Duration
	// MaxPartitions bounds the objects of one batch (DefaultMaxPartitions
	// when 0): a batch whose records span more log types and hours is
	// refused (413).
	MaxPartitions int
	// MaxRecordBytes is the reader's record limit, for records read again
	// (see objEncoder).
	MaxRecordBytes int
	Now            func() time.Time
	Logger         *slog.Logger
	Metrics        *Metrics
}

// ObjectStore is the Store of `tslogs serve --out s3://…` and of
// `--format parquet`: each batch becomes objects, one per log type and
// event hour its records touch (Hive-style partitions), each a Parquet file
// (or NDJSON) named by the SHA-256 of the batch's decompressed body:
//
//	p_log_type=Tailscale.Network/dt=2026-06-03/hour=15/SHA256.parquet
//	deadletter/dt=2026-06-03/hour=15/SHA256.ndjson     (by the hour of receipt)
//
// Commit returns once every object's PUT has completed: S3 answers a PUT
// only once the object is durable and shows it whole (a directory store
// writes a temporary file, fsyncs it, renames it and fsyncs the
// directory), so an acknowledged batch survives the receiver, and the
// receiver keeps nothing local: receivers behind a load balancer share
// nothing but the bucket.
//
// All or nothing: if a PUT fails, Commit deletes every object of the batch
// (those whose PUT failed too: a PUT can fail at the client after the
// server stored it) before it returns the error, so that a 503 leaves
// nothing. Where that cannot hold, the names make it harmless: an object
// is named by its batch's content, so the sender's retry (which a non-2xx
// always brings) writes exactly the same keys again, with the same
// records, and each record ends up stored once. Those cases are: a DELETE
// that fails too (the store is down); a sender gone before the PUTs ended
// (Batch.Gone: its retry may already be running on another receiver, and
// deleting could remove what that one acknowledged, so the objects are
// left for the retry to overwrite); a receiver killed between two PUTs;
// and a PUT that timed out at the client and completes at the server
// later. Only a sender that never retries leaves such rows in the bucket.
type ObjectStore struct {
	st            objstore.Store
	format        string
	host          string
	timeout       time.Duration
	maxPartitions int
	maxRecord     int
	now           func() time.Time
	log           *slog.Logger
	m             *Metrics
	ids           *batchIDs
	health        health
	failedDir     atomic.Value // string: the directory of the last object that failed

	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup
}

// OpenObjectStore returns an ObjectStore writing to opt.Store.
func OpenObjectStore(opt ObjectStoreOptions) (*ObjectStore, error) {
	if opt.Store == nil {
		return nil, errors.New("object store: no store")
	}
	if opt.Format == "" {
		opt.Format = FormatParquet
	}
	if opt.Format != FormatParquet && opt.Format != FormatNDJSON {
		return nil, fmt.Errorf("object store: unknown format %q (ndjson or parquet)", opt.Format)
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultObjectTimeout
	}
	if opt.MaxPartitions <= 0 {
		opt.MaxPartitions = DefaultMaxPartitions
	}
	if opt.MaxRecordBytes <= 0 {
		opt.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Metrics == nil {
		opt.Metrics = NewMetrics()
	}
	return &ObjectStore{
		st: opt.Store, format: opt.Format, host: SanitizeHost(opt.Host),
		timeout: opt.Timeout, maxPartitions: opt.MaxPartitions, maxRecord: opt.MaxRecordBytes,
		now: opt.Now, log: opt.Logger, m: opt.Metrics,
		ids: newBatchIDs(opt.Dedupe, opt.MaxBatchIDs, opt.Now),
	}, nil
}

// String names where the objects go.
func (o *ObjectStore) String() string { return o.st.String() }

// Format returns the objects' format.
func (o *ObjectStore) Format() string { return o.format }

// begin registers a commit or probe in flight, unless the store is closed.
func (o *ObjectStore) begin() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return false
	}
	o.inflight.Add(1)
	return true
}

// Commit stores every part of b as its object (Part.Key), all PUTs at
// once, and returns when they have completed. On failure it deletes every
// object of b first, unless b.Gone is closed (see ObjectStore).
func (o *ObjectStore) Commit(b *Batch) error {
	if b.empty() {
		return nil
	}
	if !o.begin() {
		return ErrSinkClosed
	}
	defer o.inflight.Done()
	if o.ids.has(b.ID) {
		o.m.duplicates.Inc()
		return nil
	}
	start := time.Now()
	var parts []Part
	for _, p := range b.Parts {
		if len(p.Data) > 0 {
			parts = append(parts, p)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	errs := o.each(parts, func(p Part) error { return o.st.Put(ctx, p.Key, p.Data) })
	if i := slices.IndexFunc(errs, func(err error) bool { return err != nil }); i >= 0 {
		err := errs[i]
		o.m.sinkErrors.WithLabelValues(parts[i].Kind).Inc()
		o.failedDir.Store(path.Dir(parts[i].Key))
		o.health.set(err)
		o.rollback(b, parts)
		return err
	}
	for _, p := range parts {
		o.m.sinkBytes.WithLabelValues(p.Kind).Add(float64(len(p.Data)))
	}
	if !b.ID.IsZero() {
		o.ids.remember([]BatchID{b.ID}, o.now().UnixNano())
	}
	o.health.set(nil)
	o.m.sinkBatches.Observe(1)
	o.m.sinkLatency.Observe(time.Since(start).Seconds())
	return nil
}

// each runs fn on every part at once and returns their errors.
func (o *ObjectStore) each(parts []Part, fn func(Part) error) []error {
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Go(func() { errs[i] = fn(p) })
	}
	wg.Wait()
	return errs
}

// rollback deletes the objects of a failed batch, unless its sender is
// gone.
func (o *ObjectStore) rollback(b *Batch, parts []Part) {
	keys := make([]string, len(parts))
	for i, p := range parts {
		keys[i] = p.Key
	}
	select {
	case <-b.Gone:
		o.log.Error("storing a batch failed after its sender left: its objects are left for the sender's retry to overwrite",
			"keys", keys)
		return
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	errs := o.each(parts, func(p Part) error { return o.st.Delete(ctx, p.Key) })
	var left []string
	for i, err := range errs {
		if err != nil {
			left = append(left, keys[i])
		}
	}
	if len(left) > 0 {
		o.log.Error("storing a batch failed and deleting its objects failed too: they stay until the sender's retry writes them again",
			"keys", left, "err", errors.Join(errs...))
		return
	}
	o.log.Error("storing a batch failed; its objects were deleted", "keys", keys)
}

// Committed reports whether this receiver stored a batch with this ID
// within the dedupe time.
func (o *ObjectStore) Committed(id BatchID) bool { return o.ids.has(id) }

// Check returns nil when the last commit succeeded; after a failed one, the
// result of a test (at most one a second): a small object
// _tslogs-probe-HOST is stored and deleted beside the object that failed
// (a name starting with '_', which Hive, Spark, Trino, Athena and DuckDB's
// *.parquet globs pass over).
func (o *ObjectStore) Check() error { return o.health.check(o.probe) }

func (o *ObjectStore) probe() error {
	if !o.begin() {
		return ErrSinkClosed
	}
	defer o.inflight.Done()
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	dir, _ := o.failedDir.Load().(string)
	if dir == "" {
		dir = "."
	}
	key := path.Join(dir, "_tslogs-probe-"+o.host)
	if err := o.st.Put(ctx, key, []byte("tslogs serve health check\n")); err != nil {
		return err
	}
	return o.st.Delete(ctx, key)
}

// Close waits for the commits in flight; later ones fail with
// ErrSinkClosed.
func (o *ObjectStore) Close() error {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	o.inflight.Wait()
	if c, ok := o.st.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// objectSlotMemory is what an ObjectStore's encoder adds to a parsing
// slot's memory (MemoryBound): its rows are bounded by Size as the Sink's
// are, but grow in buffers that double (half the rows more than the Sink's
// bound allows), and Parquet adds two writers' buffers (the live one, and
// the one of a partition read again): per leaf column two pages and a
// dictionary.
func objectSlotMemory(cfg Config) int64 {
	extra := rowsPerBodyByte * cfg.MaxBodyBytes / 2
	if cfg.ObjectFormat != FormatNDJSON {
		cols := max(len(tailscale.RowColumns(tailscale.LogTypeNetwork, true).Leaves()),
			len(tailscale.RowColumns(tailscale.LogTypeAudit, true).Leaves()))
		extra += 2 * int64(cols) * (2*objPageBytes + objDictBytes)
	}
	return extra
}

// NewEncoder returns the encoder of this store's batches.
func (o *ObjectStore) NewEncoder(maxRows int) Encoder {
	return &objEncoder{o: o, h: sha256.New(), parts: map[string]*objPart{}}
}

// objEncoder collects one batch's rows by partition. For NDJSON each
// partition is a buffer of rows. For Parquet, only the batch's first
// partition has a live writer (a Parquet writer holds a few KiB per column
// whatever the rows); the records of others are kept as they came (their
// raw bytes, at most the body) and read again when the batch ends, one
// partition at a time. Tailscale's batches have one partition, or two at
// the turn of an hour.
type objEncoder struct {
	o     *ObjectStore
	h     hash.Hash // of the decompressed body: the objects' name
	parts map[string]*objPart
	live  *objPart // Parquet: the partition with a writer
	size  int
	again *tailscale.Reader // Parquet: reads kept records again
}

type objPart struct {
	dir  string
	kind string
	buf  bytes.Buffer   // the object (NDJSON rows, or what the writer wrote)
	w    *pqfile.Writer // Parquet: the live partition's writer
	raw  []byte         // Parquet: the kept records of another partition
}

func (e *objEncoder) Body(r io.Reader) io.Reader { return io.TeeReader(r, e.h) }

// ErrTooManyPartitions is the error of a batch whose records span more
// partitions (log types and hours) than ObjectStoreOptions.MaxPartitions.
var ErrTooManyPartitions = errors.New("the records of this body span too many log types and hours")

func (e *objEncoder) Add(rd *tailscale.Reader, m *tailscale.RowMeta) error {
	t := rd.EventTime()
	if t.IsZero() {
		t = m.ParseTime
	}
	dir := pqfile.PartitionDir(rd.LogType().PantherName(), t)
	p := e.parts[dir]
	if p == nil {
		if len(e.parts) == e.o.maxPartitions {
			return fmt.Errorf("%w (more than %d): send them in smaller batches", ErrTooManyPartitions, e.o.maxPartitions)
		}
		p = &objPart{dir: dir, kind: rd.LogType().String()}
		e.parts[dir] = p
		if e.o.format == FormatParquet && e.live == nil {
			p.w = newObjWriter(&p.buf, rd)
			e.live = p
		}
	}
	switch {
	case e.o.format == FormatNDJSON:
		n := p.buf.Len()
		p.buf.Write(rd.AppendRow(p.buf.AvailableBuffer(), m))
		p.buf.WriteByte('\n')
		e.size += p.buf.Len() - n
	case p.w != nil:
		before := p.w.Size()
		if err := p.w.Write(rd, m); err != nil {
			return err
		}
		e.size += int(p.w.Size() - before)
	default:
		p.raw = append(append(p.raw, rd.Raw()...), '\n')
		e.size += len(rd.Raw()) + 1
	}
	return nil
}

func newObjWriter(out io.Writer, rd *tailscale.Reader) *pqfile.Writer {
	return pqfile.NewWriter(out, rd.Columns(), pqfile.Options{PageBytes: objPageBytes, DictBytes: objDictBytes})
}

func (e *objEncoder) Size() int { return e.size }

// Parts ends the batch: each partition's object, in key order, then the
// dead letters.
func (e *objEncoder) Parts(dead []byte, m *tailscale.RowMeta) ([]Part, error) {
	name := hex.EncodeToString(e.h.Sum(nil))
	dirs := make([]string, 0, len(e.parts))
	for dir := range e.parts {
		dirs = append(dirs, dir)
	}
	slices.Sort(dirs)
	parts := make([]Part, 0, len(dirs)+1)
	for _, dir := range dirs {
		p := e.parts[dir]
		if err := e.finish(p, m); err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
		parts = append(parts, Part{Kind: p.kind, Data: p.buf.Bytes(), Key: dir + "/" + name + "." + e.o.format})
	}
	if len(dead) > 0 {
		r := m.ParseTime.UTC()
		parts = append(parts, Part{Kind: KindDeadLetter, Data: dead,
			Key: "deadletter/dt=" + r.Format("2006-01-02") + "/hour=" + r.Format("15") + "/" + name + ".ndjson"})
	}
	return parts, nil
}

// finish completes a partition's object: closes the live writer, or reads
// the kept records again into a writer of their own.
func (e *objEncoder) finish(p *objPart, m *tailscale.RowMeta) error {
	if e.o.format == FormatNDJSON {
		return nil
	}
	if p.w == nil {
		if e.again == nil {
			e.again = tailscale.NewReader(nil, tailscale.ReaderOptions{MaxRecordSize: e.o.maxRecord})
		}
		e.again.Reset(bytes.NewReader(p.raw))
		for e.again.Next() {
			if err := e.again.Err(); err != nil {
				return fmt.Errorf("a record read again failed: %w", err)
			}
			if p.w == nil {
				p.w = newObjWriter(&p.buf, e.again)
			}
			if err := p.w.Write(e.again, m); err != nil {
				return err
			}
		}
		if err := e.again.Fatal(); err != nil {
			return err
		}
		p.raw = nil
	}
	return p.w.Close()
}

func (e *objEncoder) Reset() bool {
	e.h.Reset()
	clear(e.parts)
	e.live, e.size = nil, 0
	return true
}

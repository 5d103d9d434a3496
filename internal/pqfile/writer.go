// Package pqfile writes rows of generated record types as Parquet files with
// github.com/parquet-go/parquet-go. It is the adapter between the columnar
// contract of generated code (jlex.Column, jlex.ColumnWriter) and the
// Parquet library, which the library packages (tailscale, jlex, gen) never
// import: the generated WriteColumns methods compute every value's
// repetition and definition levels, and this package only routes values to
// the library's column writers.
//
// Files use zstd-compressed pages (literals not entropy-coded: see
// zstdCodec), dictionary encoding for text columns
// (not JSON text nor row IDs), and row groups flushed when their estimated
// size reaches Options.RowGroupBytes. A Writer's memory is bounded by (see
// MemoryBound):
//
//	RowGroupBytes + columns × (2 × PageBytes + DictBytes) + footer + batch + one row's values
package pqfile

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"reflect"
	"slices"
	"sync"
	"time"
	"unsafe"

	kzstd "github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
	"github.com/tslogs/tslogs/jlex"
)

// Record is a generated record type (tailscale.Network, tailscale.Audit…).
type Record interface {
	Columns() *jlex.Column
	WriteColumns(w jlex.ColumnWriter, m *jlex.RowMeta)
}

// Defaults of Options.
const (
	// DefaultRowGroupBytes is a row group size analytics engines read well
	// (DuckDB, Trino and Spark split work by row group) while a writer with
	// a few files open stays within a few hundred MB.
	DefaultRowGroupBytes = 64 << 20
	// DefaultPageBytes bounds the uncompressed values a column buffers
	// before they are encoded and compressed as one page.
	DefaultPageBytes = 256 << 10
	// DefaultDictBytes bounds a column's dictionary; a column whose values
	// do not repeat enough (src and dst, ports included) switches to plain
	// encoding beyond it, early, which keeps dictionary lookups off them.
	DefaultDictBytes = 64 << 10
)

// Options configure a Writer. Zero values mean the defaults.
type Options struct {
	RowGroupBytes int64
	PageBytes     int
	DictBytes     int64
	// Level is the zstd level (default zstd.SpeedFastest, about level 1:
	// on delta-encoded and dictionary pages it compresses nearly as well as
	// the default level at half the cost).
	Level zstd.Level
	// Metadata is written into the file's key-value metadata.
	Metadata map[string]string
}

func (o *Options) defaults() {
	if o.RowGroupBytes <= 0 {
		o.RowGroupBytes = DefaultRowGroupBytes
	}
	if o.PageBytes <= 0 {
		o.PageBytes = DefaultPageBytes
	}
	if o.DictBytes <= 0 {
		o.DictBytes = DefaultDictBytes
	}
	if o.Level == 0 {
		o.Level = zstd.SpeedFastest
	}
}

// FooterBytesPerColumn is a generous estimate of the footer metadata a
// Writer keeps per column per row group until Close (column chunk
// metadata, column and offset indexes, level histograms): about 1.6 KiB was
// measured on network rows.
const FooterBytesPerColumn = 2 << 10

// MemoryBound is the most memory a Writer of a schema with the given number
// of leaf columns holds after writing rowGroups row groups, apart from the
// values of the row being written:
//
//	RowGroupBytes + columns × (2 × PageBytes + DictBytes) + columns × rowGroups × FooterBytesPerColumn + BatchBytes
//
// that is the pages of one row group (flushed when the library's estimate
// of them reaches RowGroupBytes; the check runs after every batch, so a row
// group exceeds it by at most one batch), per column one page of values,
// one page being compressed and a dictionary, the footer so far, and the
// batch of rows not yet handed to the library.
func (o Options) MemoryBound(columns, rowGroups int) int64 {
	o.defaults()
	return o.RowGroupBytes + int64(columns)*(2*int64(o.PageBytes)+o.DictBytes) +
		int64(columns)*int64(rowGroups)*FooterBytesPerColumn + BatchBytes
}

// BatchBytes bounds the memory of a batch of rows waiting for the library:
// its values (24 bytes each), their text and the cache of address texts
// (57 KB).
const BatchBytes = batchValues*int64(unsafe.Sizeof(parquet.Value{})) + batchBytes + int64(unsafe.Sizeof(addrCache{}))

// Schema returns the Parquet schema of a row type described by c: groups
// keep their fields in order, lists have the standard three levels
// (optional group (LIST) { repeated group list { element } }), text and
// JSON columns are STRING byte arrays with dictionary encoding (which falls
// back to plain for columns whose values rarely repeat), integers carry
// their width, timestamps are UTC microseconds, and integers and
// timestamps are delta-encoded (counters and times of neighbouring rows are
// close, so zstd gets far fewer bytes to compress).
func Schema(c *jlex.Column) *parquet.Schema {
	return parquet.NewSchema(c.Name, groupNode(c.Fields))
}

func groupNode(fields []*jlex.Column) parquet.Node {
	g := &ordered{Group: parquet.Group{}}
	for _, f := range fields {
		n := node(f)
		if !f.Required {
			n = parquet.Optional(n)
		}
		g.Group[f.Name] = n
		g.fields = append(g.fields, &field{Node: n, name: f.Name})
	}
	return g
}

// dictionary reports whether a text column is dictionary-encoded: every
// one but JSON columns (large values, such as p_enrichment's, that rarely
// repeat whole: hashing them costs more than zstd gains) and p_row_id
// (unique).
func dictionary(t jlex.ColumnType, name string) bool {
	return t == jlex.ColString && name != "p_row_id"
}

func isText(t jlex.ColumnType) bool { return t == jlex.ColString || t == jlex.ColJSON }

func node(c *jlex.Column) parquet.Node {
	switch c.Type {
	case jlex.ColString, jlex.ColJSON:
		if !dictionary(c.Type, c.Name) {
			return parquet.String()
		}
		return parquet.Encoded(parquet.String(), &parquet.RLEDictionary)
	case jlex.ColInt16:
		return parquet.Encoded(parquet.Int(16), &parquet.DeltaBinaryPacked)
	case jlex.ColInt32:
		return parquet.Encoded(parquet.Int(32), &parquet.DeltaBinaryPacked)
	case jlex.ColInt64:
		return parquet.Encoded(parquet.Int(64), &parquet.DeltaBinaryPacked)
	case jlex.ColFloat64:
		return parquet.Leaf(parquet.DoubleType)
	case jlex.ColBool:
		return parquet.Leaf(parquet.BooleanType)
	case jlex.ColTimestamp:
		return parquet.Encoded(parquet.TimestampAdjusted(parquet.Microsecond, true), &parquet.DeltaBinaryPacked)
	case jlex.ColGroup:
		return groupNode(c.Fields)
	case jlex.ColList:
		el := node(c.Element)
		if c.Element.Optional {
			el = parquet.Optional(el)
		}
		return parquet.List(el)
	}
	panic(fmt.Sprintf("pqfile: column %q has unknown type %v", c.Name, c.Type))
}

// ordered is a group whose fields keep the order they were given in
// (parquet.Group sorts them by name).
type ordered struct {
	parquet.Group
	fields []parquet.Field
}

func (g *ordered) Fields() []parquet.Field { return g.fields }

type field struct {
	parquet.Node
	name string
}

func (f *field) Name() string { return f.name }

// Value is used by the library's reflection-based paths, which this package
// never takes.
func (f *field) Value(base reflect.Value) reflect.Value {
	panic("pqfile: reflection over a generated schema")
}

// Writer writes rows of one record type to one Parquet file.
//
// Rows are handed to the library's column writers in batches of up to
// batchRows rows (or batchBytes of text), one call per column per batch
// rather than per row: the values of a batch, with their levels, wait in
// vals, their text copied into the arena.
type Writer struct {
	w       *parquet.Writer
	cols    []*parquet.ColumnWriter
	vals    []batchColumn // the batch's values, per column
	opt     Options
	rows    int64
	batch   int   // rows in the batch
	nvals   int   // values in the batch
	group   int64 // rows in the current row group
	start   int64 // Size when the current row group began
	groups  int   // row groups flushed
	arena   arena
	addrs   addrCache
	addrGen uint32 // the batch's generation in addrs
	err     error
}

// batchColumn holds the values of one column in a batch: vals[:n], used at
// its full length so that adding a value stores only n (storing the slice
// back on every value cost a write-barrier check and two more stores).
type batchColumn struct {
	vals []parquet.Value
	n    int // values in the batch
	mark int // n when the current row began
}

// A batch ends after batchRows rows, or once its values reach batchValues
// or its text batchBytes: at most batchValues × 24 + batchBytes bytes (2.5
// MiB), plus one row.
const (
	batchRows   = 256
	batchValues = 64 << 10
	batchBytes  = 1 << 20
)

// ErrShape means generated code wrote a row whose columns do not match its
// description: a generator bug.
var ErrShape = errors.New("pqfile: row does not match the schema")

// NewWriter returns a Writer of rows described by c to out. Close it to
// write the footer.
func NewWriter(out io.Writer, c *jlex.Column, opt Options) *Writer {
	opt.defaults()
	leaves := c.Leaves()
	schema := Schema(c)
	wopts := []parquet.WriterOption{
		schema,
		parquet.Compression(codec(opt.Level)),
		parquet.PageBufferSize(opt.PageBytes),
		parquet.DictionaryMaxBytes(opt.DictBytes),
		parquet.CreatedBy("tslogs", "", ""),
		// Statistics in page headers are not what engines prune by (they
		// read the column index and the column chunk's statistics, which
		// are kept); computing them took the bounds of every page, text in
		// lists included.
		parquet.DataPageStatistics(false),
	}
	for k, v := range opt.Metadata {
		wopts = append(wopts, parquet.KeyValueMetadata(k, v))
	}
	// Bounds of JSON text and row IDs prune nothing, nor do those of text
	// in lists (engines do not skip pages by a list's elements): none are
	// kept. Computing them was a tenth of the writer's time.
	paths := schema.Columns()
	for i, l := range leaves {
		if isText(l.Type) && (l.MaxRep > 0 || !dictionary(l.Type, l.Path[len(l.Path)-1])) {
			wopts = append(wopts, parquet.SkipPageBounds(paths[i]...))
		}
	}
	w := &Writer{
		w:    parquet.NewWriter(out, wopts...),
		vals: make([]batchColumn, len(leaves)),
		opt:  opt,
	}
	w.addrGen = 1
	w.cols = w.w.ColumnWriters()
	return w
}

// codecs holds one zstd codec per level for every Writer: a codec keeps a
// pool of encoders, each with history buffers of several MB, which a codec
// per Writer allocated again for every file. Codecs are safe for
// concurrent use.
var codecs sync.Map // zstd.Level -> *zstdCodec

func codec(level zstd.Level) *zstdCodec {
	if c, ok := codecs.Load(level); ok {
		return c.(*zstdCodec)
	}
	c, _ := codecs.LoadOrStore(level, &zstdCodec{level: level})
	return c.(*zstdCodec)
}

// zstdCodec is zstd without entropy coding of literals (Huffman): the
// pages it writes are standard zstd frames any reader decodes (DuckDB's
// included: cloudtest), 2.4% larger on flow records, written with 3% less
// of the writer's CPU time, 5% with p_enrichment, whose JSON text is most
// of what is compressed (BenchmarkWriter, interleaved runs). parquet-go's
// own zstd codec has no such option.
type zstdCodec struct {
	level    zstd.Level
	encoders sync.Pool // *kzstd.Encoder
	decoders sync.Pool // *kzstd.Decoder
}

func (c *zstdCodec) String() string { return "ZSTD" }

func (c *zstdCodec) CompressionCodec() format.CompressionCodec { return format.Zstd }

func (c *zstdCodec) Encode(dst, src []byte) ([]byte, error) {
	e, _ := c.encoders.Get().(*kzstd.Encoder)
	if e == nil {
		var err error
		e, err = kzstd.NewWriter(nil, kzstd.WithEncoderConcurrency(1), kzstd.WithEncoderLevel(c.level),
			kzstd.WithZeroFrames(true), kzstd.WithEncoderCRC(false), kzstd.WithNoEntropyCompression(true))
		if err != nil {
			return dst[:0], err
		}
	}
	dst = e.EncodeAll(src, dst[:0])
	c.encoders.Put(e)
	return dst, nil
}

func (c *zstdCodec) Decode(dst, src []byte) ([]byte, error) {
	d, _ := c.decoders.Get().(*kzstd.Decoder)
	if d == nil {
		var err error
		if d, err = kzstd.NewReader(nil, kzstd.WithDecoderConcurrency(1)); err != nil {
			return dst[:0], err
		}
	}
	dst, err := d.DecodeAll(src, dst[:0])
	c.decoders.Put(d)
	return dst, err
}

// Write writes rec as one row.
func (w *Writer) Write(rec Record, m *jlex.RowMeta) error {
	if w.err != nil {
		return w.err
	}
	rec.WriteColumns((*shredder)(w), m)
	return w.endRow()
}

// endRow checks that the row gave every column a value, and hands the
// batch to the column writers when it is full.
func (w *Writer) endRow() error {
	for i := range w.vals {
		c := &w.vals[i]
		if c.n == c.mark {
			w.err = fmt.Errorf("%w: no value for column %d", ErrShape, i)
			return w.err
		}
		w.nvals += c.n - c.mark
		c.mark = c.n
	}
	w.rows++
	w.group++
	w.batch++
	if w.batch < batchRows && w.nvals < batchValues && w.arena.size < batchBytes {
		return nil
	}
	return w.endBatch()
}

// endBatch hands the batch's rows to the column writers, which copy them,
// and flushes the row group once it has reached its size.
func (w *Writer) endBatch() error {
	if w.batch == 0 {
		return nil
	}
	for i := range w.vals {
		c := &w.vals[i]
		if _, err := w.cols[i].WriteRowValues(c.vals[:c.n]); err != nil {
			w.err = err
			return err
		}
		clear(c.vals[:c.n]) // drop the values' pointers into the arena
		c.n, c.mark = 0, 0
	}
	w.arena.reset()
	if w.addrGen++; w.addrGen == 0 {
		w.addrs, w.addrGen = addrCache{}, 1
	}
	w.batch, w.nvals = 0, 0
	// Size counts the file written so far plus the row group in memory.
	if w.w.Size()-w.start >= w.opt.RowGroupBytes {
		return w.Flush()
	}
	return nil
}

// Flush ends the current row group, writing it to the output.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.endBatch(); err != nil || w.group == 0 {
		return err
	}
	w.group = 0
	if err := w.w.Flush(); err != nil {
		w.err = err
	}
	w.start = w.w.Size()
	w.groups++
	return w.err
}

// RowGroups returns the number of row groups written so far.
func (w *Writer) RowGroups() int { return w.groups }

// Rows returns the number of rows written.
func (w *Writer) Rows() int64 { return w.rows }

// Size returns the bytes written to the output so far plus the estimated
// size of the row group in memory, the batch not yet handed over included.
func (w *Writer) Size() int64 {
	return w.w.Size() + int64(w.arena.size) + int64(w.nvals)*int64(unsafe.Sizeof(parquet.Value{}))
}

// Close writes the last row group and the footer. It does not close the
// output.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if err := w.endBatch(); err != nil {
		return err
	}
	w.err = w.w.Close()
	if w.err == nil {
		w.err = errClosed
		return nil
	}
	return w.err
}

var errClosed = errors.New("pqfile: writer is closed")

// shredder is the jlex.ColumnWriter of a Writer: it turns each call into a
// parquet.Value with its levels, in the row's value list of its column.
type shredder Writer

// Each method stores its value in place, in the slot next returns, then
// sets its levels: a parquet.Value passed by value to a function that is not
// inlined was spilled to the stack in small stores and copied back in
// 16-byte loads, which cannot be forwarded from those stores and stalled
// on every value (a tenth of the writer's time). The three level setters
// are written out in each method, where the compiler inlines them (a
// function calling all three is too big to be inlined).

// next returns a new value at the end of column col's batch.
func (s *shredder) next(col int) *parquet.Value {
	c := &s.vals[col]
	if c.n == len(c.vals) {
		c.vals = slices.Grow(c.vals, 1)
		c.vals = c.vals[:cap(c.vals)]
	}
	c.n++
	return &c.vals[c.n-1]
}

func (s *shredder) Nulls(col, n, rep, def int) {
	for i := col; i < col+n; i++ {
		p := s.next(i)
		*p = parquet.Value{}
		p.SetRepetitionLevel(rep)
		p.SetDefinitionLevel(def)
		p.SetColumnIndex(i)
	}
}

func (s *shredder) Bool(col, rep, def int, v bool) {
	p := s.next(col)
	*p = parquet.BooleanValue(v)
	p.SetRepetitionLevel(rep)
	p.SetDefinitionLevel(def)
	p.SetColumnIndex(col)
}

func (s *shredder) Int32(col, rep, def int, v int32) {
	p := s.next(col)
	*p = parquet.Int32Value(v)
	p.SetRepetitionLevel(rep)
	p.SetDefinitionLevel(def)
	p.SetColumnIndex(col)
}

func (s *shredder) Int64(col, rep, def int, v int64) {
	p := s.next(col)
	*p = parquet.Int64Value(v)
	p.SetRepetitionLevel(rep)
	p.SetDefinitionLevel(def)
	p.SetColumnIndex(col)
}

func (s *shredder) Float64(col, rep, def int, v float64) {
	p := s.next(col)
	*p = parquet.DoubleValue(v)
	p.SetRepetitionLevel(rep)
	p.SetDefinitionLevel(def)
	p.SetColumnIndex(col)
}

// String and Bytes copy the caller's text into the arena, where it stays
// until the batch is handed over.
func (s *shredder) String(col, rep, def int, v string) {
	p := s.next(col)
	*p = parquet.ByteArrayValue(s.arena.copy(unsafe.Slice(unsafe.StringData(v), len(v))))
	p.SetRepetitionLevel(rep)
	p.SetDefinitionLevel(def)
	p.SetColumnIndex(col)
}

func (s *shredder) Bytes(col, rep, def int, v []byte) {
	p := s.next(col)
	*p = parquet.ByteArrayValue(s.arena.copy(v))
	p.SetRepetitionLevel(rep)
	p.SetDefinitionLevel(def)
	p.SetColumnIndex(col)
}

// Addr writes the text of v, formatted once per batch: a batch's addresses
// repeat (a tailnet has few), and formatting an IPv6 address costs more
// than finding its text again.
func (s *shredder) Addr(col, rep, def int, v netip.Addr) {
	e := &s.addrs[addrSlot(&v)]
	if e.gen != s.addrGen || e.addr != v {
		e.addr, e.gen = v, s.addrGen
		e.text = s.arena.take(64, func(b []byte) []byte { return v.AppendTo(b) })
	}
	p := s.next(col)
	*p = parquet.ByteArrayValue(e.text)
	p.SetRepetitionLevel(rep)
	p.SetDefinitionLevel(def)
	p.SetColumnIndex(col)
}

// addrCache maps addresses to their text in the arena. An entry is valid
// only in the batch it was made in (its generation): the arena is reused
// once the batch is handed over. It is direct-mapped: an address whose slot
// holds another is formatted again.
type addrCache [1024]struct {
	addr netip.Addr
	text []byte
	gen  uint32
}

// addrSlot returns the slot of a in an addrCache, hashing the first 16
// bytes of the netip.Addr (its 128 bits in the current layout). Were the
// layout to change, slots would only be spread worse: Addr compares whole
// addresses. a.As16() stored its halves to the stack and reloaded them in
// one 16-byte load, which cannot be forwarded from the two stores: that
// stall cost more than the formatting the cache saves.
func addrSlot(a *netip.Addr) int {
	w := (*[2]uint64)(unsafe.Pointer(a))
	return int((w[0] ^ w[1]) * 0x9e3779b97f4a7c15 >> 54)
}

func (s *shredder) Time(col, rep, def int, v time.Time) {
	p := s.next(col)
	*p = parquet.Int64Value(v.UnixMicro())
	p.SetRepetitionLevel(rep)
	p.SetDefinitionLevel(def)
	p.SetColumnIndex(col)
}

func (s *shredder) JSON(col, rep, def int, v []byte) {
	p := s.next(col)
	*p = parquet.ByteArrayValue(s.arena.take(len(v), func(b []byte) []byte { return jlex.AppendCompactJSON(b, v) }))
	p.SetRepetitionLevel(rep)
	p.SetDefinitionLevel(def)
	p.SetColumnIndex(col)
}

// arena holds the text of one batch's values in chunks that never move, so
// earlier values stay valid while later ones are added.
type arena struct {
	cur    []byte   // the chunk being filled, at its full length
	n      int      // bytes of cur taken
	chunks [][]byte // every chunk, cur's included
	next   int      // index in chunks of the chunk after cur
	size   int      // bytes taken since the reset
}

const chunkSize = 64 << 10

// room makes cur a chunk with at least n bytes free (n <= chunkSize): the
// next one, allocated if need be.
func (a *arena) room(n int) {
	a.n = 0
	for ; a.next < len(a.chunks); a.next++ {
		if c := a.chunks[a.next]; len(c) >= n {
			a.cur = c
			a.next++
			return
		}
	}
	a.cur = make([]byte, chunkSize)
	a.chunks = append(a.chunks, a.cur)
	a.next = len(a.chunks)
}

// take appends a value of at most max bytes with fill and returns it.
func (a *arena) take(max int, fill func([]byte) []byte) []byte {
	if max > chunkSize/4 {
		v := fill(make([]byte, 0, max))
		a.size += len(v)
		return v
	}
	if len(a.cur)-a.n < max {
		a.room(max)
	}
	v := fill(a.cur[a.n:a.n:len(a.cur)])
	if len(v) > 0 && &v[0] == &a.cur[a.n] {
		a.n += len(v) // filled in place (else fill went past max, into memory of its own)
	}
	a.size += len(v)
	return v[:len(v):len(v)]
}

// copy keeps a copy of v. It only moves cur's length: storing the slice
// back on every string cost more than copying a short one.
func (a *arena) copy(v []byte) []byte {
	if len(v) > len(a.cur)-a.n {
		if len(v) > chunkSize/4 {
			a.size += len(v)
			return append([]byte(nil), v...)
		}
		a.room(len(v))
	}
	b := a.cur[a.n : a.n+len(v) : a.n+len(v)]
	copy(b, v)
	a.n += len(v)
	a.size += len(v)
	return b
}

func (a *arena) reset() {
	a.cur, a.n, a.next, a.size = nil, 0, 0, 0
}

package pqfile

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/tslogs/tslogs/internal/objstore"
	"github.com/tslogs/tslogs/jlex"
)

// PartitionDir is the Hive-style directory of rows of logType whose event
// time is t: p_log_type=Tailscale.Network/dt=2026-06-03/hour=15.
func PartitionDir(logType string, t time.Time) string {
	t = t.UTC()
	return "p_log_type=" + logType + "/dt=" + t.Format("2006-01-02") + "/hour=" + t.Format("15")
}

// DefaultMaxOpen is how many partition files a Dataset keeps open at once.
const DefaultMaxOpen = 8

// DatasetOptions configure a Dataset.
type DatasetOptions struct {
	Options
	// Writer names this writer in file names, which must be unique among
	// writers of the same store: WRITER-SEQ.parquet. Random when "".
	Writer string
	// MaxOpen bounds the partition files open at once (DefaultMaxOpen when
	// 0). Opening one more closes the least recently written one; rows of
	// its partition that come later go to a new file.
	MaxOpen int
}

// Dataset writes rows into Hive-style partitions of a store, by log type
// and event date and hour, one Parquet file per partition at a time. A
// file becomes visible, complete, when it is closed. Memory is bounded by
// MaxOpen × Options.MemoryBound(columns).
type Dataset struct {
	store objstore.Store
	opt   DatasetOptions
	open  map[string]*partFile
	tick  uint64
	seq   int
	done  []string
	// The partition of the last row, by log type and hour since the Unix
	// epoch: rows come in runs of one hour, and formatting the directory
	// of every row was 1% of parse --format parquet.
	lastType string
	lastHour int64
	lastDir  string
}

type partFile struct {
	key  string
	p    *objstore.Pending
	w    *Writer
	used uint64
}

// NewDataset returns a Dataset writing to store.
func NewDataset(store objstore.Store, opt DatasetOptions) *Dataset {
	if opt.Writer == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		opt.Writer = hex.EncodeToString(b[:])
	}
	if opt.MaxOpen <= 0 {
		opt.MaxOpen = DefaultMaxOpen
	}
	return &Dataset{store: store, opt: opt, open: map[string]*partFile{}}
}

// SetWriter names this writer in the file names from now on, as
// DatasetOptions.Writer does, and reports whether it could: only before
// the first file is created.
func (d *Dataset) SetWriter(name string) bool {
	if d.seq > 0 || name == "" {
		return false
	}
	d.opt.Writer = name
	return true
}

// Write adds rec as a row of the partition of logType (Panther's name,
// Tailscale.Network) and the hour of eventTime (m's parse time when zero,
// as p_event_time). Every row of a log type must have the same columns.
func (d *Dataset) Write(ctx context.Context, logType string, eventTime time.Time, rec Record, m *jlex.RowMeta) error {
	if eventTime.IsZero() {
		eventTime = m.ParseTime
	}
	dir := d.partition(logType, eventTime)
	pf := d.open[dir]
	if pf == nil {
		if len(d.open) >= d.opt.MaxOpen {
			if err := d.closeLRU(ctx); err != nil {
				return err
			}
		}
		d.seq++
		key := fmt.Sprintf("%s/%s-%05d.parquet", dir, d.opt.Writer, d.seq)
		p, err := d.store.Create(key)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		pf = &partFile{key: key, p: p, w: NewWriter(p, rec.Columns(), d.opt.Options)}
		d.open[dir] = pf
	}
	d.tick++
	pf.used = d.tick
	if err := pf.w.Write(rec, m); err != nil {
		// The file's own name is a temporary one (S3: in the spool).
		return fmt.Errorf("%s: %w", pf.key, err)
	}
	return nil
}

// partition returns PartitionDir(logType, t), the last one again when
// the row is of the same log type and hour.
func (d *Dataset) partition(logType string, t time.Time) string {
	hour := t.Unix() / 3600
	if t.Unix()%3600 < 0 {
		hour-- // floor, for times before 1970
	}
	if d.lastDir == "" || hour != d.lastHour || logType != d.lastType {
		d.lastType, d.lastHour, d.lastDir = logType, hour, PartitionDir(logType, t)
	}
	return d.lastDir
}

func (d *Dataset) closeLRU(ctx context.Context) error {
	var lru string
	for dir, pf := range d.open {
		if lru == "" || pf.used < d.open[lru].used {
			lru = dir
		}
	}
	pf := d.open[lru]
	delete(d.open, lru)
	return d.commit(ctx, pf)
}

func (d *Dataset) commit(ctx context.Context, pf *partFile) error {
	if err := pf.w.Close(); err != nil {
		pf.p.Abort()
		return fmt.Errorf("%s: %w", pf.key, err)
	}
	if err := pf.p.Commit(ctx); err != nil {
		return fmt.Errorf("%s: %w", pf.key, err)
	}
	d.done = append(d.done, pf.key)
	return nil
}

// Close completes every open file, in key order, and returns the first
// error; the files of later partitions are still completed.
func (d *Dataset) Close(ctx context.Context) error {
	var first error
	keys := make([]string, 0, len(d.open))
	for dir := range d.open {
		keys = append(keys, dir)
	}
	slices.Sort(keys)
	for _, dir := range keys {
		if err := d.commit(ctx, d.open[dir]); err != nil && first == nil {
			first = err
		}
		delete(d.open, dir)
	}
	return first
}

// Abort drops every open file.
func (d *Dataset) Abort() {
	for dir, pf := range d.open {
		pf.p.Abort()
		delete(d.open, dir)
	}
}

// Files returns the keys of the files completed so far.
func (d *Dataset) Files() []string { return d.done }

package serve

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"slices"
	"time"

	"github.com/tslogs/tslogs/internal/objstore"
	"github.com/tslogs/tslogs/internal/pqfile"
	"github.com/tslogs/tslogs/jlex"
	"github.com/tslogs/tslogs/tailscale"
)

// Output formats of an object store.
const (
	FormatNDJSON  = "ndjson"
	FormatParquet = "parquet"
)

// The object output stores each batch as its own objects, one per
// partition it touches (log type and event date and hour, Hive-style),
// and answers 2xx only once every PUT has completed: S3 answers a PUT only
// when the object is stored durably, so an acknowledged record is never
// lost, and the receiver keeps nothing on local disk (receivers behind a
// load balancer share nothing but the bucket).
//
// An object's name is the SHA-256 of the batch's decompressed body, under
// the partition of its records' event times: a sender's retry of the same
// batch, to this receiver or another, writes the same keys with the same
// records, so a batch stored but not acknowledged (a receiver killed
// between the PUT and the reply) is never stored twice. Dead letters go to
// deadletter/dt=…/hour=…/HASH.ndjson by the hour of receipt.
//
// The trade-off is object size: one object per batch and partition
// (Tailscale posts up to 512 KiB per batch), where a local spool would
// gather large files; docs/serve.md shows how to compact them.

// objBatch collects one request's rows per partition.
type objBatch struct {
	format string
	h      hash.Hash
	parts  map[string]*objPart
}

type objPart struct {
	buf bytes.Buffer
	pq  *pqfile.Writer
}

func newObjBatch(format string) *objBatch {
	return &objBatch{format: format, h: sha256.New(), parts: map[string]*objPart{}}
}

// reset prepares the batch for a new request.
func (b *objBatch) reset() {
	b.h.Reset()
	clear(b.parts)
}

// body wraps the decompressed body so that the batch's name is its hash.
func (b *objBatch) body(r io.Reader) io.Reader { return io.TeeReader(r, b.h) }

// add adds the reader's current good record.
func (b *objBatch) add(r *tailscale.Reader, m *jlex.RowMeta) error {
	var rec pqfile.Row = r.Network()
	if r.LogType() == tailscale.LogTypeAudit {
		rec = r.Audit()
	}
	t := rec.EventTime()
	if t.IsZero() {
		t = m.ParseTime
	}
	dir := pqfile.PartitionDir(rec.LogType(), t)
	p := b.parts[dir]
	if p == nil {
		p = &objPart{}
		if b.format == FormatParquet {
			p.pq = pqfile.NewWriter(&p.buf, rec.Columns(), pqfile.Options{PageBytes: 64 << 10, DictBytes: 16 << 10})
		}
		b.parts[dir] = p
	}
	if p.pq != nil {
		return p.pq.Write(rec, m)
	}
	p.buf.Write(r.AppendRow(p.buf.AvailableBuffer(), m))
	p.buf.WriteByte('\n')
	return nil
}

// commit stores every part and the dead letters durably, and returns the
// first error.
func (b *objBatch) commit(ctx context.Context, store objstore.Store, received time.Time, dead []byte) error {
	name := hex.EncodeToString(b.h.Sum(nil))
	ext := "." + b.format
	keys := make([]string, 0, len(b.parts))
	for dir := range b.parts {
		keys = append(keys, dir)
	}
	slices.Sort(keys)
	for _, dir := range keys {
		p := b.parts[dir]
		if p.pq != nil {
			if err := p.pq.Close(); err != nil {
				return err
			}
		}
		if err := store.Put(ctx, dir+"/"+name+ext, p.buf.Bytes()); err != nil {
			return err
		}
	}
	if len(dead) > 0 {
		r := received.UTC()
		key := "deadletter/dt=" + r.Format("2006-01-02") + "/hour=" + r.Format("15") + "/" + name + ".ndjson"
		if err := store.Put(ctx, key, dead); err != nil {
			return err
		}
	}
	return nil
}

package serve

import (
	"io"

	"github.com/tslogs/tslogs/tailscale"
)

// An Encoder turns the good records of one batch into the parts a Store
// commits. The server keeps one per parsing slot and reuses it from batch
// to batch. The Sink's encoder makes NDJSON rows by kind; a Store that
// wants another form (ObjectStore: one object per partition) implements
// EncodingStore.
type Encoder interface {
	// Body wraps the decompressed body before it is parsed (to hash it,
	// say), or returns it as is.
	Body(r io.Reader) io.Reader
	// Add adds the reader's current good record, with m's parse time and
	// row IDs.
	Add(rd *tailscale.Reader, m *tailscale.RowMeta) error
	// Size is what the batch's rows take so far, in bytes: the server
	// answers 413 once it passes rowsPerBodyByte × MaxBodyBytes.
	Size() int
	// Parts ends the batch and returns its parts, the dead-letter lines
	// included. m is the batch's row metadata (ParseTime: when it was
	// received).
	Parts(dead []byte, m *tailscale.RowMeta) ([]Part, error)
	// Reset forgets the batch. It reports whether the encoder's memory is
	// small enough to be kept for the next one.
	Reset() (keep bool)
}

// EncodingStore is a Store with its own Encoder. maxRows is the most Size
// may reach before the server refuses the batch.
type EncodingStore interface {
	Store
	NewEncoder(maxRows int) Encoder
}

// ndjsonEncoder is the Sink's encoder: a part per kind of whole NDJSON
// lines.
type ndjsonEncoder struct {
	network, audit []byte
	maxRows        int
}

func (e *ndjsonEncoder) Body(r io.Reader) io.Reader { return r }

func (e *ndjsonEncoder) Add(rd *tailscale.Reader, m *tailscale.RowMeta) error {
	switch rd.LogType() {
	case tailscale.LogTypeNetwork:
		e.network = appendRow(e.network, rd, m, e.maxRows)
	case tailscale.LogTypeAudit:
		e.audit = appendRow(e.audit, rd, m, e.maxRows)
	}
	return nil
}

func (e *ndjsonEncoder) Size() int { return len(e.network) + len(e.audit) }

func (e *ndjsonEncoder) Parts(dead []byte, _ *tailscale.RowMeta) ([]Part, error) {
	return []Part{{Kind: KindNetwork, Data: e.network}, {Kind: KindAudit, Data: e.audit}, {Kind: KindDeadLetter, Data: dead}}, nil
}

func (e *ndjsonEncoder) Reset() bool {
	if cap(e.network) > 4*keepState || cap(e.audit) > 4*keepState {
		return false
	}
	e.network, e.audit = e.network[:0], e.audit[:0]
	return true
}

// appendRow appends the current record's row and a newline to buf, growing
// buf by doubling but never to more than the rows a body may make (plus the
// row), so that the row buffers of a body hold at most about rowsCap bytes
// (AppendRow would double past it).
func appendRow(buf []byte, rd *tailscale.Reader, m *tailscale.RowMeta, rowsCap int) []byte {
	// A row is at most about three times its record, plus the p_ members.
	need := 3*len(rd.Raw()) + 4096
	if cap(buf)-len(buf) < need {
		nb := make([]byte, len(buf), min(max(2*cap(buf), len(buf)+need), max(rowsCap, len(buf))+need))
		copy(nb, buf)
		buf = nb
	}
	return append(rd.AppendRow(buf, m), '\n')
}

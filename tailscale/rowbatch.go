package tailscale

import (
	"net/netip"
	"time"
	"unsafe"
)

// RowBatch holds rows written on one goroutine, to be numbered and enriched
// in input order on another: how rows are made in parallel (ReadParallel's
// Record adds them, its Deliver writes them). A row's p_row_id is given,
// and its record learned by a NodeDirectory and its p_enrichment added, only
// when it is written out (AppendRow), since both depend on the rows before
// it. The rows it writes are exactly those Reader.AppendRow writes. The zero
// value is ready to use.
type RowBatch struct {
	buf  []byte
	rows []batchRow
	meta RowMeta
	// Copies of what enrichment needs of the records, made when the rows
	// are added: the records are gone by the time they are written out.
	text  []byte
	nodes []NetworkNode
	strs  []string
	ips   []netip.Addr
}

type batchRow struct {
	start, idAt, end int // the row in buf; idAt: where p_row_id goes
	typ              LogType
	// Network records: what NodeDirectory.Learn and the enrichment use.
	nodeID   string
	hasSrc   bool
	src      NetworkNode
	dst0     int // dstNodes: nodes[dst0:dst1]
	dst1     int
	t        time.Time
	ip0, ip1 int // the row's addresses: ips[ip0:ip1]
	// Audit records.
	actorID, targetID string
}

// Reset empties the batch, keeping its memory.
func (b *RowBatch) Reset() {
	b.buf = b.buf[:0]
	b.rows = b.rows[:0]
	b.text = b.text[:0]
	b.nodes = b.nodes[:0]
	b.strs = b.strs[:0]
	b.ips = b.ips[:0]
}

// Len returns the number of rows in the batch.
func (b *RowBatch) Len() int { return len(b.rows) }

// Add adds the row of r's current good record, with p_parse_time
// parseTime.
func (b *RowBatch) Add(r *Reader, parseTime time.Time) {
	m := &b.meta
	m.ParseTime = parseTime
	m.RowID, m.RowIDPrefix = "", ""
	row := batchRow{start: len(b.buf), typ: r.typ}
	switch r.typ {
	case LogTypeNetwork:
		x := &r.network
		b.buf = x.AppendRow(b.buf, m)
		ev := &x.Event
		row.nodeID = b.str(ev.NodeID)
		if ev.HasSrcNode() {
			row.hasSrc = true
			row.src = b.node(&ev.SrcNode)
		}
		row.dst0 = len(b.nodes)
		for i := range ev.DstNodes {
			b.nodes = append(b.nodes, b.node(&ev.DstNodes[i]))
		}
		row.dst1 = len(b.nodes)
		row.t = x.EventTime()
		row.ip0 = len(b.ips)
		b.ips = append(b.ips, m.IPAddresses()...)
		row.ip1 = len(b.ips)
	case LogTypeAudit:
		x := &r.audit
		b.buf = x.AppendRow(b.buf, m)
		row.actorID = b.str(x.Event.Actor.ID)
		row.targetID = b.str(x.Event.Target.ID)
	default:
		return
	}
	row.idAt, row.end = m.MetaEnd(), len(b.buf)
	b.rows = append(b.rows, row)
}

// str copies s into the batch's text. The copies stay unchanged until
// Reset: text only grows (into new memory when it must, leaving the old
// copies where they are).
func (b *RowBatch) str(s string) string {
	if s == "" {
		return ""
	}
	start := len(b.text)
	b.text = append(b.text, s...)
	return unsafe.String(&b.text[start], len(s))
}

func (b *RowBatch) strList(list []string) []string {
	start := len(b.strs)
	for _, s := range list {
		b.strs = append(b.strs, b.str(s))
	}
	return b.strs[start:len(b.strs):len(b.strs)]
}

// node copies what NodeDirectory.Learn reads of n.
func (b *RowBatch) node(n *NetworkNode) NetworkNode {
	c := NetworkNode{NodeID: b.str(n.NodeID), Name: b.str(n.Name), OS: b.str(n.OS), User: b.str(n.User)}
	if len(n.Addresses) > 0 {
		c.Addresses = b.strList(n.Addresses)
	}
	if len(n.Tags) > 0 {
		c.Tags = b.strList(n.Tags)
	}
	return c
}

// AppendRow appends row i: its p_row_id from m (as RowMeta.AppendMeta
// writes it), and, when d is not nil, with d having learned its record
// first (a network record), its p_enrichment. Call it for the rows in input
// order, as a Reader would have read them, for the same p_row_id and
// p_enrichment.
func (b *RowBatch) AppendRow(dst []byte, i int, m *RowMeta, d *NodeDirectory) []byte {
	r := &b.rows[i]
	if d != nil && r.typ == LogTypeNetwork {
		var src *NetworkNode
		if r.hasSrc {
			src = &r.src
		}
		d.learnNodes(r.nodeID, src, b.nodes[r.dst0:r.dst1], r.t)
	}
	row := b.buf[r.start:r.end]
	idAt := r.idAt - r.start
	dst = append(dst, row[:idAt]...)
	dst = m.AppendRowID(dst)
	if d == nil {
		return append(dst, row[idAt:]...)
	}
	dst = append(dst, row[idAt:len(row)-1]...) // reopen the row
	if r.typ == LogTypeNetwork {
		dst = d.appendNetworkEnrichment(dst, r.nodeID, b.ips[r.ip0:r.ip1], nil)
	} else {
		dst = d.appendAuditEnrichment(dst, r.actorID, r.targetID)
	}
	return append(dst, '}')
}

package tailscale

import (
	"bytes"
	"net/netip"
	"slices"
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
	// Copies of what enrichment needs of the records, made when the rows
	// are added (the records are gone by the time the rows are written
	// out), as offsets and bytes rather than strings and netip.Addr: a
	// batch holds no pointers for the garbage collector to follow.
	text  []byte
	nodes []batchNode
	refs  []int32 // the rows' dstNodes: indexes in nodes
	spans []span
	ips   []batchAddr
	// byID finds the last node of each ID in nodes, for the first
	// maxBatchIDs IDs of the batch: a node seen again unchanged (records
	// name the same nodes over and over) is not copied again. Its keys are
	// views of text, cleared with it.
	byID map[string]int32
	// Scratch for AppendRow.
	strs []string
}

type batchRow struct {
	start, idAt, end int // the row in buf; idAt: where p_row_id goes
	typ              LogType
	// Network records: what NodeDirectory.Learn and the enrichment use.
	nodeID            span
	src               int32 // index in nodes, or -1
	dst0, dst1        int32 // dstNodes: nodes[refs[dst0:dst1]]
	sec               int64 // event time
	nsec              int32
	ip0, ip1          int32 // the row's addresses: ips[ip0:ip1]
	actorID, targetID span  // audit records
}

// span is text[start:end].
type span struct{ start, end int32 }

type batchNode struct {
	id, name, os, user span
	tags0, tags1       int32 // spans[tags0:tags1]
	addrs0, addrs1     int32
	// The directory that last learned the node (NodeDirectory.id, 0 for
	// none), its gen then, and the slot that holds it (see learnNode), in
	// 32 bits: a batch is written out long before either wraps.
	dir, gen uint32
	slot     int32
}

// batchAddr is an address of a row's p_any_ip_addresses: its 16 bytes,
// its zone (an index in spans, or -1 for none), and its text in buf,
// between the quotes (empty for a zoned address, or when not found there).
type batchAddr struct {
	b    [16]byte
	is4  bool
	zone int32
	text span
}

// Reset empties the batch, keeping its memory.
func (b *RowBatch) Reset() {
	b.buf = b.buf[:0]
	b.rows = b.rows[:0]
	b.text = b.text[:0]
	b.nodes = b.nodes[:0]
	b.refs = b.refs[:0]
	clear(b.byID)
	b.spans = b.spans[:0]
	b.ips = b.ips[:0]
}

// Grow makes room for n more bytes of rows, so that adding them does not
// allocate (a batch of rows of about 1 MiB of records takes about 3 MiB).
func (b *RowBatch) Grow(n int) {
	b.buf = slices.Grow(b.buf, n)
}

// Len returns the number of rows in the batch.
func (b *RowBatch) Len() int { return len(b.rows) }

// Add adds the row of r's current good record, as read (as Reader.AppendRow
// writes it), with p_parse_time parseTime.
func (b *RowBatch) Add(r *Reader, parseTime time.Time) {
	m := &r.rowMeta // the Reader's: its memory of addresses stays warm
	m.ParseTime = parseTime
	m.RowID, m.RowIDPrefix = "", ""
	row := batchRow{start: len(b.buf), typ: r.typ, src: -1}
	switch r.typ {
	case LogTypeNetwork:
		x := &r.network
		b.buf = x.AppendDecodedRow(b.buf, m)
		ev := &x.Event
		row.nodeID = b.str(ev.NodeID)
		if ev.HasSrcNode() {
			row.src = b.node(&ev.SrcNode)
		}
		row.dst0 = int32(len(b.refs))
		for i := range ev.DstNodes {
			b.refs = append(b.refs, b.node(&ev.DstNodes[i]))
		}
		row.dst1 = int32(len(b.refs))
		t := x.EventTime()
		row.sec, row.nsec = t.Unix(), int32(t.Nanosecond())
		row.ip0 = int32(len(b.ips))
		b.addAddrs(m, m.MetaEnd())
		row.ip1 = int32(len(b.ips))
	case LogTypeAudit:
		x := &r.audit
		b.buf = x.AppendDecodedRow(b.buf, m)
		row.actorID = b.str(x.Event.Actor.ID)
		row.targetID = b.str(x.Event.Target.ID)
	default:
		return
	}
	row.idAt, row.end = m.MetaEnd(), len(b.buf)
	b.rows = append(b.rows, row)
}

// addAddrs adds the addresses m has just collected for the row written
// from meta on, with where the row has the text of each that needs no
// escapes, for the enrichment to copy rather than format.
func (b *RowBatch) addAddrs(m *RowMeta, meta int) {
	ips := m.IPAddresses()
	if len(ips) == 0 {
		return
	}
	// The row's p_any_ip_addresses array lists the addresses in the order
	// of ips, each a JSON string, right after the p_* members AppendMeta
	// writes.
	at := -1
	if bytes.HasPrefix(b.buf[meta:], anyIPsMember) {
		at = meta + len(anyIPsMember)
	} else if k := bytes.Index(b.buf[meta:], anyIPsMember[1:]); k >= 0 {
		at = meta + k + len(anyIPsMember) - 1
	}
	first := len(b.ips)
	for i, a := range ips {
		ba := batchAddr{b: a.As16(), is4: a.Is4(), zone: -1}
		if z := a.Zone(); z != "" {
			ba.zone = int32(len(b.spans))
			b.spans = append(b.spans, b.str(z))
			if at >= 0 { // escaped as it may be, its text is formatted again
				if end := quotedEnd(b.buf, at); end > at {
					at = end + 1
				} else {
					at = -1
				}
			}
		} else if at >= 0 {
			end := at + len(m.IPAddressText(i)) + 2
			if end <= len(b.buf) && b.buf[at] == '"' && b.buf[end-1] == '"' {
				ba.text = span{int32(at + 1), int32(end - 1)}
				at = end + 1 // past the comma
			} else {
				at = -1
			}
		}
		b.ips = append(b.ips, ba)
	}
	if at < 0 { // not the layout expected: the enrichment formats them
		for i := first; i < len(b.ips); i++ {
			b.ips[i].text = span{}
		}
	}
}

var anyIPsMember = []byte(`,"p_any_ip_addresses":[`)

// quotedEnd returns the end of the JSON string that starts at buf[at], or
// -1 when there is none.
func quotedEnd(buf []byte, at int) int {
	if at >= len(buf) || buf[at] != '"' {
		return -1
	}
	for i := at + 1; i < len(buf); i++ {
		switch buf[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// appendEnrichment appends row r's p_enrichment from d, which has learned
// its record, copying the addresses' text from the row.
func (b *RowBatch) appendEnrichment(dst []byte, r *batchRow, d *NodeDirectory) []byte {
	d.matched = d.matched[:0]
	for _, a := range b.ips[r.ip0:r.ip1] {
		var text []byte
		if a.text.end > a.text.start {
			text = b.buf[a.text.start:a.text.end]
		}
		d.addMatch(b.addr(a), text)
	}
	return d.appendMatched(dst, b.string(r.nodeID), nil)
}

// addr returns the address a holds.
func (b *RowBatch) addr(a batchAddr) netip.Addr {
	switch {
	case a.is4:
		return netip.AddrFrom4([4]byte(a.b[12:]))
	case a.zone >= 0:
		return netip.AddrFrom16(a.b).WithZone(b.string(b.spans[a.zone]))
	}
	return netip.AddrFrom16(a.b)
}

func (b *RowBatch) str(s string) span {
	start := int32(len(b.text))
	b.text = append(b.text, s...)
	return span{start, int32(len(b.text))}
}

func (b *RowBatch) strList(list []string) (int32, int32) {
	start := int32(len(b.spans))
	for _, s := range list {
		b.spans = append(b.spans, b.str(s))
	}
	return start, int32(len(b.spans))
}

// node returns the index in nodes of a copy of what NodeDirectory.Learn
// reads of n: the last node of its ID when that one is the same, else a new
// copy.
func (b *RowBatch) node(n *NetworkNode) int32 {
	i, ok := b.byID[n.NodeID]
	if ok && b.sameNode(&b.nodes[i], n) {
		return i
	}
	c := batchNode{id: b.str(n.NodeID), name: b.str(n.Name), os: b.str(n.OS), user: b.str(n.User)}
	c.addrs0, c.addrs1 = b.strList(n.Addresses)
	c.tags0, c.tags1 = b.strList(n.Tags)
	i = int32(len(b.nodes))
	b.nodes = append(b.nodes, c)
	if b.byID == nil {
		b.byID = map[string]int32{}
	}
	if ok || len(b.byID) < maxBatchIDs {
		b.byID[b.string(c.id)] = i
	}
	return i
}

// maxBatchIDs bounds the node IDs a RowBatch remembers, whatever the
// input: a map of 4,096 IDs takes about 220 KiB (330 KiB while it last
// grows). A batch of more distinct nodes copies those beyond it every time.
const maxBatchIDs = 4096

// sameNode reports whether c holds what n does.
func (b *RowBatch) sameNode(c *batchNode, n *NetworkNode) bool {
	if b.string(c.name) != n.Name || b.string(c.os) != n.OS || b.string(c.user) != n.User ||
		int(c.addrs1-c.addrs0) != len(n.Addresses) || int(c.tags1-c.tags0) != len(n.Tags) {
		return false
	}
	for k, a := range n.Addresses {
		if b.string(b.spans[int(c.addrs0)+k]) != a {
			return false
		}
	}
	for k, t := range n.Tags {
		if b.string(b.spans[int(c.tags0)+k]) != t {
			return false
		}
	}
	return true
}

// string returns the text of sp, valid until Reset.
func (b *RowBatch) string(sp span) string {
	if sp.start == sp.end {
		return ""
	}
	return unsafe.String(&b.text[sp.start], int(sp.end-sp.start))
}

// networkNode makes a NetworkNode of n's text, its lists in b.strs.
func (b *RowBatch) networkNode(n *batchNode) NetworkNode {
	list := func(from, to int32) []string {
		if from == to {
			return nil
		}
		start := len(b.strs)
		for _, sp := range b.spans[from:to] {
			b.strs = append(b.strs, b.string(sp))
		}
		return b.strs[start:len(b.strs):len(b.strs)]
	}
	return NetworkNode{NodeID: b.string(n.id), Name: b.string(n.name), OS: b.string(n.os), User: b.string(n.user),
		Addresses: list(n.addrs0, n.addrs1), Tags: list(n.tags0, n.tags1)}
}

// learn has d learn row r's record's nodes, as NodeDirectory.Learn does.
func (b *RowBatch) learn(r *batchRow, d *NodeDirectory) {
	nodeID := b.string(r.nodeID)
	t := time.Unix(r.sec, int64(r.nsec)).UTC()
	if r.src >= 0 && d.trustSrc(b.string(b.nodes[r.src].id), nodeID) {
		b.learnNode(r.src, d, t)
	}
	for _, k := range b.refs[r.dst0:r.dst1] {
		b.learnNode(k, d, t)
	}
	d.touchUnnamed(nodeID, r.src >= 0, t)
}

// learnNode has d learn node k as of t. A node d has learned before, with
// nothing stored in d since, is in the slot it was put in, unchanged: d
// only marks it named again, without comparing it.
func (b *RowBatch) learnNode(k int32, d *NodeDirectory, t time.Time) {
	c := &b.nodes[k]
	if c.dir == uint32(d.id) && c.gen == uint32(d.gen) && c.dir != 0 {
		d.touch(c.slot, t)
		return
	}
	b.strs = b.strs[:0]
	n := b.networkNode(c)
	if i := d.learn(&n, t); i >= 0 {
		c.dir, c.gen, c.slot = uint32(d.id), uint32(d.gen), i
	}
	clear(b.strs) // the strings are the batch's: keep none beyond it
}

// AppendRow appends row i: its p_row_id from m (as RowMeta.AppendMeta
// writes it), and, when d is not nil, with d having learned its record
// first (a network record), its p_enrichment. Call it for the rows in input
// order, as a Reader would have read them, for the same p_row_id and
// p_enrichment.
func (b *RowBatch) AppendRow(dst []byte, i int, m *RowMeta, d *NodeDirectory) []byte {
	r := &b.rows[i]
	if d != nil && r.typ == LogTypeNetwork {
		b.learn(r, d)
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
		dst = b.appendEnrichment(dst, r, d)
	} else {
		dst = d.appendAuditEnrichment(dst, b.string(r.actorID), b.string(r.targetID))
	}
	return append(dst, '}')
}

// What a RowBatch holds of the records added to it, their rows and what
// enrichment needs, is at most RowBatchBytesPerByte bytes per byte of the
// records plus RowBatchBytesPerRecord per record, whatever the records
// (TestRowBatchBytesBound; Tailscale's flow records take about 2.3 bytes
// per byte, their per-record part included).
const (
	RowBatchBytesPerByte   = 8
	RowBatchBytesPerRecord = 512
)

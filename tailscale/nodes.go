package tailscale

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"sync/atomic"
	"time"
)

// This file resolves addresses in network flow records to the nodes that
// own them: NodeIndex within one record, from its srcNode and dstNodes, and
// NodeDirectory across a stream, learned from every record.

// NodeIndex resolves the addresses of one decoded Network record to the
// nodes the record itself names in srcNode and dstNodes (clients v1.92 and
// later send them). Reset it for each record; once its buffer has grown it
// allocates nothing.
//
//	var ix tailscale.NodeIndex
//	ix.Reset(&rec)
//	for i := range rec.Event.VirtualTraffic {
//		t := &rec.Event.VirtualTraffic[i]
//		if n := ix.Dst(t); n != nil {
//			fmt.Println(t.DstIP, "is", n.Name, n.User, n.Tags)
//		}
//	}
//
// The nodes are what the logging node reported: only the record's nodeId is
// verified by Tailscale.
type NodeIndex struct {
	x     *Network
	addrs []indexAddr // sorted by address
}

type indexAddr struct {
	addr netip.Addr
	node int32 // -1: srcNode; i: DstNodes[i]
}

// Reset indexes x's srcNode and dstNodes. x must stay unchanged while the
// index is used.
func (ix *NodeIndex) Reset(x *Network) {
	ix.x = x
	ix.addrs = ix.addrs[:0]
	ev := &x.Event
	if ev.HasSrcNode() {
		ix.add(&ev.SrcNode, -1)
	}
	for i := range ev.DstNodes {
		ix.add(&ev.DstNodes[i], int32(i))
	}
	slices.SortStableFunc(ix.addrs, func(a, b indexAddr) int { return a.addr.Compare(b.addr) })
}

func (ix *NodeIndex) add(n *NetworkNode, i int32) {
	for _, s := range n.Addresses {
		if a, err := netip.ParseAddr(s); err == nil {
			ix.addrs = append(ix.addrs, indexAddr{a, i})
		}
	}
}

// Node returns the node the record names as owning a, or nil. When two of
// the record's nodes claim a, srcNode wins, then the first in dstNodes.
func (ix *NodeIndex) Node(a netip.Addr) *NetworkNode {
	if ix.x == nil || !a.IsValid() {
		return nil
	}
	if a.Is4In6() {
		a = a.Unmap()
	}
	i, ok := slices.BinarySearchFunc(ix.addrs, a, func(e indexAddr, a netip.Addr) int { return e.addr.Compare(a) })
	if !ok {
		return nil
	}
	if n := ix.addrs[i].node; n >= 0 {
		return &ix.x.Event.DstNodes[n]
	}
	return &ix.x.Event.SrcNode
}

// Src returns the node owning t's source address, or nil.
func (ix *NodeIndex) Src(t *NetworkTraffic) *NetworkNode { return ix.Node(t.SrcIP) }

// Dst returns the node owning t's destination address, or nil.
func (ix *NodeIndex) Dst(t *NetworkTraffic) *NetworkNode { return ix.Node(t.DstIP) }

// Node is a tailnet node as a NodeDirectory remembers it. Its slices are
// shared with the directory: read them, do not modify them.
type Node struct {
	ID        string       // stable node ID (nodeId)
	Name      string       // MagicDNS name
	OS        string       // operating system
	User      string       // owner's login name; empty for tagged nodes
	Tags      []string     // ACL tags
	Addresses []netip.Addr // Tailscale addresses
	Seen      time.Time    // event time of the newest record that named it
}

// ShortName returns the node's name up to its first dot ("laptop" for
// "laptop.example.ts.net"), or its ID when it has no name.
func (n *Node) ShortName() string {
	if n.Name == "" {
		return n.ID
	}
	for i := 0; i < len(n.Name); i++ {
		if n.Name[i] == '.' && i > 0 {
			return n.Name[:i]
		}
	}
	return n.Name
}

// Limits on what a NodeDirectory keeps of one node. A srcNode or dstNodes
// object beyond them is not learned (Tailscale's own nodes are far within:
// two addresses, a few tags, names under 256 bytes).
const (
	MaxNodeText      = 1024 // bytes of nodeId, name, os, user and tags together
	MaxNodeTags      = 32
	MaxNodeAddresses = 8
)

// DefaultMaxNodes is the number of nodes a NodeDirectory keeps when
// NewNodeDirectory is given 0: more than most tailnets have.
const DefaultMaxNodes = 16384

// NodeBytesBound is the most memory one node of a NodeDirectory takes, its
// map entries included: a directory holds at most
// maxNodes × NodeBytesBound bytes (about 59 MiB for DefaultMaxNodes). The
// text is MaxNodeText, and its addresses' text as records gave it at most
// 384 bytes; the rest bounds the node's struct, its tag and
// address slices (MaxNodeTags × 16 + MaxNodeAddresses × 24 bytes), its
// entries in the two maps (up to 1 + MaxNodeAddresses entries of at most 96
// bytes each with Go's map overhead) and the copy of its p_enrichment
// members kept written out (512 bytes). TestNodeDirectoryMemory measures it.
const NodeBytesBound = MaxNodeText + maxRawAddrs + 256 + MaxNodeTags*16 + MaxNodeAddresses*24 + (1+MaxNodeAddresses)*96 + maxNodeJSON

// NodeDirectory remembers the nodes named by the srcNode and dstNodes of
// network records, so that addresses in records without them (older clients
// omit them) or seen later still resolve to names. It keeps at most
// maxNodes nodes, forgetting the one not named for the longest time, so its
// memory is bounded by maxNodes × NodeBytesBound whatever the input.
//
// The newest description of a node wins: a node renamed, re-tagged or given
// new addresses is updated, and an address claimed by a second node moves to
// it. A record's srcNode is learned only when its nodeId is the record's
// nodeId, the one field Tailscale verifies. A NodeDirectory is not safe for
// concurrent use; merge the directories of several workers with Merge.
type NodeDirectory struct {
	max    int
	slots  []dirSlot
	byID   map[string]int32
	byAddr addrIndex
	// id tells directories apart, and gen counts the calls to put: a
	// node found in a slot at one (id, gen) is still there, unchanged,
	// while both are the same (RowBatch relies on it).
	id, gen uint64
	head    int32 // most recently named; -1 when empty
	tail    int32 // least recently named
	stats   NodeDirectoryStats

	meta    RowMeta // scratch for AppendNetworkEnrichment
	matched []addrMatch
}

// NodeDirectoryStats counts what a NodeDirectory did.
type NodeDirectoryStats struct {
	Learned  int // nodes added or updated
	Evicted  int // nodes forgotten to stay within maxNodes
	Rejected int // node objects beyond the per-node limits, or without a nodeId
	Spoofed  int // srcNode objects whose nodeId is not the record's nodeId
}

type dirSlot struct {
	node       Node
	prev, next int32
	// json is the node's members as p_enrichment writes them, when
	// hasJSON (see appendNodeJSON).
	json    []byte
	hasJSON bool
	// raw is the node's addresses as the record that described it gave
	// them, each followed by a 0 byte, when all parsed and take at most
	// maxRawAddrs bytes: a record that repeats them is seen to describe
	// the same node without parsing them again.
	raw string
}

// NewNodeDirectory returns a directory that keeps at most maxNodes nodes
// (DefaultMaxNodes when maxNodes <= 0).
func NewNodeDirectory(maxNodes int) *NodeDirectory {
	if maxNodes <= 0 {
		maxNodes = DefaultMaxNodes
	}
	return &NodeDirectory{max: maxNodes, byID: map[string]int32{}, byAddr: newAddrIndex(), id: directoryIDs.Add(1), head: -1, tail: -1}
}

// directoryIDs numbers the directories (NodeDirectory.id).
var directoryIDs atomic.Uint64

// Len returns the number of nodes in the directory.
func (d *NodeDirectory) Len() int { return len(d.byID) }

// Max returns the most nodes the directory keeps.
func (d *NodeDirectory) Max() int { return d.max }

// Stats returns the directory's counters.
func (d *NodeDirectory) Stats() NodeDirectoryStats { return d.stats }

// Learn remembers the nodes x names: its srcNode (when its nodeId is the
// record's) and every dstNodes element, as of x's event time. A node seen
// again unchanged costs map lookups and no allocation.
func (d *NodeDirectory) Learn(x *Network) {
	ev := &x.Event
	var src *NetworkNode
	if ev.HasSrcNode() {
		src = &ev.SrcNode
	}
	d.learnNodes(ev.NodeID, src, ev.DstNodes, x.EventTime())
}

// learnNodes is Learn from the parts of a record it looks at: its nodeId,
// srcNode (nil when absent), dstNodes and event time.
func (d *NodeDirectory) learnNodes(nodeID string, src *NetworkNode, dstNodes []NetworkNode, t time.Time) {
	if src != nil && d.trustSrc(src.NodeID, nodeID) {
		d.learn(src, t)
	}
	for i := range dstNodes {
		d.learn(&dstNodes[i], t)
	}
	d.touchUnnamed(nodeID, src != nil, t)
}

// trustSrc reports whether a srcNode of ID id is learned in a record of
// nodeId nodeID, counting it as spoofed when it names another node.
func (d *NodeDirectory) trustSrc(id, nodeID string) bool {
	switch {
	case id == nodeID || (id != "" && nodeID == ""):
		return true
	case id != "":
		d.stats.Spoofed++
	}
	return false
}

// touchUnnamed marks the record's own node as named at t when the record
// has no srcNode to learn it from.
func (d *NodeDirectory) touchUnnamed(nodeID string, hasSrc bool, t time.Time) {
	if hasSrc {
		return
	}
	if i, ok := d.byID[nodeID]; ok {
		d.touch(i, t)
	}
}

// Lookup returns the node owning address a.
func (d *NodeDirectory) Lookup(a netip.Addr) (Node, bool) {
	i, ok := d.byAddr.get(a)
	if !ok && a.Is4In6() {
		i, ok = d.byAddr.get(a.Unmap())
	}
	if !ok {
		return Node{}, false
	}
	return d.slots[i].node, true
}

// ByID returns the node with stable ID id.
func (d *NodeDirectory) ByID(id string) (Node, bool) {
	i, ok := d.byID[id]
	if !ok {
		return Node{}, false
	}
	return d.slots[i].node, true
}

// All returns the nodes, most recently named first.
func (d *NodeDirectory) All() []Node {
	out := make([]Node, 0, len(d.byID))
	for i := d.head; i >= 0; i = d.slots[i].next {
		out = append(out, d.slots[i].node)
	}
	return out
}

// Merge learns every node of o into d; where both know a node, the one seen
// in the newer record wins. Merging the directories of workers that read
// parts of a stream gives what one directory reading it all would hold, but
// for which nodes are evicted when there are more than maxNodes. The node
// objects o rejected or found spoofed count in d's Stats.
func (d *NodeDirectory) Merge(o *NodeDirectory) {
	d.stats.Rejected += o.stats.Rejected
	d.stats.Spoofed += o.stats.Spoofed
	for i := o.tail; i >= 0; i = o.slots[i].prev {
		n := &o.slots[i].node
		if j, ok := d.byID[n.ID]; ok && d.slots[j].node.Seen.After(n.Seen) {
			continue
		}
		d.put(n.ID, n.Name, n.OS, n.User, n.Tags, n.Addresses, nil, n.Seen)
	}
}

// nodeWithinLimits reports whether n has a nodeId and is within the per-node
// limits.
func nodeWithinLimits(n *NetworkNode) bool {
	if n.NodeID == "" || len(n.Tags) > MaxNodeTags || len(n.Addresses) > MaxNodeAddresses {
		return false
	}
	size := len(n.NodeID) + len(n.Name) + len(n.OS) + len(n.User)
	for _, t := range n.Tags {
		size += len(t)
	}
	return size <= MaxNodeText
}

// learn learns n as of t, and returns the slot that holds it, or -1 when
// it is beyond the limits.
func (d *NodeDirectory) learn(n *NetworkNode, t time.Time) int32 {
	if !nodeWithinLimits(n) {
		d.stats.Rejected++
		return -1
	}
	if i, ok := d.byID[n.NodeID]; ok && sameNode(&d.slots[i], n) {
		d.touch(i, t)
		return i
	}
	// Parse the addresses into a fixed array: no allocation until the node
	// is stored.
	var buf [MaxNodeAddresses]netip.Addr
	addrs := buf[:0]
	for _, s := range n.Addresses {
		if a, err := netip.ParseAddr(s); err == nil {
			addrs = append(addrs, a)
		}
	}
	raw := n.Addresses
	if len(addrs) != len(raw) {
		raw = nil // some did not parse: sameNode parses them each time
	}
	return d.put(n.NodeID, n.Name, n.OS, n.User, n.Tags, addrs, raw, t)
}

// maxRawAddrs bounds the text of a node's addresses kept as the records
// give them (see dirSlot.raw).
const maxRawAddrs = MaxNodeAddresses * 48

// sameNode reports whether the directory's node equals what n says.
func sameNode(sl *dirSlot, n *NetworkNode) bool {
	have := &sl.node
	if have.Name != n.Name || have.OS != n.OS || have.User != n.User || !slices.Equal(have.Tags, n.Tags) {
		return false
	}
	if sl.raw != "" && len(n.Addresses) == len(have.Addresses) {
		// The addresses as the last record gave them: equal text is an
		// equal list, without parsing it again.
		raw, same := sl.raw, true
		for _, a := range n.Addresses {
			if len(raw) < len(a)+1 || raw[:len(a)] != a || raw[len(a)] != 0 {
				same = false
				break
			}
			raw = raw[len(a)+1:]
		}
		if same {
			return true
		}
	}
	k := 0
	for _, s := range n.Addresses {
		a, err := netip.ParseAddr(s)
		if err != nil {
			continue
		}
		if k >= len(have.Addresses) || have.Addresses[k] != a {
			return false
		}
		k++
	}
	return k == len(have.Addresses)
}

// put stores a node, copying its strings and slices into memory of its
// own (one string for all its text), replacing an older version of it or
// evicting the least recently named node when the directory is full, and
// returns its slot. It alone changes what the slots hold (see gen).
func (d *NodeDirectory) put(id, name, os, user string, tags []string, addrs []netip.Addr, raw []string, t time.Time) int32 {
	d.stats.Learned++
	d.gen++
	size := len(id) + len(name) + len(os) + len(user)
	for _, tg := range tags {
		size += len(tg)
	}
	rawSize := 0
	for _, a := range raw {
		rawSize += len(a) + 1
	}
	if rawSize > maxRawAddrs {
		raw, rawSize = nil, 0
	}
	buf := make([]byte, 0, size+rawSize)
	buf = append(buf, id...)
	buf = append(buf, name...)
	buf = append(buf, os...)
	buf = append(buf, user...)
	for _, tg := range tags {
		buf = append(buf, tg...)
	}
	for _, a := range raw {
		buf = append(buf, a...)
		buf = append(buf, 0)
	}
	text := string(buf)
	cut := func(n int) string {
		s := text[:n]
		text = text[n:]
		return s
	}
	nd := Node{ID: cut(len(id)), Name: cut(len(name)), OS: cut(len(os)), User: cut(len(user)), Seen: t}
	if len(tags) > 0 {
		nd.Tags = make([]string, len(tags))
		for i, tg := range tags {
			nd.Tags[i] = cut(len(tg))
		}
	}
	if len(addrs) > 0 {
		nd.Addresses = slices.Clone(addrs)
	}

	i, ok := d.byID[id]
	switch {
	case ok:
		d.unmapAddrs(i)
		d.unlink(i)
		if old := d.slots[i].node.Seen; old.After(t) {
			nd.Seen = old
		}
	case len(d.byID) >= d.max:
		i = d.tail
		d.unmapAddrs(i)
		d.unlink(i)
		delete(d.byID, d.slots[i].node.ID)
		d.stats.Evicted++
	default:
		i = int32(len(d.slots))
		d.slots = append(d.slots, dirSlot{prev: -1, next: -1})
	}
	// The key is the node's own copy of its ID, so the map keeps no other
	// text alive.
	delete(d.byID, id)
	d.byID[nd.ID] = i
	d.slots[i].node = nd
	d.slots[i].raw = text // what cut left: the addresses' text
	d.slots[i].hasJSON = false
	for _, a := range nd.Addresses {
		d.byAddr.set(a, i)
	}
	d.pushFront(i)
	return i
}

// touch marks node i as named now.
func (d *NodeDirectory) touch(i int32, t time.Time) {
	if t.After(d.slots[i].node.Seen) {
		d.slots[i].node.Seen = t
	}
	if d.head != i {
		d.unlink(i)
		d.pushFront(i)
	}
}

// unmapAddrs removes the address entries that point at node i.
func (d *NodeDirectory) unmapAddrs(i int32) {
	for _, a := range d.slots[i].node.Addresses {
		if j, ok := d.byAddr.get(a); ok && j == i {
			d.byAddr.delete(a)
		}
	}
}

func (d *NodeDirectory) unlink(i int32) {
	s := &d.slots[i]
	if s.prev >= 0 {
		d.slots[s.prev].next = s.next
	} else if d.head == i {
		d.head = s.next
	}
	if s.next >= 0 {
		d.slots[s.next].prev = s.prev
	} else if d.tail == i {
		d.tail = s.prev
	}
	s.prev, s.next = -1, -1
}

func (d *NodeDirectory) pushFront(i int32) {
	s := &d.slots[i]
	s.prev, s.next = -1, d.head
	if d.head >= 0 {
		d.slots[d.head].prev = i
	}
	d.head = i
	if d.tail < 0 {
		d.tail = i
	}
}

// addrIndex maps addresses to node slots, in maps whose keys Go hashes and
// compares faster than netip.Addr (a struct that holds a pointer): IPv4
// addresses as integers, IPv6 addresses without a zone as their 16 bytes,
// and the rare zoned ones as netip.Addr. It looked up an enriched row's
// addresses in about half the time of one map[netip.Addr]int32.
type addrIndex struct {
	v4    map[uint32]int32
	v6    map[[16]byte]int32
	zoned map[netip.Addr]int32 // made when first needed
}

func newAddrIndex() addrIndex {
	return addrIndex{v4: map[uint32]int32{}, v6: map[[16]byte]int32{}}
}

func (x *addrIndex) get(a netip.Addr) (int32, bool) {
	var i int32
	var ok bool
	switch {
	case a.Is4():
		i, ok = x.v4[v4Key(a)]
	case a.Is6() && a.Zone() == "":
		i, ok = x.v6[a.As16()]
	default:
		i, ok = x.zoned[a]
	}
	return i, ok
}

func (x *addrIndex) set(a netip.Addr, i int32) {
	switch {
	case a.Is4():
		x.v4[v4Key(a)] = i
	case a.Is6() && a.Zone() == "":
		x.v6[a.As16()] = i
	default:
		if x.zoned == nil {
			x.zoned = map[netip.Addr]int32{}
		}
		x.zoned[a] = i
	}
}

func (x *addrIndex) delete(a netip.Addr) {
	switch {
	case a.Is4():
		delete(x.v4, v4Key(a))
	case a.Is6() && a.Zone() == "":
		delete(x.v6, a.As16())
	default:
		delete(x.zoned, a)
	}
}

func v4Key(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

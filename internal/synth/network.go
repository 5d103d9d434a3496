package synth

import (
	"math"
	"strconv"
)

// Network records: every node logs one record per ~5 s window in which it
// had traffic. A small scheduler (min-heap on the window end) interleaves
// the nodes, so timestamps advance realistically from StartTime.

type schedItem struct {
	end int64
	idx int32
}

type counts struct{ txP, txB, rxP, rxB uint64 }

type netState struct {
	sched   []schedItem
	prevEnd []int64
	peers   []int    // peers chosen for the current record
	mark    []uint32 // per-node "chosen" generation mark
	gen     uint32
	acc     []counts // per-node accumulated virtual counts (physical totals)
}

const windowNs = 5 * nsPerSec

func (g *Generator) initNetwork() {
	s := &g.net
	nn := len(g.tn.nodes)
	s.prevEnd = make([]int64, nn)
	s.mark = make([]uint32, nn)
	s.acc = make([]counts, nn)
	start := StartTime.UnixNano()
	for i := range g.tn.nodes {
		// Windows are staggered: each node's clock ticks independently.
		prev := start - between(g.r, 0, windowNs)
		s.prevEnd[i] = prev
		s.sched = append(s.sched, schedItem{end: prev + windowNs + between(g.r, -20*nsPerMs, 40*nsPerMs), idx: int32(i)})
	}
	for i := len(s.sched)/2 - 1; i >= 0; i-- {
		s.siftDown(i)
	}
	if g.opt.Entries == 0 {
		g.initFlows()
	}
}

func (s *netState) less(a, b int) bool {
	x, y := s.sched[a], s.sched[b]
	return x.end < y.end || (x.end == y.end && x.idx < y.idx)
}

func (s *netState) siftDown(i int) {
	n := len(s.sched)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && s.less(r, l) {
			m = r
		}
		if !s.less(m, i) {
			return
		}
		s.sched[i], s.sched[m] = s.sched[m], s.sched[i]
		i = m
	}
}

// nextWindow returns the next node to log and its window [start, end],
// skipping windows in which the node is idle.
func (g *Generator) nextWindow() (*node, int64, int64) {
	for {
		n, start, end := g.advanceWindow()
		if g.r.Float64() < n.activity {
			return n, start - start%n.clockRes, end - end%n.clockRes
		}
	}
}

// advanceWindow takes the window that ends first off the schedule and puts
// that node's next window on it.
func (g *Generator) advanceWindow() (n *node, start, end int64) {
	s := &g.net
	top := &s.sched[0]
	n = g.tn.nodes[top.idx]
	end = top.end
	start = s.prevEnd[top.idx]
	s.prevEnd[top.idx] = end
	top.end = end + windowNs + between(g.r, -25*nsPerMs, 60*nsPerMs)
	s.siftDown(0)
	return n, start, end
}

// sampleEntries draws a realistic number of traffic entries for a record.
func (g *Generator) sampleEntries(n *node) int {
	r := g.r
	x := r.IntN(1000)
	big := n.weight > 2 || n.exitNode
	switch {
	case x < 80:
		return 1 + r.IntN(4)
	case x < 930 || (!big && x < 975):
		// 5–60, skewed towards the low end.
		a, b := r.IntN(56), r.IntN(56)
		return 5 + min(a, b)
	case x < 990:
		return 61 + r.IntN(340)
	default:
		return 400 + r.IntN(1101)
	}
}

func (g *Generator) appendNetwork(dst []byte) []byte {
	n, start, end := g.nextWindow()
	return g.wrapNetwork(dst, end, func(dst []byte) []byte { return g.appendNetworkEvent(dst, n, start, end) })
}

// wrapNetwork writes one network record around the event members event
// appends, for a window ending at end: an envelope, or a bare record.
func (g *Generator) wrapNetwork(dst []byte, end int64, event func([]byte) []byte) []byte {
	r := g.r
	// The record is uploaded a little after the window closes; the log
	// service records it a little later still.
	upMs := (end + between(r, 20*nsPerMs, 1500*nsPerMs)) / nsPerMs
	if r.IntN(50) == 0 && upMs%1000 != 0 {
		upMs += 1000 - upMs%1000
	}
	recorded := upMs*nsPerMs + between(r, 3*nsPerMs, 400*nsPerMs)

	if g.opt.Bare {
		dst = append(dst, '{')
	} else {
		dst = append(dst, `{"time":`...)
		dst = appendUnixMillis(dst, upMs)
		dst = append(dst, `,"event":{`...)
	}
	dst = event(dst)
	if g.opt.Bare {
		dst = append(dst, `,"logged":"`...)
		dst = appendRFC3339Nano(dst, recorded)
		return append(dst, '"', '}', '\n')
	}
	dst = append(dst, `},"fields":{"recorded":"`...)
	dst = appendRFC3339Nano(dst, recorded)
	return append(dst, `"}}`...)
}

// appendWindowHead appends the event's nodeId, start and end members.
func appendWindowHead(dst []byte, n *node, start, end int64) []byte {
	dst = append(dst, `"nodeId":"`...)
	dst = append(dst, n.id...)
	dst = append(dst, `","start":"`...)
	dst = appendRFC3339Nano(dst, start)
	dst = append(dst, `","end":"`...)
	dst = appendRFC3339Nano(dst, end)
	return append(dst, '"')
}

// maxEntryLen bounds the encoded size of one traffic entry.
const maxEntryLen = 256

func (g *Generator) appendNetworkEvent(dst []byte, n *node, start, end int64) []byte {
	r := g.r
	s := &g.net
	tn := g.tn
	evStart := len(dst)
	// Room for the event's closing bytes and the bare "logged" suffix.
	limit := evStart + MaxRecordSize - 2*maxEntryLen

	dst = appendWindowHead(dst, n, start, end)

	total := g.opt.Entries
	if total <= 0 {
		total = g.sampleEntries(n)
	}

	// Split the entries over the four arrays.
	var nExit, nSub, nPhys int
	anonExit := r.IntN(100) < 85
	if n.exitNode && r.IntN(10) < 7 {
		nExit = max(1, int(float64(total)*(0.3+0.6*r.Float64())))
	} else if n.usesExit && r.IntN(10) < 3 {
		nExit = max(1, int(float64(total)*(0.1+0.3*r.Float64())))
	}
	if anonExit {
		// Anonymized exit entries are one per Tailscale address.
		if n.exitNode {
			nExit = min(nExit, 2*(len(tn.nodes)-1))
		} else {
			nExit = min(nExit, 2)
		}
	}
	nExit = min(nExit, total-1)
	if (n.router && r.IntN(10) < 8) || (n.usesRoute && r.IntN(10) < 3) {
		nSub = max(1, int(float64(total-nExit)*(0.1+0.4*r.Float64())))
		nSub = min(nSub, total-nExit-1)
	}
	nSub = max(nSub, 0)
	nExit = max(nExit, 0)

	nPeers := 1 + r.IntN(min(total, 8))
	if total > 60 {
		nPeers = min(len(tn.nodes)-1, 8+total/40+r.IntN(8))
	}
	nPhys = min(nPeers, max(0, (total-nExit-nSub)/3))
	nVirt := total - nExit - nSub - nPhys

	// Choose distinct peers, popular nodes first.
	s.gen++
	s.peers = s.peers[:0]
	for tries := 0; len(s.peers) < nPeers && tries < 8*nPeers; tries++ {
		p := tn.pickPeer(r, n.idx)
		if s.mark[p] != s.gen {
			s.mark[p] = s.gen
			s.peers = append(s.peers, p)
			s.acc[p] = counts{}
		}
	}
	nPeers = len(s.peers)
	nPhys = min(nPhys, nPeers)
	nVirt = total - nExit - nSub - nPhys

	if n.modern {
		dst = append(dst, `,"srcNode":`...)
		dst = append(dst, n.obj...)
		if used := min(nVirt, nPeers); used > 0 {
			dst = append(dst, `,"dstNodes":[`...)
			for i := 0; i < used; i++ {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, tn.nodes[s.peers[i]].obj...)
			}
			dst = append(dst, ']')
		}
	}

	// virtualTraffic: the first entries visit every chosen peer once (so
	// dstNodes lists exactly the peers seen), the rest favour the first,
	// most popular peers.
	wrote := 0
	for i := 0; i < nVirt && len(dst) < limit; i++ {
		if i == 0 {
			dst = append(dst, `,"virtualTraffic":[`...)
		} else {
			dst = append(dst, ',')
		}
		var pi int
		if i < nPeers {
			pi = i
		} else {
			pi = min(r.IntN(nPeers), r.IntN(nPeers))
		}
		p := s.peers[pi]
		dst = g.appendVirtualEntry(dst, n, tn.nodes[p], &s.acc[p])
		wrote++
	}
	if wrote > 0 {
		dst = append(dst, ']')
	}

	wrote = 0
	for i := 0; i < nSub && len(dst) < limit; i++ {
		if i == 0 {
			dst = append(dst, `,"subnetTraffic":[`...)
		} else {
			dst = append(dst, ',')
		}
		dst = g.appendSubnetEntry(dst, n)
		wrote++
	}
	if wrote > 0 {
		dst = append(dst, ']')
	}

	wrote = 0
	for i := 0; i < nExit && len(dst) < limit; i++ {
		if i == 0 {
			dst = append(dst, `,"exitTraffic":[`...)
		} else {
			dst = append(dst, ',')
		}
		dst = g.appendExitEntry(dst, n, i, anonExit)
		wrote++
	}
	if wrote > 0 {
		dst = append(dst, ']')
	}

	wrote = 0
	for i := 0; i < nPhys && len(dst) < limit; i++ {
		if i == 0 {
			dst = append(dst, `,"physicalTraffic":[`...)
		} else {
			dst = append(dst, ',')
		}
		dst = g.appendPhysicalEntry(dst, n, tn.nodes[s.peers[i]], s.acc[s.peers[i]])
		wrote++
	}
	if wrote > 0 {
		dst = append(dst, ']')
	}
	return dst
}

var (
	clientTCP = []uint16{22, 443, 443, 80, 8080, 5900}
	commonUDP = []uint16{53, 123, 443, 3478, 51820, 5060}
)

func (g *Generator) ephemeralPort(n *node) int {
	return int(between(g.r, int64(n.ephLo), int64(n.ephHi)))
}

func (g *Generator) servicePort(n *node, proto int) int {
	r := g.r
	if proto == 6 {
		if len(n.tcp) > 0 && r.IntN(10) < 9 {
			return int(n.tcp[r.IntN(len(n.tcp))])
		}
		if r.IntN(4) == 0 {
			return int(n.peerAPI)
		}
		return int(clientTCP[r.IntN(len(clientTCP))])
	}
	if len(n.udp) > 0 && r.IntN(10) < 8 {
		return int(n.udp[r.IntN(len(n.udp))])
	}
	return int(commonUDP[r.IntN(len(commonUDP))])
}

// pickProto returns an IP protocol number: mostly TCP and UDP, sometimes
// ICMP/ICMPv6 and TSMP.
func (g *Generator) pickProto(v6 bool) int {
	x := g.r.IntN(1000)
	switch {
	case x < 590:
		return 6
	case x < 890:
		return 17
	case x < 955:
		if v6 {
			return 58
		}
		return 1
	default:
		return 99
	}
}

// flowCounts draws counters for one connection. Zero fields are omitted on
// output, so rx-only and tx-only entries appear naturally.
func (g *Generator) flowCounts(proto int, scale float64) counts {
	r := g.r
	var c counts
	switch proto {
	case 1, 58:
		size := uint64(84)
		if proto == 58 {
			size = 104
		}
		c.txP = uint64(1 + r.IntN(10))
		c.txB = c.txP * size
		c.rxP = c.txP
		if r.IntN(5) == 0 {
			c.rxP = uint64(r.IntN(int(c.txP) + 1)) // lost replies
		}
		c.rxB = c.rxP * size
	case 99:
		c.txP = uint64(1 + r.IntN(3))
		c.txB = c.txP * uint64(40+r.IntN(30))
		if r.IntN(2) == 0 {
			c.rxP = uint64(1 + r.IntN(2))
			c.rxB = c.rxP * uint64(40+r.IntN(30))
		}
	default:
		pk := logNormal(r, 2.2+math.Log(scale)*0.6, 1.7)
		pk = math.Min(pk, 4e7)
		c.txP = uint64(pk) + 1
		c.rxP = uint64(pk*logNormal(r, 0, 0.9)) + 1
		txSize := 40 + r.IntN(1360)
		rxSize := 40 + r.IntN(1360)
		if proto == 17 {
			txSize = 60 + r.IntN(1240)
			rxSize = 60 + r.IntN(1240)
		}
		c.txB = c.txP*uint64(txSize) + uint64(r.IntN(64))
		c.rxB = c.rxP*uint64(rxSize) + uint64(r.IntN(64))
	}
	switch x := r.IntN(100); {
	case x < 8:
		c.txP, c.txB = 0, 0 // rx-only
	case x < 15:
		c.rxP, c.rxB = 0, 0 // tx-only
	}
	if c.txP == 0 && c.rxP == 0 {
		c.rxP, c.rxB = 1, 60
	}
	return c
}

func appendCounts(dst []byte, c counts) []byte {
	dst = appendKeyUint(dst, `,"txPkts":`, c.txP)
	dst = appendKeyUint(dst, `,"txBytes":`, c.txB)
	dst = appendKeyUint(dst, `,"rxPkts":`, c.rxP)
	dst = appendKeyUint(dst, `,"rxBytes":`, c.rxB)
	return dst
}

// appendCountsOnly writes an entry that carries counters only.
func appendCountsOnly(dst []byte, c counts) []byte {
	p := len(dst)
	dst = appendCounts(dst, c)
	dst[p] = '{' // replace the leading comma
	return append(dst, '}')
}

func (g *Generator) appendVirtualEntry(dst []byte, self, peer *node, acc *counts) []byte {
	r := g.r
	v6 := r.IntN(100) < 28
	proto := g.pickProto(v6)
	c := g.flowCounts(proto, self.volume*peer.volume)
	acc.txP += c.txP
	acc.txB += c.txB
	acc.rxP += c.rxP
	acc.rxB += c.rxB
	if r.IntN(400) == 0 {
		return appendCountsOnly(dst, c)
	}
	var sp, dp int
	if proto == 6 || proto == 17 {
		selfServes := r.IntN(2) == 0
		switch {
		case len(peer.tcp) > 0 && len(self.tcp) == 0:
			selfServes = r.IntN(100) < 10
		case len(self.tcp) > 0 && len(peer.tcp) == 0:
			selfServes = r.IntN(100) < 80
		}
		if selfServes {
			sp, dp = g.servicePort(self, proto), g.ephemeralPort(peer)
		} else {
			sp, dp = g.ephemeralPort(self), g.servicePort(peer, proto)
		}
	}
	sa, da := self.v4b, peer.v4b
	if v6 {
		sa, da = self.v6b, peer.v6b
	}
	dst = append(dst, `{"proto":`...)
	dst = strconv.AppendUint(dst, uint64(proto), 10)
	dst = append(dst, `,"src":"`...)
	dst = append(dst, sa...)
	dst = appendPort(dst, sp)
	dst = append(dst, `","dst":"`...)
	dst = append(dst, da...)
	dst = appendPort(dst, dp)
	dst = append(dst, '"')
	dst = appendCounts(dst, c)
	return append(dst, '}')
}

var (
	subnetTCP = []uint16{443, 22, 445, 3389, 80, 1433, 5432, 8443, 9100}
	subnetUDP = []uint16{53, 161, 123, 514}
	publicTCP = []uint16{443, 443, 443, 80, 22, 993}
	publicUDP = []uint16{443, 53, 123, 3478}
)

// appendSubnetHost appends a host behind a subnet route: 192.0.2.0/24 or
// 2001:db8:5::/64, rarely a 4-in-6 address.
func (g *Generator) appendSubnetHost(dst []byte, v6 bool) []byte {
	r := g.r
	if v6 {
		if r.IntN(30) == 0 {
			dst = append(dst, "[::ffff:192.0.2."...)
			dst = strconv.AppendUint(dst, uint64(1+r.IntN(254)), 10)
			return append(dst, ']')
		}
		dst = append(dst, "[2001:db8:5::"...)
		dst = strconv.AppendUint(dst, uint64(1+r.IntN(0xfffe)), 16)
		return append(dst, ']')
	}
	dst = append(dst, "192.0.2."...)
	return strconv.AppendUint(dst, uint64(1+r.IntN(254)), 10)
}

func (g *Generator) appendSubnetEntry(dst []byte, self *node) []byte {
	r := g.r
	v6 := r.IntN(100) < 20
	proto := 6
	switch x := r.IntN(100); {
	case x < 25:
		proto = 17
	case x < 31:
		proto = 1
		if v6 {
			proto = 58
		}
	}
	client := self
	if self.router {
		// A subnet router logs for the subnet host: the source is the
		// host, the destination the Tailscale node using the route.
		client = g.tn.nodes[g.tn.pickPeer(r, self.idx)]
	}
	c := g.flowCounts(proto, self.volume)
	if r.IntN(400) == 0 {
		return appendCountsOnly(dst, c)
	}
	cp, hp := 0, 0
	if proto == 6 {
		cp, hp = g.ephemeralPort(client), int(subnetTCP[r.IntN(len(subnetTCP))])
	} else if proto == 17 {
		cp, hp = g.ephemeralPort(client), int(subnetUDP[r.IntN(len(subnetUDP))])
	}
	appendClient := func(dst []byte) []byte {
		if v6 {
			dst = append(dst, client.v6b...)
		} else {
			dst = append(dst, client.v4b...)
		}
		return appendPort(dst, cp)
	}
	appendHost := func(dst []byte) []byte {
		return appendPort(g.appendSubnetHost(dst, v6), hp)
	}
	dst = append(dst, `{"proto":`...)
	dst = strconv.AppendUint(dst, uint64(proto), 10)
	dst = append(dst, `,"src":"`...)
	if self.router {
		dst = appendHost(dst)
	} else {
		dst = appendClient(dst)
	}
	dst = append(dst, `","dst":"`...)
	if self.router {
		dst = appendClient(dst)
	} else {
		dst = appendHost(dst)
	}
	dst = append(dst, '"')
	dst = appendCounts(dst, c)
	return append(dst, '}')
}

// appendExitEntry writes an exitTraffic entry. Anonymized entries (the
// default in Tailscale) have no proto and port 0, and omit the side that is
// not a Tailscale address: a client logs its own address as the source and
// no destination; an exit node logs the client as the destination and no
// source.
func (g *Generator) appendExitEntry(dst []byte, self *node, i int, anon bool) []byte {
	r := g.r
	tn := g.tn
	client := self
	v6 := i%2 == 1
	if self.exitNode {
		// Traffic of the peers that use this exit node.
		j := (self.idx + 1 + i/2) % len(tn.nodes)
		if j == self.idx {
			j = (j + 1) % len(tn.nodes)
		}
		client = tn.nodes[j]
		if !anon {
			client = tn.nodes[tn.pickPeer(r, self.idx)]
		}
	}
	if !anon {
		v6 = r.IntN(100) < 25
	}
	proto := 6
	if r.IntN(100) < 30 {
		proto = 17
	}
	c := g.flowCounts(proto, self.volume*3)
	ca := client.v4b
	if v6 {
		ca = client.v6b
	}
	if anon {
		if self.exitNode {
			dst = append(dst, `{"dst":"`...)
		} else {
			dst = append(dst, `{"src":"`...)
		}
		dst = append(dst, ca...)
		dst = append(dst, `:0"`...)
		dst = appendCounts(dst, c)
		return append(dst, '}')
	}
	dp := publicTCP[r.IntN(len(publicTCP))]
	if proto == 17 {
		dp = publicUDP[r.IntN(len(publicUDP))]
	}
	appendClient := func(dst []byte) []byte {
		return appendPort(append(dst, ca...), g.ephemeralPort(client))
	}
	appendPublic := func(dst []byte) []byte {
		if v6 {
			dst = append(dst, "[2001:db8:e"...)
			dst = strconv.AppendUint(dst, uint64(r.IntN(16)), 16)
			dst = append(dst, "::"...)
			dst = strconv.AppendUint(dst, uint64(1+r.IntN(0xfffe)), 16)
			dst = append(dst, ']')
		} else {
			dst = append(dst, "203.0.113."...)
			dst = strconv.AppendUint(dst, uint64(1+r.IntN(254)), 10)
		}
		return appendPort(dst, int(dp))
	}
	dst = append(dst, `{"proto":`...)
	dst = strconv.AppendUint(dst, uint64(proto), 10)
	dst = append(dst, `,"src":"`...)
	if self.exitNode {
		dst = appendPublic(dst)
	} else {
		dst = appendClient(dst)
	}
	dst = append(dst, `","dst":"`...)
	if self.exitNode {
		dst = appendClient(dst)
	} else {
		dst = appendPublic(dst)
	}
	dst = append(dst, '"')
	dst = appendCounts(dst, c)
	return append(dst, '}')
}

// appendPhysicalEntry writes a physicalTraffic entry for peer: no proto,
// src is self's Tailscale IP with port 0, dst the peer's endpoint or the
// DERP address 127.3.3.40:<region>. Counters are the WireGuard-encapsulated
// totals of the virtual traffic with that peer, or keepalives.
func (g *Generator) appendPhysicalEntry(dst []byte, self, peer *node, v counts) []byte {
	r := g.r
	var c counts
	if v.txP == 0 && v.rxP == 0 {
		c.txP = uint64(1 + r.IntN(3))
		c.txB = c.txP * 32
		if r.IntN(2) == 0 {
			c.rxP = uint64(1 + r.IntN(3))
			c.rxB = c.rxP * 32
		}
	} else {
		c.txP, c.rxP = v.txP, v.rxP
		c.txB = v.txB + 32*v.txP
		c.rxB = v.rxB + 32*v.rxP
	}
	dst = append(dst, `{"src":"`...)
	if r.IntN(5) == 0 {
		dst = append(dst, self.v6b...)
	} else {
		dst = append(dst, self.v4b...)
	}
	dst = append(dst, `:0","dst":"`...)
	if r.IntN(100) < 25 {
		dst = append(dst, "127.3.3.40:"...)
		dst = strconv.AppendUint(dst, uint64(peer.derp), 10)
	} else {
		dst = append(dst, peer.endpoints[r.IntN(len(peer.endpoints))]...)
	}
	dst = append(dst, '"')
	dst = appendCounts(dst, c)
	return append(dst, '}')
}

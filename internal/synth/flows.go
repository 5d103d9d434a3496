package synth

import (
	"cmp"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
)

// Realistic network streams simulate connections, not records. Nodes open
// connections (flows) to peers, to hosts behind subnet routers and to the
// internet through exit nodes; every ~5 s window of a node that had traffic
// becomes one record, in which each end of a connection reports it from its
// own side, as Tailscale's clients do (docs/wire-format.md §5):
//
//   - virtual: node A logs src A, dst B, tx = what A sent; node B logs src B,
//     dst A with the directions mirrored;
//   - subnet: the client logs src client, dst subnet host; the subnet router
//     logs src subnet host, dst client;
//   - exit: the client logs src client (anonymized: port 0, no dst, no
//     proto, one entry per address family); the exit node logs dst client,
//     with the internet side omitted when anonymized;
//   - physical: each node logs, per peer it exchanged tunnel traffic with,
//     src its own Tailscale address :0 and dst the peer's endpoint, or
//     127.3.3.40:<the peer's home DERP region> when the pair is relayed.
//
// Each direction of a flow sends a fixed number of packets spread evenly
// over its lifetime; the receiver counts them a latency later and loses a
// few (at most 0.3 %), so the two ends' counts differ slightly, and the
// nodes' windows are staggered, so they split the flow differently in time.
// Over a flow's whole life the sender's count is exact.

const (
	flowVirtual = iota
	flowSubnet
	flowExit
)

type flow struct {
	kind       uint8
	proto      uint8 // 0 when scrubbed (anonymized exit traffic)
	v6         bool
	anon       bool   // anonymized exit flow
	a, b       int32  // initiator; its peer, subnet router or exit node
	aPort      uint16 // initiator's port
	bPort      uint16 // virtual: the peer's port; subnet/exit: the far host's
	far        netip.Addr
	start, end int64 // ns
	upPkts     float64
	downPkts   float64
	upSize     uint64 // bytes per packet a→b
	downSize   uint64
	lat        int64   // one-way latency, ns
	keep       float64 // fraction the receiver counts (1 - loss)
	tamperRx   bool    // Options.Tamper: b reports receiving half of it
}

// cum returns the packets and bytes of one direction counted by time t:
// by the sender (shift 0, keep 1) or the receiver (shift lat, keep < 1).
func (f *flow) cum(total float64, size uint64, t, shift int64, keep float64) (pkts, bytes uint64) {
	s, e := f.start+shift, f.end+shift
	if t <= s {
		return 0, 0
	}
	frac := 1.0
	if t < e {
		frac = float64(t-s) / float64(e-s)
	}
	// The receiver loses floor(total * (1-keep)) of the packets, spread
	// evenly: a flow of a few packets arrives whole, and at any time the
	// receiver has counted no more than the sender.
	got := total - math.Floor(total*(1-keep))
	p := uint64(math.Floor(got * frac))
	return p, p * size
}

// counts returns what node side (0: a, 1: b) counts for f in [ws, we).
func (f *flow) counts(side int, ws, we int64) counts {
	var c counts
	upKeep, downKeep := f.keep, f.keep
	if f.tamperRx {
		upKeep *= 0.5
	}
	if side == 0 {
		p1, b1 := f.cum(f.upPkts, f.upSize, we, 0, 1)
		p0, b0 := f.cum(f.upPkts, f.upSize, ws, 0, 1)
		c.txP, c.txB = p1-p0, b1-b0
		p1, b1 = f.cum(f.downPkts, f.downSize, we, 2*f.lat, downKeep)
		p0, b0 = f.cum(f.downPkts, f.downSize, ws, 2*f.lat, downKeep)
		c.rxP, c.rxB = p1-p0, b1-b0
		return c
	}
	p1, b1 := f.cum(f.downPkts, f.downSize, we, f.lat, 1)
	p0, b0 := f.cum(f.downPkts, f.downSize, ws, f.lat, 1)
	c.txP, c.txB = p1-p0, b1-b0
	p1, b1 = f.cum(f.upPkts, f.upSize, we, f.lat, upKeep)
	p0, b0 = f.cum(f.upPkts, f.upSize, ws, f.lat, upKeep)
	c.rxP, c.rxB = p1-p0, b1-b0
	return c
}

// lastCount is when f's last packet is counted by anyone.
func (f *flow) lastCount() int64 { return f.end + 2*f.lat }

// flowState is the connection simulation of a network Generator.
type flowState struct {
	genClock int64     // flows are generated up to here
	byNode   [][]*flow // flows each node is an end of
	initRate []float64 // connections a node opens per second
	ents     []entry   // scratch: one record's entries
	peerAcc  []peerAcc // scratch: per-peer tunnel traffic of one record
	accIdx   []int32   // node index -> index in peerAcc, or -1
	named    []int32   // scratch: nodes the record names
	rogue    int       // Options.Tamper: the node that spoofs sources
}

type peerAcc struct {
	peer int32
	c    counts
}

// entry is one traffic entry of the record being written.
type entry struct {
	kind           uint8 // flowVirtual, flowSubnet, flowExit, or physical (3)
	proto          uint8
	src, dst       netip.AddrPort
	hasSrc, hasDst bool
	c              counts
}

const kindPhysical = 3

// connections opened per second by nodes of each role.
var initRates = map[string]float64{
	"laptop": 0.35, "desktop": 0.4, "phone": 0.1, "tablet": 0.06, "web": 0.5, "db": 0.12, "k8s-node": 1.0,
	"ci-runner": 0.3, "monitor": 1.8, "dns": 0.05, "exit": 0.03, "subnet-router": 0.03, "nas": 0.08,
}

func (g *Generator) initFlows() {
	s := &g.flows
	n := len(g.tn.nodes)
	s.byNode = make([][]*flow, n)
	s.initRate = make([]float64, n)
	s.accIdx = make([]int32, n)
	for i, nd := range g.tn.nodes {
		s.initRate[i] = initRates[nd.role] * nd.activity
		s.accIdx[i] = -1
	}
	s.genClock = StartTime.UnixNano() - 30*nsPerSec
	s.rogue = -1
	if g.opt.Tamper {
		// A busy node of a recent client, so it logs often and names
		// itself in srcNode.
		for i, nd := range g.tn.nodes {
			if nd.modern && (s.rogue < 0 || s.initRate[i] > s.initRate[s.rogue]) {
				s.rogue = i
			}
		}
	}
	// Start with the connections of the half minute before the stream, so
	// the first windows are not empty.
	g.generateFlows(StartTime.UnixNano() + 6*nsPerSec)
}

// poisson draws a Poisson-distributed count with mean lambda (small).
func poisson(r *rand.Rand, lambda float64) int {
	l := math.Exp(-lambda)
	k, p := 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// generateFlows opens connections, second by second, until the generation
// clock reaches until. A flow starts after every window already written
// has ended, so both of its ends log all of it.
func (g *Generator) generateFlows(until int64) {
	s := &g.flows
	r := g.r
	for s.genClock < until {
		slot := s.genClock
		s.genClock += nsPerSec
		for i, rate := range s.initRate {
			k := poisson(r, rate)
			if r.IntN(1500) == 0 && (g.tn.nodes[i].role == "monitor" || g.tn.nodes[i].role == "k8s-node" || g.tn.nodes[i].role == "ci-runner") {
				k += 200 + r.IntN(700) // a burst: a scan, a rollout, a test suite
			}
			for range k {
				g.newFlow(int32(i), slot+between(r, 0, nsPerSec))
			}
		}
	}
}

func (g *Generator) newFlow(a int32, start int64) {
	r := g.r
	tn := g.tn
	an := tn.nodes[a]
	f := &flow{a: a, start: start, lat: between(r, 2*nsPerMs, 80*nsPerMs), keep: 1 - 0.003*r.Float64()}
	switch x := r.IntN(100); {
	case an.usesExit && len(tn.exits) > 0 && x < 12:
		f.kind = flowExit
		f.b = int32(tn.exits[r.IntN(len(tn.exits))])
	case an.usesRoute && len(tn.routers) > 0 && x < 30:
		f.kind = flowSubnet
		f.b = int32(tn.routers[r.IntN(len(tn.routers))])
	default:
		f.b = int32(tn.pickPeer(r, int(a)))
	}
	if f.b == a {
		f.kind = flowVirtual
		f.b = int32(tn.pickPeer(r, int(a)))
	}
	bn := tn.nodes[f.b]
	switch f.kind {
	case flowVirtual:
		f.v6 = r.IntN(100) < 28
		f.proto = uint8(g.pickProto(f.v6))
	case flowSubnet:
		f.v6 = r.IntN(100) < 20
		f.proto = 6
		switch x := r.IntN(100); {
		case x < 25:
			f.proto = 17
		case x < 31:
			f.proto = 1
			if f.v6 {
				f.proto = 58
			}
		}
		f.far = g.subnetHost(f.v6)
	case flowExit:
		f.v6 = r.IntN(100) < 25
		f.proto = 6
		if r.IntN(100) < 30 {
			f.proto = 17
		}
		f.anon = r.IntN(100) < 85
		f.far = g.publicHost(f.v6)
	}
	if f.proto == 6 || f.proto == 17 {
		f.aPort = uint16(g.ephemeralPort(an))
		switch f.kind {
		case flowVirtual:
			f.bPort = uint16(g.servicePort(bn, int(f.proto)))
		case flowSubnet:
			f.bPort = subnetTCP[r.IntN(len(subnetTCP))]
			if f.proto == 17 {
				f.bPort = subnetUDP[r.IntN(len(subnetUDP))]
			}
		case flowExit:
			f.bPort = publicTCP[r.IntN(len(publicTCP))]
			if f.proto == 17 {
				f.bPort = publicUDP[r.IntN(len(publicUDP))]
			}
		}
	}
	// Lifetime: mostly seconds, a few long sessions.
	dur := int64(logNormal(r, math.Log(3), 1.5) * float64(nsPerSec))
	if r.IntN(100) < 4 {
		dur = between(r, 5*60*nsPerSec, 30*60*nsPerSec)
	}
	dur = min(max(dur, 20*nsPerMs), 45*60*nsPerSec)
	f.end = f.start + dur
	switch f.proto {
	case 1, 58:
		size := uint64(84)
		if f.proto == 58 {
			size = 104
		}
		f.upSize, f.downSize = size, size
		f.upPkts = float64(1 + r.IntN(10))
		f.downPkts = f.upPkts
		if r.IntN(5) == 0 {
			f.downPkts = float64(r.IntN(int(f.upPkts) + 1)) // lost replies
		}
	case 99:
		f.upSize, f.downSize = uint64(40+r.IntN(30)), uint64(40+r.IntN(30))
		f.upPkts = float64(1 + r.IntN(3))
		f.downPkts = float64(r.IntN(3))
	default:
		scale := an.volume * bn.volume
		if f.kind != flowVirtual {
			scale = an.volume * 2
		}
		pk := min(logNormal(r, 2.2+math.Log(scale)*0.6, 1.7), 4e7)
		f.upPkts = pk + 1
		f.downPkts = pk*logNormal(r, 0, 0.9) + 1
		f.upSize = uint64(40 + r.IntN(1360))
		f.downSize = uint64(40 + r.IntN(1360))
		if f.proto == 17 {
			f.upSize, f.downSize = uint64(60+r.IntN(1240)), uint64(60+r.IntN(1240))
		}
		// Long sessions carry more.
		if dur > 60*nsPerSec {
			f.upPkts *= float64(dur) / float64(60*nsPerSec)
			f.downPkts *= float64(dur) / float64(60*nsPerSec)
		}
	}
	if g.opt.Tamper && f.kind == flowVirtual && r.IntN(40) == 0 {
		f.tamperRx = true
	}
	s := &g.flows
	s.byNode[a] = append(s.byNode[a], f)
	s.byNode[f.b] = append(s.byNode[f.b], f)
}

func (g *Generator) subnetHost(v6 bool) netip.Addr {
	r := g.r
	if v6 {
		if r.IntN(30) == 0 {
			return netip.AddrFrom16([16]byte{10: 0xff, 11: 0xff, 12: 192, 13: 0, 14: 2, 15: byte(1 + r.IntN(254))})
		}
		x := 1 + r.IntN(0xfffe)
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 5, 14: byte(x >> 8), 15: byte(x)})
	}
	return netip.AddrFrom4([4]byte{192, 0, 2, byte(1 + r.IntN(254))})
}

func (g *Generator) publicHost(v6 bool) netip.Addr {
	r := g.r
	if v6 {
		x := 1 + r.IntN(0xfffe)
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, byte(0xe0 + r.IntN(16)), 14: byte(x >> 8), 15: byte(x)})
	}
	return netip.AddrFrom4([4]byte{203, 0, 113, byte(1 + r.IntN(254))})
}

// relayed reports whether traffic between nodes i and j goes through DERP
// (about one pair in five, the same both ways).
func (g *Generator) relayed(i, j int32) bool {
	if i > j {
		i, j = j, i
	}
	h := uint64(i)*0x9e3779b97f4a7c15 ^ uint64(j)*0xc2b2ae3d27d4eb4f ^ g.opt.Seed
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	return h%100 < 20
}

func (n *node) addr(v6 bool) netip.Addr {
	if v6 {
		return n.v6
	}
	return n.v4
}

// appendFlowRecord writes the next record of the connection simulation.
func (g *Generator) appendFlowRecord(dst []byte) []byte {
	for {
		n, start, end := g.nextWindowAny()
		g.generateFlows(end + 6*nsPerSec)
		if g.collectEntries(n, start, end) {
			return g.wrapNetwork(dst, end, func(dst []byte) []byte { return g.appendFlowEvent(dst, n, start, end) })
		}
	}
}

// nextWindowAny returns the next window of any node, in order of its end.
func (g *Generator) nextWindowAny() (*node, int64, int64) {
	n, start, end := g.advanceWindow()
	return n, start - start%n.clockRes, end - end%n.clockRes
}

// collectEntries gathers node n's entries for the window [start, end) and
// forgets the flows it will never count again. It reports whether there is
// anything to log.
func (g *Generator) collectEntries(n *node, start, end int64) bool {
	s := &g.flows
	r := g.r
	s.ents = s.ents[:0]
	for _, pa := range s.peerAcc {
		s.accIdx[pa.peer] = -1
	}
	s.peerAcc = s.peerAcc[:0]
	self := int32(n.idx)
	list := s.byNode[self]
	keep := list[:0]
	var anon [2]counts // anonymized exit entries of this node as a client, per address family
	var anonServed []entry
	for _, f := range list {
		if f.lastCount() > end {
			keep = append(keep, f)
		}
		if f.start >= end || f.lastCount() < start {
			continue
		}
		side := 0
		if f.b == self {
			side = 1
		}
		c := f.counts(side, start, end)
		if c.txP == 0 && c.rxP == 0 {
			continue
		}
		peer := f.b
		if side == 1 {
			peer = f.a
		}
		g.addPeer(peer, c)
		an, bn := g.tn.nodes[f.a], g.tn.nodes[f.b]
		e := entry{kind: f.kind, proto: f.proto, hasSrc: true, hasDst: true, c: c}
		aAP := netip.AddrPortFrom(an.addr(f.v6), f.aPort)
		switch f.kind {
		case flowVirtual:
			bAP := netip.AddrPortFrom(bn.addr(f.v6), f.bPort)
			e.src, e.dst = aAP, bAP
			if side == 1 {
				e.src, e.dst = bAP, aAP
			}
		case flowSubnet:
			farAP := netip.AddrPortFrom(f.far, f.bPort)
			e.src, e.dst = aAP, farAP
			if side == 1 {
				e.src, e.dst = farAP, aAP // the router logs for the subnet host
			}
		case flowExit:
			if f.anon {
				fam := 0
				if f.v6 {
					fam = 1
				}
				if side == 0 {
					anon[fam].add(c)
				} else {
					anonServed = addAnonServed(anonServed, netip.AddrPortFrom(an.addr(f.v6), 0), c)
				}
				continue
			}
			farAP := netip.AddrPortFrom(f.far, f.bPort)
			e.src, e.dst = aAP, farAP
			if side == 1 {
				e.src, e.dst = farAP, aAP
			}
		}
		if len(s.ents) < MaxEntries-64 {
			s.ents = append(s.ents, e)
		}
	}
	clear(list[len(keep):])
	s.byNode[self] = keep
	for fam, c := range anon {
		if c.txP+c.rxP > 0 {
			s.ents = append(s.ents, entry{kind: flowExit, src: netip.AddrPortFrom(n.addr(fam == 1), 0), hasSrc: true, c: c})
		}
	}
	for _, e := range anonServed {
		s.ents = append(s.ents, e)
	}
	if len(s.ents) == 0 {
		return false
	}
	if g.opt.Tamper && int(self) == s.rogue && r.IntN(3) == 0 {
		// A node claiming traffic of another node's address.
		victim := g.tn.nodes[g.tn.pickPeer(r, int(self))]
		other := g.tn.nodes[g.tn.pickPeer(r, int(self))]
		s.ents = append(s.ents, entry{kind: flowVirtual, proto: 6, hasSrc: true, hasDst: true,
			src: netip.AddrPortFrom(victim.v4, 443), dst: netip.AddrPortFrom(other.v4, uint16(g.ephemeralPort(other))),
			c: counts{txP: 40, txB: 52000}})
	}
	// Physical traffic: per peer, the tunnel traffic plus WireGuard's
	// 32 bytes per packet; sometimes a keepalive to an idle peer.
	own := n.v4
	if self%5 == 0 {
		own = n.v6
	}
	if r.IntN(10) == 0 {
		g.addPeer(int32(g.tn.pickPeer(r, int(self))), counts{})
	}
	for _, pa := range s.peerAcc {
		c := pa.c
		if c.txP == 0 && c.rxP == 0 {
			c.txP, c.txB = 1, 32 // disco keepalive
		} else {
			c.txB += 32 * c.txP
			c.rxB += 32 * c.rxP
		}
		peer := g.tn.nodes[pa.peer]
		e := entry{kind: kindPhysical, hasSrc: true, hasDst: true, src: netip.AddrPortFrom(own, 0), c: c}
		if g.relayed(self, pa.peer) {
			e.dst = netip.AddrPortFrom(derpAddr, uint16(peer.derp))
		} else {
			e.dst = peer.endpointAddrs[int(self)%len(peer.endpointAddrs)]
		}
		s.ents = append(s.ents, e)
	}
	// Tailscale sorts each array by source, destination and protocol.
	slices.SortFunc(s.ents, func(x, y entry) int {
		return cmp.Or(cmp.Compare(x.kind, y.kind), x.src.Compare(y.src), x.dst.Compare(y.dst), cmp.Compare(x.proto, y.proto))
	})
	return true
}

var derpAddr = netip.AddrFrom4([4]byte{127, 3, 3, 40})

func addAnonServed(list []entry, client netip.AddrPort, c counts) []entry {
	for i := range list {
		if list[i].dst == client {
			list[i].c.add(c)
			return list
		}
	}
	return append(list, entry{kind: flowExit, dst: client, hasDst: true, c: c})
}

func (c *counts) add(o counts) {
	c.txP += o.txP
	c.txB += o.txB
	c.rxP += o.rxP
	c.rxB += o.rxB
}

func (g *Generator) addPeer(peer int32, c counts) {
	s := &g.flows
	if i := s.accIdx[peer]; i >= 0 {
		s.peerAcc[i].c.add(c)
		return
	}
	s.accIdx[peer] = int32(len(s.peerAcc))
	s.peerAcc = append(s.peerAcc, peerAcc{peer: peer, c: c})
}

// appendAddrPortMember appends `"key":"addr:port"`, after a comma unless it
// is the first member since mark.
func appendAddrPortMember(dst []byte, mark int, key string, ap netip.AddrPort) []byte {
	if len(dst) > mark {
		dst = append(dst, ',')
	}
	dst = append(dst, key...)
	dst = ap.AppendTo(dst)
	return append(dst, '"')
}

var kindArrays = [4]string{`,"virtualTraffic":[`, `,"subnetTraffic":[`, `,"exitTraffic":[`, `,"physicalTraffic":[`}

// appendFlowEvent writes the event object's members for node n's window.
func (g *Generator) appendFlowEvent(dst []byte, n *node, start, end int64) []byte {
	s := &g.flows
	dst = appendWindowHead(dst, n, start, end)
	if n.modern {
		dst = append(dst, `,"srcNode":`...)
		dst = append(dst, n.obj...)
		// dstNodes: the other nodes whose addresses the record holds,
		// sorted by node ID.
		s.named = s.named[:0]
		for _, e := range s.ents {
			if e.kind == kindPhysical {
				continue
			}
			for _, ap := range [2]netip.AddrPort{e.src, e.dst} {
				if i, ok := g.tn.byAddr[ap.Addr()]; ok && i != int32(n.idx) && !slices.Contains(s.named, i) {
					s.named = append(s.named, i)
				}
			}
		}
		if len(s.named) > 0 {
			slices.SortFunc(s.named, func(x, y int32) int { return cmp.Compare(g.tn.nodes[x].id, g.tn.nodes[y].id) })
			dst = append(dst, `,"dstNodes":[`...)
			for i, k := range s.named {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, g.tn.nodes[k].obj...)
			}
			dst = append(dst, ']')
		}
	}
	kind := uint8(255)
	for _, e := range s.ents {
		if e.kind != kind {
			if kind != 255 {
				dst = append(dst, ']')
			}
			kind = e.kind
			dst = append(dst, kindArrays[kind]...)
		} else {
			dst = append(dst, ',')
		}
		dst = append(dst, '{')
		mark := len(dst)
		if e.proto != 0 {
			dst = append(dst, `"proto":`...)
			dst = strconv.AppendUint(dst, uint64(e.proto), 10)
		}
		if e.hasSrc {
			dst = appendAddrPortMember(dst, mark, `"src":"`, e.src)
		}
		if e.hasDst {
			dst = appendAddrPortMember(dst, mark, `"dst":"`, e.dst)
		}
		dst = appendCounts(dst, e.c)
		if dst[mark] == ',' {
			dst = append(dst[:mark], dst[mark+1:]...)
		}
		dst = append(dst, '}')
	}
	if kind != 255 {
		dst = append(dst, ']')
	}
	return dst
}

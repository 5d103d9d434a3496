package corpus

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"tailscale.com/tailcfg"
	"tailscale.com/types/ipproto"
	"tailscale.com/types/netlogtype"
)

// Tailnet describes a corpus of realistic network flow records: what the
// nodes of one simulated tailnet would send, built with Tailscale's own
// types (tailscale.com/types/netlogtype) and marshalled as tailscaled's
// network logger (wgengine/netlog) marshals them, with
// github.com/go-json-experiment/json and invalid UTF-8 allowed. Each record
// is wrapped in the log stream's envelope, {"time":…,"event":…,"fields":
// {"recorded":…}}. The same Tailnet always gives the same bytes.
//
// What the records reproduce of tailscaled (v1.102.5, record.toMessage and
// the connection counters of tstun and magicsock):
//   - field order, omitzero/omitempty: absent proto, ports of 0 kept, zero
//     counters and empty arrays omitted;
//   - srcNode is the logging node, dstNodes every other node whose
//     Tailscale address appears in the record, sorted by node ID; a node
//     lists its IPv4 then IPv6 address, its sorted tags or, untagged, its
//     owner's login name;
//   - traffic entries sorted by source, destination and protocol;
//     virtual traffic starts at the logging node's own address; a subnet
//     router and an exit node log their clients' addresses as sources;
//     physical traffic goes from a peer's Tailscale address with port 0 to
//     its endpoint or to 127.3.3.40:<DERP region>;
//   - exit traffic is anonymized (no proto, ports 0, non-Tailscale
//     addresses dropped, counts merged) unless the node logs exit flows.
type Tailnet struct {
	Seed       uint64
	Nodes      int // nodes in the tailnet
	Records    int
	MinEntries int // traffic entries per record, drawn log-uniformly
	MaxEntries int
}

// String describes t for the report.
func (t Tailnet) String() string {
	return fmt.Sprintf("corpus.Tailnet{Seed: %d, Nodes: %d, Records: %d, Entries: %d–%d}",
		t.Seed, t.Nodes, t.Records, t.MinEntries, t.MaxEntries)
}

// Generate returns the corpus: t.Records envelopes concatenated with no
// separator, as a log-stream POST body carries them.
func (t Tailnet) Generate() []byte {
	g := newTailnetGen(t)
	var out bytes.Buffer
	for range t.Records {
		g.appendRecord(&out)
	}
	return out.Bytes()
}

type nodeKind uint8

const (
	userDevice nodeKind = iota
	server
	subnetRouter
	exitNode
)

type tnode struct {
	kind     nodeKind
	node     netlogtype.Node
	v4, v6   netip.Addr
	services []uint16       // ports it serves
	routes   []netip.Prefix // subnet routes it serves (routers)
	logExit  bool           // logs exit flows unanonymized
	usesExit bool
	usesSub  bool
	// Physical endpoints a peer reaches it at, and its home DERP region.
	endpoints []netip.AddrPort
	derp      uint16
	activity  float64 // relative rate of records it logs
}

type tailnetGen struct {
	t       Tailnet
	r       *rand.Rand
	nodes   []*tnode
	byAddr  map[netip.Addr]*tnode
	popular *rand.Zipf // peers: low indexes are busy servers
	loggers []float64  // cumulative activity
	routers []*tnode
	exits   []*tnode
	public  []netip.Addr
	pubZipf *rand.Zipf
	clock   int64 // ns: the end of the last record's window
	domain  string
	ids     map[string]bool
}

func newTailnetGen(t Tailnet) *tailnetGen {
	r := rand.New(rand.NewPCG(t.Seed, 0x7461696c6e6574))
	g := &tailnetGen{t: t, r: r, byAddr: map[netip.Addr]*tnode{}, ids: map[string]bool{}}
	g.domain = fmt.Sprintf("tail%05x.ts.net", r.IntN(1<<20))
	g.clock = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC).UnixNano()
	users := make([]string, max(1, t.Nodes/7))
	for i := range users {
		users[i] = g.userName(i)
	}
	oldV6 := [3]uint16{uint16(r.Uint32()), uint16(r.Uint32()), uint16(r.Uint32())}
	for i := range t.Nodes {
		n := &tnode{}
		switch x := r.Float64(); {
		case x < 0.01:
			n.kind = exitNode
		case x < 0.03:
			n.kind = subnetRouter
		case x < 0.58:
			n.kind = server
		default:
			n.kind = userDevice
		}
		for {
			n.v4 = netip.AddrFrom4([4]byte{100, byte(64 + r.IntN(64)), byte(r.IntN(256)), byte(1 + r.IntN(254))})
			if g.byAddr[n.v4] == nil {
				break
			}
		}
		if r.IntN(10) < 4 { // older nodes: the tailnet's long form
			a := n.v4.As4()
			n.v6 = netip.AddrFrom16(v6Addr(0xfd7a, 0x115c, 0xa1e0, oldV6[0], oldV6[1], oldV6[2],
				uint16(0x6200|uint16(a[1])>>2), uint16(a[2])<<8|uint16(a[3])))
		} else {
			n.v6 = netip.AddrFrom16(v6Addr(0xfd7a, 0x115c, 0xa1e0, 0, 0, 0, uint16(r.Uint32()), uint16(r.Uint32())))
		}
		if g.byAddr[n.v6] != nil {
			n.v6 = netip.AddrFrom16(v6Addr(0xfd7a, 0x115c, 0xa1e0, 0, 0, 1, uint16(i), uint16(r.Uint32())))
		}
		g.byAddr[n.v4], g.byAddr[n.v6] = n, n
		n.node = netlogtype.Node{
			NodeID:    tailcfg.StableNodeID(g.stableID()),
			Addresses: []netip.Addr{n.v4, n.v6},
		}
		g.describe(n, i, users)
		g.nodes = append(g.nodes, n)
	}
	// Busy servers first: they are the popular peers.
	slices.SortStableFunc(g.nodes, func(a, b *tnode) int { return cmp.Compare(busy(b.kind), busy(a.kind)) })
	g.popular = rand.NewZipf(r, 1.15, 8, uint64(len(g.nodes)-1))
	total := 0.0
	for _, n := range g.nodes {
		total += n.activity
		g.loggers = append(g.loggers, total)
		switch n.kind {
		case subnetRouter:
			g.routers = append(g.routers, n)
		case exitNode:
			g.exits = append(g.exits, n)
		}
	}
	for range 40000 {
		g.public = append(g.public, g.publicAddr(r.IntN(10) < 3))
	}
	g.pubZipf = rand.NewZipf(r, 1.05, 4, uint64(len(g.public)-1))
	return g
}

func busy(k nodeKind) int {
	switch k {
	case exitNode, subnetRouter:
		return 2
	case server:
		return 1
	}
	return 0
}

func v6Addr(w ...uint16) (b [16]byte) {
	for i, x := range w {
		b[2*i], b[2*i+1] = byte(x>>8), byte(x)
	}
	return b
}

const idChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func (g *tailnetGen) stableID() string {
	for {
		b := []byte{'n'}
		for range 10 + g.r.IntN(3) {
			b = append(b, idChars[g.r.IntN(len(idChars))])
		}
		id := string(append(b, "CNTRL"...))
		if !g.ids[id] {
			g.ids[id] = true
			return id
		}
	}
}

var (
	firstNames = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
		"mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yuki",
		"zoe", "amir", "bea", "chen", "dmitri", "elif", "femi", "gosia", "hana", "ines", "jonas", "kofi"}
	lastNames = []string{"smith", "garcia", "mueller", "tanaka", "okafor", "novak", "silva", "kim", "dubois",
		"rossi", "jensen", "kowalski", "nguyen", "haddad", "larsen", "ivanova", "moreau", "sato", "obi", "reyes"}
	serverRoles = []string{"web", "api", "db", "cache", "worker", "k8s-node", "build", "grafana", "prometheus",
		"vault", "git", "ci-runner", "postgres", "redis", "kafka", "ingest", "search", "backup", "bastion", "nas"}
	envs       = []string{"prod", "staging", "dev", "eu", "us-east", "us-west", "ap"}
	tagNames   = []string{"tag:prod", "tag:staging", "tag:dev", "tag:db", "tag:web", "tag:k8s", "tag:ci", "tag:monitoring", "tag:infra", "tag:logs", "tag:backup", "tag:eu", "tag:us"}
	deviceKind = []string{"macbook-pro", "macbook-air", "iphone", "ipad", "pixel-8", "galaxy-s24", "thinkpad", "desktop", "surface", "imac", "framework", "steamdeck"}
	serverOS   = []string{"linux", "linux", "linux", "linux", "linux", "linux", "linux", "linux", "windows", "freebsd"}
	deviceOS   = map[string]string{"macbook-pro": "macOS", "macbook-air": "macOS", "iphone": "iOS", "ipad": "iOS",
		"pixel-8": "android", "galaxy-s24": "android", "thinkpad": "linux", "desktop": "windows", "surface": "windows",
		"imac": "macOS", "framework": "linux", "steamdeck": "linux"}
	servicePorts = []uint16{22, 443, 80, 5432, 6379, 8080, 8443, 3000, 9090, 9100, 3306, 27017, 53, 123, 9200, 2379, 6443, 3389, 445, 25565}
)

func (g *tailnetGen) userName(i int) string {
	r := g.r
	f, l := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
	switch r.IntN(6) {
	case 0:
		return f + strconv.Itoa(i) + "@github"
	case 1:
		return f + "@" + l + "-family.org"
	}
	return f + "." + l + strconv.Itoa(i%50) + "@example.com"
}

// describe fills in n's name, OS, owner or tags, services and behaviour.
func (g *tailnetGen) describe(n *tnode, i int, users []string) {
	r := g.r
	var host string
	switch n.kind {
	case userDevice:
		user := users[r.IntN(len(users))]
		dev := deviceKind[r.IntN(len(deviceKind))]
		host = strings.ReplaceAll(strings.Split(user, "@")[0], ".", "-") + "-" + dev
		if r.IntN(3) == 0 {
			host += "-" + strconv.Itoa(1+r.IntN(9))
		}
		n.node.OS = deviceOS[dev]
		n.node.User = user
		n.usesExit = r.IntN(5) == 0
		n.usesSub = r.IntN(3) == 0
		n.activity = 0.5 + r.Float64()
		if r.IntN(4) == 0 {
			n.services = []uint16{22}
		}
	default:
		role := serverRoles[r.IntN(len(serverRoles))]
		switch n.kind {
		case subnetRouter:
			role = "router"
		case exitNode:
			role = "exit"
		}
		switch r.IntN(4) {
		case 0:
			a := n.v4.As4()
			host = fmt.Sprintf("ip-10-%d-%d-%d", a[1], a[2], a[3])
		case 1:
			host = fmt.Sprintf("%s-%s-%02d", role, envs[r.IntN(len(envs))], r.IntN(60))
		default:
			host = fmt.Sprintf("%s-%d-%04x", role, i%97, r.IntN(1<<16))
		}
		n.node.OS = serverOS[r.IntN(len(serverOS))]
		if n.kind != server {
			n.node.OS = "linux"
		}
		var tags []string
		for range 1 + r.IntN(3) {
			tags = append(tags, tagNames[r.IntN(len(tagNames))])
		}
		slices.Sort(tags)
		n.node.Tags = slices.Compact(tags)
		n.usesSub = r.IntN(5) == 0
		n.activity = 1 + 3*r.Float64()
		for range 1 + r.IntN(3) {
			n.services = append(n.services, servicePorts[r.IntN(len(servicePorts))])
		}
	}
	if n.kind == subnetRouter {
		n.activity *= 3
		for range 1 + r.IntN(3) {
			var p netip.Prefix
			switch r.IntN(10) {
			case 0, 1, 2:
				p = netip.PrefixFrom(netip.AddrFrom16(v6Addr(0xfd00, uint16(r.Uint32()), uint16(r.Uint32()), uint16(r.Uint32()))), 64)
			case 3, 4:
				p = netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 168, byte(r.IntN(256)), 0}), 24)
			case 5:
				p = netip.PrefixFrom(netip.AddrFrom4([4]byte{172, byte(16 + r.IntN(16)), byte(r.IntN(256)), 0}), 24)
			default:
				p = netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(r.IntN(256)), 0, 0}), 16)
			}
			n.routes = append(n.routes, p)
		}
	}
	if n.kind == exitNode {
		n.activity *= 4
		n.logExit = r.IntN(10) < 3
	}
	n.node.Name = host + "." + g.domain
	// Endpoints: a public address, sometimes a public IPv6 one, a LAN one.
	port := uint16(41641)
	if r.IntN(10) < 3 {
		port = uint16(1024 + r.IntN(64000))
	}
	n.endpoints = append(n.endpoints, netip.AddrPortFrom(g.publicAddr(false), port))
	if r.IntN(10) < 4 {
		n.endpoints = append(n.endpoints, netip.AddrPortFrom(g.publicAddr(true), 41641))
	}
	if r.IntN(2) == 0 {
		n.endpoints = append(n.endpoints, netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 168, byte(r.IntN(4)), byte(2 + r.IntN(250))}), 41641))
	}
	n.derp = uint16(1 + r.IntN(28))
}

// publicAddr returns a random public address.
func (g *tailnetGen) publicAddr(v6 bool) netip.Addr {
	r := g.r
	if v6 {
		prefixes := [][2]uint16{{0x2606, 0x4700}, {0x2a00, 0x1450}, {0x2600, 0x1f18}, {0x2001, 0x4860}, {0x2a01, 0x4f8}, {0x2604, 0xa880}, {0x2400, 0xcb00}}
		p := prefixes[r.IntN(len(prefixes))]
		w := []uint16{p[0], p[1], uint16(r.IntN(1 << 12)), uint16(r.Uint32())}
		if r.IntN(3) == 0 {
			w = append(w, 0, 0, 0, uint16(1+r.IntN(0x200)))
		} else {
			w = append(w, uint16(r.Uint32()), uint16(r.Uint32()), uint16(r.Uint32()), uint16(r.Uint32()))
		}
		return netip.AddrFrom16(v6Addr(w...))
	}
	for {
		a := netip.AddrFrom4([4]byte{byte(1 + r.IntN(223)), byte(r.IntN(256)), byte(r.IntN(256)), byte(1 + r.IntN(254))})
		b := a.As4()
		if a.IsPrivate() || a.IsLoopback() || b[0] == 100 && b[1]&0xc0 == 64 || b[0] == 0 || b[0] == 169 && b[1] == 254 {
			continue
		}
		return a
	}
}

// record is the in-progress record of one logging node.
type record struct {
	self *tnode
	virt map[netlogtype.Connection]netlogtype.Counts
	sub  map[netlogtype.Connection]netlogtype.Counts
	exit map[netlogtype.Connection]netlogtype.Counts
	phys map[netlogtype.Connection]netlogtype.Counts
	seen map[*tnode]bool
}

func (rec *record) len() int { return len(rec.virt) + len(rec.sub) + len(rec.exit) + len(rec.phys) }

func (g *tailnetGen) appendRecord(out *bytes.Buffer) {
	r := g.r
	self := g.nodes[g.pickLogger()]
	rec := &record{self: self, virt: map[netlogtype.Connection]netlogtype.Counts{},
		sub: map[netlogtype.Connection]netlogtype.Counts{}, exit: map[netlogtype.Connection]netlogtype.Counts{},
		phys: map[netlogtype.Connection]netlogtype.Counts{}, seen: map[*tnode]bool{self: true}}

	lo, hi := math.Log(float64(g.t.MinEntries)), math.Log(float64(g.t.MaxEntries)+1)
	want := min(g.t.MaxEntries, max(g.t.MinEntries, int(math.Exp(lo+(hi-lo)*r.Float64()))))

	// The peers of this window: a few busy ones, more for big records.
	nPeers := min(len(g.nodes)-1, 1+r.IntN(3)+int(2*math.Sqrt(float64(want))))
	var peers []*tnode
	for tries := 0; len(peers) < nPeers && tries < 10*nPeers; tries++ {
		p := g.nodes[g.popular.Uint64()]
		if p != self && !slices.Contains(peers, p) {
			peers = append(peers, p)
		}
	}

	// Shares of the kinds of traffic.
	nExit, nSub := 0, 0
	switch {
	case self.kind == exitNode:
		nExit = int(float64(want) * (0.3 + 0.5*r.Float64()))
	case self.usesExit && r.IntN(2) == 0:
		nExit = int(float64(want) * 0.3 * r.Float64())
	}
	switch {
	case self.kind == subnetRouter:
		nSub = int(float64(want) * (0.3 + 0.5*r.Float64()))
	case self.usesSub && len(g.routers) > 0 && r.IntN(2) == 0:
		nSub = int(float64(want) * 0.3 * r.Float64())
	}
	nSub = min(nSub, want-nExit)
	nPhys := min(len(peers), want/4, want-nExit-nSub)
	if want < 4 && nExit+nSub == 0 && r.IntN(3) == 0 {
		nPhys = 1
	}

	g.addExit(rec, nExit, peers)
	g.addSubnet(rec, nSub, peers)
	g.addPhysical(rec, nPhys, peers)
	for tries := 0; rec.len() < want && tries < 20*want; tries++ {
		g.addVirtual(rec, peers)
	}
	if rec.len() == 0 { // nothing fitted: one ICMP ping
		g.addVirtual(rec, peers)
	}

	// The window: five seconds of this node's clock, after the last one.
	g.clock += int64(5*time.Second) / int64(max(1, g.t.Nodes/20)) * int64(1+r.IntN(3))
	end := g.clock + int64(r.IntN(int(time.Second)))
	start := end - int64(5*time.Second) - int64(r.IntN(int(50*time.Millisecond)))

	m := netlogtype.Message{
		NodeID:  self.node.NodeID,
		Start:   time.Unix(0, start).UTC(),
		End:     time.Unix(0, end).UTC(),
		SrcNode: self.node,
	}
	for n := range rec.seen {
		if n != self {
			m.DstNodes = append(m.DstNodes, n.node)
		}
	}
	slices.SortFunc(m.DstNodes, func(x, y netlogtype.Node) int { return cmp.Compare(x.NodeID, y.NodeID) })
	m.VirtualTraffic = sortedCounts(rec.virt)
	m.SubnetTraffic = sortedCounts(rec.sub)
	m.ExitTraffic = sortedCounts(rec.exit)
	m.PhysicalTraffic = sortedCounts(rec.phys)
	event, err := jsonv2.Marshal(m, jsontext.AllowInvalidUTF8(true))
	if err != nil {
		panic(err) // the types are Tailscale's own: this cannot fail
	}

	// The log service receives it a little after the window closes and
	// records it a little later still.
	upload := end + int64(20*time.Millisecond) + int64(r.IntN(int(1500*time.Millisecond)))
	uploadMs := upload / int64(time.Millisecond)
	recorded := time.Unix(0, uploadMs*int64(time.Millisecond)+int64(3*time.Millisecond)+int64(r.IntN(int(400*time.Millisecond)))).UTC()
	out.WriteString(`{"time":`)
	out.WriteString(strconv.FormatInt(uploadMs/1000, 10))
	out.WriteString(fmt.Sprintf(".%03d", uploadMs%1000))
	out.WriteString(`,"event":`)
	out.Write(event)
	out.WriteString(`,"fields":{"recorded":"`)
	out.WriteString(recorded.Format(time.RFC3339Nano))
	out.WriteString(`"}}`)
}

func sortedCounts(m map[netlogtype.Connection]netlogtype.Counts) []netlogtype.ConnectionCounts {
	var s []netlogtype.ConnectionCounts
	for c, n := range m {
		s = append(s, netlogtype.ConnectionCounts{Connection: c, Counts: n})
	}
	slices.SortFunc(s, func(x, y netlogtype.ConnectionCounts) int {
		return cmp.Or(x.Src.Compare(y.Src), x.Dst.Compare(y.Dst), cmp.Compare(x.Proto, y.Proto))
	})
	return s
}

func (g *tailnetGen) pickLogger() int {
	x := g.r.Float64() * g.loggers[len(g.loggers)-1]
	i, _ := slices.BinarySearch(g.loggers, x)
	return min(i, len(g.nodes)-1)
}

// counts draws the counters of one connection in a five-second window:
// heavy-tailed packet counts, sometimes one direction only.
func (g *tailnetGen) counts() netlogtype.Counts {
	r := g.r
	pkts := func() uint64 { return uint64(math.Exp(r.NormFloat64()*1.8+2.2)) + 1 }
	size := func() uint64 { return uint64(40 + r.IntN(1360)) }
	var c netlogtype.Counts
	switch x := r.IntN(10); {
	case x == 0: // received only
		c.RxPackets = pkts()
		c.RxBytes = c.RxPackets * size()
	case x == 1: // sent only
		c.TxPackets = pkts()
		c.TxBytes = c.TxPackets * size()
	default:
		c.TxPackets, c.RxPackets = pkts(), pkts()
		c.TxBytes, c.RxBytes = c.TxPackets*size(), c.RxPackets*size()
	}
	return c
}

// family picks IPv6 for about three connections in ten.
func (g *tailnetGen) v6() bool { return g.r.IntN(100) < 33 }

func (g *tailnetGen) ephemeral() uint16 { return uint16(32768 + g.r.IntN(28232)) }

func (g *tailnetGen) proto(port uint16) ipproto.Proto {
	switch port {
	case 53, 123, 41641:
		return ipproto.UDP
	}
	if g.r.IntN(12) == 0 {
		return ipproto.UDP
	}
	return ipproto.TCP
}

func addrOf(n *tnode, v6 bool) netip.Addr {
	if v6 {
		return n.v6
	}
	return n.v4
}

func (g *tailnetGen) addVirtual(rec *record, peers []*tnode) {
	r := g.r
	self := rec.self
	if len(peers) == 0 {
		return
	}
	// A few peers carry most of the connections.
	p := peers[min(len(peers)-1, int(float64(len(peers))*math.Pow(r.Float64(), 2.5)))]
	v6 := g.v6()
	var c netlogtype.Connection
	switch {
	case r.IntN(30) == 0: // ping
		c.Proto = ipproto.ICMPv4
		if v6 {
			c.Proto = ipproto.ICMPv6
		}
		c.Src, c.Dst = netip.AddrPortFrom(addrOf(self, v6), 0), netip.AddrPortFrom(addrOf(p, v6), 0)
	case len(p.services) > 0 && (len(self.services) == 0 || r.IntN(2) == 0): // self is the client
		port := p.services[r.IntN(len(p.services))]
		c.Proto = g.proto(port)
		c.Src, c.Dst = netip.AddrPortFrom(addrOf(self, v6), g.ephemeral()), netip.AddrPortFrom(addrOf(p, v6), port)
	case len(self.services) > 0: // self serves
		port := self.services[r.IntN(len(self.services))]
		c.Proto = g.proto(port)
		c.Src, c.Dst = netip.AddrPortFrom(addrOf(self, v6), port), netip.AddrPortFrom(addrOf(p, v6), g.ephemeral())
	default: // two devices: something peer to peer
		c.Proto = ipproto.UDP
		c.Src, c.Dst = netip.AddrPortFrom(addrOf(self, v6), g.ephemeral()), netip.AddrPortFrom(addrOf(p, v6), g.ephemeral())
	}
	if _, dup := rec.virt[c]; !dup {
		rec.virt[c] = g.counts()
		rec.seen[p] = true
	}
}

// subnetHost returns an address in one of router's routes.
func (g *tailnetGen) subnetHost(router *tnode) netip.Addr {
	p := router.routes[g.r.IntN(len(router.routes))]
	b := p.Addr().AsSlice()
	for i := p.Bits() / 8; i < len(b); i++ {
		b[i] = byte(g.r.IntN(256))
	}
	if p.Addr().Is6() {
		b[8], b[9], b[10], b[11], b[12], b[13] = 0, 0, 0, 0, 0, 0 // ::xx:yyyy hosts
	} else if b[3] == 0 || b[3] == 255 {
		b[3] = 1
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func (g *tailnetGen) addSubnet(rec *record, n int, peers []*tnode) {
	r := g.r
	self := rec.self
	var routers []*tnode
	if self.kind == subnetRouter {
		routers = []*tnode{self}
	} else if len(g.routers) > 0 {
		for range 1 + r.IntN(2) {
			routers = append(routers, g.routers[r.IntN(len(g.routers))])
		}
	}
	for tries := 0; len(rec.sub) < n && tries < 10*n; tries++ {
		router := routers[r.IntN(len(routers))]
		host := g.subnetHost(router)
		port := servicePorts[r.IntN(len(servicePorts))]
		c := netlogtype.Connection{Proto: g.proto(port), Dst: netip.AddrPortFrom(host, port)}
		from := self
		if self.kind == subnetRouter && len(peers) > 0 {
			from = peers[r.IntN(len(peers))] // a client of this router
		}
		c.Src = netip.AddrPortFrom(addrOf(from, host.Is6()), g.ephemeral())
		if _, dup := rec.sub[c]; !dup {
			rec.sub[c] = g.counts()
			rec.seen[from] = true
		}
	}
}

func (g *tailnetGen) addExit(rec *record, n int, peers []*tnode) {
	r := g.r
	self := rec.self
	clients := []*tnode{self}
	if self.kind == exitNode {
		clients = clients[:0]
		for range max(1, n/2) {
			clients = append(clients, g.nodes[r.IntN(len(g.nodes))])
		}
	}
	for tries := 0; len(rec.exit) < n && tries < 10*n; tries++ {
		from := clients[r.IntN(len(clients))]
		if from == self && self.kind == exitNode {
			continue
		}
		dst := g.public[g.pubZipf.Uint64()]
		port := [...]uint16{443, 443, 443, 80, 53, 123, 993, 5228}[r.IntN(8)]
		c := netlogtype.Connection{Proto: g.proto(port),
			Src: netip.AddrPortFrom(addrOf(from, dst.Is6()), g.ephemeral()), Dst: netip.AddrPortFrom(dst, port)}
		if !self.logExit {
			// Anonymized as tailscaled does: no protocol, no ports, no
			// address that is not a Tailscale node's, counts merged.
			c = netlogtype.Connection{Src: netip.AddrPortFrom(c.Src.Addr(), 0)}
			rec.exit[c] = rec.exit[c].Add(g.counts())
		} else if _, dup := rec.exit[c]; !dup {
			rec.exit[c] = g.counts()
		}
		rec.seen[from] = true
		if len(clients) == 1 && !self.logExit && len(rec.exit) == 2 {
			break // a client's anonymized exit traffic: one entry per family
		}
	}
}

func (g *tailnetGen) addPhysical(rec *record, n int, peers []*tnode) {
	r := g.r
	for i := 0; i < n && i < len(peers); i++ {
		p := peers[i]
		src := netip.AddrPortFrom(p.v4, 0) // magicsock counts under the peer's first address
		var dst netip.AddrPort
		if r.IntN(4) == 0 {
			dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 3, 3, 40}), p.derp)
		} else {
			dst = p.endpoints[r.IntN(len(p.endpoints))]
		}
		c := netlogtype.Connection{Src: src, Dst: dst}
		if _, dup := rec.phys[c]; !dup {
			cn := g.counts()
			// WireGuard's overhead on the virtual traffic.
			cn.TxBytes += cn.TxPackets * 32
			cn.RxBytes += cn.RxPackets * 32
			rec.phys[c] = cn
			rec.seen[p] = true
		}
	}
}

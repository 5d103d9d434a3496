package synth

import (
	"math/rand/v2"
	"net/netip"
	"sort"
	"strconv"

	"github.com/tslogs/tslogs/jlex"
)

// The tailnet is a stable set of ~50 nodes, a dozen users and a few OAuth
// clients, derived from the seed alone, so network and audit streams with
// the same seed talk about the same machines and people.

const tailnetDomain = "example.ts.net"

type user struct {
	id, login, display string
	admin              bool
}

type oauthClient struct {
	id, name string
	tags     []string
}

type node struct {
	idx      int
	id       string
	host     string // "laptop-7"
	name     string // "laptop-7.example.ts.net"
	os       string
	owner    int // index into tailnet.users, -1 when tagged
	tags     []string
	role     string
	v4, v6   netip.Addr
	v4b, v6b []byte // "100.64.1.2" and "[fd7a:115c:a1e0::ab]" (bracketed)
	obj      []byte // srcNode / dstNodes JSON object

	endpoints     [][]byte         // physical endpoints "198.51.100.7:41641", "[2001:db8:…]:41641"
	endpointAddrs []netip.AddrPort // the same, parsed
	derp          int              // home DERP region, 1..30

	tcp, udp  []uint16 // listening services
	peerAPI   uint16
	ephLo     int // ephemeral port range
	ephHi     int
	clockRes  int64 // clock resolution in ns (trailing zeros in start/end)
	weight    float64
	volume    float64
	activity  float64
	modern    bool // client ≥ v1.92: sends srcNode/dstNodes
	exitNode  bool
	router    bool
	usesExit  bool
	usesRoute bool
	ephemeral bool
}

type tailnet struct {
	id      string
	name    string // tailnet (organization) name
	users   []user
	clients []oauthClient
	nodes   []*node
	cum     []float64 // cumulative peer-popularity weights
	exits   []int
	routers []int
	byAddr  map[netip.Addr]int32 // node index by Tailscale address
}

type roleSpec struct {
	prefix   string
	count    int
	oses     []string
	tags     []string // nil: user-owned
	weight   float64
	volume   float64
	activity float64
	tcp, udp []uint16
	exit     bool
	router   bool
	ephem    bool
}

var roleSpecs = []roleSpec{
	{prefix: "laptop", count: 14, oses: []string{"macOS", "macOS", "windows", "windows", "linux"}, weight: 0.6, volume: 1, activity: 0.75, tcp: []uint16{22}},
	{prefix: "desktop", count: 4, oses: []string{"windows", "linux"}, weight: 0.8, volume: 1.2, activity: 0.7, tcp: []uint16{3389, 22}},
	{prefix: "phone", count: 6, oses: []string{"iOS", "android"}, weight: 0.2, volume: 0.3, activity: 0.35},
	{prefix: "tablet", count: 2, oses: []string{"iOS", "android"}, weight: 0.2, volume: 0.4, activity: 0.25},
	{prefix: "web", count: 5, oses: []string{"linux"}, tags: []string{"tag:prod", "tag:server"}, weight: 6, volume: 4, activity: 0.97, tcp: []uint16{443, 80, 22, 8080}},
	{prefix: "db", count: 3, oses: []string{"linux"}, tags: []string{"tag:db", "tag:prod"}, weight: 9, volume: 7, activity: 0.98, tcp: []uint16{5432, 5432, 6379, 3306, 22}},
	{prefix: "k8s-node", count: 5, oses: []string{"linux"}, tags: []string{"tag:k8s"}, weight: 4, volume: 3, activity: 0.97, tcp: []uint16{6443, 10250, 443, 22}, udp: []uint16{8472}},
	{prefix: "ci-runner", count: 4, oses: []string{"linux"}, tags: []string{"tag:ci"}, weight: 0.5, volume: 3, activity: 0.6, ephem: true},
	{prefix: "monitor", count: 1, oses: []string{"linux"}, tags: []string{"tag:monitoring"}, weight: 3, volume: 1, activity: 0.99, tcp: []uint16{9090, 3000, 22}, udp: []uint16{514, 8125}},
	{prefix: "dns", count: 1, oses: []string{"linux"}, tags: []string{"tag:infra"}, weight: 3, volume: 0.2, activity: 0.99, tcp: []uint16{53, 22}, udp: []uint16{53, 123}},
	{prefix: "exit", count: 2, oses: []string{"linux"}, tags: []string{"tag:exit"}, weight: 1, volume: 5, activity: 0.9, tcp: []uint16{22}, exit: true},
	{prefix: "subnet-router", count: 2, oses: []string{"linux"}, tags: []string{"tag:subnet-router"}, weight: 2, volume: 3, activity: 0.95, tcp: []uint16{22}, router: true},
	{prefix: "nas", count: 1, oses: []string{"linux"}, tags: []string{"tag:storage"}, weight: 5, volume: 12, activity: 0.9, tcp: []uint16{445, 2049, 22, 873}},
}

var userSpecs = []struct{ login, display string }{
	{"alice@example.com", "Alice Anderson"},
	{"bob@example.com", "Bob Brown"},
	{"carol@example.com", "Carol Chen"},
	{"dave@example.com", "Dave Dubois"},
	{"erin@example.com", "Erin Okafor"},
	{"frank@example.com", "Frank Fischer"},
	{"grace@example.com", "Grace Gómez"},
	{"heidi@example.com", "Heidi Hansen"},
	{"ivan@example.com", "Ivan Petrov"},
	{"judy@example.com", "Judy Jones"},
	{"zoe@example.com", "Zoë Müller"},
	{"mallory-dev", "Mallory \uFFFD Dev"}, // non-email login name; U+FFFD as produced by lossy clients
}

var clientSpecs = []struct {
	name string
	tags []string
}{
	{"terraform", nil},
	{"k8s-operator", []string{"tag:k8s-operator"}},
	{"ci-pipeline", []string{"tag:ci"}},
	{"gitops-acl", nil},
}

func newTailnet(seed uint64) *tailnet {
	r := rand.New(rand.NewPCG(seed^0x5461696c6e657421, 0x6578616d706c65))
	tn := &tailnet{id: stableID(r, 'T'), name: "example.com"}

	for i, u := range userSpecs {
		tn.users = append(tn.users, user{id: stableID(r, 'u'), login: u.login, display: u.display, admin: i < 3})
	}
	for _, c := range clientSpecs {
		tn.clients = append(tn.clients, oauthClient{id: stableID(r, 'k'), name: c.name, tags: c.tags})
	}

	usedV4 := map[netip.Addr]bool{}
	usedV6 := map[uint32]bool{}
	owned := 0
	for _, rs := range roleSpecs {
		usedNum := map[int]bool{}
		for k := 0; k < rs.count; k++ {
			num := 1 + r.IntN(20+rs.count*3)
			for usedNum[num] {
				num = 1 + r.IntN(20+rs.count*3)
			}
			usedNum[num] = true
			n := &node{
				idx:      len(tn.nodes),
				id:       stableID(r, 'n'),
				host:     rs.prefix + "-" + strconv.Itoa(num),
				os:       rs.oses[r.IntN(len(rs.oses))],
				owner:    -1,
				role:     rs.prefix,
				weight:   rs.weight * (0.5 + r.Float64()),
				volume:   rs.volume * (0.4 + 1.2*r.Float64()),
				activity: rs.activity,
				tcp:      rs.tcp,
				udp:      rs.udp,
				peerAPI:  uint16(between(r, 30000, 60000)),
				modern:   r.IntN(100) < 90,
				exitNode: rs.exit,
				router:   rs.router,

				ephemeral: rs.ephem,
			}
			n.name = n.host + "." + tailnetDomain
			if rs.tags != nil {
				n.tags = append([]string(nil), rs.tags...)
				if r.IntN(4) == 0 && len(n.tags) > 1 {
					n.tags = n.tags[:1]
				}
			} else {
				// Every user owns at least one node; the rest are random.
				n.owner = owned % len(tn.users)
				if owned >= len(tn.users) {
					n.owner = r.IntN(len(tn.users))
				}
				owned++
				n.usesExit = r.IntN(3) == 0
				n.usesRoute = r.IntN(2) == 0
			}
			if rs.tags != nil && r.IntN(3) == 0 {
				n.usesRoute = true
			}
			switch n.os {
			case "windows":
				n.ephLo, n.ephHi, n.clockRes = 49152, 65536, 100
			case "macOS", "iOS":
				n.ephLo, n.ephHi, n.clockRes = 49152, 65536, 1000
			default:
				n.ephLo, n.ephHi, n.clockRes = 32768, 61000, 1
			}

			// Tailscale addresses: 100.64.0.0/10 and fd7a:115c:a1e0::/48.
			for {
				a := netip.AddrFrom4([4]byte{100, byte(64 + r.IntN(64)), byte(r.IntN(256)), byte(1 + r.IntN(254))})
				if !usedV4[a] {
					usedV4[a] = true
					n.v4 = a
					break
				}
			}
			var b16 [16]byte
			copy(b16[:], []byte{0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0})
			for {
				x := r.Uint32()
				if r.IntN(3) > 0 {
					x &= 0xffff // short form fd7a:115c:a1e0::abcd
				}
				if x == 0 || usedV6[x] {
					continue
				}
				usedV6[x] = true
				b16[12], b16[13], b16[14], b16[15] = byte(x>>24), byte(x>>16), byte(x>>8), byte(x)
				break
			}
			if r.IntN(5) == 0 {
				// Older long-form address with a node-derived middle part.
				for i := 6; i < 12; i++ {
					b16[i] = byte(r.IntN(256))
				}
				b16[6] |= 0x10
			}
			n.v6 = netip.AddrFrom16(b16)
			n.v4b = []byte(n.v4.String())
			n.v6b = []byte("[" + n.v6.String() + "]")

			// Physical endpoints in documentation ranges.
			v4nets := [][3]byte{{198, 51, 100}, {203, 0, 113}}
			pfx := v4nets[r.IntN(2)]
			ep := netip.AddrPortFrom(netip.AddrFrom4([4]byte{pfx[0], pfx[1], pfx[2], byte(1 + r.IntN(254))}), 41641)
			if r.IntN(5) < 2 {
				ep = netip.AddrPortFrom(ep.Addr(), uint16(between(r, 1024, 65536))) // NAT-mapped
			}
			n.endpoints = append(n.endpoints, []byte(ep.String()))
			if r.IntN(10) < 4 {
				var e6 [16]byte
				copy(e6[:], []byte{0x20, 0x01, 0x0d, 0xb8, 0x01, byte(r.IntN(256)), byte(r.IntN(256)), byte(1 + r.IntN(255))})
				for i := 8; i < 16; i++ {
					e6[i] = byte(r.IntN(256))
				}
				n.endpoints = append(n.endpoints, []byte(netip.AddrPortFrom(netip.AddrFrom16(e6), 41641).String()))
			}
			n.derp = 1 + r.IntN(30)
			tn.nodes = append(tn.nodes, n)
		}
	}

	var cum float64
	tn.byAddr = map[netip.Addr]int32{}
	for _, n := range tn.nodes {
		tn.byAddr[n.v4] = int32(n.idx)
		tn.byAddr[n.v6] = int32(n.idx)
		for _, ep := range n.endpoints {
			n.endpointAddrs = append(n.endpointAddrs, netip.MustParseAddrPort(string(ep)))
		}
		n.obj = tn.nodeObject(n)
		cum += n.weight
		tn.cum = append(tn.cum, cum)
		if n.exitNode {
			tn.exits = append(tn.exits, n.idx)
		}
		if n.router {
			tn.routers = append(tn.routers, n.idx)
		}
	}
	return tn
}

// nodeObject renders {nodeId,name,addresses,os,user?,tags?}.
func (tn *tailnet) nodeObject(n *node) []byte {
	b := []byte(`{"nodeId":`)
	b = jlex.AppendString(b, n.id)
	b = append(b, `,"name":`...)
	b = jlex.AppendString(b, n.name)
	b = append(b, `,"addresses":["`...)
	b = append(b, n.v4.String()...)
	b = append(b, `","`...)
	b = append(b, n.v6.String()...)
	b = append(b, `"],"os":`...)
	b = jlex.AppendString(b, n.os)
	if n.owner >= 0 {
		b = append(b, `,"user":`...)
		b = jlex.AppendString(b, tn.users[n.owner].login)
	}
	if len(n.tags) > 0 {
		b = append(b, `,"tags":`...)
		b = appendStringArray(b, n.tags)
	}
	return append(b, '}')
}

// pickPeer returns a node index other than self, weighted by popularity.
func (tn *tailnet) pickPeer(r *rand.Rand, self int) int {
	total := tn.cum[len(tn.cum)-1]
	for {
		x := r.Float64() * total
		i := sort.SearchFloat64s(tn.cum, x)
		if i >= len(tn.cum) {
			i = len(tn.cum) - 1
		}
		if i != self {
			return i
		}
	}
}

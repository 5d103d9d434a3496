package summary

import (
	"net/netip"
	"strings"
	"time"

	"github.com/tslogs/tslogs/tailscale"
)

// Kind is a traffic kind of a network flow record.
type Kind uint8

// The traffic kinds, in the order records list them.
const (
	Virtual Kind = iota
	Subnet
	Exit
	Physical
	numKinds
)

var kindNames = [numKinds]string{"virtual", "subnet", "exit", "physical"}

// String returns "virtual", "subnet", "exit" or "physical".
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "unknown"
}

// Options bound an Aggregate and set its tolerances. The zero value means
// the defaults.
type Options struct {
	// MaxConversations bounds the conversations kept (default 1<<20, about
	// 200 MiB at most).
	MaxConversations int
	// MaxNodes bounds the node directory and the nodes whose physical
	// traffic is kept apart (default tailscale.DefaultMaxNodes).
	MaxNodes int
	// Tolerance is the relative difference between the two ends' counts of
	// one direction that is still agreement (default 0.05), and
	// ToleranceBytes the absolute one (default 4096); the larger applies.
	// For a conversation reported within Edge (default 10 s, two of
	// Tailscale's windows) of the stream's first window start or last
	// window end, the bytes of its first or last windows are allowed on top:
	// the other end's windows may cover them only in part.
	Tolerance      float64
	ToleranceBytes int64
	Edge           time.Duration
	// Bucket is the timeline's finest bucket (default one minute) and
	// MaxBuckets the most buckets kept (default 4096): beyond it the bucket
	// width grows to the next of Widths. Aggregates to be merged must have
	// the same Bucket.
	Bucket     time.Duration
	MaxBuckets int
	// MaxDistinct bounds the distinct values counted per audit dimension
	// (actions, actors, origins, targets) and actors in the audit timeline
	// (default 10000); further values count as "(other)".
	MaxDistinct int
	// MaxFindings bounds the security findings kept (default 1000; all are
	// counted) and MaxExamples the examples kept of each anomaly (default 20).
	MaxFindings int
	MaxExamples int
}

func (o Options) withDefaults() Options {
	if o.MaxConversations <= 0 {
		o.MaxConversations = 1 << 20
	}
	if o.MaxNodes <= 0 {
		o.MaxNodes = tailscale.DefaultMaxNodes
	}
	if o.Tolerance <= 0 {
		o.Tolerance = 0.05
	}
	if o.ToleranceBytes <= 0 {
		o.ToleranceBytes = 4096
	}
	if o.Edge <= 0 {
		o.Edge = 10 * time.Second
	}
	if o.Bucket <= 0 {
		o.Bucket = time.Minute
	}
	if o.MaxBuckets <= 0 {
		o.MaxBuckets = 4096
	}
	if o.MaxDistinct <= 0 {
		o.MaxDistinct = 10000
	}
	if o.MaxFindings <= 0 {
		o.MaxFindings = 1000
	}
	if o.MaxExamples <= 0 {
		o.MaxExamples = 20
	}
	return o
}

// convKey identifies a conversation: one traffic kind, protocol, pair of
// addresses (a before b) and service port.
type convKey struct {
	a, b  netip.Addr
	port  uint16 // the service port
	proto int16  // -1 when the entry has none
	kind  Kind
	svc   uint8 // svcNone, svcA or svcB: which address holds port
}

const (
	svcNone uint8 = iota
	svcA
	svcB
)

// side sums the reports of a conversation made from one of its ends (the
// end that was the reports' source). It also keeps the bytes of its
// earliest and latest windows, which the other end's windows may cover only
// in part when the stream starts or ends during the conversation.
type side struct {
	TxBytes, TxPkts, RxBytes, RxPkts int64
	Reports                          int64
	firstStart, lastEnd              int64 // Unix ns: earliest window start, latest window end
	firstTx, firstRx                 int64 // bytes reported for the window starting at firstStart
	lastTx, lastRx                   int64 // and for the window ending at lastEnd
}

func (s *side) add(t *tailscale.NetworkTraffic, start, end int64) {
	s.TxBytes += t.TxBytes
	s.TxPkts += t.TxPkts
	s.RxBytes += t.RxBytes
	s.RxPkts += t.RxPkts
	s.edges(start, end, t.TxBytes, t.RxBytes, t.TxBytes, t.RxBytes, s.Reports == 0)
	s.Reports++
}

// edges folds in reports of windows from start to end.
func (s *side) edges(start, end, firstTx, firstRx, lastTx, lastRx int64, empty bool) {
	switch {
	case empty || start < s.firstStart:
		s.firstStart, s.firstTx, s.firstRx = start, firstTx, firstRx
	case start == s.firstStart:
		s.firstTx += firstTx
		s.firstRx += firstRx
	}
	switch {
	case empty || end > s.lastEnd:
		s.lastEnd, s.lastTx, s.lastRx = end, lastTx, lastRx
	case end == s.lastEnd:
		s.lastTx += lastTx
		s.lastRx += lastRx
	}
}

func (s *side) merge(o *side) {
	if o.Reports == 0 {
		return
	}
	s.edges(o.firstStart, o.lastEnd, o.firstTx, o.firstRx, o.lastTx, o.lastRx, s.Reports == 0)
	s.TxBytes += o.TxBytes
	s.TxPkts += o.TxPkts
	s.RxBytes += o.RxBytes
	s.RxPkts += o.RxPkts
	s.Reports += o.Reports
}

type conv struct {
	key  convKey
	side [2]side // side[0]: reports from a; side[1]: from b
}

// counts are bytes and packets.
type counts struct {
	Bytes, Packets int64
}

func (c *counts) add(b, p int64) {
	c.Bytes += b
	c.Packets += p
}

// kindTotals are what every report of a kind said.
type kindTotals struct {
	Reports        int64
	Sent, Received counts // sums of tx and rx over the reports
	Overflow       counts // tx of reports beyond MaxConversations
}

// physNode is one node's physical traffic.
type physNode struct {
	sent, received counts
	relayedSent    int64
	relayedRecv    int64
}

// region is the traffic relayed through one DERP region, as its senders
// and receivers reported it.
type region struct {
	sent, received int64
	reports        int64
}

// anomaly counts reports of one kind of trouble and keeps a few examples.
type anomaly struct {
	Count    int64
	Bytes    int64
	Examples []Example
}

// Example is one anomalous report.
type Example struct {
	Time    time.Time `json:"time"`
	Kind    string    `json:"kind"`
	NodeID  string    `json:"reporter"`
	Src     string    `json:"src,omitempty"`
	Dst     string    `json:"dst,omitempty"`
	TxBytes int64     `json:"txBytes"`
	RxBytes int64     `json:"rxBytes"`
}

// Aggregate accumulates records. It is not safe for concurrent use: give
// each worker its own and Merge them.
type Aggregate struct {
	opt   Options
	nodes *tailscale.NodeDirectory

	records, invalid int64
	byType           map[string]int64
	first, last      time.Time // event times
	winStart, winEnd time.Time // network windows

	convIdx map[convKey]int32
	convs   []conv
	kinds   [numKinds]kindTotals

	phys         map[string]*physNode
	physOther    physNode // nodes beyond MaxNodes
	regions      map[uint16]*region
	direct       counts // physical sent to direct endpoints
	relayed      counts // physical sent through DERP
	notParty     anomaly
	unverified   int64 // reports of nodes whose addresses are unknown
	traffic      timeline
	auditAgg     auditAgg
	scratchAddrs [tailscale.MaxNodeAddresses]netip.Addr
}

// New returns an empty Aggregate.
func New(opt Options) *Aggregate {
	opt = opt.withDefaults()
	return &Aggregate{
		opt:      opt,
		nodes:    tailscale.NewNodeDirectory(opt.MaxNodes),
		byType:   map[string]int64{},
		convIdx:  map[convKey]int32{},
		phys:     map[string]*physNode{},
		regions:  map[uint16]*region{},
		traffic:  newTimeline(opt.Bucket, opt.MaxBuckets),
		auditAgg: newAuditAgg(opt),
	}
}

// Nodes returns the aggregate's node directory.
func (a *Aggregate) Nodes() *tailscale.NodeDirectory { return a.nodes }

// Add adds the Reader's current record, good or bad.
func (a *Aggregate) Add(r *tailscale.Reader) {
	if r.Err() != nil {
		a.AddInvalid()
		return
	}
	switch r.LogType() {
	case tailscale.LogTypeNetwork:
		a.AddNetwork(r.Network())
	case tailscale.LogTypeAudit:
		a.AddAudit(r.Audit())
	}
}

// AddInvalid counts a record that could not be decoded.
func (a *Aggregate) AddInvalid() {
	a.records++
	a.invalid++
}

func (a *Aggregate) addRecord(logType string, t time.Time) {
	a.records++
	a.byType[logType]++
	if t.IsZero() {
		return
	}
	if a.first.IsZero() || t.Before(a.first) {
		a.first = t
	}
	if t.After(a.last) {
		a.last = t
	}
}

var (
	tsV4   = netip.MustParsePrefix("100.64.0.0/10")
	tsV6   = netip.MustParsePrefix("fd7a:115c:a1e0::/48")
	derpIP = netip.MustParseAddr("127.3.3.40")
)

// isTailscale reports whether a is in Tailscale's address ranges.
func isTailscale(a netip.Addr) bool {
	a = a.Unmap()
	return tsV4.Contains(a) || tsV6.Contains(a)
}

// AddNetwork adds a network flow record.
func (a *Aggregate) AddNetwork(x *tailscale.Network) {
	ev := &x.Event
	a.addRecord("Tailscale.Network", x.EventTime())
	a.nodes.Learn(x)
	if ev.HasStart() && (a.winStart.IsZero() || ev.Start.Before(a.winStart)) {
		a.winStart = ev.Start
	}
	if ev.HasEnd() && ev.End.After(a.winEnd) {
		a.winEnd = ev.End
	}
	at, end := ev.Start, ev.End
	if !ev.HasStart() {
		at = x.EventTime()
	}
	if !ev.HasEnd() {
		end = at
	}
	startNs, endNs := at.UnixNano(), end.UnixNano()

	// The reporting node's own addresses, as its srcNode gives them: a
	// source that is a Tailscale address must be one of them. Only the
	// record itself is used, so the check does not depend on the order
	// records arrive in; a record without srcNode (older clients) cannot
	// be checked.
	own := a.scratchAddrs[:0]
	if ev.HasSrcNode() && ev.SrcNode.NodeID == ev.NodeID {
		for _, s := range ev.SrcNode.Addresses {
			if ip, err := netip.ParseAddr(s); err == nil && len(own) < cap(own) {
				own = append(own, ip.Unmap())
			}
		}
	}
	known := len(own) > 0
	bucket := a.traffic.at(at)
	for k, ts := range [...][]tailscale.NetworkTraffic{ev.VirtualTraffic, ev.SubnetTraffic, ev.ExitTraffic, ev.PhysicalTraffic} {
		kind := Kind(k)
		for i := range ts {
			t := &ts[i]
			if isTailscale(t.SrcIP) {
				switch {
				case !known:
					a.unverified++
				case !owns(own, t.SrcIP):
					a.notParty.add(x, ev.NodeID, kind, t, a.opt.MaxExamples)
					continue
				}
			}
			kt := &a.kinds[kind]
			kt.Reports++
			kt.Sent.add(t.TxBytes, t.TxPkts)
			kt.Received.add(t.RxBytes, t.RxPkts)
			if kind == Physical {
				a.addPhysical(ev.NodeID, t, bucket)
				continue
			}
			bucket.add(kind, t.TxBytes)
			a.addConversation(kind, t, startNs, endNs)
		}
	}
}

func owns(own []netip.Addr, ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, o := range own {
		if o == ip {
			return true
		}
	}
	return false
}

func (an *anomaly) add(x *tailscale.Network, node string, kind Kind, t *tailscale.NetworkTraffic, maxExamples int) {
	an.Count++
	an.Bytes += t.TxBytes + t.RxBytes
	if len(an.Examples) < maxExamples {
		an.Examples = append(an.Examples, Example{Time: x.EventTime(), Kind: kind.String(), NodeID: strings.Clone(node),
			Src: strings.Clone(t.Src), Dst: strings.Clone(t.Dst), TxBytes: t.TxBytes, RxBytes: t.RxBytes})
	}
}

// servicePortRank orders ports by how likely they are a service's: named
// well-known ports first, then ports below the usual ephemeral ranges.
func servicePortRank(p uint16) int {
	switch {
	case PortName(p) != "":
		return 0
	case p < 32768:
		return 1
	}
	return 2
}

// conversationKey returns the conversation of an entry and which side of it
// the entry was reported from.
func conversationKey(kind Kind, t *tailscale.NetworkTraffic) (convKey, int) {
	src := netip.AddrPortFrom(t.SrcIP, uint16(t.SrcPort))
	dst := netip.AddrPortFrom(t.DstIP, uint16(t.DstPort))
	k := convKey{kind: kind, proto: -1}
	if t.HasProto() {
		k.proto = t.Proto
	}
	from := 0
	a, b := src, dst
	if c := src.Compare(dst); c > 0 {
		a, b = dst, src
		from = 1
	}
	k.a, k.b = a.Addr(), b.Addr()
	pa, pb := a.Port(), b.Port()
	switch {
	case pa == 0 && pb == 0:
	case pb == 0:
		k.svc, k.port = svcA, pa
	case pa == 0:
		k.svc, k.port = svcB, pb
	default:
		ra, rb := servicePortRank(pa), servicePortRank(pb)
		if ra < rb || (ra == rb && pa <= pb) {
			k.svc, k.port = svcA, pa
		} else {
			k.svc, k.port = svcB, pb
		}
	}
	return k, from
}

func (a *Aggregate) addConversation(kind Kind, t *tailscale.NetworkTraffic, start, end int64) {
	k, from := conversationKey(kind, t)
	i, ok := a.convIdx[k]
	if !ok {
		if len(a.convs) >= a.opt.MaxConversations {
			a.kinds[kind].Overflow.add(t.TxBytes, t.TxPkts)
			return
		}
		i = int32(len(a.convs))
		a.convs = append(a.convs, conv{key: k})
		a.convIdx[k] = i
	}
	a.convs[i].side[from].add(t, start, end)
}

func (a *Aggregate) addPhysical(node string, t *tailscale.NetworkTraffic, b *bucket) {
	pn := a.phys[node]
	if pn == nil {
		if len(a.phys) < a.opt.MaxNodes {
			pn = &physNode{}
			a.phys[strings.Clone(node)] = pn
		} else {
			pn = &a.physOther
		}
	}
	pn.sent.add(t.TxBytes, t.TxPkts)
	pn.received.add(t.RxBytes, t.RxPkts)
	if t.DstIP == derpIP {
		pn.relayedSent += t.TxBytes
		pn.relayedRecv += t.RxBytes
		a.relayed.add(t.TxBytes, t.TxPkts)
		b.addRelayed(t.TxBytes)
		// The "port" of a DERP address is the region; there are a few
		// hundred at most.
		rg := a.regions[uint16(t.DstPort)]
		if rg == nil {
			rg = &region{}
			a.regions[uint16(t.DstPort)] = rg
		}
		rg.sent += t.TxBytes
		rg.received += t.RxBytes
		rg.reports++
		return
	}
	a.direct.add(t.TxBytes, t.TxPkts)
	b.addDirect(t.TxBytes)
}

// Merge adds everything o holds to a. o must not be used afterwards.
func (a *Aggregate) Merge(o *Aggregate) {
	a.records += o.records
	a.invalid += o.invalid
	for k, v := range o.byType {
		a.byType[k] += v
	}
	a.first = minTime(a.first, o.first)
	a.last = maxTime(a.last, o.last)
	a.winStart = minTime(a.winStart, o.winStart)
	a.winEnd = maxTime(a.winEnd, o.winEnd)
	a.nodes.Merge(o.nodes)
	for k := range a.kinds {
		ak, ok := &a.kinds[k], &o.kinds[k]
		ak.Reports += ok.Reports
		ak.Sent.add(ok.Sent.Bytes, ok.Sent.Packets)
		ak.Received.add(ok.Received.Bytes, ok.Received.Packets)
		ak.Overflow.add(ok.Overflow.Bytes, ok.Overflow.Packets)
	}
	for ci := range o.convs {
		c := &o.convs[ci]
		i, ok := a.convIdx[c.key]
		if !ok {
			if len(a.convs) >= a.opt.MaxConversations {
				ov := &a.kinds[c.key.kind].Overflow
				ov.add(c.side[0].TxBytes+c.side[1].TxBytes, c.side[0].TxPkts+c.side[1].TxPkts)
				continue
			}
			i = int32(len(a.convs))
			a.convs = append(a.convs, conv{key: c.key})
			a.convIdx[c.key] = i
		}
		a.convs[i].side[0].merge(&c.side[0])
		a.convs[i].side[1].merge(&c.side[1])
	}
	for id, pn := range o.phys {
		dst := a.phys[id]
		if dst == nil {
			if len(a.phys) < a.opt.MaxNodes {
				dst = &physNode{}
				a.phys[id] = dst
			} else {
				dst = &a.physOther
			}
		}
		dst.merge(pn)
	}
	a.physOther.merge(&o.physOther)
	for r, rg := range o.regions {
		dst := a.regions[r]
		if dst == nil {
			dst = &region{}
			a.regions[r] = dst
		}
		dst.sent += rg.sent
		dst.received += rg.received
		dst.reports += rg.reports
	}
	a.direct.add(o.direct.Bytes, o.direct.Packets)
	a.relayed.add(o.relayed.Bytes, o.relayed.Packets)
	a.notParty.merge(&o.notParty, a.opt.MaxExamples)
	a.unverified += o.unverified
	a.traffic.merge(&o.traffic)
	a.auditAgg.merge(&o.auditAgg)
}

func (p *physNode) merge(o *physNode) {
	p.sent.add(o.sent.Bytes, o.sent.Packets)
	p.received.add(o.received.Bytes, o.received.Packets)
	p.relayedSent += o.relayedSent
	p.relayedRecv += o.relayedRecv
}

func (an *anomaly) merge(o *anomaly, maxExamples int) {
	an.Count += o.Count
	an.Bytes += o.Bytes
	for _, e := range o.Examples {
		if len(an.Examples) >= maxExamples {
			break
		}
		an.Examples = append(an.Examples, e)
	}
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

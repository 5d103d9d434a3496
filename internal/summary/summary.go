package summary

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tslogs/tslogs/tailscale"
)

// Summary is what an Aggregate found, ready to print or draw.
type Summary struct {
	Records  int64            `json:"records"`
	Invalid  int64            `json:"invalid"`
	ByType   map[string]int64 `json:"byLogType"`
	First    time.Time        `json:"first,omitzero"` // earliest event time
	Last     time.Time        `json:"last,omitzero"`  // latest event time
	Network  *Network         `json:"network,omitempty"`
	Audit    *Audit           `json:"audit,omitempty"`
	Timeline *Timeline        `json:"timeline,omitempty"`
}

// Network summarises the network flow records.
type Network struct {
	WindowStart time.Time `json:"windowStart,omitzero"` // earliest window start
	WindowEnd   time.Time `json:"windowEnd,omitzero"`   // latest window end
	// Kinds has one entry per traffic kind seen: virtual, subnet, exit,
	// physical. They are the same bytes at different layers: never add
	// them up.
	Kinds    []KindTotal    `json:"kinds"`
	Physical PhysicalTotals `json:"physical"`
	// Talkers, Pairs and Services count the traffic inside the tunnel
	// (virtual, subnet and exit conversations, each byte once).
	Talkers  []Talker  `json:"topTalkers"`
	Pairs    []Pair    `json:"topPairs"`
	Services []Service `json:"services"`
	// Disagreements are directions of conversations whose two ends'
	// counts differ beyond the tolerance.
	Disagreements AnomalyList `json:"disagreements"`
	// NotParty are reports whose source is a Tailscale address the
	// reporting node does not own.
	NotParty AnomalyList `json:"notParty"`
	// Unverified counts reports of nodes whose addresses were never named,
	// which could not be checked.
	Unverified int64 `json:"unverifiedReports"`
	Nodes      Nodes `json:"nodes"`
}

// KindTotal is one traffic kind's total, each byte counted once.
type KindTotal struct {
	Kind    string `json:"kind"`
	Bytes   int64  `json:"bytes"`
	Packets int64  `json:"packets"`
	// Conversations is the number of conversations (node pair, protocol,
	// service port); for physical traffic, 0.
	Conversations int64 `json:"conversations"`
	// OneSided counts conversations only one end reported.
	OneSided int64 `json:"oneSided"`
	// Reports is the number of traffic entries; ReportedSent and
	// ReportedReceived sum their tx and rx bytes as written.
	Reports          int64 `json:"reports"`
	ReportedSent     int64 `json:"reportedSentBytes"`
	ReportedReceived int64 `json:"reportedReceivedBytes"`
	// Unmatched is bytes of reports beyond MaxConversations, counted by
	// their sender's tx only (included in Bytes).
	Unmatched int64 `json:"unmatchedBytes,omitempty"`
}

// PhysicalTotals splits physical traffic into direct and DERP-relayed, by
// the bytes senders reported.
type PhysicalTotals struct {
	Bytes        int64    `json:"bytes"`
	DirectBytes  int64    `json:"directBytes"`
	RelayedBytes int64    `json:"relayedBytes"`
	RelayedShare float64  `json:"relayedShare"` // RelayedBytes / Bytes
	Regions      []Region `json:"derpRegions"`
	TopRelayed   []Talker `json:"topRelayedNodes"` // nodes by bytes relayed (sent + received)
}

// Region is the traffic relayed through one DERP region.
type Region struct {
	Region        int   `json:"region"`
	SentBytes     int64 `json:"sentBytes"`
	ReceivedBytes int64 `json:"receivedBytes"`
	Reports       int64 `json:"reports"`
}

// Endpoint is one end of traffic: a node, named as well as the records
// allow, or an address.
type Endpoint struct {
	// Label is what to show: the node's short name with its user or tags
	// ("laptop-3 (alice@example.com)", "db-1 (tag:db)"), else the address.
	Label  string   `json:"label"`
	NodeID string   `json:"nodeId,omitempty"`
	Name   string   `json:"name,omitempty"`
	User   string   `json:"user,omitempty"`
	Tags   []string `json:"tags,omitempty"`
	OS     string   `json:"os,omitempty"`
	Addr   string   `json:"addr,omitempty"` // when not a known node
}

// Talker is an endpoint's traffic.
type Talker struct {
	Endpoint
	Bytes    int64 `json:"bytes"`
	Sent     int64 `json:"sent"`
	Received int64 `json:"received"`
}

// Pair is the traffic between two endpoints, both directions.
type Pair struct {
	A     Endpoint `json:"a"`
	B     Endpoint `json:"b"`
	Bytes int64    `json:"bytes"`
	AToB  int64    `json:"aToB"`
	BToA  int64    `json:"bToA"`
	Kinds []string `json:"kinds"`
}

// Service is traffic to one protocol and port.
type Service struct {
	Proto         string `json:"proto"`
	Port          int    `json:"port"`
	Name          string `json:"name,omitempty"`
	Bytes         int64  `json:"bytes"`
	Conversations int64  `json:"conversations"`
}

// AnomalyList counts anomalies and shows a few.
type AnomalyList struct {
	Count    int64         `json:"count"`
	Bytes    int64         `json:"bytes,omitempty"`
	Examples []Disagreeing `json:"examples,omitempty"`
}

// Disagreeing is one anomaly: a disagreement between the ends of a
// conversation, or a report by a node not party to it.
type Disagreeing struct {
	Kind     string    `json:"kind"`
	Proto    string    `json:"proto,omitempty"`
	Port     int       `json:"port,omitempty"`
	From     Endpoint  `json:"from"`
	To       Endpoint  `json:"to"`
	Sent     int64     `json:"sentBytes"`               // as the sender reported
	Received int64     `json:"receivedBytes"`           // as the receiver reported
	Reporter string    `json:"reporter,omitempty"`      // not-party: the reporting node
	Time     time.Time `json:"time,omitzero"`           // not-party: the record's time
	Src      string    `json:"src,omitempty"`           // not-party: as written
	Dst      string    `json:"dst,omitempty"`           // not-party: as written
	Allowed  int64     `json:"allowedDiffer,omitempty"` // disagreement: the difference tolerated
}

// Nodes tells what the node directory knew.
type Nodes struct {
	Known    int `json:"known"`
	Evicted  int `json:"evicted"`
	Rejected int `json:"rejected"`
	Spoofed  int `json:"spoofedSrcNode"`
}

// Audit summarises the audit records.
type Audit struct {
	Events   int64     `json:"events"`
	Failed   int64     `json:"failed"` // changes with an error, not made
	Actions  []Count   `json:"actions"`
	Actors   []Count   `json:"actors"`
	Origins  []Count   `json:"origins"`
	Targets  []Count   `json:"targets"`
	Findings []Finding `json:"findings"`
	// FindingCounts counts every finding by rule, including those beyond
	// MaxFindings.
	FindingCounts []Count `json:"findingCounts"`
}

// Count is a value and how often it occurred.
type Count struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// Timeline is traffic and audit activity over time, each in buckets of
// its own width (Options.Bucket, doubled as often as MaxBuckets requires).
type Timeline struct {
	TrafficBucket time.Duration  `json:"trafficBucketNanos"`
	Traffic       []TrafficPoint `json:"traffic,omitempty"`
	AuditBucket   time.Duration  `json:"auditBucketNanos"`
	Audit         []AuditPoint   `json:"audit,omitempty"`
	// Actors lists the actors of Audit by activity, most active first.
	Actors []string `json:"actors,omitempty"`
}

// TrafficPoint is one bucket's traffic: bytes sent per kind, as reported.
type TrafficPoint struct {
	Start   time.Time `json:"start"`
	Virtual int64     `json:"virtual"`
	Subnet  int64     `json:"subnet"`
	Exit    int64     `json:"exit"`
	Direct  int64     `json:"physicalDirect"`
	Relayed int64     `json:"physicalRelayed"`
}

// AuditPoint is one bucket's audit events per actor.
type AuditPoint struct {
	Start  time.Time        `json:"start"`
	Counts map[string]int64 `json:"counts"`
}

// SummaryOptions select what Summarize returns.
type SummaryOptions struct {
	Top      int  // entries in each top list (default 10)
	Timeline bool // include the timeline
}

var protoNames = map[int16]string{1: "icmp", 2: "igmp", 6: "tcp", 17: "udp", 47: "gre", 50: "esp", 51: "ah", 58: "ipv6-icmp", 99: "tsmp", 132: "sctp", 255: "fragment"}

// ProtoName names an IP protocol number ("" for none).
func ProtoName(p int16) string {
	if p < 0 {
		return ""
	}
	if n, ok := protoNames[p]; ok {
		return n
	}
	return strconv.Itoa(int(p))
}

// resolver names endpoints from the node directory, caching labels.
type resolver struct {
	nodes *tailscale.NodeDirectory
	cache map[netip.Addr]Endpoint
}

func (r *resolver) endpoint(a netip.Addr, kind Kind) Endpoint {
	if ep, ok := r.cache[a]; ok {
		return ep
	}
	var ep Endpoint
	switch n, ok := r.nodes.Lookup(a); {
	case ok:
		ep = nodeEndpoint(&n)
	case !a.IsValid() && kind == Exit:
		ep = Endpoint{Label: "(anonymized)"}
	case !a.IsValid():
		ep = Endpoint{Label: "(no address)"}
	default:
		ep = Endpoint{Label: a.String(), Addr: a.String()}
	}
	r.cache[a] = ep
	return ep
}

func nodeEndpoint(n *tailscale.Node) Endpoint {
	ep := Endpoint{NodeID: n.ID, Name: n.Name, User: n.User, Tags: n.Tags, OS: n.OS}
	who := n.User
	if who == "" {
		who = strings.Join(n.Tags, ",")
	}
	ep.Label = n.ShortName()
	if who != "" {
		ep.Label += " (" + who + ")"
	}
	return ep
}

// key identifies an endpoint in talker and pair maps.
func (ep *Endpoint) key() string {
	if ep.NodeID != "" {
		return "n:" + ep.NodeID
	}
	return "a:" + ep.Label
}

// Summarize returns the summary of what a holds. a stays usable.
func (a *Aggregate) Summarize(opt SummaryOptions) *Summary {
	if opt.Top <= 0 {
		opt.Top = 10
	}
	s := &Summary{Records: a.records, Invalid: a.invalid, ByType: map[string]int64{}, First: a.first, Last: a.last}
	for k, v := range a.byType {
		s.ByType[k] = v
	}
	res := &resolver{nodes: a.nodes, cache: map[netip.Addr]Endpoint{}}
	if a.byType["Tailscale.Network"] > 0 {
		s.Network = a.summarizeNetwork(res, opt)
	}
	if a.auditAgg.events > 0 {
		s.Audit = a.auditAgg.summarize(opt)
	}
	if opt.Timeline {
		s.Timeline = a.summarizeTimeline()
	}
	return s
}

func (a *Aggregate) summarizeNetwork(res *resolver, opt SummaryOptions) *Network {
	n := &Network{WindowStart: a.winStart, WindowEnd: a.winEnd, Unverified: a.unverified}
	st := a.nodes.Stats()
	n.Nodes = Nodes{Known: a.nodes.Len(), Evicted: st.Evicted, Rejected: st.Rejected, Spoofed: st.Spoofed}
	var totals [numKinds]KindTotal
	for k := range totals {
		kt := &a.kinds[k]
		totals[k] = KindTotal{Kind: Kind(k).String(), Reports: kt.Reports, ReportedSent: kt.Sent.Bytes,
			ReportedReceived: kt.Received.Bytes, Unmatched: kt.Overflow.Bytes,
			Bytes: kt.Overflow.Bytes, Packets: kt.Overflow.Packets}
	}
	totals[Physical].Bytes, totals[Physical].Packets = a.kinds[Physical].Sent.Bytes, a.kinds[Physical].Sent.Packets

	type talkerAcc struct {
		ep             Endpoint
		sent, received int64
	}
	type pairAcc struct {
		a, b       Endpoint
		aToB, bToA int64
		kinds      [Physical]bool
	}
	type svcKey struct {
		proto int16
		port  uint16
	}
	talkers := map[string]*talkerAcc{}
	pairs := map[[2]string]*pairAcc{}
	services := map[svcKey]*Service{}
	talker := func(ep Endpoint) *talkerAcc {
		k := ep.key()
		t := talkers[k]
		if t == nil {
			t = &talkerAcc{ep: ep}
			talkers[k] = t
		}
		return t
	}
	var disagreements []Disagreeing
	// Conversations reported this close to the stream's ends may have
	// windows the other end's windows cover only in part.
	edgeStart := a.winStart.UnixNano() + int64(a.opt.Edge)
	edgeEnd := a.winEnd.UnixNano() - int64(a.opt.Edge)
	for ci := range a.convs {
		c := &a.convs[ci]
		k := c.key
		s0, s1 := &c.side[0], &c.side[1]
		// Each direction from its sender's reports, else its receiver's.
		ab, abP := s1.RxBytes, s1.RxPkts
		if s0.Reports > 0 {
			ab, abP = s0.TxBytes, s0.TxPkts
		}
		ba, baP := s0.RxBytes, s0.RxPkts
		if s1.Reports > 0 {
			ba, baP = s1.TxBytes, s1.TxPkts
		}
		kt := &totals[k.kind]
		kt.Bytes += ab + ba
		kt.Packets += abP + baP
		kt.Conversations++
		epA, epB := res.endpoint(k.a, k.kind), res.endpoint(k.b, k.kind)
		if s0.Reports == 0 || s1.Reports == 0 {
			kt.OneSided++
		} else {
			for dir := range 2 {
				snd, rcv := s0, s1
				from, to := epA, epB
				if dir == 1 {
					snd, rcv, from, to = s1, s0, epB, epA
				}
				sent, got := snd.TxBytes, rcv.RxBytes
				allowed := max(a.opt.ToleranceBytes, int64(a.opt.Tolerance*float64(max(sent, got))))
				if min(snd.firstStart, rcv.firstStart) < edgeStart {
					allowed += max(snd.firstTx, rcv.firstRx)
				}
				if max(snd.lastEnd, rcv.lastEnd) > edgeEnd {
					allowed += max(snd.lastTx, rcv.lastRx)
				}
				if d := sent - got; d > allowed || -d > allowed {
					disagreements = append(disagreements, Disagreeing{Kind: k.kind.String(), Proto: ProtoName(k.proto),
						Port: int(k.port), From: from, To: to, Sent: sent, Received: got, Allowed: allowed})
				}
			}
		}
		ta, tb := talker(epA), talker(epB)
		ta.sent += ab
		ta.received += ba
		tb.sent += ba
		tb.received += ab
		ka, kb := epA.key(), epB.key()
		pk := [2]string{ka, kb}
		swap := kb < ka
		if swap {
			pk = [2]string{kb, ka}
		}
		p := pairs[pk]
		if p == nil {
			p = &pairAcc{a: epA, b: epB}
			if swap {
				p.a, p.b = epB, epA
			}
			pairs[pk] = p
		}
		if swap {
			p.aToB += ba
			p.bToA += ab
		} else {
			p.aToB += ab
			p.bToA += ba
		}
		p.kinds[k.kind] = true
		if k.svc != svcNone {
			sk := svcKey{k.proto, k.port}
			sv := services[sk]
			if sv == nil {
				sv = &Service{Proto: ProtoName(k.proto), Port: int(k.port), Name: PortName(k.port)}
				services[sk] = sv
			}
			sv.Bytes += ab + ba
			sv.Conversations++
		}
	}
	for k := range totals {
		if totals[k].Reports > 0 {
			n.Kinds = append(n.Kinds, totals[k])
		}
	}

	for _, t := range talkers {
		n.Talkers = append(n.Talkers, Talker{Endpoint: t.ep, Bytes: t.sent + t.received, Sent: t.sent, Received: t.received})
	}
	slices.SortFunc(n.Talkers, func(x, y Talker) int {
		return cmp.Or(cmp.Compare(y.Bytes, x.Bytes), cmp.Compare(x.Label, y.Label), cmp.Compare(x.NodeID, y.NodeID))
	})
	n.Talkers = n.Talkers[:min(opt.Top, len(n.Talkers))]
	for _, p := range pairs {
		pr := Pair{A: p.a, B: p.b, AToB: p.aToB, BToA: p.bToA, Bytes: p.aToB + p.bToA}
		for k, on := range p.kinds {
			if on {
				pr.Kinds = append(pr.Kinds, Kind(k).String())
			}
		}
		n.Pairs = append(n.Pairs, pr)
	}
	slices.SortFunc(n.Pairs, func(x, y Pair) int {
		return cmp.Or(cmp.Compare(y.Bytes, x.Bytes), cmp.Compare(x.A.Label, y.A.Label), cmp.Compare(x.B.Label, y.B.Label))
	})
	n.Pairs = n.Pairs[:min(opt.Top, len(n.Pairs))]
	for _, sv := range services {
		n.Services = append(n.Services, *sv)
	}
	slices.SortFunc(n.Services, func(x, y Service) int {
		return cmp.Or(cmp.Compare(y.Bytes, x.Bytes), cmp.Compare(x.Proto, y.Proto), cmp.Compare(x.Port, y.Port))
	})
	n.Services = n.Services[:min(opt.Top, len(n.Services))]

	n.Disagreements.Count = int64(len(disagreements))
	for _, d := range disagreements {
		n.Disagreements.Bytes += abs(d.Sent - d.Received)
	}
	slices.SortFunc(disagreements, func(x, y Disagreeing) int {
		return cmp.Or(cmp.Compare(abs(y.Sent-y.Received), abs(x.Sent-x.Received)), cmp.Compare(x.From.Label, y.From.Label))
	})
	n.Disagreements.Examples = disagreements[:min(a.opt.MaxExamples, len(disagreements))]

	n.NotParty = AnomalyList{Count: a.notParty.Count, Bytes: a.notParty.Bytes}
	for _, e := range a.notParty.Examples {
		d := Disagreeing{Kind: e.Kind, Reporter: e.NodeID, Time: e.Time, Src: e.Src, Dst: e.Dst, Sent: e.TxBytes, Received: e.RxBytes}
		if ap, err := netip.ParseAddrPort(e.Src); err == nil {
			d.From = res.endpoint(ap.Addr(), Virtual)
		}
		if ap, err := netip.ParseAddrPort(e.Dst); err == nil {
			d.To = res.endpoint(ap.Addr(), Virtual)
		}
		if nd, ok := a.nodes.ByID(e.NodeID); ok {
			d.Reporter = nodeEndpoint(&nd).Label
		}
		n.NotParty.Examples = append(n.NotParty.Examples, d)
	}

	ph := &n.Physical
	ph.Bytes = a.kinds[Physical].Sent.Bytes
	ph.DirectBytes = a.direct.Bytes
	ph.RelayedBytes = a.relayed.Bytes
	if ph.Bytes > 0 {
		ph.RelayedShare = float64(ph.RelayedBytes) / float64(ph.Bytes)
	}
	for r, rg := range a.regions {
		ph.Regions = append(ph.Regions, Region{Region: int(r), SentBytes: rg.sent, ReceivedBytes: rg.received, Reports: rg.reports})
	}
	slices.SortFunc(ph.Regions, func(x, y Region) int {
		return cmp.Or(cmp.Compare(y.SentBytes+y.ReceivedBytes, x.SentBytes+x.ReceivedBytes), cmp.Compare(x.Region, y.Region))
	})
	for id, pn := range a.phys {
		if pn.relayedSent+pn.relayedRecv == 0 {
			continue
		}
		ep := Endpoint{Label: id, NodeID: id}
		if nd, ok := a.nodes.ByID(id); ok {
			ep = nodeEndpoint(&nd)
		}
		ph.TopRelayed = append(ph.TopRelayed, Talker{Endpoint: ep, Bytes: pn.relayedSent + pn.relayedRecv,
			Sent: pn.relayedSent, Received: pn.relayedRecv})
	}
	slices.SortFunc(ph.TopRelayed, func(x, y Talker) int {
		return cmp.Or(cmp.Compare(y.Bytes, x.Bytes), cmp.Compare(x.NodeID, y.NodeID))
	})
	ph.TopRelayed = ph.TopRelayed[:min(opt.Top, len(ph.TopRelayed))]
	return n
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func topCounts(c *counter, n int) []Count {
	out := make([]Count, 0, len(c.m))
	for k, v := range c.m {
		out = append(out, Count{Name: k, Count: *v})
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name)) })
	if n > 0 {
		out = out[:min(n, len(out))]
	}
	return out
}

func (aa *auditAgg) summarize(opt SummaryOptions) *Audit {
	au := &Audit{Events: aa.events, Failed: aa.failed, Actions: topCounts(&aa.actions, opt.Top), Actors: topCounts(&aa.actors, opt.Top),
		Origins: topCounts(&aa.origins, opt.Top), Targets: topCounts(&aa.target, opt.Top)}
	au.Findings = slices.Clone(aa.findings)
	slices.SortStableFunc(au.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(severityRank(a.Severity), severityRank(b.Severity)), a.Time.Compare(b.Time))
	})
	if au.Findings == nil {
		au.Findings = []Finding{}
	}
	for _, r := range Rules {
		if n := aa.findingCount[r.ID]; n > 0 {
			au.FindingCounts = append(au.FindingCounts, Count{Name: r.ID, Count: n})
		}
	}
	return au
}

func severityRank(s string) int {
	switch s {
	case "Critical":
		return 0
	case "High":
		return 1
	case "Medium":
		return 2
	case "Low":
		return 3
	}
	return 4
}

func (a *Aggregate) summarizeTimeline() *Timeline {
	traffic, audit := &a.traffic, &a.auditAgg.timeline
	tl := &Timeline{TrafficBucket: traffic.width, AuditBucket: audit.width}
	tw, aw := int64(traffic.width), int64(audit.width)
	for slot, b := range traffic.buckets {
		tl.Traffic = append(tl.Traffic, TrafficPoint{Start: time.Unix(0, slot*tw).UTC(), Virtual: b.sent[Virtual],
			Subnet: b.sent[Subnet], Exit: b.sent[Exit], Direct: b.direct, Relayed: b.relayed})
	}
	slices.SortFunc(tl.Traffic, func(x, y TrafficPoint) int { return x.Start.Compare(y.Start) })
	actors := map[string]int64{}
	for slot, b := range audit.buckets {
		counts := make(map[string]int64, len(b.audit))
		for k, v := range b.audit {
			counts[k] = v
			actors[k] += v
		}
		tl.Audit = append(tl.Audit, AuditPoint{Start: time.Unix(0, slot*aw).UTC(), Counts: counts})
	}
	slices.SortFunc(tl.Audit, func(x, y AuditPoint) int { return x.Start.Compare(y.Start) })
	for k := range actors {
		tl.Actors = append(tl.Actors, k)
	}
	slices.SortFunc(tl.Actors, func(x, y string) int { return cmp.Or(cmp.Compare(actors[y], actors[x]), cmp.Compare(x, y)) })
	return tl
}

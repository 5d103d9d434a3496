package bench

import (
	"bytes"
	"encoding/json"
	"math"
	"net/netip"
	"time"

	"github.com/tslogs/tslogs/bench/mirror"
	"github.com/tslogs/tslogs/tailscale"
	"tailscale.com/types/netlogtype"
)

// The canonical forms every decoder's result is converted to for the
// equality test: plain values only, times as Unix nanoseconds (0 when
// absent), empty slices as nil.

type canonNetwork struct {
	TimeMs   int64 // envelope time in Unix milliseconds: float64 peers cannot hold more
	NodeID   string
	Start    int64
	End      int64
	Logged   int64
	Recorded int64
	SrcNode  canonNode
	DstNodes []canonNode
	Virtual  []canonTraffic
	Subnet   []canonTraffic
	Exit     []canonTraffic
	Physical []canonTraffic
}

type canonNode struct {
	NodeID, Name, OS, User string
	Addresses, Tags        []string
}

type canonTraffic struct {
	Proto                            int
	Src, Dst                         string
	TxPkts, TxBytes, RxPkts, RxBytes int64
}

type canonAudit struct {
	TimeMs                                  int64
	DeferredAt, EventTime, Logged, Recorded int64
	EventGroupID, Origin, Action            string
	ActorID, ActorType, ActorLogin          string
	ActorDisplay                            string
	ActorTags                               []string
	TargetID, TargetName, TargetType        string
	TargetProperty                          string
	TargetEphemeral                         bool
	Old, New                                string // compacted raw JSON
	ActionDetails, Error, Type              string
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Round(time.Millisecond).UnixMilli()
}

func floatMillis(f float64) int64 { return int64(math.Round(f * 1000)) }

func strs(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return append([]string(nil), s...)
}

func raw(m json.RawMessage) string {
	if len(m) == 0 || string(m) == "null" {
		return "" // json.RawMessage keeps a null that tslogs reads as absent
	}
	var b bytes.Buffer
	if json.Compact(&b, m) != nil {
		return "invalid:" + string(m)
	}
	return b.String()
}

func canonTslogsNetwork(x *tailscale.Network) canonNetwork {
	e := &x.Event
	c := canonNetwork{
		TimeMs: millis(x.Time), NodeID: e.NodeID,
		Start: nanos(e.Start), End: nanos(e.End), Logged: nanos(e.Logged), Recorded: nanos(x.Fields.Recorded),
		SrcNode:  canonTslogsNode(&e.SrcNode),
		Virtual:  canonTslogsTraffic(e.VirtualTraffic),
		Subnet:   canonTslogsTraffic(e.SubnetTraffic),
		Exit:     canonTslogsTraffic(e.ExitTraffic),
		Physical: canonTslogsTraffic(e.PhysicalTraffic),
	}
	for i := range e.DstNodes {
		c.DstNodes = append(c.DstNodes, canonTslogsNode(&e.DstNodes[i]))
	}
	return c
}

func canonTslogsNode(n *tailscale.NetworkNode) canonNode {
	return canonNode{NodeID: n.NodeID, Name: n.Name, OS: n.OS, User: n.User, Addresses: strs(n.Addresses), Tags: strs(n.Tags)}
}

func canonTslogsTraffic(s []tailscale.NetworkTraffic) []canonTraffic {
	var c []canonTraffic
	for _, t := range s {
		c = append(c, canonTraffic{Proto: int(t.Proto), Src: t.Src, Dst: t.Dst,
			TxPkts: t.TxPkts, TxBytes: t.TxBytes, RxPkts: t.RxPkts, RxBytes: t.RxBytes})
	}
	return c
}

func canonMirrorNetwork(x *mirror.Network) canonNetwork {
	e := &x.Event
	c := canonNetwork{
		TimeMs: floatMillis(x.Time), NodeID: e.NodeID,
		Start: nanos(e.Start), End: nanos(e.End), Logged: nanos(e.Logged), Recorded: nanos(x.Fields.Recorded),
		SrcNode:  canonMirrorNode(&e.SrcNode),
		Virtual:  canonMirrorTraffic(e.VirtualTraffic),
		Subnet:   canonMirrorTraffic(e.SubnetTraffic),
		Exit:     canonMirrorTraffic(e.ExitTraffic),
		Physical: canonMirrorTraffic(e.PhysicalTraffic),
	}
	for i := range e.DstNodes {
		c.DstNodes = append(c.DstNodes, canonMirrorNode(&e.DstNodes[i]))
	}
	return c
}

func canonMirrorNode(n *mirror.Node) canonNode {
	return canonNode{NodeID: n.NodeID, Name: n.Name, OS: n.OS, User: n.User, Addresses: strs(n.Addresses), Tags: strs(n.Tags)}
}

func canonMirrorTraffic(s []mirror.Traffic) []canonTraffic {
	var c []canonTraffic
	for _, t := range s {
		c = append(c, canonTraffic{Proto: int(t.Proto), Src: t.Src, Dst: t.Dst,
			TxPkts: t.TxPkts, TxBytes: t.TxBytes, RxPkts: t.RxPkts, RxBytes: t.RxBytes})
	}
	return c
}

func canonTslogsAudit(x *tailscale.Audit) canonAudit {
	e := &x.Event
	return canonAudit{
		TimeMs: millis(x.Time), DeferredAt: nanos(e.DeferredAt), EventTime: nanos(e.EventTime),
		Logged: nanos(e.Logged), Recorded: nanos(x.Fields.Recorded),
		EventGroupID: e.EventGroupID, Origin: e.Origin, Action: e.Action,
		ActorID: e.Actor.ID, ActorType: e.Actor.Type, ActorLogin: e.Actor.LoginName,
		ActorDisplay: e.Actor.DisplayName, ActorTags: strs(e.Actor.Tags),
		TargetID: e.Target.ID, TargetName: e.Target.Name, TargetType: e.Target.Type,
		TargetProperty: e.Target.Property, TargetEphemeral: e.Target.IsEphemeral,
		Old: raw(e.Old), New: raw(e.New),
		ActionDetails: e.ActionDetails, Error: e.Error, Type: e.Type,
	}
}

func canonMirrorAudit(x *mirror.Audit) canonAudit {
	e := &x.Event
	return canonAudit{
		TimeMs: floatMillis(x.Time), DeferredAt: nanos(e.DeferredAt), EventTime: nanos(e.EventTime),
		Logged: nanos(e.Logged), Recorded: nanos(x.Fields.Recorded),
		EventGroupID: e.EventGroupID, Origin: e.Origin, Action: e.Action,
		ActorID: e.Actor.ID, ActorType: e.Actor.Type, ActorLogin: e.Actor.LoginName,
		ActorDisplay: e.Actor.DisplayName, ActorTags: strs(e.Actor.Tags),
		TargetID: e.Target.ID, TargetName: e.Target.Name, TargetType: e.Target.Type,
		TargetProperty: e.Target.Property, TargetEphemeral: e.Target.IsEphemeral,
		Old: raw(e.Old), New: raw(e.New),
		ActionDetails: e.ActionDetails, Error: e.Error, Type: e.Type,
	}
}

func canonNetlog(x *mirror.Netlog) canonNetwork {
	e := &x.Event
	c := canonNetwork{
		TimeMs: floatMillis(x.Time), NodeID: string(e.NodeID),
		Start: nanos(e.Start), End: nanos(e.End), Recorded: nanos(x.Fields.Recorded),
		SrcNode:  canonNetlogNode(&e.SrcNode),
		Virtual:  canonNetlogTraffic(e.VirtualTraffic),
		Subnet:   canonNetlogTraffic(e.SubnetTraffic),
		Exit:     canonNetlogTraffic(e.ExitTraffic),
		Physical: canonNetlogTraffic(e.PhysicalTraffic),
	}
	for i := range e.DstNodes {
		c.DstNodes = append(c.DstNodes, canonNetlogNode(&e.DstNodes[i]))
	}
	return c
}

func canonNetlogNode(n *netlogtype.Node) canonNode {
	c := canonNode{NodeID: string(n.NodeID), Name: n.Name, OS: n.OS, User: n.User, Tags: strs(n.Tags)}
	for _, a := range n.Addresses {
		c.Addresses = append(c.Addresses, a.String())
	}
	return c
}

func canonNetlogTraffic(s []netlogtype.ConnectionCounts) []canonTraffic {
	var c []canonTraffic
	addrPort := func(a netip.AddrPort) string {
		if !a.IsValid() {
			return "" // absent: omitted by omitzero
		}
		return a.String()
	}
	for _, t := range s {
		c = append(c, canonTraffic{Proto: int(t.Proto), Src: addrPort(t.Src), Dst: addrPort(t.Dst),
			TxPkts: int64(t.TxPackets), TxBytes: int64(t.TxBytes), RxPkts: int64(t.RxPackets), RxBytes: int64(t.RxBytes)})
	}
	return c
}

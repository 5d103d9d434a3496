package mirror

import (
	"tailscale.com/types/netlogtype"
)

// Netlog is the log stream's envelope around a network flow record decoded
// into Tailscale's own type, netlogtype.Message: what a Go programmer who
// uses Tailscale's module writes. Unlike Network it has no logged field
// (tailscaled does not write one) and its addresses, protocol and counters
// are netip.AddrPort, ipproto.Proto and uint64, decoded by their own
// UnmarshalText/UnmarshalJSON methods.
type Netlog struct {
	Time   float64            `json:"time"`
	Event  netlogtype.Message `json:"event"`
	Fields NetworkFields      `json:"fields"`
}

// Reset zeroes x for decoding the next record into it, keeping the memory
// of its slices (their elements zeroed), as Network.Reset does.
func (x *Netlog) Reset() {
	e := &x.Event
	*x = Netlog{Event: netlogtype.Message{
		DstNodes:        resetSlice(e.DstNodes),
		VirtualTraffic:  resetSlice(e.VirtualTraffic),
		SubnetTraffic:   resetSlice(e.SubnetTraffic),
		ExitTraffic:     resetSlice(e.ExitTraffic),
		PhysicalTraffic: resetSlice(e.PhysicalTraffic),
	}}
}

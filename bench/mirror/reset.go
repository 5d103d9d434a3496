package mirror

// Reset zeroes x for decoding the next record into it, keeping the memory of
// its slices as tslogs' Decode does. The slices' elements are zeroed too:
// encoding/json and most of its peers decode into an element that is still
// within a slice's capacity without zeroing it first, so a field that the
// next record omits would otherwise keep the previous record's value.
func (x *Network) Reset() {
	e := &x.Event
	*x = Network{Event: NetworkEvent{
		DstNodes:        resetNodes(e.DstNodes),
		VirtualTraffic:  resetTraffic(e.VirtualTraffic),
		SubnetTraffic:   resetTraffic(e.SubnetTraffic),
		ExitTraffic:     resetTraffic(e.ExitTraffic),
		PhysicalTraffic: resetTraffic(e.PhysicalTraffic),
	}}
}

// Reset zeroes x for decoding the next record into it, keeping the memory of
// its tags. Old and New are dropped, not reused: some decoders (sonic) may
// point them into the input, which a later decode must not write to.
func (x *Audit) Reset() {
	tags := x.Event.Actor.Tags
	clear(tags)
	*x = Audit{}
	x.Event.Actor.Tags = tags[:0]
}

func resetTraffic(s []Traffic) []Traffic {
	clear(s)
	return s[:0]
}

func resetNodes(s []Node) []Node {
	clear(s)
	return s[:0]
}

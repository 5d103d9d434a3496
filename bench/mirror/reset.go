package mirror

// Reset zeroes x for decoding the next record into it, keeping the memory of
// its slices as tslogs' Decode does. The slices' elements are zeroed too:
// encoding/json and most of its peers decode into an element that is still
// within a slice's capacity without zeroing it first, so a field that the
// next record omits would otherwise keep the previous record's value.
func (x *Network) Reset() {
	e := &x.Event
	*x = Network{Event: NetworkEvent{
		DstNodes:        resetSlice(e.DstNodes),
		VirtualTraffic:  resetSlice(e.VirtualTraffic),
		SubnetTraffic:   resetSlice(e.SubnetTraffic),
		ExitTraffic:     resetSlice(e.ExitTraffic),
		PhysicalTraffic: resetSlice(e.PhysicalTraffic),
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

// resetSlice zeroes s's elements and returns it emptied, keeping its memory.
func resetSlice[T any](s []T) []T {
	clear(s)
	return s[:0]
}

package tailscale

import (
	"net/netip"

	"github.com/tslogs/tslogs/jlex"
)

// EnrichmentTable is the name under which rows carry node names in
// p_enrichment, as Panther names a lookup table there.
const EnrichmentTable = "tailscale_nodes"

const enrichmentOpen = `"p_enrichment":{"` + EnrichmentTable + `":{`

// AppendNetworkRow appends x's row (x.AppendRow) with its p_enrichment
// member (AppendNetworkEnrichment), as a Reader with ReaderOptions.Nodes
// set writes it. The enrichment reuses the addresses the row has just
// collected for p_any_ip_addresses.
func (d *NodeDirectory) AppendNetworkRow(dst []byte, x *Network, m *RowMeta) []byte {
	return d.enrichNetworkRow(x.AppendRow(dst, m), len(dst), x, m)
}

// enrichNetworkRow adds to the row of x that dst ends with, from start,
// its p_enrichment member.
func (d *NodeDirectory) enrichNetworkRow(dst []byte, start int, x *Network, m *RowMeta) []byte {
	if len(dst) == start || dst[len(dst)-1] != '}' {
		return dst
	}
	dst = d.appendNetworkEnrichment(dst[:len(dst)-1], x.Event.NodeID, m)
	return append(dst, '}')
}

// AppendAuditRow appends x's row (x.AppendRow) with its p_enrichment member
// (AppendAuditEnrichment), as a Reader with ReaderOptions.Nodes set writes
// it.
func (d *NodeDirectory) AppendAuditRow(dst []byte, x *Audit, m *RowMeta) []byte {
	return d.enrichAuditRow(x.AppendRow(dst, m), len(dst), x)
}

// enrichAuditRow adds to the row of x that dst ends with, from start, its
// p_enrichment member.
func (d *NodeDirectory) enrichAuditRow(dst []byte, start int, x *Audit) []byte {
	if len(dst) == start || dst[len(dst)-1] != '}' {
		return dst
	}
	dst = d.AppendAuditEnrichment(dst[:len(dst)-1], x)
	return append(dst, '}')
}

// AppendNetworkEnrichment appends to dst, a row being written (a JSON object
// not yet closed), a p_enrichment member naming the nodes of the current record, in
// the shape Panther gives lookup-table matches:
//
//	"p_enrichment": {
//	  "tailscale_nodes": {
//	    "event.nodeId": {"p_match": "nK7pQ2wXy311CNTRL", "nodeId": "nK7pQ2wXy311CNTRL", "name": "alice-laptop.example.ts.net", ...},
//	    "p_any_ip_addresses": [
//	      {"p_match": "100.64.0.1", "nodeId": "nK7pQ2wXy311CNTRL", "name": ..., "addresses": [...], "os": ..., "user": ..., "tags": [...]},
//	      ...
//	    ]
//	  }
//	}
//
// Each selector (the row field whose value matched) maps to the node found
// for it, with p_match the value that matched; p_any_ip_addresses, a list,
// maps to one node per address that resolves, in the list's order (that of
// the addresses' text). For network records the
// selectors are event.nodeId and p_any_ip_addresses; for audit records
// event.actor.id and event.target.id (when they are node IDs the directory
// knows). A node object has the fields of srcNode: nodeId, name, addresses,
// os, user and tags, absent when empty. Nothing is appended when nothing
// resolves. It allocates nothing once the directory's scratch has grown.
//
// A Reader with ReaderOptions.Nodes set adds this member to every row.
func (d *NodeDirectory) AppendNetworkEnrichment(dst []byte, x *Network) []byte {
	m := &d.meta
	m.CollectAddrs(func(ips []netip.Addr) []netip.Addr { return x.appendIPAddresses(ips, m) })
	return d.appendNetworkEnrichment(dst, x.Event.NodeID, m)
}

// appendNetworkEnrichment is AppendNetworkEnrichment for the record whose
// row's addresses m has just collected (AppendRow's, or CollectAddrs'),
// copying their text.
func (d *NodeDirectory) appendNetworkEnrichment(dst []byte, nodeID string, m *RowMeta) []byte {
	d.matched = d.matched[:0]
	for i, a := range m.IPAddresses() {
		var text []byte
		if a.Zone() == "" { // a zone may need escapes
			text = m.IPAddressText(i)
		}
		d.addMatch(a, text)
	}
	return d.appendMatched(dst, nodeID, m)
}

// addMatch adds a to d.matched, with its text (nil to format it), when it
// names a node.
func (d *NodeDirectory) addMatch(a netip.Addr, text []byte) {
	if slot, ok := d.byAddr.get(a); ok {
		d.matched = append(d.matched, addrMatch{addr: a, slot: slot, text: text})
	}
}

// appendMatched appends the p_enrichment member of a network record whose
// nodeId is nodeID and whose addresses that name a node are d.matched, in
// the order of p_any_ip_addresses.
func (d *NodeDirectory) appendMatched(dst []byte, nodeID string, m *RowMeta) []byte {
	start := len(dst)
	dst = jlex.AppendKey(dst, enrichmentOpen)
	open := len(dst)
	if i, ok := d.byID[nodeID]; ok && nodeID != "" {
		dst = jlex.AppendKey(dst, `"event.nodeId":`)
		dst = d.appendNodeMatch(dst, nodeID, i)
	}
	for k := range d.matched {
		if k == 0 {
			dst = jlex.AppendKey(dst, `"p_any_ip_addresses":[`)
		} else {
			dst = append(dst, ',')
		}
		dst = d.appendNodeMatchAddr(dst, &d.matched[k], m)
	}
	if len(d.matched) > 0 {
		dst = append(dst, ']')
		clear(d.matched) // keep no text beyond the call
	}
	if len(dst) == open {
		return dst[:start]
	}
	return append(dst, '}', '}')
}

// AppendAuditEnrichment is AppendNetworkEnrichment for an audit record: its
// selectors are event.actor.id and event.target.id, when they are IDs of
// nodes the directory knows.
func (d *NodeDirectory) AppendAuditEnrichment(dst []byte, x *Audit) []byte {
	return d.appendAuditEnrichment(dst, x.Event.Actor.ID, x.Event.Target.ID)
}

func (d *NodeDirectory) appendAuditEnrichment(dst []byte, actorID, targetID string) []byte {
	start := len(dst)
	dst = jlex.AppendKey(dst, enrichmentOpen)
	open := len(dst)
	if id := actorID; id != "" {
		if i, ok := d.byID[id]; ok {
			dst = jlex.AppendKey(dst, `"event.actor.id":`)
			dst = d.appendNodeMatch(dst, id, i)
		}
	}
	if id := targetID; id != "" {
		if i, ok := d.byID[id]; ok {
			dst = jlex.AppendKey(dst, `"event.target.id":`)
			dst = d.appendNodeMatch(dst, id, i)
		}
	}
	if len(dst) == open {
		return dst[:start]
	}
	return append(dst, '}', '}')
}

// addrMatch is an address of a record that names node slot, with its
// canonical text when that needs no escapes and is at hand.
type addrMatch struct {
	addr netip.Addr
	slot int32
	text []byte
}

func (d *NodeDirectory) appendNodeMatch(dst []byte, match string, slot int32) []byte {
	dst = append(dst, `{"p_match":`...)
	dst = jlex.AppendString(dst, match)
	return d.appendNodeJSON(dst, slot)
}

// appendNodeMatchAddr appends the match of an address: its text when mt
// has it, else formatted (through m's memory of the row's addresses when m
// is not nil).
func (d *NodeDirectory) appendNodeMatchAddr(dst []byte, mt *addrMatch, m *RowMeta) []byte {
	dst = append(dst, `{"p_match":`...)
	switch {
	case mt.text != nil:
		dst = append(dst, '"')
		dst = append(dst, mt.text...)
		dst = append(dst, '"')
	case m != nil:
		dst = m.AppendAddrString(dst, mt.addr)
	default:
		dst = jlex.AppendAddrString(dst, mt.addr)
	}
	return d.appendNodeJSON(dst, mt.slot)
}

// maxNodeJSON bounds the members of a node (appendNodeMembers) that a
// directory keeps written out, to copy into every row that names the node
// rather than write them again: Tailscale's nodes take about 200 bytes. A
// node that takes more is written each time.
const maxNodeJSON = 512

// appendNodeJSON appends the members of the node in slot (appendNodeMembers)
// from the slot's copy, made on first use.
func (d *NodeDirectory) appendNodeJSON(dst []byte, slot int32) []byte {
	sl := &d.slots[slot]
	if sl.hasJSON {
		return append(dst, sl.json...)
	}
	start := len(dst)
	dst = appendNodeMembers(dst, &sl.node)
	if n := len(dst) - start; n <= maxNodeJSON {
		if cap(sl.json) < n {
			sl.json = make([]byte, 0, maxNodeJSON)
		}
		sl.json = append(sl.json[:0], dst[start:]...)
		sl.hasJSON = true
	}
	return dst
}

// appendNodeMembers appends the node's fields and closes the object.
func appendNodeMembers(dst []byte, n *Node) []byte {
	dst = append(dst, `,"nodeId":`...)
	dst = jlex.AppendString(dst, n.ID)
	if n.Name != "" {
		dst = append(dst, `,"name":`...)
		dst = jlex.AppendString(dst, n.Name)
	}
	if len(n.Addresses) > 0 {
		dst = append(dst, `,"addresses":[`...)
		for i, a := range n.Addresses {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jlex.AppendAddrString(dst, a)
		}
		dst = append(dst, ']')
	}
	if n.OS != "" {
		dst = append(dst, `,"os":`...)
		dst = jlex.AppendString(dst, n.OS)
	}
	if n.User != "" {
		dst = append(dst, `,"user":`...)
		dst = jlex.AppendString(dst, n.User)
	}
	if len(n.Tags) > 0 {
		dst = append(dst, `,"tags":[`...)
		for i, t := range n.Tags {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jlex.AppendString(dst, t)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

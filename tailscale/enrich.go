package tailscale

import (
	"net/netip"
	"slices"

	"github.com/tslogs/tslogs/jlex"
)

// EnrichmentTable is the name under which rows carry node names in
// p_enrichment, as Panther names a lookup table there.
const EnrichmentTable = "tailscale_nodes"

const enrichmentOpen = `"p_enrichment":{"` + EnrichmentTable + `":{`

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
// maps to one node per address that resolves. For network records the
// selectors are event.nodeId and p_any_ip_addresses; for audit records
// event.actor.id and event.target.id (when they are node IDs the directory
// knows). A node object has the fields of srcNode: nodeId, name, addresses,
// os, user and tags, absent when empty. Nothing is appended when nothing
// resolves. It allocates nothing once the directory's scratch has grown.
//
// A Reader with ReaderOptions.Nodes set adds this member to every row.
func (d *NodeDirectory) AppendNetworkEnrichment(dst []byte, x *Network) []byte {
	d.ips = x.AppendIPAddresses(d.ips[:0])
	slices.SortFunc(d.ips, netip.Addr.Compare)
	d.ips = slices.Compact(d.ips)
	start := len(dst)
	dst = jlex.AppendKey(dst, enrichmentOpen)
	open := len(dst)
	if i, ok := d.byID[x.Event.NodeID]; ok && x.Event.NodeID != "" {
		dst = jlex.AppendKey(dst, `"event.nodeId":`)
		dst = appendNodeMatch(dst, x.Event.NodeID, &d.slots[i].node)
	}
	listed := false
	for _, a := range d.ips {
		i, ok := d.byAddr[a]
		if !ok {
			continue
		}
		if !listed {
			dst = jlex.AppendKey(dst, `"p_any_ip_addresses":[`)
			listed = true
		} else {
			dst = append(dst, ',')
		}
		dst = appendNodeMatchAddr(dst, a, &d.slots[i].node)
	}
	if listed {
		dst = append(dst, ']')
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
	start := len(dst)
	dst = jlex.AppendKey(dst, enrichmentOpen)
	open := len(dst)
	if id := x.Event.Actor.ID; id != "" {
		if i, ok := d.byID[id]; ok {
			dst = jlex.AppendKey(dst, `"event.actor.id":`)
			dst = appendNodeMatch(dst, id, &d.slots[i].node)
		}
	}
	if id := x.Event.Target.ID; id != "" {
		if i, ok := d.byID[id]; ok {
			dst = jlex.AppendKey(dst, `"event.target.id":`)
			dst = appendNodeMatch(dst, id, &d.slots[i].node)
		}
	}
	if len(dst) == open {
		return dst[:start]
	}
	return append(dst, '}', '}')
}

func appendNodeMatch(dst []byte, match string, n *Node) []byte {
	dst = append(dst, `{"p_match":`...)
	dst = jlex.AppendString(dst, match)
	return appendNodeMembers(dst, n)
}

func appendNodeMatchAddr(dst []byte, match netip.Addr, n *Node) []byte {
	dst = append(dst, `{"p_match":`...)
	dst = jlex.AppendAddrString(dst, match)
	return appendNodeMembers(dst, n)
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

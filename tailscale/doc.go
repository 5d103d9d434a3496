// Package tailscale holds typed Tailscale log records and their decoders,
// generated from the Panther schemas in schemas/ by go generate, plus the
// hand-written stream reader around them.
//
// Audit is a configuration audit log record (Panther's Tailscale.Audit) and
// Network a network flow log record (Tailscale.Network). Decode fills one
// from JSON without reflection; decoding many records into one value
// allocates nothing once its buffers have grown:
//
//	var rec tailscale.Network
//	if err := rec.Decode(data); err != nil {
//		return err // e.g. event.virtualTraffic[3].txBytes: number ... out of range for int64 at offset 1234
//	}
//	for _, t := range rec.Event.VirtualTraffic {
//		fmt.Println(t.SrcIP, t.SrcPort, "->", t.DstIP, t.DstPort, t.TxBytes)
//	}
//
// # Absent fields
//
// Every field is a plain Go value. A field that was absent or null holds the
// zero value, and HasX tells absent from zero where that matters (Panther
// keeps null and 0 apart). For numeric fields, a numeric string is accepted
// and "" means absent.
//
// # Lifetime of strings
//
// Strings and json.RawMessage values point into a buffer owned by the
// decoded value. They stay valid until the value is decoded into again;
// strings.Clone what must outlive that.
//
// # Split fields
//
// SrcIP, SrcPort, DstIP and DstPort are computed while decoding from Src and
// Dst, which are netip.AddrPort text. Unlike Panther's split on ':', they are
// right for bracketed IPv6 ([fd7a:115c:a1e0::1]:41641) and 4-in-6 addresses;
// for IPv4 they equal Panther's. They are absent when the source is absent
// or not an address.
package tailscale

import "github.com/tslogs/tslogs/jlex"

// RowMeta carries a row's parse time and row ID to AppendRow and keeps its
// scratch memory between rows. Reuse one per goroutine.
type RowMeta = jlex.RowMeta

// Error is a decode error: its Offset, field Path and Msg.
type Error = jlex.Error

package bench

import "github.com/tslogs/tslogs/tailscale"

// appendRow appends x's row as tslogs parse writes it: with p_enrichment
// from d when d is not nil, as tailscale.Reader.AppendRow adds it.
func appendRow(dst []byte, x *tailscale.Network, m *tailscale.RowMeta, d *tailscale.NodeDirectory) []byte {
	if d == nil {
		return x.AppendRow(dst, m)
	}
	return d.AppendNetworkRow(dst, x, m)
}

// appendDecodedRow is appendRow with AppendDecodedRow, which copies from the
// records' text what it can (as tslogs parse writes rows).
func appendDecodedRow(dst []byte, x *tailscale.Network, m *tailscale.RowMeta) []byte {
	return x.AppendDecodedRow(dst, m)
}

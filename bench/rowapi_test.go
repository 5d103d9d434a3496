package bench

import "github.com/tslogs/tslogs/tailscale"

// appendRow appends x's row as tslogs parse writes it: with p_enrichment
// from d when d is not nil, as tailscale.Reader.AppendRow adds it.
func appendRow(dst []byte, x *tailscale.Network, m *tailscale.RowMeta, d *tailscale.NodeDirectory) []byte {
	dst = x.AppendRow(dst, m)
	if d == nil {
		return dst
	}
	dst = d.AppendNetworkEnrichment(dst[:len(dst)-1], x)
	return append(dst, '}')
}

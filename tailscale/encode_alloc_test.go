//go:build !race

package tailscale_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/tailscale"
)

// TestAllocsAppendJSON writes every good record, and the fuzz tests' rich
// records, with AppendJSON into a buffer with room for it: nothing is
// allocated. MarshalJSON allocates its result only.
func TestAllocsAppendJSON(t *testing.T) {
	dst := make([]byte, 0, 1<<16)
	network := []string{fzRichNetwork}
	for _, c := range networkCases {
		network = append(network, string(readRecord(t, "network", c.name)))
	}
	for _, data := range network {
		var rec tailscale.Network
		require.NoError(t, rec.Decode([]byte(data)))
		zeroAllocs(t, "Network.AppendJSON", func() { dst = rec.AppendJSON(dst[:0]) })
		require.NotEmpty(t, dst)
		assert.Equal(t, 1.0, testing.AllocsPerRun(allocRuns, func() { dst, _ = rec.MarshalJSON() }), "Network.MarshalJSON allocates only its result")
	}
	audit := []string{fzRichAudit}
	for _, c := range auditCases {
		audit = append(audit, string(readRecord(t, "audit", c.name)))
	}
	for _, data := range audit {
		var rec tailscale.Audit
		require.NoError(t, rec.Decode([]byte(data)))
		zeroAllocs(t, "Audit.AppendJSON", func() { dst = rec.AppendJSON(dst[:0]) })
		require.NotEmpty(t, dst)
		assert.Equal(t, 1.0, testing.AllocsPerRun(allocRuns, func() { dst, _ = rec.MarshalJSON() }), "Audit.MarshalJSON allocates only its result")
	}
}

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
	network := [][]byte{[]byte(fzRichNetwork)}
	for _, c := range networkCases {
		network = append(network, readRecord(t, "network", c.name))
	}
	audit := [][]byte{[]byte(fzRichAudit)}
	for _, c := range auditCases {
		audit = append(audit, readRecord(t, "audit", c.name))
	}
	checkEncodeAllocs[tailscale.Network](t, "Network", network)
	checkEncodeAllocs[tailscale.Audit](t, "Audit", audit)
}

func checkEncodeAllocs[T any, P interface {
	*T
	Decode([]byte) error
	AppendJSON([]byte) []byte
	MarshalJSON() ([]byte, error)
}](t *testing.T, name string, records [][]byte) {
	dst := make([]byte, 0, 1<<16)
	for _, data := range records {
		rec := P(new(T))
		require.NoError(t, rec.Decode(data))
		zeroAllocs(t, name+".AppendJSON", func() { dst = rec.AppendJSON(dst[:0]) })
		require.NotEmpty(t, dst)
		assert.Equal(t, 1.0, testing.AllocsPerRun(allocRuns, func() { dst, _ = rec.MarshalJSON() }), "%s.MarshalJSON allocates only its result", name)
	}
}

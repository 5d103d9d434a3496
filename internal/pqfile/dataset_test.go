package pqfile

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestDatasetPartitionOfEachRow checks that the partition a Dataset
// remembers from the previous row is reused only for a row of the same log
// type and hour, across hour boundaries, back in time and before 1970.
func TestDatasetPartitionOfEachRow(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var d Dataset
	for _, row := range []struct {
		typ string
		t   time.Time
	}{
		{"Tailscale.Network", at("2026-06-03T15:00:00Z")},
		{"Tailscale.Network", at("2026-06-03T15:59:59.999999999Z")},
		{"Tailscale.Network", at("2026-06-03T16:00:00Z")},
		{"Tailscale.Network", at("2026-06-03T15:30:00Z")},
		{"Tailscale.Audit", at("2026-06-03T15:30:00Z")},
		{"Tailscale.Network", at("2026-06-03T17:30:00+02:00")},
		{"Tailscale.Network", at("1970-01-01T00:00:00Z")},
		{"Tailscale.Network", at("1969-12-31T23:59:59Z")},
		{"Tailscale.Network", at("1969-12-31T23:00:00Z")},
		{"Tailscale.Network", at("1969-12-31T22:59:59Z")},
	} {
		assert.Equal(t, PartitionDir(row.typ, row.t), d.partition(row.typ, row.t), "%s at %s", row.typ, row.t)
	}
}

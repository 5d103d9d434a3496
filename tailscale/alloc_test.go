//go:build !race

package tailscale_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/internal/synth"
	"github.com/tslogs/tslogs/tailscale"
)

// These guards fail when a change adds an allocation to the hot path: decoding
// into a reused value, writing a row into a reused buffer, and collecting
// indicators into a slice with capacity. The race detector allocates, hence
// the build tag.

const allocRuns = 100

// zeroAllocs asserts that f allocates nothing once warmed up (AllocsPerRun
// runs it once before counting).
func zeroAllocs(t *testing.T, name string, f func()) {
	t.Helper()
	assert.Zero(t, testing.AllocsPerRun(allocRuns, f), "%s allocates", name)
}

func TestAllocsNetwork(t *testing.T) {
	data := readRecord(t, "network", "26_typical_30_entries.json")
	var rec tailscale.Network
	require.NoError(t, rec.Decode(data))

	zeroAllocs(t, "Network.Decode into a reused value", func() {
		if err := rec.Decode(data); err != nil {
			panic(err)
		}
	})

	m := goldenMeta()
	buf := rec.AppendRow(nil, m)
	zeroAllocs(t, "Network.AppendRow into a reused buffer and RowMeta", func() {
		buf = rec.AppendRow(buf[:0], m)
	})

	ips := make([]netip.Addr, 0, 64)
	zeroAllocs(t, "Network.AppendIPAddresses", func() {
		ips = rec.AppendIPAddresses(ips[:0])
	})
	assert.Len(t, ips, 25)

	emails := make([]string, 0, 16)
	zeroAllocs(t, "Network.AppendEmails", func() {
		emails = rec.AppendEmails(emails[:0])
	})
	assert.Len(t, emails, 2)
}

func TestAllocsAudit(t *testing.T) {
	for _, name := range []string{"06_old_new_object.json", "17_unknown_fields.json", "18_string_escapes.json"} {
		t.Run(name, func(t *testing.T) {
			data := readRecord(t, "audit", name)
			var rec tailscale.Audit
			require.NoError(t, rec.Decode(data))

			zeroAllocs(t, "Audit.Decode into a reused value", func() {
				if err := rec.Decode(data); err != nil {
					panic(err)
				}
			})

			m := goldenMeta()
			buf := rec.AppendRow(nil, m)
			zeroAllocs(t, "Audit.AppendRow into a reused buffer and RowMeta", func() {
				buf = rec.AppendRow(buf[:0], m)
			})

			strs := make([]string, 0, 16)
			zeroAllocs(t, "Audit.AppendEmails", func() {
				strs = rec.AppendEmails(strs[:0])
			})
			zeroAllocs(t, "Audit.AppendActorIDs", func() {
				strs = rec.AppendActorIDs(strs[:0])
			})
		})
	}
}

// TestAllocsAllRecords decodes every good record in turn into one value per
// type, writing each row into one buffer: once the buffers have grown, a
// whole pass allocates nothing.
func TestAllocsAllRecords(t *testing.T) {
	var network, audit [][]byte
	for _, c := range networkCases {
		network = append(network, readRecord(t, "network", c.name))
	}
	for _, c := range auditCases {
		audit = append(audit, readRecord(t, "audit", c.name))
	}
	var n tailscale.Network
	var a tailscale.Audit
	m := goldenMeta()
	var buf []byte
	ips := make([]netip.Addr, 0, 64)
	strs := make([]string, 0, 16)
	zeroAllocs(t, "a pass over every good record", func() {
		for _, data := range network {
			if err := n.Decode(data); err != nil {
				panic(err)
			}
			buf = n.AppendRow(buf[:0], m)
			ips = n.AppendIPAddresses(ips[:0])
			strs = n.AppendEmails(strs[:0])
		}
		for _, data := range audit {
			if err := a.Decode(data); err != nil {
				panic(err)
			}
			buf = a.AppendRow(buf[:0], m)
			strs = a.AppendEmails(strs[:0])
			strs = a.AppendActorIDs(strs[:0])
		}
	})
}

// TestAllocsDistinctRecords: decoding 2,000 distinct flow records (nodes
// with one to three addresses and tags, lists of every length) into one
// value allocates nothing once a first pass has grown its slices, each to
// the most any record needed of it.
func TestAllocsDistinctRecords(t *testing.T) {
	g := synth.New(synth.Options{Kind: synth.Network, Seed: 9})
	var recs [][]byte
	for range 2000 {
		recs = append(recs, g.AppendRecord(nil))
	}
	var n tailscale.Network
	pass := func() {
		for _, data := range recs {
			if err := n.Decode(data); err != nil {
				panic(err)
			}
		}
	}
	pass()
	zeroAllocs(t, "a pass over 2,000 distinct records", pass)
}

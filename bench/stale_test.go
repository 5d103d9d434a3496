package bench

import (
	"testing"

	"github.com/go-faster/jx"
	"github.com/tslogs/tslogs/bench/mirror"
)

// staleNet lists the peers' plain decode functions for TestStaleWithoutReset,
// with whether they keep an omitted field's old value in a slice element
// that is reused. jsonv2_test.go adds encoding/json/v2.
var staleNet = []struct {
	name   string
	decode func(*mirror.Network, []byte) error
	stale  bool
}{
	{stdName, unmarshalStd[mirror.Network], true},
	{"goccy", unmarshalGoccy[mirror.Network], true},
	{"sonic", unmarshalSonic[mirror.Network], true},
	{"segmentio", unmarshalSegmentio[mirror.Network], true},
	{"easyjson", unmarshalEasyJSON[mirror.Network], false},
	{"jx", func(x *mirror.Network, b []byte) error { return x.DecodeJX(jx.DecodeBytes(b)) }, false},
}

// TestStaleWithoutReset pins down why the reuse benchmarks reset the mirror
// structs (mirror.Reset) before each record, as the report's notes say:
// decoding a record that omits txPkts into a reused slice element keeps the
// previous record's txPkts with these peers. If it fails, a peer changed:
// update the list and the notes in cmd/benchreport.
func TestStaleWithoutReset(t *testing.T) {
	a := []byte(`{"time":1,"event":{"virtualTraffic":[{"proto":6,"src":"100.64.0.1:22","txPkts":5}]}}`)
	b := []byte(`{"time":2,"event":{"virtualTraffic":[{"proto":17,"src":"100.64.0.2:53"}]}}`)
	for _, p := range staleNet {
		var x mirror.Network
		if err := p.decode(&x, a); err != nil {
			t.Fatal(err)
		}
		x.Event.VirtualTraffic = x.Event.VirtualTraffic[:0] // truncated, not zeroed
		if err := p.decode(&x, b); err != nil {
			t.Fatal(err)
		}
		if got := x.Event.VirtualTraffic[0].TxPkts == 5; got != p.stale {
			t.Errorf("%s: kept the old txPkts: %v, want %v", p.name, got, p.stale)
		}
	}
}

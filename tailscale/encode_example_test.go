package tailscale_test

import (
	"fmt"

	"github.com/tslogs/tslogs/tailscale"
)

func ExampleNetwork_AppendJSON() {
	var rec tailscale.Network
	if err := rec.Decode([]byte(`{"event":{"virtualTraffic":[{"txBytes":"1832","proto":"tcp",
		"src":"100.64.0.1:52814","srcIp":"ignored"}],"nodeId":"n1","unknown":1},"time":1780500887.356000}`)); err != nil {
		fmt.Println(err)
		return
	}
	rec.Event.VirtualTraffic[0].SetRxBytes(9421)
	// The record's own JSON again, in schema order: numbers as numbers,
	// the time in the schema's format (unix seconds, every digit kept),
	// absent, unknown and split fields left out. Decoding it gives rec back.
	buf := make([]byte, 0, 4096) // reused, AppendJSON allocates nothing
	buf = rec.AppendJSON(buf[:0])
	fmt.Println(string(buf))
	// Output:
	// {"time":1780500887.356,"event":{"nodeId":"n1","virtualTraffic":[{"proto":6,"src":"100.64.0.1:52814","txBytes":1832,"rxBytes":9421}]}}
}

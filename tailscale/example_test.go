package tailscale_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/tslogs/tslogs/tailscale"
)

// A network flow log record as Tailscale's log stream sends it.
var exampleNetwork = []byte(`{"time":1780500887.356,"event":{
	"nodeId":"nK7pQ2wXy311CNTRL",
	"start":"2026-06-03T15:34:42.351262815Z","end":"2026-06-03T15:34:47.353417209Z",
	"srcNode":{"nodeId":"nK7pQ2wXy311CNTRL","name":"alice-laptop.tail0a1b2.ts.net",
		"addresses":["100.64.0.1","fd7a:115c:a1e0::1"],"os":"macOS","user":"alice@example.com"},
	"virtualTraffic":[
		{"proto":6,"src":"100.64.0.1:52814","dst":"100.64.0.2:443","txPkts":12,"txBytes":1832,"rxPkts":10,"rxBytes":9421},
		{"proto":"udp","src":"[fd7a:115c:a1e0::1]:41641","dst":"[fd7a:115c:a1e0::2]:53","txPkts":1,"txBytes":72}],
	"exitTraffic":[{"src":"100.64.0.1:0","txPkts":120,"txBytes":15872}]}}`)

func ExampleNetwork_Decode() {
	var rec tailscale.Network
	if err := rec.Decode(exampleNetwork); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("time:", rec.Time.Format(time.RFC3339Nano))
	// SrcIP/SrcPort and DstIP/DstPort are split from Src and Dst, IPv6
	// brackets removed.
	for _, t := range rec.Event.VirtualTraffic {
		fmt.Printf("proto %d: %v port %d -> %v port %d, %d bytes out\n",
			t.Proto, t.SrcIP, t.SrcPort, t.DstIP, t.DstPort, t.TxBytes)
	}
	// Absent fields hold zero values; HasX tells them from a written zero.
	for _, t := range rec.Event.ExitTraffic {
		fmt.Println("exit: src port", t.SrcPort, "present:", t.HasSrcPort(), "| dst present:", t.HasDstIP(), "| rxBytes present:", t.HasRxBytes())
	}
	// Output:
	// time: 2026-06-03T15:34:47.356Z
	// proto 6: 100.64.0.1 port 52814 -> 100.64.0.2 port 443, 1832 bytes out
	// proto 17: fd7a:115c:a1e0::1 port 41641 -> fd7a:115c:a1e0::2 port 53, 72 bytes out
	// exit: src port 0 present: true | dst present: false | rxBytes present: false
}

func ExampleNetwork_Decode_error() {
	var rec tailscale.Network
	err := rec.Decode([]byte(`{"time":1780500887,"event":{"virtualTraffic":[{"txBytes":99999999999999999999}]}}`))
	var de *tailscale.Error
	if errors.As(err, &de) {
		fmt.Println("path:", de.Path)
		fmt.Println("msg:", de.Msg)
	}
	// Output:
	// path: event.virtualTraffic[0].txBytes
	// msg: number 99999999999999999999 out of range for int64
}

func ExampleNetwork_AppendIPAddresses() {
	var rec tailscale.Network
	if err := rec.Decode(exampleNetwork); err != nil {
		fmt.Println(err)
		return
	}
	// Indicators are collected from every ip and email field, de-duplicated
	// and sorted. Appending to a reused slice allocates nothing once it has
	// grown.
	ips := rec.AppendIPAddresses(nil)
	emails := rec.AppendEmails(nil)
	fmt.Println(ips)
	fmt.Println(emails)
	// Output:
	// [100.64.0.1 100.64.0.2 fd7a:115c:a1e0::1 fd7a:115c:a1e0::2]
	// [alice@example.com]
}

func ExampleNetwork_AppendRow() {
	var rec tailscale.Network
	if err := rec.Decode([]byte(`{"time":1780500887.356,"event":{"nodeId":"nK7pQ2wXy311CNTRL",
		"virtualTraffic":[{"proto":6,"src":"[fd7a:115c:a1e0::1]:41641","dst":"100.64.0.2:443","txBytes":1832}]}}`)); err != nil {
		fmt.Println(err)
		return
	}
	// Reuse one RowMeta and one buffer per goroutine.
	m := &tailscale.RowMeta{ParseTime: time.Date(2026, 6, 4, 0, 0, 0, 0, time.UTC), RowID: "row-1"}
	var buf []byte
	buf = rec.AppendRow(buf[:0], m)
	buf = append(buf, '\n')
	os.Stdout.Write(buf)
	// Output:
	// {"time":"2026-06-03T15:34:47.356Z","event":{"nodeId":"nK7pQ2wXy311CNTRL","virtualTraffic":[{"proto":6,"src":"[fd7a:115c:a1e0::1]:41641","srcIp":"fd7a:115c:a1e0::1","srcPort":41641,"dst":"100.64.0.2:443","dstIp":"100.64.0.2","dstPort":443,"txBytes":1832}]},"p_log_type":"Tailscale.Network","p_event_time":"2026-06-03T15:34:47.356Z","p_parse_time":"2026-06-04T00:00:00Z","p_row_id":"row-1","p_any_ip_addresses":["100.64.0.2","fd7a:115c:a1e0::1"]}
}

func ExampleNetwork_AppendDecodedRow() {
	var rec tailscale.Network
	if err := rec.Decode([]byte(`{"time":1780500887.356,"event":{"nodeId":"nK7pQ2wXy311CNTRL",` +
		`"virtualTraffic":[{"proto":6,"src":"100.64.0.1:41641","dst":"100.64.0.2:443","txBytes":1832}]}}`)); err != nil {
		fmt.Println(err)
		return
	}
	m := &tailscale.RowMeta{ParseTime: time.Date(2026, 6, 4, 0, 0, 0, 0, time.UTC), RowID: "row-1"}
	// Unchanged since Decode: the traffic entry, written as producers write
	// it, is copied from the record's text. The row is AppendRow's.
	fmt.Println(string(rec.AppendDecodedRow(nil, m)) == string(rec.AppendRow(nil, m)))
	// Changed: only AppendRow sees the new value.
	rec.Event.VirtualTraffic[0].SetTxBytes(2000)
	fmt.Println(strings.Contains(string(rec.AppendRow(nil, m)), `"txBytes":2000`))
	fmt.Println(strings.Contains(string(rec.AppendDecodedRow(nil, m)), `"txBytes":1832`))
	// Output:
	// true
	// true
	// true
}

package tailscale_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/tslogs/tslogs/tailscale"
)

// A log-stream POST body: envelopes with no separator, here a network
// record, an audit record and a broken one.
const exampleStream = `{"time":1780500887.356,"event":{"nodeId":"nK7pQ2wXy311CNTRL","start":"2026-06-03T15:34:42Z","end":"2026-06-03T15:34:47Z",` +
	`"virtualTraffic":[{"proto":6,"src":"100.64.0.1:52814","dst":"100.64.0.2:443","txBytes":1832,"rxBytes":9421}]}}` +
	`{"time":1780500890,"event":{"origin":"ADMIN_CONSOLE","action":"DISABLE",` +
	`"actor":{"id":"uA","type":"USER","loginName":"alice@example.com"},"target":{"id":"T1","name":"example.com","type":"TAILNET","property":"HTTPS"}}}` +
	`{"time":"soon","event":{"action":"LOGIN"}}`

func ExampleNewReader() {
	r := tailscale.NewReader(strings.NewReader(exampleStream), tailscale.ReaderOptions{})
	for r.Next() {
		if err := r.Err(); err != nil {
			fmt.Println("skipped:", err) // one bad record; the reader goes on
			continue
		}
		switch r.LogType() {
		case tailscale.LogTypeNetwork:
			for _, t := range r.Network().Event.VirtualTraffic {
				fmt.Println("network:", t.SrcIP, "->", t.DstIP, t.DstPort, t.TxBytes, "bytes sent")
			}
		case tailscale.LogTypeAudit:
			ev := r.Audit().Event
			fmt.Println("audit:", ev.Actor.LoginName, ev.Action, ev.Target.Property, "at", r.EventTime().Format("15:04:05"))
		}
	}
	if err := r.Fatal(); err != nil {
		fmt.Println(err) // I/O or decompression
	}
	// Output:
	// network: 100.64.0.1 -> 100.64.0.2 443 1832 bytes sent
	// audit: alice@example.com DISABLE HTTPS at 15:34:50
	// skipped: record 3 at offset 448: time: cannot parse "soon" as a timestamp (unix) at offset 456
}

func ExampleAudit_Decode() {
	var rec tailscale.Audit
	err := rec.Decode([]byte(`{"time":1780500890.25,"event":{"origin":"ADMIN_CONSOLE","action":"UPDATE",
		"actor":{"id":"uA","type":"USER","loginName":"alice@example.com","displayName":"Alice"},
		"target":{"id":"nK7pQ2wXy311CNTRL","name":"laptop.example.ts.net","type":"NODE","property":"TAGS"},
		"old":null,"new":["tag:server"]}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	ev := &rec.Event
	fmt.Println(rec.Time.Format("2006-01-02 15:04:05.000"), ev.Origin, ev.Actor.LoginName, ev.Action, ev.Target.Type, ev.Target.Property)
	// old and new are raw JSON of any type; absent or null is HasX false.
	fmt.Println("old present:", ev.HasOld(), "new:", string(ev.New))
	fmt.Println("actor ids:", rec.AppendActorIDs(nil), "emails:", rec.AppendEmails(nil))
	// Output:
	// 2026-06-03 15:34:50.250 ADMIN_CONSOLE alice@example.com UPDATE NODE TAGS
	// old present: false new: ["tag:server"]
	// actor ids: [uA] emails: [alice@example.com]
}

func ExampleNetwork_DecodeBare() {
	// A record as S3 exports and the REST API carry it: the event alone,
	// with "logged" set by Tailscale's log service.
	bare := []byte(`{"nodeId":"nK7pQ2wXy311CNTRL","start":"2026-06-03T15:34:42Z","end":"2026-06-03T15:34:47Z",` +
		`"exitTraffic":[{"src":"100.64.0.1:0","txBytes":15872}],"logged":"2026-06-03T15:34:48.201Z"}`)

	var rec tailscale.Network
	err := rec.Decode(bare) // Decode wants the envelope, and says what to do instead
	var de *tailscale.Error
	if errors.As(err, &de) {
		fmt.Println("Decode:", de.Path+":", de.Msg)
	}

	if err := rec.DecodeBare(bare); err != nil {
		fmt.Println(err)
		return
	}
	// Time is the record's logged time (else its end).
	fmt.Println("DecodeBare:", rec.Time.Format("15:04:05.000"), rec.Event.NodeID, rec.Event.ExitTraffic[0].TxBytes)
	// Output:
	// Decode: time: required field is missing, as is every other field of the record: for the event alone (a bare record, as in S3 exports and API responses) use DecodeBare
	// DecodeBare: 15:34:48.201 nK7pQ2wXy311CNTRL 15872
}

func ExampleNodeIndex() {
	var rec tailscale.Network
	err := rec.Decode([]byte(`{"time":1780500887.356,"event":{"nodeId":"nK7pQ2wXy311CNTRL",
		"srcNode":{"nodeId":"nK7pQ2wXy311CNTRL","name":"alice-laptop.example.ts.net","addresses":["100.64.0.1","fd7a:115c:a1e0::1"],"os":"macOS","user":"alice@example.com"},
		"dstNodes":[{"nodeId":"nR4tV8mZc511CNTRL","name":"web-1.example.ts.net","addresses":["100.64.0.2","fd7a:115c:a1e0::2"],"os":"linux","tags":["tag:prod"]}],
		"virtualTraffic":[{"proto":6,"src":"[fd7a:115c:a1e0::1]:52814","dst":"[fd7a:115c:a1e0::2]:443","txBytes":1832}]}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Reuse one NodeIndex: resolving allocates nothing once it has grown.
	var ix tailscale.NodeIndex
	ix.Reset(&rec)
	for i := range rec.Event.VirtualTraffic {
		t := &rec.Event.VirtualTraffic[i]
		src, dst := ix.Src(t), ix.Dst(t)
		fmt.Printf("%s (%s) -> %s (%s) port %d\n", src.Name, src.User, dst.Name, strings.Join(dst.Tags, ","), t.DstPort)
	}
	// Across a stream, a NodeDirectory remembers what every record said,
	// for records of clients that do not name nodes.
	d := tailscale.NewNodeDirectory(0)
	d.Learn(&rec)
	n, _ := d.Lookup(netip.MustParseAddr("100.64.0.2"))
	fmt.Println(n.ShortName(), n.ID, n.OS)
	// Output:
	// alice-laptop.example.ts.net (alice@example.com) -> web-1.example.ts.net (tag:prod) port 443
	// web-1 nR4tV8mZc511CNTRL linux
}

// ReadParallel decodes chunks of records on several goroutines and hands
// them back in input order; a RowBatch keeps the rows written on the
// workers until they are numbered (and, with a NodeDirectory, enriched) in
// order.
func ExampleReadParallel() {
	type chunk struct {
		rows tailscale.RowBatch
		errs []error
	}
	meta := &tailscale.RowMeta{RowIDPrefix: "run1-"}
	var rows []byte
	err := tailscale.ReadParallel(strings.NewReader(exampleStream), tailscale.ReaderOptions{},
		tailscale.ParallelOptions{Jobs: 4},
		tailscale.ParallelFuncs[*chunk]{
			New:   func() *chunk { return new(chunk) },
			Reset: func(c *chunk) { c.rows.Reset(); c.errs = c.errs[:0] },
			Record: func(c *chunk, r *tailscale.Reader) { // on a worker
				if err := r.Err(); err != nil {
					c.errs = append(c.errs, err) // its number is brought up to date before Deliver
					return
				}
				c.rows.Add(r, time.Date(2026, 6, 3, 16, 0, 0, 0, time.UTC))
			},
			Deliver: func(c *chunk, first int) error { // in input order
				for i := range c.rows.Len() {
					rows = c.rows.AppendRow(rows[:0], i, meta, nil)
					var row struct {
						LogType string `json:"p_log_type"`
						RowID   string `json:"p_row_id"`
					}
					if err := json.Unmarshal(rows, &row); err != nil {
						return err
					}
					fmt.Println(row.LogType, row.RowID)
				}
				for _, err := range c.errs {
					fmt.Println("skipped:", err)
				}
				return nil
			},
		})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// Tailscale.Network run1-1
	// Tailscale.Audit run1-2
	// skipped: record 3 at offset 448: time: cannot parse "soon" as a timestamp (unix) at offset 456
}

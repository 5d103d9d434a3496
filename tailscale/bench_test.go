package tailscale

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"
)

// Plain structs equivalent to Network and Audit for the peer decoders: the
// same fields with the types those decoders handle natively (they cannot
// split addresses or parse Panther's unix time exactly, so they do less
// work than the generated decoder).

type benchTraffic struct {
	Proto   int16  `json:"proto"`
	Src     string `json:"src"`
	Dst     string `json:"dst"`
	TxPkts  int64  `json:"txPkts"`
	TxBytes int64  `json:"txBytes"`
	RxPkts  int64  `json:"rxPkts"`
	RxBytes int64  `json:"rxBytes"`
}

type benchNode struct {
	NodeID    string   `json:"nodeId"`
	Name      string   `json:"name"`
	Addresses []string `json:"addresses"`
	OS        string   `json:"os"`
	User      string   `json:"user"`
	Tags      []string `json:"tags"`
}

type benchNetwork struct {
	Time  json.Number `json:"time"`
	Event struct {
		NodeID          string         `json:"nodeId"`
		Start           time.Time      `json:"start"`
		End             time.Time      `json:"end"`
		SrcNode         benchNode      `json:"srcNode"`
		DstNodes        []benchNode    `json:"dstNodes"`
		VirtualTraffic  []benchTraffic `json:"virtualTraffic"`
		SubnetTraffic   []benchTraffic `json:"subnetTraffic"`
		ExitTraffic     []benchTraffic `json:"exitTraffic"`
		PhysicalTraffic []benchTraffic `json:"physicalTraffic"`
		Logged          time.Time      `json:"logged"`
	} `json:"event"`
	Fields struct {
		Recorded time.Time `json:"recorded"`
	} `json:"fields"`
}

type benchAudit struct {
	Time  json.Number `json:"time"`
	Event struct {
		DeferredAt   time.Time `json:"deferredAt"`
		EventGroupID string    `json:"eventGroupID"`
		Origin       string    `json:"origin"`
		Actor        struct {
			ID          string   `json:"id"`
			Type        string   `json:"type"`
			LoginName   string   `json:"loginName"`
			DisplayName string   `json:"displayName"`
			Tags        []string `json:"tags"`
		} `json:"actor"`
		Target struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			Type        string `json:"type"`
			Property    string `json:"property"`
			IsEphemeral bool   `json:"isEphemeral"`
		} `json:"target"`
		Action        string          `json:"action"`
		Old           json.RawMessage `json:"old"`
		New           json.RawMessage `json:"new"`
		ActionDetails string          `json:"actionDetails"`
		Error         string          `json:"error"`
	} `json:"event"`
	Fields struct {
		Recorded time.Time `json:"recorded"`
	} `json:"fields"`
}

func benchInput(b *testing.B, name string) []byte {
	data, err := os.ReadFile("../testdata/records/" + name)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// benchDecoders runs the same input through every decoder into a reused
// destination, so one run compares them.
func benchDecoders[P any](b *testing.B, data []byte, tslogs func([]byte) error, unmarshal func([]byte) error) {
	run := func(name string, decode func([]byte) error) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	var peer P
	run("tslogs", tslogs)
	run("tslogs-unmarshal", unmarshal)
	run("encoding-json", func(d []byte) error { return json.Unmarshal(d, &peer) })
	run("goccy-go-json", func(d []byte) error { return gojson.Unmarshal(d, &peer) })
}

// BenchmarkNetwork decodes a typical 30-entry network flow record.
func BenchmarkNetwork(b *testing.B) {
	data := benchInput(b, "network/26_typical_30_entries.json")
	var rec Network
	benchDecoders[benchNetwork](b, data, rec.Decode, func(d []byte) error { return json.Unmarshal(d, &rec) })
}

// BenchmarkAudit decodes an audit record with object old/new values.
func BenchmarkAudit(b *testing.B) {
	data := benchInput(b, "audit/06_old_new_object.json")
	var rec Audit
	benchDecoders[benchAudit](b, data, rec.Decode, func(d []byte) error { return json.Unmarshal(d, &rec) })
}

// BenchmarkRow encodes a decoded network record as a Panther-style row.
func BenchmarkRow(b *testing.B) {
	data := benchInput(b, "network/26_typical_30_entries.json")
	var rec Network
	if err := rec.Decode(data); err != nil {
		b.Fatal(err)
	}
	m := RowMeta{ParseTime: time.Now(), RowIDPrefix: "bench-"}
	var row []byte
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		row = rec.AppendRow(row[:0], &m)
	}
}

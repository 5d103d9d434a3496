// Package mirror holds plain Go structs that mirror tailscale.Network and
// tailscale.Audit field for field, for the peer decoders to decode into: the
// struct a Go programmer would write for these records with encoding/json.
//
// They differ from tslogs' types where a plain struct cannot do what the
// generated decoder does: the envelope time is a float64 (tslogs parses the
// unix seconds exactly), traffic entries keep src and dst as strings (tslogs
// also splits them into netip.Addr and port), and there are no presence bits.
//
// The types get MarshalEasyJSON/UnmarshalEasyJSON methods from easyjson
// (mirror_easyjson.go, generated with -no_std_marshalers so that they do not
// implement json.Marshaler/Unmarshaler and the other decoders still use their
// own reflection or JIT paths) and DecodeJX methods, a decoder driven by hand
// with github.com/go-faster/jx (jx.go).
package mirror

//go:generate go run github.com/mailru/easyjson/easyjson@v0.9.2 -no_std_marshalers -output_filename mirror_easyjson.go mirror.go

import (
	"encoding/json"
	"time"
)

// Network mirrors tailscale.Network.
//
//easyjson:json
type Network struct {
	Time   float64       `json:"time"`
	Event  NetworkEvent  `json:"event"`
	Fields NetworkFields `json:"fields"`
}

// NetworkEvent mirrors tailscale.NetworkEvent.
type NetworkEvent struct {
	NodeID          string    `json:"nodeId"`
	Start           time.Time `json:"start"`
	End             time.Time `json:"end"`
	SrcNode         Node      `json:"srcNode"`
	DstNodes        []Node    `json:"dstNodes"`
	VirtualTraffic  []Traffic `json:"virtualTraffic"`
	SubnetTraffic   []Traffic `json:"subnetTraffic"`
	ExitTraffic     []Traffic `json:"exitTraffic"`
	PhysicalTraffic []Traffic `json:"physicalTraffic"`
	Logged          time.Time `json:"logged"`
}

// Node mirrors tailscale.NetworkNode.
type Node struct {
	NodeID    string   `json:"nodeId"`
	Name      string   `json:"name"`
	Addresses []string `json:"addresses"`
	OS        string   `json:"os"`
	User      string   `json:"user"`
	Tags      []string `json:"tags"`
}

// Traffic mirrors tailscale.NetworkTraffic without the split address fields.
type Traffic struct {
	Proto   int16  `json:"proto"`
	Src     string `json:"src"`
	Dst     string `json:"dst"`
	TxPkts  int64  `json:"txPkts"`
	TxBytes int64  `json:"txBytes"`
	RxPkts  int64  `json:"rxPkts"`
	RxBytes int64  `json:"rxBytes"`
}

// NetworkFields mirrors tailscale.NetworkFields.
type NetworkFields struct {
	Recorded time.Time `json:"recorded"`
}

// Audit mirrors tailscale.Audit.
//
//easyjson:json
type Audit struct {
	Time   float64     `json:"time"`
	Event  AuditEvent  `json:"event"`
	Fields AuditFields `json:"fields"`
}

// AuditEvent mirrors tailscale.AuditEvent.
type AuditEvent struct {
	DeferredAt    time.Time       `json:"deferredAt"`
	EventGroupID  string          `json:"eventGroupID"`
	Origin        string          `json:"origin"`
	Actor         AuditActor      `json:"actor"`
	Target        AuditTarget     `json:"target"`
	Action        string          `json:"action"`
	Old           json.RawMessage `json:"old"`
	New           json.RawMessage `json:"new"`
	ActionDetails string          `json:"actionDetails"`
	Error         string          `json:"error"`
	EventTime     time.Time       `json:"eventTime"`
	Type          string          `json:"type"`
	Logged        time.Time       `json:"logged"`
}

// AuditActor mirrors tailscale.AuditActor.
type AuditActor struct {
	ID          string   `json:"id"`
	Type        string   `json:"type"`
	LoginName   string   `json:"loginName"`
	DisplayName string   `json:"displayName"`
	Tags        []string `json:"tags"`
}

// AuditTarget mirrors tailscale.AuditTarget.
type AuditTarget struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	Property    string `json:"property"`
	IsEphemeral bool   `json:"isEphemeral"`
}

// AuditFields mirrors tailscale.AuditFields.
type AuditFields struct {
	Recorded time.Time `json:"recorded"`
}

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
	Time   float64       `json:"time,omitempty"`
	Event  NetworkEvent  `json:"event"`
	Fields NetworkFields `json:"fields,omitzero"`
}

// NetworkEvent mirrors tailscale.NetworkEvent.
type NetworkEvent struct {
	NodeID          string    `json:"nodeId,omitempty"`
	Start           time.Time `json:"start,omitzero"`
	End             time.Time `json:"end,omitzero"`
	SrcNode         Node      `json:"srcNode"`
	DstNodes        []Node    `json:"dstNodes,omitempty"`
	VirtualTraffic  []Traffic `json:"virtualTraffic,omitempty"`
	SubnetTraffic   []Traffic `json:"subnetTraffic,omitempty"`
	ExitTraffic     []Traffic `json:"exitTraffic,omitempty"`
	PhysicalTraffic []Traffic `json:"physicalTraffic,omitempty"`
	Logged          time.Time `json:"logged,omitzero"`
}

// Node mirrors tailscale.NetworkNode.
type Node struct {
	NodeID    string   `json:"nodeId,omitempty"`
	Name      string   `json:"name,omitempty"`
	Addresses []string `json:"addresses,omitempty"`
	OS        string   `json:"os,omitempty"`
	User      string   `json:"user,omitempty"`
	Tags      []string `json:"tags,omitempty"`
}

// Traffic mirrors tailscale.NetworkTraffic without the split address fields.
type Traffic struct {
	Proto   int16  `json:"proto,omitempty"`
	Src     string `json:"src,omitempty"`
	Dst     string `json:"dst,omitempty"`
	TxPkts  int64  `json:"txPkts,omitempty"`
	TxBytes int64  `json:"txBytes,omitempty"`
	RxPkts  int64  `json:"rxPkts,omitempty"`
	RxBytes int64  `json:"rxBytes,omitempty"`
}

// NetworkFields mirrors tailscale.NetworkFields.
type NetworkFields struct {
	Recorded time.Time `json:"recorded,omitzero"`
}

// Audit mirrors tailscale.Audit.
//
//easyjson:json
type Audit struct {
	Time   float64     `json:"time,omitempty"`
	Event  AuditEvent  `json:"event"`
	Fields AuditFields `json:"fields,omitzero"`
}

// AuditEvent mirrors tailscale.AuditEvent.
type AuditEvent struct {
	DeferredAt    time.Time       `json:"deferredAt,omitzero"`
	EventGroupID  string          `json:"eventGroupID,omitempty"`
	Origin        string          `json:"origin,omitempty"`
	Actor         AuditActor      `json:"actor"`
	Target        AuditTarget     `json:"target,omitzero"`
	Action        string          `json:"action,omitempty"`
	Old           json.RawMessage `json:"old,omitempty"`
	New           json.RawMessage `json:"new,omitempty"`
	ActionDetails string          `json:"actionDetails,omitempty"`
	Error         string          `json:"error,omitempty"`
	EventTime     time.Time       `json:"eventTime,omitzero"`
	Type          string          `json:"type,omitempty"`
	Logged        time.Time       `json:"logged,omitzero"`
}

// AuditActor mirrors tailscale.AuditActor.
type AuditActor struct {
	ID          string   `json:"id,omitempty"`
	Type        string   `json:"type,omitempty"`
	LoginName   string   `json:"loginName,omitempty"`
	DisplayName string   `json:"displayName,omitempty"`
	Tags        []string `json:"tags,omitempty"`
}

// AuditTarget mirrors tailscale.AuditTarget.
type AuditTarget struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name,omitempty"`
	Type        string `json:"type,omitempty"`
	Property    string `json:"property,omitempty"`
	IsEphemeral bool   `json:"isEphemeral,omitempty"`
}

// AuditFields mirrors tailscale.AuditFields.
type AuditFields struct {
	Recorded time.Time `json:"recorded,omitzero"`
}

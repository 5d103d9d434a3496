package bench

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/bytedance/sonic"
	"github.com/go-faster/jx"
	jsonexp "github.com/go-json-experiment/json"
	gojson "github.com/goccy/go-json"
	"github.com/mailru/easyjson"
	segjson "github.com/segmentio/encoding/json"
	"github.com/tslogs/tslogs/bench/corpus"
	"github.com/tslogs/tslogs/bench/mirror"
	"github.com/tslogs/tslogs/tailscale"
	"github.com/valyala/fastjson"
)

// A factory makes a decoder of one log type: decode decodes a record, and
// result returns the canonical form of the last record decoded. With reuse,
// every record is decoded into one destination; without, into a new one.
type factory[C any] func(reuse bool) (decode func([]byte) error, result func() C)

// A decoder is one contender: a full decoder into typed structs (network and
// audit set), or a floor that only reads the input (floor set).
type decoder struct {
	name  string // benchmark name part, "dec=NAME"
	net   factory[canonNetwork]
	audit factory[canonAudit]
	floor func([]byte) error
	// tailnet decoders read only the Tailnet corpora: Tailscale's own
	// types have no logged field and take no protocol names.
	tailnet bool
}

// runs reports whether d runs on c.
func (d decoder) runs(c corpus.Corpus) bool { return !d.tailnet || c.Tailnet != nil }

// decoders lists the contenders in report order. jsonv2_test.go adds
// encoding/json/v2 when built with GOEXPERIMENT=jsonv2.
var decoders = []decoder{
	{name: "tslogs-decode", net: tslogsFactory((*tailscale.Network).Decode, canonTslogsNetwork),
		audit: tslogsFactory((*tailscale.Audit).Decode, canonTslogsAudit)},
	{name: "tslogs-unmarshal", net: tslogsFactory(unmarshalStd[tailscale.Network], canonTslogsNetwork),
		audit: tslogsFactory(unmarshalStd[tailscale.Audit], canonTslogsAudit)},
	{name: stdName, net: mirrorFactory(unmarshalStd[mirror.Network], canonMirrorNetwork),
		audit: mirrorFactory(unmarshalStd[mirror.Audit], canonMirrorAudit)},
	{name: "goccy", net: mirrorFactory(unmarshalGoccy[mirror.Network], canonMirrorNetwork),
		audit: mirrorFactory(unmarshalGoccy[mirror.Audit], canonMirrorAudit)},
	{name: "goccy-netlogtype", net: mirrorFactory(unmarshalGoccy[mirror.Netlog], canonNetlog), tailnet: true},
	{name: stdName + "-netlogtype", net: mirrorFactory(unmarshalStd[mirror.Netlog], canonNetlog), tailnet: true},
	{name: "jsonexp-netlogtype", net: mirrorFactory(unmarshalJSONExp[mirror.Netlog], canonNetlog), tailnet: true},
	{name: "sonic", net: mirrorFactory(unmarshalSonic[mirror.Network], canonMirrorNetwork),
		audit: mirrorFactory(unmarshalSonic[mirror.Audit], canonMirrorAudit)},
	{name: "segmentio", net: mirrorFactory(unmarshalSegmentio[mirror.Network], canonMirrorNetwork),
		audit: mirrorFactory(unmarshalSegmentio[mirror.Audit], canonMirrorAudit)},
	{name: "easyjson", net: mirrorFactory(unmarshalEasyJSON[mirror.Network], canonMirrorNetwork),
		audit: mirrorFactory(unmarshalEasyJSON[mirror.Audit], canonMirrorAudit)},
	{name: "jx", net: jxFactory(canonMirrorNetwork), audit: jxFactory(canonMirrorAudit)},
	{name: "jx-valid", floor: func(b []byte) error {
		if !jx.Valid(b) {
			return errors.New("jx: invalid JSON")
		}
		return nil
	}},
	{name: "fastjson-valid", floor: fastjson.ValidateBytes},
	{name: "bytes-count", floor: func(b []byte) error {
		if bytes.Count(b, []byte{'"'})%2 != 0 {
			return errors.New("odd number of quotes")
		}
		return nil
	}},
}

func unmarshalStd[T any](x *T, b []byte) error { return json.Unmarshal(b, x) }

func unmarshalGoccy[T any](x *T, b []byte) error { return gojson.Unmarshal(b, x) }

// unmarshalJSONExp decodes with github.com/go-json-experiment/json, the
// package tailscaled marshals its network logs with.
func unmarshalJSONExp[T any](x *T, b []byte) error { return jsonexp.Unmarshal(b, x) }

// unmarshalSonic uses sonic's default configuration, its fastest: strings
// point into the input rather than being copied.
func unmarshalSonic[T any](x *T, b []byte) error { return sonic.Unmarshal(b, x) }

func unmarshalSegmentio[T any](x *T, b []byte) error { return segjson.Unmarshal(b, x) }

func unmarshalEasyJSON[T any](x *T, b []byte) error {
	return easyjson.Unmarshal(b, any(x).(easyjson.Unmarshaler))
}

// tslogsFactory makes a factory for a tslogs type decoded by decode.
func tslogsFactory[T any, C any](decode func(*T, []byte) error, canon func(*T) C) factory[C] {
	return func(reuse bool) (func([]byte) error, func() C) {
		if reuse {
			x := new(T)
			return func(b []byte) error { return decode(x, b) }, func() C { return canon(x) }
		}
		var last *T
		return func(b []byte) error {
			x := new(T)
			last = x
			return decode(x, b)
		}, func() C { return canon(last) }
	}
}

// resettable is a mirror struct.
type resettable[T any] interface {
	*T
	Reset()
}

// mirrorFactory makes a factory for a peer decoding into the mirror struct
// T. Reuse resets the destination before each record (keeping its slices'
// memory), as tslogs' Decode does.
func mirrorFactory[T any, PT resettable[T], C any](unmarshal func(*T, []byte) error, canon func(*T) C) factory[C] {
	return func(reuse bool) (func([]byte) error, func() C) {
		if reuse {
			x := new(T)
			return func(b []byte) error {
				PT(x).Reset()
				return unmarshal(x, b)
			}, func() C { return canon(x) }
		}
		var last *T
		return func(b []byte) error {
			x := new(T)
			last = x
			return unmarshal(x, b)
		}, func() C { return canon(last) }
	}
}

// jxRecord is a mirror struct with its jx decoder.
type jxRecord[T any] interface {
	resettable[T]
	DecodeJX(*jx.Decoder) error
}

// jxFactory makes a factory for the hand-driven jx decoder. Fresh makes a
// new jx.Decoder and destination per record; reuse resets both.
func jxFactory[T any, PT jxRecord[T], C any](canon func(*T) C) factory[C] {
	return func(reuse bool) (func([]byte) error, func() C) {
		if reuse {
			x := new(T)
			d := jx.DecodeBytes(nil)
			return func(b []byte) error {
				PT(x).Reset()
				d.ResetBytes(b)
				return PT(x).DecodeJX(d)
			}, func() C { return canon(x) }
		}
		var last *T
		return func(b []byte) error {
			x := new(T)
			last = x
			return PT(x).DecodeJX(jx.DecodeBytes(b))
		}, func() C { return canon(last) }
	}
}

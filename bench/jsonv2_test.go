//go:build goexperiment.jsonv2

package bench

import (
	jsonv2 "encoding/json/v2"

	"github.com/tslogs/tslogs/bench/mirror"
)

// Built with GOEXPERIMENT=jsonv2, encoding/json is itself implemented with
// encoding/json/v2, so its results are reported under another name.
const stdName = "encoding-json-v2engine"

func init() {
	decoders = append(decoders, decoder{name: "jsonv2",
		net:   mirrorFactory(unmarshalV2[mirror.Network], canonMirrorNetwork),
		audit: mirrorFactory(unmarshalV2[mirror.Audit], canonMirrorAudit)})
	staleNet = append(staleNet, struct {
		name   string
		decode func(*mirror.Network, []byte) error
		stale  bool
	}{"jsonv2", unmarshalV2[mirror.Network], false})
}

func unmarshalV2[T any](x *T, b []byte) error { return jsonv2.Unmarshal(b, x) }

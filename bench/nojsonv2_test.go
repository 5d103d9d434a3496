//go:build !goexperiment.jsonv2

package bench

import "testing"

const stdName = "encoding-json"

// TestJSONv2 says how to benchmark encoding/json/v2, which needs the
// experiment.
func TestJSONv2(t *testing.T) {
	t.Skip("encoding/json/v2 needs GOEXPERIMENT=jsonv2: GOEXPERIMENT=jsonv2 go test -bench 'Decode//dec=(jsonv2|encoding-json)'")
}

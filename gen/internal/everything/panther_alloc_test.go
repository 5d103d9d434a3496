//go:build !race

package everything_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/gen/internal/everything"
)

// TestWebAccessAllocs checks that decoding into a reused value allocates
// nothing, embedded JSON, custom time formats and validate rules included.
func TestWebAccessAllocs(t *testing.T) {
	var x everything.WebAccess
	data := []byte(webAccess)
	require.NoError(t, x.Decode(data))
	allocs := testing.AllocsPerRun(100, func() {
		if err := x.Decode(data); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

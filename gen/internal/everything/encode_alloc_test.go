//go:build !race

package everything_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/gen/internal/everything"
)

// TestAllocsAppendJSON writes records that use every construct with
// AppendJSON into a buffer with room for them: nothing is allocated.
func TestAllocsAppendJSON(t *testing.T) {
	dst := make([]byte, 0, 1<<14)
	for _, data := range []string{full, sparse, flows} {
		var rec everything.Everything
		require.NoError(t, rec.Decode([]byte(data)))
		assert.Zero(t, testing.AllocsPerRun(100, func() { dst = rec.AppendJSON(dst[:0]) }), "Everything.AppendJSON of %.40s…", data)
	}
	var rec everything.Naming
	require.NoError(t, rec.Decode([]byte(namingFull)))
	assert.Zero(t, testing.AllocsPerRun(100, func() { dst = rec.AppendJSON(dst[:0]) }), "Naming.AppendJSON")
	var web everything.WebAccess
	require.NoError(t, web.Decode([]byte(webAccess)))
	assert.Zero(t, testing.AllocsPerRun(100, func() { dst = web.AppendJSON(dst[:0]) }), "WebAccess.AppendJSON")
}

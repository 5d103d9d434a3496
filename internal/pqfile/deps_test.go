package pqfile

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLibraryStaysLean checks that the packages users import (tailscale,
// jlex, gen) depend on neither the Parquet library, the S3 SDK, DuckDB nor
// the packages of the CLI that use them: generated code reaches Parquet
// only through the jlex.ColumnWriter interface.
func TestLibraryStaysLean(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(goBin, "list", "-deps",
		"github.com/tslogs/tslogs/tailscale", "github.com/tslogs/tslogs/jlex", "github.com/tslogs/tslogs/gen/...").CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/tslogs/tslogs/jlex", "go list gave no dependencies")
	for _, d := range deps {
		for _, banned := range []string{"github.com/parquet-go/", "github.com/aws/", "github.com/duckdb/",
			"github.com/tslogs/tslogs/internal/pqfile", "github.com/tslogs/tslogs/internal/objstore"} {
			assert.False(t, strings.HasPrefix(d, banned), "the library depends on %s", d)
		}
	}
}

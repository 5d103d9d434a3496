package gen

import (
	"bufio"
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTailscaleCurrent regenerates the tailscale package in memory exactly as
// its go:generate line does and compares with the committed files, so that a
// generator or schema change without go generate fails here.
func TestTailscaleCurrent(t *testing.T) {
	const pkgDir = "../tailscale"
	pkg, bare, schemaArgs := goGenerateArgs(t, filepath.Join(pkgDir, "generate.go"))
	var schemas []*Schema
	for _, arg := range schemaArgs {
		s, err := LoadFile(filepath.Join(pkgDir, arg))
		require.NoError(t, err)
		schemas = append(schemas, s)
	}
	out, err := Generate(schemas, Options{Package: pkg, BareDecoder: bare})
	require.NoError(t, err)

	var names []string
	for name, src := range out {
		names = append(names, name)
		committed, err := os.ReadFile(filepath.Join(pkgDir, name))
		require.NoError(t, err, "tailscale/%s is missing: run go generate ./tailscale", name)
		assert.Equal(t, string(committed), string(src),
			"tailscale/%s is stale: run go generate ./tailscale and commit the result", name)
	}
	slices.Sort(names)
	existing, err := filepath.Glob(filepath.Join(pkgDir, "*_gen.go"))
	require.NoError(t, err)
	for i := range existing {
		existing[i] = filepath.Base(existing[i])
	}
	assert.Equal(t, names, existing, "tailscale has generated files no schema produces: delete them")
}

// goGenerateArgs reads the tslogs-gen go:generate line of file and returns
// its -pkg, -bare-decoder and schema arguments.
func goGenerateArgs(t *testing.T, file string) (pkg, bare string, schemas []string) {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "//go:generate "); ok && strings.Contains(line, "tslogs-gen") {
			lines = append(lines, line)
		}
	}
	require.Len(t, lines, 1, "%s: want one go:generate line running tslogs-gen", file)
	args := strings.Fields(lines[0])
	i := slices.IndexFunc(args, func(a string) bool { return strings.HasSuffix(a, "tslogs-gen") })
	// The same flags as gen/cmd/tslogs-gen.
	fs := flag.NewFlagSet("tslogs-gen", flag.ContinueOnError)
	fs.StringVar(&pkg, "pkg", "", "")
	fs.String("out", ".", "")
	fs.StringVar(&bare, "bare-decoder", "", "")
	require.NoError(t, fs.Parse(args[i+1:]))
	require.NotEmpty(t, pkg, "%s: the go:generate line sets no -pkg", file)
	require.NotEmpty(t, fs.Args(), "%s: the go:generate line names no schema", file)
	return pkg, bare, fs.Args()
}

// TestGenerateArgs pins what goGenerateArgs reads from tailscale/generate.go,
// so that a change there that it misreads is noticed.
func TestGenerateArgs(t *testing.T) {
	pkg, bare, schemas := goGenerateArgs(t, "../tailscale/generate.go")
	assert.Equal(t, "tailscale", pkg)
	assert.Equal(t, "DecodeBare", bare)
	assert.Equal(t, []string{"../schemas/tailscale_audit.yml", "../schemas/tailscale_network.yml"}, schemas)
}

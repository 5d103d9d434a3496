package gen

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// go test ./gen -update rewrites every expected file these tests compare
// with: review the diff before committing it.
var update = flag.Bool("update", false, "rewrite golden files, .err files and gen/internal/everything")

// checkGolden compares got with the file at path, or writes it with -update.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file: run go test ./gen -update and review it")
	// Compare as strings so a failure shows a readable diff.
	assert.Equal(t, string(want), string(got), "%s is stale: run go test ./gen -update and review the diff", path)
}

// loadSchema loads a schema file as tslogs-gen does.
func loadSchema(t *testing.T, path string) *Schema {
	t.Helper()
	s, err := LoadFile(path)
	require.NoError(t, err)
	return s
}

func testSchemas(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/schemas/*.yml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// TestGolden generates each test schema on its own and compares the Go with
// testdata/golden/<schema>_gen.go.golden.
func TestGolden(t *testing.T) {
	for _, file := range testSchemas(t) {
		base := strings.TrimSuffix(filepath.Base(file), ".yml")
		t.Run(base, func(t *testing.T) {
			out, err := Generate([]*Schema{loadSchema(t, file)}, Options{Package: "golden"})
			require.NoError(t, err)
			name := base + "_gen.go"
			require.Contains(t, out, name)
			require.Len(t, out, 1)
			checkGolden(t, filepath.Join("testdata", "golden", name+".golden"), out[name])
		})
	}
}

// TestGoldenNoStrays fails on a golden file whose schema is gone.
func TestGoldenNoStrays(t *testing.T) {
	var want []string
	for _, file := range testSchemas(t) {
		want = append(want, strings.TrimSuffix(filepath.Base(file), ".yml")+"_gen.go.golden")
	}
	got, err := filepath.Glob("testdata/golden/*")
	require.NoError(t, err)
	for i := range got {
		got[i] = filepath.Base(got[i])
	}
	assert.ElementsMatch(t, want, got)
}

// TestEverythingCurrent checks the package gen/internal/everything, which
// holds all test schemas generated together (as tailscale/generate.go does
// for the real ones) so that its hand-written tests can compile and run the
// generated code. It lives under internal/ rather than testdata/ so that
// go test, go vet and gofmt reach it through ./... like any package.
func TestEverythingCurrent(t *testing.T) {
	const dir = "internal/everything"
	var schemas []*Schema
	for _, file := range testSchemas(t) {
		schemas = append(schemas, loadSchema(t, file))
	}
	out, err := Generate(schemas, Options{Package: "everything"})
	require.NoError(t, err)
	var names []string
	for name, src := range out {
		names = append(names, name)
		checkGolden(t, filepath.Join(dir, name), src)
	}
	slices.Sort(names)
	existing, err := filepath.Glob(filepath.Join(dir, "*_gen.go"))
	require.NoError(t, err)
	for i := range existing {
		existing[i] = filepath.Base(existing[i])
	}
	assert.Equal(t, names, existing, "stale generated files in %s", dir)
}

// TestSchemaErrors loads each testdata/bad/<name>.yml, which breaks one
// validation rule, and compares the error with testdata/bad/<name>.err.
func TestSchemaErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	errs, err := filepath.Glob("testdata/bad/*.err")
	require.NoError(t, err)
	for _, e := range errs {
		assert.Contains(t, files, strings.TrimSuffix(e, ".err")+".yml", "%s has no schema", e)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			s, err := Load(filepath.ToSlash(file), data)
			require.Error(t, err)
			assert.Nil(t, s)
			var se *SchemaError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, filepath.ToSlash(file), se.File)
			checkGolden(t, strings.TrimSuffix(file, ".yml")+".err", []byte(err.Error()+"\n"))
		})
	}
}

// Command tslogs-gen generates Go types and reflection-free JSON decoders
// from Panther-style log schema YAML.
//
// Usage:
//
//	tslogs-gen [-pkg NAME] [-out DIR] SCHEMA.yml...
//	tslogs-gen -version
//
// For each schema it writes DIR/<schema base name>_gen.go: a struct per
// object with Decode and UnmarshalJSON methods, presence tests, the
// indicator accessors of Panther's p_any_* fields and a row encoder. The
// generated code imports only the standard library and
// github.com/tslogs/tslogs/jlex, its runtime.
//
// In any module, add the command as a tool and run it from go generate:
//
//	go get -tool github.com/tslogs/tslogs/gen/cmd/tslogs-gen
//
//	//go:generate go tool tslogs-gen -pkg mylogs -out . my_schema.yml
//
// The tool and the runtime then come from the same module version, the one
// go.mod requires. The output depends only on the schemas and the tool's
// version, never on the working directory or the machine: each file names
// its schema by its path from the schema's module root.
//
// Schema mistakes are reported with the file, line and field path, as in
//
//	my_schema.yml:12: event.src: unknown indicator "mac" (want one of ...)
//
// and the command exits with status 1; a usage mistake exits with status 2.
// docs/schema-language.md in the repository describes the schema language.
package main

import (
	"flag"
	"fmt"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"

	"github.com/tslogs/tslogs/gen"
)

const usage = `usage: tslogs-gen [-pkg NAME] [-out DIR] SCHEMA.yml...
       tslogs-gen -version

Generates Go types, reflection-free decoders, Panther's p_any_* indicator
accessors and row encoders from Panther-style log schema YAML, one
DIR/<schema>_gen.go per schema. Generated code imports the runtime
github.com/tslogs/tslogs/jlex.

In a module, add the tool once:

	go get -tool github.com/tslogs/tslogs/gen/cmd/tslogs-gen

then put this line in a .go file of the package and run go generate:

	//go:generate go tool tslogs-gen -pkg mylogs -out . my_schema.yml

Flags:
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tslogs-gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pkg := fs.String("pkg", "", "package name of the generated files (default: the base name of -out)")
	out := fs.String("out", ".", "directory to write the generated files to")
	bare := fs.String("bare-decoder", "", "name of a hand-written method that decodes a record's event alone;\nDecode's error for such input points to it")
	version := fs.Bool("version", false, "print the version of tslogs-gen and exit")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
		return 2
	}
	if *version {
		fmt.Fprintln(stdout, "tslogs-gen", buildVersion())
		return 0
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "tslogs-gen: no schema files given")
		fs.Usage()
		return 2
	}
	if err := generate(*pkg, *out, *bare, fs.Args()); err != nil {
		fmt.Fprintln(stderr, "tslogs-gen:", err)
		return 1
	}
	return 0
}

func generate(pkg, out, bare string, files []string) error {
	if pkg == "" {
		abs, err := filepath.Abs(out)
		if err != nil {
			return err
		}
		pkg = filepath.Base(abs)
		if !token.IsIdentifier(pkg) {
			return fmt.Errorf("the name of %s, %q, is not a package name: give one with -pkg", out, pkg)
		}
	}
	var schemas []*gen.Schema
	for _, file := range files {
		s, err := gen.LoadFile(file)
		if err != nil {
			return err
		}
		schemas = append(schemas, s)
	}
	srcs, err := gen.Generate(schemas, gen.Options{Package: pkg, BareDecoder: bare})
	if err != nil {
		return err
	}
	names := make([]string, 0, len(srcs))
	for name := range srcs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(out, name), srcs[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// modulePath is the module tslogs-gen belongs to.
const modulePath = "github.com/tslogs/tslogs"

// buildVersion returns the version of the tslogs module this binary was
// built from, as the build info records it: the tagged or pseudo-version a
// go.mod requires (with the replacement, if any), or the version the go
// command stamped from version control when the module is the main one.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown: no build information)"
	}
	mod := &bi.Main
	if mod.Path != modulePath {
		mod = nil
		for _, dep := range bi.Deps {
			if dep.Path == modulePath {
				mod = dep
				break
			}
		}
	}
	if mod == nil {
		return "(unknown: " + modulePath + " is not in the build information)"
	}
	v := mod.Version
	if r := mod.Replace; r != nil {
		if r.Version != "" {
			v += " => " + r.Path + " " + r.Version
		} else {
			v += " => " + r.Path
		}
	}
	return v + " (" + bi.GoVersion + ")"
}

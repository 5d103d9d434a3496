// Command tslogs-gen generates Go types and decoders from Panther-style log
// schema YAML.
//
// Usage:
//
//	tslogs-gen -pkg tailscale -out DIR SCHEMA.yml...
//
// It writes DIR/<schema base name>_gen.go for each schema. It is run by
// go generate in the tailscale package.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tslogs/tslogs/gen"
)

func main() {
	pkg := flag.String("pkg", "", "package name of the generated files (default: the base name of -out)")
	out := flag.String("out", ".", "directory to write the generated files to")
	bare := flag.String("bare-decoder", "", "the hand-written method that decodes a record's event alone; Decode's error for such input names it")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: tslogs-gen [-pkg NAME] [-out DIR] SCHEMA.yml...\n\n"+
			"Generates Go types, decoders, indicator accessors and row encoders from\n"+
			"Panther-style log schema YAML, one DIR/<schema>_gen.go per schema.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*pkg, *out, *bare, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "tslogs-gen:", err)
		os.Exit(1)
	}
}

func run(pkg, out, bare string, files []string) error {
	if pkg == "" {
		abs, err := filepath.Abs(out)
		if err != nil {
			return err
		}
		pkg = filepath.Base(abs)
	}
	var schemas []*gen.Schema
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		// Name the schema by its path from the module root in headers and
		// errors, so output does not depend on where the tool ran.
		name := filepath.ToSlash(file)
		for strings.HasPrefix(name, "../") {
			name = strings.TrimPrefix(name, "../")
		}
		s, err := gen.Load(name, data)
		if err != nil {
			return err
		}
		schemas = append(schemas, s)
	}
	srcs, err := gen.Generate(schemas, gen.Options{Package: pkg, BareDecoder: bare})
	if err != nil {
		return err
	}
	for name, src := range srcs {
		if err := os.WriteFile(filepath.Join(out, name), src, 0o644); err != nil {
			return err
		}
	}
	return nil
}

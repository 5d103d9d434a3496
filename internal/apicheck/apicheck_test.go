// Package apicheck_test checks the public API of tslogs' library packages:
// every exported identifier is documented, and no exported signature, field
// or alias mentions an internal package, which users could not name.
package apicheck_test

import (
	"go/ast"
	"go/doc"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// publicPackages are the packages users import.
var publicPackages = []string{
	"github.com/tslogs/tslogs/jlex",
	"github.com/tslogs/tslogs/tailscale",
	"github.com/tslogs/tslogs/gen",
}

func isInternal(path string) bool {
	return strings.HasSuffix(path, "/internal") || strings.Contains(path, "/internal/")
}

// mentions adds to found the internal packages whose named types t refers
// to, looking through pointers, slices, maps, channels, signatures, structs
// and interfaces.
func mentions(t types.Type, found map[string]bool, seen map[types.Type]bool) {
	if seen[t] {
		return
	}
	seen[t] = true
	switch t := t.(type) {
	case *types.Alias:
		mentions(types.Unalias(t), found, seen)
	case *types.Named:
		if pkg := t.Obj().Pkg(); pkg != nil && isInternal(pkg.Path()) {
			found[pkg.Path()+"."+t.Obj().Name()] = true
		}
		for i := range t.TypeArgs().Len() {
			mentions(t.TypeArgs().At(i), found, seen)
		}
	case *types.Pointer:
		mentions(t.Elem(), found, seen)
	case *types.Slice:
		mentions(t.Elem(), found, seen)
	case *types.Array:
		mentions(t.Elem(), found, seen)
	case *types.Map:
		mentions(t.Key(), found, seen)
		mentions(t.Elem(), found, seen)
	case *types.Chan:
		mentions(t.Elem(), found, seen)
	case *types.Signature:
		for i := range t.Params().Len() {
			mentions(t.Params().At(i).Type(), found, seen)
		}
		for i := range t.Results().Len() {
			mentions(t.Results().At(i).Type(), found, seen)
		}
	case *types.Struct:
		for i := range t.NumFields() {
			if f := t.Field(i); f.Exported() {
				mentions(f.Type(), found, seen)
			}
		}
	case *types.Interface:
		for i := range t.NumMethods() {
			mentions(t.Method(i).Type(), found, seen)
		}
	}
}

// internalMentions lists, per exported identifier of pkg, the internal
// types it exposes.
func internalMentions(pkg *types.Package) map[string][]string {
	out := map[string][]string{}
	add := func(name string, t types.Type) {
		found := map[string]bool{}
		mentions(t, found, map[types.Type]bool{})
		for f := range found {
			out[name] = append(out[name], f)
		}
	}
	scope := pkg.Scope()
	for _, name := range scope.Names() {
		obj := scope.Lookup(name)
		if !obj.Exported() {
			continue
		}
		switch obj := obj.(type) {
		case *types.TypeName:
			add(name, obj.Type().Underlying())
			if obj.IsAlias() {
				add(name+" (alias)", obj.Type())
			}
			if named, ok := types.Unalias(obj.Type()).(*types.Named); ok {
				for i := range named.NumMethods() {
					if m := named.Method(i); m.Exported() {
						add(name+"."+m.Name(), m.Type())
					}
				}
			}
		default:
			add(name, obj.Type())
		}
	}
	return out
}

// TestNoInternalTypesInPublicAPI type-checks each public package from
// source and fails when an exported function, method, field, variable,
// constant or alias has a type from an internal package.
func TestNoInternalTypesInPublicAPI(t *testing.T) {
	imp := importer.ForCompiler(token.NewFileSet(), "source", nil)
	for _, path := range publicPackages {
		t.Run(path, func(t *testing.T) {
			pkg, err := imp.Import(path)
			require.NoError(t, err)
			assert.Empty(t, internalMentions(pkg), "exported identifiers whose types users cannot name")
		})
	}
}

// TestCheckerSeesInternalTypes runs the check on a package made for it, so
// that a checker that sees nothing cannot pass TestNoInternalTypesInPublicAPI.
func TestCheckerSeesInternalTypes(t *testing.T) {
	internal := types.NewPackage("example.com/m/internal/secret", "secret")
	secret := types.NewNamed(types.NewTypeName(token.NoPos, internal, "Key", nil), types.Typ[types.String], nil)
	pub := types.NewPackage("example.com/m/pub", "pub")
	sig := types.NewSignatureType(nil, nil, nil, types.NewTuple(types.NewVar(token.NoPos, pub, "k", types.NewPointer(secret))), nil, false)
	pub.Scope().Insert(types.NewFunc(token.NoPos, pub, "Open", sig))
	pub.Scope().Insert(types.NewTypeName(token.NoPos, pub, "Key", secret)) // an alias
	field := types.NewField(token.NoPos, pub, "Keys", types.NewSlice(secret), false)
	opts := types.NewNamed(types.NewTypeName(token.NoPos, pub, "Opts", nil), types.NewStruct([]*types.Var{field}, nil), nil)
	pub.Scope().Insert(opts.Obj())
	pub.Scope().Insert(types.NewVar(token.NoPos, pub, "ok", secret)) // unexported: fine
	got := internalMentions(pub)
	assert.Equal(t, map[string][]string{
		"Open":        {"example.com/m/internal/secret.Key"},
		"Key (alias)": {"example.com/m/internal/secret.Key"},
		"Opts":        {"example.com/m/internal/secret.Key"},
	}, got)
}

// TestEveryExportedIdentifierDocumented reads each public package's doc
// (as go doc does) and fails on an exported identifier without a comment.
func TestEveryExportedIdentifierDocumented(t *testing.T) {
	for _, path := range publicPackages {
		t.Run(path, func(t *testing.T) {
			dir := packageDir(t, path)
			fset := token.NewFileSet()
			files, err := filepath.Glob(filepath.Join(dir, "*.go"))
			require.NoError(t, err)
			var syntax []*ast.File
			for _, f := range files {
				if strings.HasSuffix(f, "_test.go") {
					continue
				}
				file, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
				require.NoError(t, err)
				syntax = append(syntax, file)
			}
			p, err := doc.NewFromFiles(fset, syntax, path)
			require.NoError(t, err)
			assert.NotEmpty(t, p.Doc, "package comment")
			var missing []string
			check := func(name, text string) {
				if strings.TrimSpace(text) == "" {
					missing = append(missing, name)
				}
			}
			for _, v := range append(p.Consts, p.Vars...) {
				for _, name := range v.Names {
					if token.IsExported(name) {
						check(name, v.Doc+specDoc(v.Decl, name))
					}
				}
			}
			for _, f := range p.Funcs {
				check(f.Name, f.Doc)
			}
			for _, typ := range p.Types {
				check(typ.Name, typ.Doc)
				for _, field := range exportedFields(typ.Decl) {
					check(typ.Name+"."+field.Names[0].Name, field.Doc.Text()+field.Comment.Text())
				}
				for _, f := range append(typ.Funcs, typ.Methods...) {
					check(typ.Name+"."+f.Name, f.Doc)
				}
				for _, v := range append(typ.Consts, typ.Vars...) {
					for _, name := range v.Names {
						if token.IsExported(name) {
							check(name, v.Doc+specDoc(v.Decl, name))
						}
					}
				}
			}
			assert.Empty(t, missing, "exported identifiers without a doc comment")
		})
	}
}

// exportedFields returns the exported fields of the struct type decl
// declares, if it is one; a field documents the names declared with it.
func exportedFields(decl *ast.GenDecl) []*ast.Field {
	var out []*ast.Field
	for _, spec := range decl.Specs {
		ts, ok := spec.(*ast.TypeSpec)
		if !ok {
			continue
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			continue
		}
		for _, f := range st.Fields.List {
			if len(f.Names) > 0 && f.Names[0].IsExported() {
				out = append(out, f)
			}
		}
	}
	return out
}

// specDoc returns the doc or line comment of name's spec in a grouped
// declaration, which documents it as well as a comment on the group.
func specDoc(decl *ast.GenDecl, name string) string {
	for _, spec := range decl.Specs {
		vs, ok := spec.(*ast.ValueSpec)
		if !ok {
			continue
		}
		for _, n := range vs.Names {
			if n.Name == name {
				return vs.Doc.Text() + vs.Comment.Text()
			}
		}
	}
	return ""
}

func packageDir(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", path).Output()
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

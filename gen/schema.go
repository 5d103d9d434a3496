package gen

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/tslogs/tslogs/jlex"
	"go.yaml.in/yaml/v3"
)

// SchemaError is a problem in a schema file: where (file, line, field path)
// and what.
type SchemaError struct {
	File string // the schema file, as given to Load
	Line int    // 1-based line of the mistake, 0 when unknown
	Path string // field path, "" for the schema itself
	Msg  string // what is wrong
}

// Error returns "file:line: path: message", leaving out the line and path
// when they are unknown.
func (e *SchemaError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Limits the generated code relies on.
const (
	maxFieldsPerObject = 64 // presence bits in a jlex.Bits
	maxNesting         = 30 // below the lexer's frame stack of 32
)

// timeFormatCodes maps the built-in timeFormats to their jlex constants.
var timeFormatCodes = map[string]string{
	"unix":       "Unix",
	"unix_ms":    "UnixMs",
	"unix_us":    "UnixUs",
	"unix_ns":    "UnixNs",
	"rfc3339":    "RFC3339",
	"cloudflare": "Cloudflare",
}

// rawKey is a key of a YAML mapping that the loader checks itself: one it
// does not know, or one of Panther's that tslogs rejects.
type rawKey struct {
	name string
	line int
}

// keyLines records the keys of a mapping and their lines, so an error can
// point at the key at fault, and the keys outside known.
func keyLines(n *yaml.Node, known []string) (lines map[string]int, extra []rawKey) {
	lines = map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		lines[k.Value] = k.Line
		if !slices.Contains(known, k.Value) {
			extra = append(extra, rawKey{name: k.Value, line: k.Line})
		}
	}
	return lines, extra
}

type rawSchema struct {
	Schema       string      `yaml:"schema"`
	Description  string      `yaml:"description"`
	ReferenceURL string      `yaml:"referenceURL"`
	Version      *int        `yaml:"version"`
	Fields       []*rawField `yaml:"fields"`
	keys         map[string]int
	extra        []rawKey
	line         int
}

type rawSplit struct {
	From      string `yaml:"from"`
	Separator string `yaml:"separator"`
	Index     *int   `yaml:"index"`
	keys      map[string]int
	extra     []rawKey
	line      int
}

type rawValidate struct {
	Allow []string `yaml:"allow"`
	Deny  []string `yaml:"deny"`
	IP    string   `yaml:"ip"`
	CIDR  string   `yaml:"cidr"`
	extra []rawKey
	line  int
}

type rawField struct {
	Name           string       `yaml:"name"`
	Description    string       `yaml:"description"`
	Type           string       `yaml:"type"`
	Required       bool         `yaml:"required"`
	IsEventTime    bool         `yaml:"isEventTime"`
	TimeFormats    []string     `yaml:"timeFormats"`
	TimeFormat     string       `yaml:"timeFormat"` // Panther's older single-format spelling
	Indicators     []string     `yaml:"indicators"`
	Split          *rawSplit    `yaml:"split"`
	Validate       *rawValidate `yaml:"validate"`
	IsEmbeddedJSON bool         `yaml:"isEmbeddedJSON"`
	Fields         []*rawField  `yaml:"fields"`
	Element        *rawField    `yaml:"element"`
	NumberNames    string       `yaml:"numberNames"` // tslogs extension
	keys           map[string]int
	extra          []rawKey
	line           int
}

// The keys each mapping may hold.
var (
	schemaKeys   = []string{"schema", "description", "referenceURL", "version", "fieldDiscoveryEnabled", "fields"}
	fieldKeys    = []string{"name", "description", "type", "required", "isEventTime", "timeFormats", "timeFormat", "indicators", "split", "validate", "isEmbeddedJSON", "fields", "element", "numberNames"}
	splitKeys    = []string{"from", "separator", "index"}
	validateKeys = []string{"allow", "deny", "ip", "cidr"}
)

// pantherOnly explains the keys of Panther's schema language that tslogs
// rejects rather than ignores, because ignoring them would change what a
// record decodes to.
var pantherOnly = map[string]string{
	"parser":       "parser: tslogs decodes JSON records only; Panther's csv, fastmatch, regex, script and native parsers are not supported",
	"definitions":  "definitions (with type: ref) are not supported: write the fields out",
	"target":       "target (of type: ref) is not supported: write the fields out",
	"rename":       "rename is a Panther transformation tslogs does not support: name the field as the input does",
	"copy":         "copy is a Panther transformation tslogs does not support",
	"concat":       "concat is a Panther transformation tslogs does not support",
	"mask":         "mask is a Panther transformation tslogs does not support",
	"isExpiration": "isExpiration is for Panther lookup tables, not log schemas",
}

// decodeMapping decodes the mapping n into v and returns its keys' lines
// and the keys outside known.
func decodeMapping[T any](n *yaml.Node, v *T, known []string) (map[string]int, []rawKey, error) {
	if n.Kind != yaml.MappingNode {
		return nil, nil, mappingError(n)
	}
	if err := n.Decode(v); err != nil {
		return nil, nil, err
	}
	lines, extra := keyLines(n, known)
	return lines, extra, nil
}

func (s *rawSchema) UnmarshalYAML(n *yaml.Node) (err error) {
	type plain rawSchema
	s.keys, s.extra, err = decodeMapping(n, (*plain)(s), schemaKeys)
	s.line = n.Line
	return err
}

func (f *rawField) UnmarshalYAML(n *yaml.Node) (err error) {
	type plain rawField
	f.keys, f.extra, err = decodeMapping(n, (*plain)(f), fieldKeys)
	f.line = n.Line
	return err
}

func (s *rawSplit) UnmarshalYAML(n *yaml.Node) (err error) {
	type plain rawSplit
	s.keys, s.extra, err = decodeMapping(n, (*plain)(s), splitKeys)
	s.line = n.Line
	return err
}

func (v *rawValidate) UnmarshalYAML(n *yaml.Node) (err error) {
	type plain rawValidate
	_, v.extra, err = decodeMapping(n, (*plain)(v), validateKeys)
	v.line = n.Line
	return err
}

// article returns word with "a" or "an" before it.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

func mappingError(n *yaml.Node) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: expected a mapping", n.Line)}}
}

// lineOf returns the line of key in a mapping, or def when it is absent.
func lineOf(keys map[string]int, key string, def int) int {
	if l, ok := keys[key]; ok {
		return l
	}
	return def
}

// checkKeys reports the first key of extra: a key of Panther's that tslogs
// rejects, with the reason, or an unknown one.
func (l *loader) checkKeys(extra []rawKey, path string) error {
	for _, k := range extra {
		if why, ok := pantherOnly[k.name]; ok {
			return l.errf(k.line, path, "%s", why)
		}
		return l.errf(k.line, path, "unknown key %q", k.name)
	}
	return nil
}

// Load parses and validates one schema file. file names it in errors and,
// as the schema's Source, in the header of generated files; LoadFile names
// it by its path from its module's root instead.
func Load(file string, data []byte) (*Schema, error) {
	var raw rawSchema
	if err := yaml.Unmarshal(data, &raw); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			line, msg := yamlLine(te.Errors[0]) // the first problem is enough
			return nil, &SchemaError{File: file, Line: line, Msg: msg}
		}
		line, msg := yamlLine(strings.TrimPrefix(err.Error(), "yaml: "))
		return nil, &SchemaError{File: file, Line: line, Msg: "invalid YAML: " + msg}
	}
	if raw.line == 0 { // an empty document
		raw.line = 1
	}
	l := loader{file: file}
	if err := l.checkKeys(raw.extra, ""); err != nil {
		return nil, err
	}
	if raw.Version != nil && *raw.Version != 0 {
		return nil, l.errf(lineOf(raw.keys, "version", raw.line), "", "version is %d: the only version of Panther's schema language is 0", *raw.Version)
	}
	s := &Schema{File: file, Source: filepath.ToSlash(file), Name: raw.Schema, Description: strings.TrimSpace(raw.Description), ReferenceURL: raw.ReferenceURL}
	nameLine := lineOf(raw.keys, "schema", raw.line)
	if raw.Schema == "" {
		return nil, l.errf(nameLine, "", "missing schema name")
	}
	parts := strings.Split(raw.Schema, ".")
	s.GoName = goName(parts[len(parts)-1])
	if s.GoName == "" {
		return nil, l.errf(nameLine, "", "schema name %q gives no Go type name", raw.Schema)
	}
	fieldsLine := lineOf(raw.keys, "fields", raw.line)
	if len(raw.Fields) == 0 {
		return nil, l.errf(fieldsLine, "", "schema has no fields")
	}
	root, err := l.object(raw.Fields, "", fieldsLine, 0)
	if err != nil {
		return nil, err
	}
	root.Root = true
	root.Description = s.Description
	s.Root = root
	if err := l.methodNames(s); err != nil {
		return nil, err
	}
	return s, nil
}

// LoadFile reads and loads the schema file at path. Errors name the file by
// path as given; generated files name it by its path from the root of the
// module it is in (the nearest directory above it with a go.mod), or by
// its base name outside a module, so that the output does not depend on
// the working directory, on how the path is spelt or on the machine.
func LoadFile(path string) (*Schema, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := Load(path, data)
	if err != nil {
		return nil, err
	}
	s.Source = sourceName(path)
	return s, nil
}

// sourceName is the name of the schema file at path in generated files: see
// LoadFile.
func sourceName(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Base(path)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	for dir := filepath.Dir(abs); ; {
		if st, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && !st.IsDir() {
			if rel, err := filepath.Rel(dir, abs); err == nil {
				return filepath.ToSlash(rel)
			}
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return filepath.Base(abs)
}

// yamlLine moves the line number of a yaml error message ("line 5: ...")
// into SchemaError.Line, so every error reads file:line: message.
func yamlLine(msg string) (int, string) {
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return 0, msg
	}
	num, text, ok := strings.Cut(rest, ": ")
	line, err := strconv.Atoi(num)
	if !ok || err != nil {
		return 0, msg
	}
	return line, text
}

// rootMethods are the exported methods generated on the record type, besides
// the Has/Set pair of each field and the indicator accessors.
var rootMethods = []string{"Decode", "UnmarshalJSON", "EventTime", "AppendRow", "LogType"}

// methodNames rejects top-level fields whose Go name is that of a method
// generated on the record type, which would not compile.
func (l *loader) methodNames(s *Schema) error {
	methods := slices.Clone(rootMethods)
	for _, col := range schemaColumns(s) {
		methods = append(methods, col.Method)
	}
	for _, f := range s.Root.Fields {
		if slices.Contains(methods, f.GoName) {
			return l.errf(f.Line, f.Path, "Go name %s collides with the generated method %s.%s", f.GoName, s.GoName, f.GoName)
		}
	}
	return nil
}

type loader struct {
	file string
}

func (l *loader) errf(line int, path, format string, args ...any) error {
	return &SchemaError{File: l.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (l *loader) object(raws []*rawField, path string, line, depth int) (*Object, error) {
	if depth > maxNesting {
		return nil, l.errf(line, path, "nesting deeper than %d levels", maxNesting)
	}
	if len(raws) > maxFieldsPerObject {
		return nil, l.errf(line, path, "object has %d fields; at most %d are supported", len(raws), maxFieldsPerObject)
	}
	o := &Object{}
	names := map[string]*Field{}
	goNames := map[string]*Field{}
	for i, r := range raws {
		if r == nil {
			return nil, l.errf(line, path, "empty field entry")
		}
		if r.Name == "" {
			return nil, l.errf(r.line, path, "field has no name")
		}
		fp := join(path, r.Name)
		if prev, dup := names[r.Name]; dup {
			return nil, l.errf(r.line, fp, "duplicate field name (first on line %d)", prev.Line)
		}
		f, err := l.field(r, fp, depth)
		if err != nil {
			return nil, err
		}
		f.Name = r.Name
		f.GoName = goName(r.Name)
		if f.GoName == "" {
			return nil, l.errf(r.line, fp, "name gives no Go identifier")
		}
		if prev, dup := goNames[f.GoName]; dup {
			return nil, l.errf(r.line, fp, "Go name %s collides with field %q", f.GoName, prev.Name)
		}
		f.Bit = i
		names[r.Name] = f
		goNames[f.GoName] = f
		o.Fields = append(o.Fields, f)
	}
	// Each field gets Has<Name> and Set<Name> methods (genHas), which must
	// not meet a sibling's Go name.
	for _, f := range o.Fields {
		for _, m := range []string{"Has" + f.GoName, "Set" + f.GoName} {
			if g := goNames[m]; g != nil {
				return nil, l.errf(g.Line, g.Path, "Go name %s collides with the method %s generated for field %q", m, m, f.Name)
			}
		}
	}
	// Resolve splits against siblings, now that all are known. A split
	// field cannot be a source, whether its own split comes before or after.
	derived := map[*Field]bool{}
	for i, r := range raws {
		derived[o.Fields[i]] = r.Split != nil
	}
	for i, r := range raws {
		if r.Split == nil {
			continue
		}
		if err := l.checkKeys(r.Split.extra, o.Fields[i].Path+".split"); err != nil {
			return nil, err
		}
		if err := l.split(o.Fields[i], r.Split, path, names, derived); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func (l *loader) field(r *rawField, path string, depth int) (*Field, error) {
	if r.Type == "ref" {
		return nil, l.errf(lineOf(r.keys, "type", r.line), path, "type %q (Panther's definitions and ref) is not supported: write the fields out", r.Type)
	}
	if err := l.checkKeys(r.extra, path); err != nil {
		return nil, err
	}
	f := &Field{Path: path, Line: r.line, Description: strings.TrimSpace(r.Description),
		Required: r.Required, IsEventTime: r.IsEventTime, Indicators: r.Indicators, NumberNames: r.NumberNames,
		EmbeddedJSON: r.IsEmbeddedJSON}
	at := func(key string) int { return lineOf(r.keys, key, r.line) }
	if r.Type == "" {
		return nil, l.errf(r.line, path, "missing type")
	}
	k, ok := kindNames[r.Type]
	if !ok {
		return nil, l.errf(at("type"), path, "unknown type %q (want one of string, smallint, int, bigint, float, boolean, timestamp, json, object, array)", r.Type)
	}
	f.Kind = k
	formats, formatsKey := r.TimeFormats, "timeFormats"
	if r.TimeFormat != "" {
		if len(r.TimeFormats) > 0 {
			return nil, l.errf(at("timeFormat"), path, "timeFormat and timeFormats together: list every format in timeFormats")
		}
		formats, formatsKey = []string{r.TimeFormat}, "timeFormat"
	}
	if k == KindTimestamp {
		if len(formats) == 0 {
			return nil, l.errf(r.line, path, "timestamp needs timeFormats")
		}
		if len(formats) > 8 {
			return nil, l.errf(at(formatsKey), path, "at most 8 timeFormats are supported")
		}
		if _, err := jlex.NewCustomTimeFormats(formats...); err != nil {
			return nil, l.errf(at(formatsKey), path, "%v", err)
		}
		f.TimeFormats = formats
	} else if len(formats) > 0 {
		return nil, l.errf(at(formatsKey), path, "%s on %s field", formatsKey, article(r.Type))
	}
	if r.IsEventTime && k != KindTimestamp {
		return nil, l.errf(at("isEventTime"), path, "isEventTime on %s field", article(r.Type))
	}
	if len(r.Indicators) > 0 && k != KindString {
		return nil, l.errf(at("indicators"), path, "indicators on %s field (only strings carry indicators)", article(r.Type))
	}
	for _, ind := range r.Indicators {
		if _, ok := indicatorScans[ind]; !ok {
			return nil, l.errf(at("indicators"), path, "unknown indicator %q (want one of %s)", ind, strings.Join(indicatorNames(), ", "))
		}
	}
	if r.Validate != nil {
		v := r.Validate
		if err := l.checkKeys(v.extra, path+".validate"); err != nil {
			return nil, err
		}
		if k != KindString {
			return nil, l.errf(at("validate"), path, "validate on %s field (only strings are validated)", article(r.Type))
		}
		if len(v.Allow) == 0 && len(v.Deny) == 0 && v.IP == "" && v.CIDR == "" {
			return nil, l.errf(at("validate"), path, "validate has no rule (want allow, deny, ip or cidr)")
		}
		if _, err := jlex.NewStringRule(v.Allow, v.Deny, v.IP, v.CIDR); err != nil {
			return nil, l.errf(at("validate"), path, "%v", err)
		}
		f.Validate = &Validate{Allow: v.Allow, Deny: v.Deny, IP: v.IP, CIDR: v.CIDR}
	}
	if r.IsEmbeddedJSON && k != KindObject && k != KindArray && k != KindJSON {
		return nil, l.errf(at("isEmbeddedJSON"), path, "isEmbeddedJSON on %s field (only object, array and json values are embedded)", article(r.Type))
	}
	if r.NumberNames != "" {
		if k != KindSmallint {
			return nil, l.errf(at("numberNames"), path, "numberNames on %s field (only smallint)", article(r.Type))
		}
		if _, ok := jlex.NameTables[r.NumberNames]; !ok {
			return nil, l.errf(at("numberNames"), path, "unknown numberNames table %q", r.NumberNames)
		}
	}
	if k != KindObject && len(r.Fields) > 0 {
		return nil, l.errf(at("fields"), path, "fields on %s field", article(r.Type))
	}
	if k != KindArray && r.Element != nil {
		return nil, l.errf(at("element"), path, "element on %s field", article(r.Type))
	}
	switch k {
	case KindObject:
		if len(r.Fields) == 0 {
			return nil, l.errf(r.line, path, "object has no fields")
		}
		o, err := l.object(r.Fields, path, r.line, depth+1)
		if err != nil {
			return nil, err
		}
		o.Description = f.Description
		f.Object = o
	case KindArray:
		if r.Element == nil {
			return nil, l.errf(r.line, path, "array has no element")
		}
		e := r.Element
		switch {
		case e.Name != "":
			return nil, l.errf(e.line, path, "array element has a name")
		case e.Split != nil || e.Required || e.IsEventTime:
			return nil, l.errf(e.line, path, "array element cannot use split, required or isEventTime")
		case e.Validate != nil:
			return nil, l.errf(lineOf(e.keys, "validate", e.line), path, "validate on an array element is not supported: validate a string field")
		case e.IsEmbeddedJSON:
			return nil, l.errf(lineOf(e.keys, "isEmbeddedJSON", e.line), path, "isEmbeddedJSON on an array element is not supported: mark the array itself")
		}
		ef, err := l.field(e, path, depth+1)
		if err != nil {
			return nil, err
		}
		if ef.Kind == KindArray {
			return nil, l.errf(e.line, path, "arrays of arrays are not supported")
		}
		if ef.NumberNames != "" {
			// jlex has no named variant of Int16s: the names would be rejected.
			return nil, l.errf(e.line, path, "numberNames is not supported on array elements")
		}
		f.Element = ef
	}
	return f, nil
}

func (l *loader) split(f *Field, r *rawSplit, parent string, siblings map[string]*Field, derived map[*Field]bool) error {
	line := r.line
	if line == 0 {
		line = f.Line
	}
	if f.Required {
		return l.errf(line, f.Path, "a split field cannot be required")
	}
	if f.Validate != nil {
		return l.errf(line, f.Path, "a split field cannot be validated: validate its source")
	}
	if r.Separator == "" {
		return l.errf(line, f.Path, "split.separator is empty")
	}
	if r.Index == nil || *r.Index < 0 {
		return l.errf(line, f.Path, "split.index must be 0 or more")
	}
	name, ok := strings.CutPrefix(r.From, join(parent, ""))
	if parent == "" {
		name, ok = r.From, true
	}
	src := siblings[name]
	if !ok || src == nil || strings.Contains(name, ".") {
		return l.errf(line, f.Path, "split.from %q names no sibling field (want %s)", r.From, join(parent, "<field>"))
	}
	if src == f {
		return l.errf(line, f.Path, "split.from names the field itself")
	}
	if src.Kind != KindString || derived[src] {
		return l.errf(line, f.Path, "split.from %q must name a plain string field", r.From)
	}
	s := &Split{From: src, Separator: r.Separator, Index: *r.Index}
	if s.HostPort() {
		switch {
		case s.Index == 0 && f.Kind != KindString:
			return l.errf(line, f.Path, "a ':' split with index 0 (the host) must be a string field")
		case s.Index == 1 && f.Kind != KindInt:
			return l.errf(line, f.Path, "a ':' split with index 1 (the port) must be an int field")
		case s.Index > 1:
			return l.errf(line, f.Path, "a ':' split is host:port aware: index must be 0 (host) or 1 (port), not %d", s.Index)
		}
	} else {
		switch f.Kind {
		case KindString, KindSmallint, KindInt, KindBigint:
		default:
			return l.errf(line, f.Path, "a split field must be string, smallint, int or bigint, not %s", f.Kind)
		}
	}
	f.Split = s
	if f.IsAddr() && len(f.Indicators) > 1 {
		// The field is a netip.Addr, which only the ip accessor collects.
		return l.errf(line, f.Path, "a ':' split host with the ip indicator is a netip.Addr and cannot carry other indicators")
	}
	return nil
}

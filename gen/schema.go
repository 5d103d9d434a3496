package gen

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tslogs/tslogs/jlex"
	"go.yaml.in/yaml/v3"
)

// SchemaError is a problem in a schema file: where (file, line, field path)
// and what.
type SchemaError struct {
	File string
	Line int
	Path string // field path, "" for the schema itself
	Msg  string
}

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

var timeFormatCodes = map[string]string{
	"unix":    "Unix",
	"unix_ms": "UnixMs",
	"unix_us": "UnixUs",
	"unix_ns": "UnixNs",
	"rfc3339": "RFC3339",
}

type rawSchema struct {
	Schema       string      `yaml:"schema"`
	Description  string      `yaml:"description"`
	ReferenceURL string      `yaml:"referenceURL"`
	Fields       []*rawField `yaml:"fields"`
	nameLine     int         // lines of the schema and fields keys, for errors
	fieldsLine   int
}

type rawSplit struct {
	From      string `yaml:"from"`
	Separator string `yaml:"separator"`
	Index     *int   `yaml:"index"`
	line      int
}

type rawField struct {
	Name        string      `yaml:"name"`
	Description string      `yaml:"description"`
	Type        string      `yaml:"type"`
	Required    bool        `yaml:"required"`
	IsEventTime bool        `yaml:"isEventTime"`
	TimeFormats []string    `yaml:"timeFormats"`
	TimeFormat  string      `yaml:"timeFormat"` // older single-format spelling
	Indicators  []string    `yaml:"indicators"`
	Split       *rawSplit   `yaml:"split"`
	Fields      []*rawField `yaml:"fields"`
	Element     *rawField   `yaml:"element"`
	NumberNames string      `yaml:"numberNames"` // tslogs extension
	line        int
}

// knownKeys checks a mapping node's keys, so a misspelt key is an error
// rather than silently ignored.
func knownKeys(n *yaml.Node, keys ...string) error {
	if n.Kind != yaml.MappingNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: expected a mapping", n.Line)}}
	}
	for i := 0; i < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(keys, k.Value) {
			return &keyError{line: k.Line, key: k.Value}
		}
	}
	return nil
}

type keyError struct {
	line int
	key  string
}

func (e *keyError) Error() string { return fmt.Sprintf("unknown key %q", e.key) }

func (f *rawField) UnmarshalYAML(n *yaml.Node) error {
	if err := knownKeys(n, "name", "description", "type", "required", "isEventTime", "timeFormats",
		"timeFormat", "indicators", "split", "fields", "element", "numberNames"); err != nil {
		return err
	}
	type plain rawField
	if err := n.Decode((*plain)(f)); err != nil {
		return err
	}
	f.line = n.Line
	return nil
}

func (s *rawSplit) UnmarshalYAML(n *yaml.Node) error {
	if err := knownKeys(n, "from", "separator", "index"); err != nil {
		return err
	}
	type plain rawSplit
	if err := n.Decode((*plain)(s)); err != nil {
		return err
	}
	s.line = n.Line
	return nil
}

func (s *rawSchema) UnmarshalYAML(n *yaml.Node) error {
	if err := knownKeys(n, "schema", "description", "referenceURL", "fields"); err != nil {
		return err
	}
	type plain rawSchema
	if err := n.Decode((*plain)(s)); err != nil {
		return err
	}
	s.nameLine, s.fieldsLine = n.Line, n.Line
	for i := 0; i < len(n.Content); i += 2 {
		switch k := n.Content[i]; k.Value {
		case "schema":
			s.nameLine = k.Line
		case "fields":
			s.fieldsLine = k.Line
		}
	}
	return nil
}

// Load parses and validates one schema file. file names it in errors.
func Load(file string, data []byte) (*Schema, error) {
	var raw rawSchema
	if err := yaml.Unmarshal(data, &raw); err != nil {
		var ke *keyError
		if errors.As(err, &ke) {
			return nil, &SchemaError{File: file, Line: ke.line, Msg: ke.Error()}
		}
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			line, msg := yamlLine(te.Errors[0]) // the first problem is enough
			return nil, &SchemaError{File: file, Line: line, Msg: msg}
		}
		line, msg := yamlLine(strings.TrimPrefix(err.Error(), "yaml: "))
		return nil, &SchemaError{File: file, Line: line, Msg: "invalid YAML: " + msg}
	}
	if raw.nameLine == 0 { // an empty document
		raw.nameLine, raw.fieldsLine = 1, 1
	}
	l := loader{file: file}
	s := &Schema{File: file, Name: raw.Schema, Description: raw.Description, ReferenceURL: raw.ReferenceURL}
	if raw.Schema == "" {
		return nil, l.errf(raw.nameLine, "", "missing schema name")
	}
	parts := strings.Split(raw.Schema, ".")
	s.GoName = goName(parts[len(parts)-1])
	if s.GoName == "" {
		return nil, l.errf(raw.nameLine, "", "schema name %q gives no Go type name", raw.Schema)
	}
	if len(raw.Fields) == 0 {
		return nil, l.errf(raw.fieldsLine, "", "schema has no fields")
	}
	root, err := l.object(raw.Fields, "", raw.fieldsLine, 0)
	if err != nil {
		return nil, err
	}
	root.Root = true
	root.Description = raw.Description
	s.Root = root
	if err := l.methodNames(s); err != nil {
		return nil, err
	}
	return s, nil
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
	for _, k := range indicatorKinds(s) {
		methods = append(methods, k.Method)
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
		if err := l.split(o.Fields[i], r.Split, path, names, derived); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func (l *loader) field(r *rawField, path string, depth int) (*Field, error) {
	f := &Field{Path: path, Line: r.line, Description: strings.TrimSpace(r.Description),
		Required: r.Required, IsEventTime: r.IsEventTime, Indicators: r.Indicators, NumberNames: r.NumberNames}
	if r.Type == "" {
		return nil, l.errf(r.line, path, "missing type")
	}
	k, ok := kindNames[r.Type]
	if !ok {
		return nil, l.errf(r.line, path, "unknown type %q (want one of string, smallint, int, bigint, float, boolean, timestamp, json, object, array)", r.Type)
	}
	f.Kind = k
	formats := r.TimeFormats
	if r.TimeFormat != "" {
		formats = append([]string{r.TimeFormat}, formats...)
	}
	if k == KindTimestamp {
		if len(formats) == 0 {
			return nil, l.errf(r.line, path, "timestamp needs timeFormats")
		}
		if len(formats) > 8 {
			return nil, l.errf(r.line, path, "at most 8 timeFormats are supported")
		}
		for _, tf := range formats {
			if _, ok := timeFormatCodes[tf]; !ok {
				return nil, l.errf(r.line, path, "unknown time format %q (want unix, unix_ms, unix_us, unix_ns or rfc3339)", tf)
			}
		}
		f.TimeFormats = formats
	} else if len(formats) > 0 {
		return nil, l.errf(r.line, path, "timeFormats on a %s field", r.Type)
	}
	if r.IsEventTime && k != KindTimestamp {
		return nil, l.errf(r.line, path, "isEventTime on a %s field", r.Type)
	}
	if len(r.Indicators) > 0 && k != KindString {
		return nil, l.errf(r.line, path, "indicators on a %s field (only strings carry indicators)", r.Type)
	}
	for _, ind := range r.Indicators {
		if goName(ind) == "" {
			return nil, l.errf(r.line, path, "indicator name %q gives no Go identifier", ind)
		}
	}
	if r.NumberNames != "" {
		if k != KindSmallint {
			return nil, l.errf(r.line, path, "numberNames on a %s field (only smallint)", r.Type)
		}
		if _, ok := jlex.NameTables[r.NumberNames]; !ok {
			return nil, l.errf(r.line, path, "unknown numberNames table %q", r.NumberNames)
		}
	}
	if k != KindObject && len(r.Fields) > 0 {
		return nil, l.errf(r.line, path, "fields on a %s field", r.Type)
	}
	if k != KindArray && r.Element != nil {
		return nil, l.errf(r.line, path, "element on a %s field", r.Type)
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
		if e.Name != "" {
			return nil, l.errf(e.line, path, "array element has a name")
		}
		if e.Split != nil || e.Required || e.IsEventTime {
			return nil, l.errf(e.line, path, "array element cannot use split, required or isEventTime")
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

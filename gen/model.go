// Package gen turns Panther-style log schema YAML into Go types with
// reflection-free decoders, indicator accessors and row encoders.
//
// Most users run it through its command, tslogs-gen (see
// github.com/tslogs/tslogs/gen/cmd/tslogs-gen), from go generate. The
// package is for programs that generate code themselves.
//
// It works in three steps: Load or LoadFile parses one schema file into a
// validated model (Schema, Object, Field), reporting mistakes as a
// *SchemaError that names the file, line and field path; Generate renders
// models to Go source with github.com/dave/jennifer, one file per schema,
// without touching the file system; the caller writes the files. The
// generated code imports the runtime github.com/tslogs/tslogs/jlex.
//
// The schema language is Panther's, described with what tslogs accepts,
// rejects and adds in docs/schema-language.md of the repository.
package gen

// Kind is a Panther field type.
type Kind int

// The Panther field types.
const (
	KindString Kind = iota + 1
	KindSmallint
	KindInt
	KindBigint
	KindFloat
	KindBoolean
	KindTimestamp
	KindJSON
	KindObject
	KindArray
)

var kindNames = map[string]Kind{
	"string":    KindString,
	"smallint":  KindSmallint,
	"int":       KindInt,
	"bigint":    KindBigint,
	"float":     KindFloat,
	"boolean":   KindBoolean,
	"timestamp": KindTimestamp,
	"json":      KindJSON,
	"object":    KindObject,
	"array":     KindArray,
}

// String returns the type's name in schemas, such as "bigint".
func (k Kind) String() string {
	for n, v := range kindNames {
		if v == k {
			return n
		}
	}
	return "unknown"
}

// Schema is one validated log type.
type Schema struct {
	File         string  // path as given to Load, used in errors
	Source       string  // name in the header of generated files, e.g. schemas/tailscale_network.yml
	Name         string  // the log type, e.g. Tailscale.Network
	Description  string  // the schema's description
	ReferenceURL string  // the schema's referenceURL
	GoName       string  // root type name, e.g. Network
	Root         *Object // the record
}

// Object is a struct type: the root, an object field, or an array's object
// element. Objects with the same shape share one *Object.
type Object struct {
	GoName      string   // the type's name, set by Generate, e.g. NetworkTraffic
	Description string   // the description of the field holding it
	Fields      []*Field // in schema order
	Root        bool     // the record itself
	names       []string // names of the fields using this object, for its type name
	paths       []string // schema paths using this object, for its doc comment
}

// Field is one field of an object, or the element of an array (Name "").
type Field struct {
	Name        string    // JSON name
	GoName      string    // the struct field's name, e.g. SrcIP for srcIp
	Path        string    // schema path, e.g. event.virtualTraffic.src
	Line        int       // line of the field in the schema file
	Description string    // the field's description, space trimmed
	Kind        Kind      // the field's type
	Required    bool      // a record without the field is invalid
	IsEventTime bool      // a timestamp that is the record's event time
	TimeFormats []string  // a timestamp's formats, as the schema writes them
	Indicators  []string  // indicator kinds of a string, e.g. ip
	NumberNames string    // name of a jlex.NameTable, for numeric fields that also accept names
	Validate    *Validate // a string's validate rule, if any
	// EmbeddedJSON marks a value that producers may write as a JSON
	// string holding the JSON text (Panther's isEmbeddedJSON).
	EmbeddedJSON bool
	Split        *Split  // how the field derives from a sibling, if it does
	Object       *Object // KindObject
	Element      *Field  // KindArray
	Bit          int     // presence bit within its object
}

// Split derives a field from a sibling string field.
type Split struct {
	From      *Field // the sibling split
	Separator string // what to split it on
	Index     int    // which part to take, from 0
}

// Validate is the validate rule of a string field: a value must be in Allow
// (when it is not empty) and not in Deny, and an IP address or CIDR range
// of the kind IP or CIDR names ("any", "ipv4", "ipv6") when they are set.
type Validate struct {
	Allow, Deny []string // the allow and deny lists; empty for none
	IP, CIDR    string   // "any", "ipv4", "ipv6", or "" for no check
}

// CustomTime reports whether a timestamp field has a format beyond the
// built-in ones: a strftime format or a Go layout.
func (f *Field) CustomTime() bool {
	for _, tf := range f.TimeFormats {
		if _, ok := timeFormatCodes[tf]; !ok {
			return true
		}
	}
	return false
}

// HostPort reports whether the split is the address-aware ':' split: index 0
// is the host (brackets of IPv6 removed), index 1 the port.
func (s *Split) HostPort() bool { return s.Separator == ":" }

// IsAddr reports whether the field is derived as a netip.Addr: a ':' split,
// index 0, with the ip indicator.
func (f *Field) IsAddr() bool {
	return f.Split != nil && f.Split.HostPort() && f.Split.Index == 0 && f.HasIndicator("ip")
}

// HasIndicator reports whether the field carries indicator name.
func (f *Field) HasIndicator(name string) bool {
	for _, i := range f.Indicators {
		if i == name {
			return true
		}
	}
	return false
}

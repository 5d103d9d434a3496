package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/tslogs/tslogs/jlex"
)

// This file emits the encoders: AppendJSON and MarshalJSON on every
// generated type, which write a value back as the record's own JSON. The
// generated methods are one guarded line per field; the writers are jlex's
// (jlex/encode.go).

// genEncoders emits the encoders of every object of s.
func genEncoders(f *jen.File, s *Schema, objs []*Object) {
	for _, o := range objs {
		genAppendJSON(f, s, o)
		genMarshalJSON(f, o)
	}
}

// genAppendJSON emits AppendJSON, which writes the fields the decoder reads
// (readFields: split fields are derived, not written), each when present:
//
//	func (x *NetworkTraffic) AppendJSON(dst []byte) []byte {
//		dst = append(dst, '{')
//		if x.present.Has(0) {
//			dst = jlex.AppendInt(jlex.AppendKey(dst, "\"proto\":"), x.Proto)
//		}
//		...
//		return append(dst, '}')
//	}
func genAppendJSON(f *jen.File, s *Schema, o *Object) {
	if o.Root {
		see := "jlex.AppendTimeAs"
		if anyField(s, (*Field).CustomTime) {
			see += " and jlex.AppendCustomTime"
		}
		embedded := ""
		if anyField(s, func(fd *Field) bool { return fd.EmbeddedJSON }) {
			embedded = ", and values that producers may embed as JSON text in a string as plain JSON"
		}
		fileComment(f, fmt.Sprintf("AppendJSON appends x to dst as one %s record in its own JSON, without a "+
			"trailing newline: the present fields under the schema's names in schema order, split fields left out "+
			"(decoding derives them), each timestamp in the first of its formats that holds every digit "+
			"(see %s), json values as given%s. Decoding the output gives x back, presence included. "+
			"It allocates nothing when dst has room for the output.", s.Name, see, embedded))
	} else {
		fileComment(f, "AppendJSON appends x to dst as a JSON object, written as "+s.GoName+".AppendJSON writes records.")
	}
	f.Func().Params(jen.Id("x").Op("*").Id(o.GoName)).Id("AppendJSON").Params(jen.Id("dst").Index().Byte()).Index().Byte().BlockFunc(func(g *jen.Group) {
		g.Id("dst").Op("=").Append(jen.Id("dst"), jen.LitRune('{'))
		for _, fd := range readFields(o) {
			key := jen.Qual(jlexPath, "AppendKey").Call(jen.Id("dst"), jen.Lit(jsonKey(fd.Name)))
			g.If(jen.Id("x").Dot("present").Dot("Has").Call(jen.Lit(fd.Bit))).Block(
				jen.Id("dst").Op("=").Add(encodeCall(fd, key, jen.Id("x").Dot(fd.GoName), o.GoName+fd.GoName)),
			)
		}
		g.Return(jen.Append(jen.Id("dst"), jen.LitRune('}')))
	})
	f.Line()
}

// anyField reports whether a field of s, or an array element, satisfies
// pred.
func anyField(s *Schema, pred func(*Field) bool) bool {
	for _, o := range objects(s) {
		for _, fd := range o.Fields {
			if pred(fd) || fd.Element != nil && pred(fd.Element) {
				return true
			}
		}
	}
	return false
}

// genMarshalJSON emits MarshalJSON on the value, so that encoding/json uses
// it for values and pointers alike:
//
//	func (x NetworkTraffic) MarshalJSON() ([]byte, error) {
//		buf := jlex.MarshalBuffer()
//		return jlex.MarshalResult(buf, x.AppendJSON((*buf)[:0]))
//	}
func genMarshalJSON(f *jen.File, o *Object) {
	f.Comment("MarshalJSON implements json.Marshaler with AppendJSON.")
	f.Func().Params(jen.Id("x").Id(o.GoName)).Id("MarshalJSON").Params().Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Id("buf").Op(":=").Qual(jlexPath, "MarshalBuffer").Call(),
		jen.Return(jen.Qual(jlexPath, "MarshalResult").Call(jen.Id("buf"),
			jen.Id("x").Dot("AppendJSON").Call(jen.Parens(jen.Op("*").Id("buf")).Index(jen.Empty(), jen.Lit(0))))),
	)
	f.Line()
}

// encodeCall is the expression that appends v, the value of field fd, to
// dst: jlex.AppendInt(dst, x.TxBytes), x.Actor.AppendJSON(dst)… varName
// names the package-level variables of the field's custom time formats (see
// genFieldVars), which the encoder shares with the decoder.
//
// A field marked isEmbeddedJSON is written as plain JSON, which its decoder
// reads as well as JSON text in a string, except a json value that is a
// string (see jlex.AppendEmbeddedRaw). A field with a validate rule is
// written as it is: a decoded value passed the rule.
func encodeCall(fd *Field, dst, v *jen.Statement, varName string) *jen.Statement {
	call := func(name string, extra ...jen.Code) *jen.Statement {
		return jen.Qual(jlexPath, name).Call(append([]jen.Code{dst, v}, extra...)...)
	}
	switch fd.Kind {
	case KindTimestamp:
		if fd.CustomTime() {
			return call("AppendCustomTime", jen.Id("timeFormats"+varName))
		}
		return call("AppendTimeAs", formatsExpr(fd.TimeFormats))
	case KindJSON:
		if fd.EmbeddedJSON {
			return call("AppendEmbeddedRaw")
		}
		return call("AppendRaw")
	case KindObject:
		return v.Dot("AppendJSON").Call(dst)
	case KindArray:
		switch e := fd.Element; e.Kind {
		case KindTimestamp:
			if e.CustomTime() {
				return call("AppendCustomTimeArray", jen.Id("timeFormats"+varName))
			}
			return call("AppendTimeArray", formatsExpr(e.TimeFormats))
		case KindJSON:
			return call("AppendRawArray")
		case KindObject:
			return call("AppendObjectArray")
		default:
			return call(scalarWriter(e.Kind) + "Array")
		}
	}
	if w := scalarWriter(fd.Kind); w != "" {
		return call(w)
	}
	panic("gen: no encoder for " + fd.Kind.String())
}

// scalarWriter names the jlex writer of a string, integer, float or boolean
// value, which rows and encoders share (its array writer adds "Array"), or
// returns "" for other kinds.
func scalarWriter(k Kind) string {
	switch k {
	case KindString:
		return "AppendString"
	case KindSmallint, KindInt, KindBigint:
		return "AppendInt"
	case KindFloat:
		return "AppendFloat"
	case KindBoolean:
		return "AppendBool"
	}
	return ""
}

// jsonKey is a member's key as JSON writes it, quoted and escaped, with
// its colon: "say\"hi": for the name say"hi.
func jsonKey(name string) string {
	return string(jlex.AppendString(nil, name)) + ":"
}

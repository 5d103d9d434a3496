package gen

import (
	"strconv"

	"github.com/dave/jennifer/jen"
)

// appendValue is the statement that appends v, of field f's type, as JSON:
// dst = jlex.AppendInt(dst, x.TxBytes)…
func appendValue(f *Field, v *jen.Statement) jen.Code {
	dst := jen.Id("dst")
	call := func(name string) jen.Code {
		return dst.Clone().Op("=").Qual(jlexPath, name).Call(jen.Id("dst"), v)
	}
	switch f.Kind {
	case KindString, KindSmallint, KindInt, KindBigint, KindFloat, KindBoolean:
		if f.IsAddr() {
			// Through the row's addresses, formatted once (CollectAddrs).
			return dst.Clone().Op("=").Id("m").Dot("AppendAddrString").Call(jen.Id("dst"), v)
		}
		return call(scalarWriter(f.Kind))
	case KindTimestamp:
		return call("AppendTime")
	case KindJSON:
		return call("AppendCompactJSON")
	case KindObject:
		return jen.Block(
			dst.Clone().Op("=").Append(jen.Id("dst"), jen.LitRune('{')),
			dst.Clone().Op("=").Add(v).Dot("appendMembers").Call(jen.Id("dst"), jen.Id("m"), jen.Id("text")),
			dst.Clone().Op("=").Append(jen.Id("dst"), jen.LitRune('}')),
		)
	case KindArray:
		var elem jen.Code
		if f.Element.Kind == KindObject {
			elem = appendValue(f.Element, jen.Add(v.Clone()).Index(jen.Id("i")))
			return jen.Block(
				dst.Clone().Op("=").Append(jen.Id("dst"), jen.LitRune('[')),
				jen.For(jen.Id("i").Op(":=").Range().Add(v.Clone())).Block(
					dst.Clone().Op("=").Qual(jlexPath, "AppendComma").Call(jen.Id("dst")),
					elem,
				),
				dst.Clone().Op("=").Append(jen.Id("dst"), jen.LitRune(']')),
			)
		}
		elem = appendValue(f.Element, jen.Id("v"))
		if f.Element.Kind == KindJSON {
			// A null element decodes as an empty RawMessage; write it back
			// as null rather than nothing.
			elem = jen.If(jen.Len(jen.Id("v")).Op("==").Lit(0)).Block(
				dst.Clone().Op("=").Append(jen.Id("dst"), jen.Lit("null").Op("...")),
			).Else().Block(elem)
		}
		return jen.Block(
			dst.Clone().Op("=").Append(jen.Id("dst"), jen.LitRune('[')),
			jen.For(jen.List(jen.Id("_"), jen.Id("v")).Op(":=").Range().Add(v.Clone())).Block(
				dst.Clone().Op("=").Qual(jlexPath, "AppendComma").Call(jen.Id("dst")),
				elem,
			),
			dst.Clone().Op("=").Append(jen.Id("dst"), jen.LitRune(']')),
		)
	}
	panic("gen: unknown kind")
}

// genRows emits the row encoders: appendMembers on every object writes its
// present fields under their JSON names, and AppendRow on the root adds
// Panther's p_ fields:
//
//	func (x *NetworkTraffic) appendMembers(dst []byte) []byte {
//		if x.present.Has(0) {
//			dst = jlex.AppendKey(dst, "\"proto\":")
//			dst = jlex.AppendInt(dst, x.Proto)
//		}
//		...
//	}
func genRows(f *jen.File, s *Schema, objs []*Object) {
	for _, o := range objs {
		f.Comment("appendMembers appends x's present fields as JSON object members. With the")
		f.Comment("text x was decoded from, it copies the members of objects read in")
		f.Comment("producers' layout from it (see AppendDecodedRow).")
		f.Func().Params(jen.Id("x").Op("*").Id(o.GoName)).Id("appendMembers").Params(jen.Id("dst").Index().Byte(), jen.Id("m").Op("*").Qual(jlexPath, "RowMeta"), jen.Id("text").Index().Byte()).Index().Byte().BlockFunc(func(g *jen.Group) {
			member := func(g *jen.Group, fd *Field) {
				g.If(jen.Id("x").Dot("present").Dot("Has").Call(jen.Lit(fd.Bit))).Block(
					jen.Id("dst").Op("=").Qual(jlexPath, "AppendKey").Call(jen.Id("dst"), jen.Lit(strconv.Quote(fd.Name)+":")),
					appendValue(fd, jen.Id("x").Dot(fd.GoName)),
				)
			}
			if fastEligible(o) {
				// The members read, copied; those derived, between them.
				lay := layoutOf(o)
				at := func(k int) *jen.Statement {
					return jen.Id("s").Op("+").Id("uint32").Call(jen.Id("x").Dot(lay.cut(k)))
				}
				seg := func(a *jen.Statement, k int) *jen.Statement {
					return jen.Qual(jlexPath, "AppendRawMembers").Call(jen.Id("dst"), jen.Id("text"), a, at(k))
				}
				g.If(jen.Id("x").Dot("rawStart").Op("!=").Lit(0).Op("&&").Id("text").Op("!=").Nil()).BlockFunc(func(g *jen.Group) {
					g.Id("s").Op(":=").Id("x").Dot("rawStart").Op("-").Lit(1) // the '{'
					g.Id("dst").Op("=").Add(seg(jen.Id("s"), 1))
					for k, group := range lay.groups {
						for _, fd := range group {
							member(g, fd)
						}
						g.Id("dst").Op("=").Add(seg(at(k+1), k+2))
					}
					g.Return(jen.Id("dst"))
				})
			}
			for _, fd := range o.Fields {
				member(g, fd)
			}
			g.Return(jen.Id("dst"))
		})
		f.Line()
	}
	r := s.Root.GoName
	fileComment(f, "AppendRow appends x as one Panther-style row, a JSON object without a trailing newline: "+
		"the record's present fields under their JSON names (timestamps as RFC 3339 UTC, split fields beside "+
		"their source), then p_log_type, p_event_time, p_parse_time, p_row_id and the non-empty p_any_* "+
		"indicator arrays. m supplies the parse time and row ID and keeps scratch space between rows.")
	dstM := []jen.Code{jen.Id("dst").Index().Byte(), jen.Id("m").Op("*").Qual(jlexPath, "RowMeta")}
	f.Func().Params(jen.Id("x").Op("*").Id(r)).Id("AppendRow").Params(dstM...).Index().Byte().Block(
		jen.Return(jen.Id("x").Dot("appendRow").Call(jen.Id("dst"), jen.Id("m"), jen.Nil())),
	)
	f.Line()
	fileComment(f, "AppendDecodedRow appends the row AppendRow appends, byte for byte, for a value that "+
		"nothing has changed since it was decoded, in less time: the members of objects that the record "+
		"writes in producers' layout (keys in schema order, no spaces, plain ASCII strings) are copied from "+
		"the text x was decoded from rather than formatted again from their values. For a value changed since "+
		"(its fields set, assigned or appended to, or objects copied in from another value), call AppendRow: "+
		"AppendDecodedRow would write the record as decoded.")
	f.Func().Params(jen.Id("x").Op("*").Id(r)).Id("AppendDecodedRow").Params(dstM...).Index().Byte().Block(
		jen.Return(jen.Id("x").Dot("appendRow").Call(jen.Id("dst"), jen.Id("m"), jen.Id("x").Dot("text"))),
	)
	f.Line()
	f.Comment("appendRow is AppendRow, copying members from text when it is not nil.")
	f.Func().Params(jen.Id("x").Op("*").Id(r)).Id("appendRow").Params(append(dstM, jen.Id("text").Index().Byte())...).Index().Byte().BlockFunc(func(g *jen.Group) {
		cols := schemaColumns(s)
		for _, col := range cols {
			if col.IsAddr {
				// First, so that the fields' addresses are formatted once;
				// CollectAddrs orders and de-duplicates them itself (as
				// text): it takes the walker, which does not.
				g.Id("m").Dot("CollectAddrs").Call(jen.Func().Params(jen.Id("dst").Index().Qual(netipPath, "Addr")).Index().Qual(netipPath, "Addr").Block(
					jen.Return(jen.Id("x").Dot("a"+col.Method[1:]).Call(jen.Id("dst"), jen.Id("m"))),
				))
			}
		}
		g.Id("dst").Op("=").Append(jen.Id("dst"), jen.LitRune('{'))
		g.Id("dst").Op("=").Id("x").Dot("appendMembers").Call(jen.Id("dst"), jen.Id("m"), jen.Id("text"))
		g.Id("dst").Op("=").Id("m").Dot("AppendMeta").Call(jen.Id("dst"), jen.Lit(s.Name), jen.Id("x").Dot("EventTime").Call())
		for _, col := range cols {
			key := jen.Lit(strconv.Quote(col.Name) + ":")
			if col.IsAddr {
				g.Id("dst").Op("=").Id("m").Dot("AppendCollectedAddrs").Call(jen.Id("dst"), key)
				continue
			}
			g.Id("dst").Op("=").Id("m").Dot("AppendStrings").Call(jen.Id("dst"), key, jen.Id("x").Dot(col.Method))
		}
		g.Return(jen.Append(jen.Id("dst"), jen.LitRune('}')))
	})
	f.Line()
	f.Commentf("LogType returns %q.", s.Name)
	f.Func().Params(jen.Id("x").Op("*").Id(r)).Id("LogType").Params().String().Block(jen.Return(jen.Lit(s.Name)))
	f.Line()
}

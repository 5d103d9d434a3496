package gen

import "github.com/dave/jennifer/jen"

// This file emits what writing rows to a columnar file (Parquet) needs,
// with no dependency on a Parquet library in generated code: a description
// of the row's columns (jlex.Column) and straight-line code that hands each
// value of a record to a jlex.ColumnWriter with its repetition and
// definition levels, computed here from the schema's shape.
//
// Column layout: the schema's fields under their JSON names, in schema
// order; objects are groups and arrays lists; every field is optional
// (absent fields are null, as they are left out of NDJSON rows); then the
// required p_log_type, p_event_time, p_parse_time and p_row_id and one list
// per indicator column, null when empty.

// leafCount is the number of leaf columns under f.
func leafCount(f *Field) int {
	switch f.Kind {
	case KindObject:
		return objectLeaves(f.Object)
	case KindArray:
		return leafCount(f.Element)
	}
	return 1
}

func objectLeaves(o *Object) int {
	n := 0
	for _, fd := range o.Fields {
		n += leafCount(fd)
	}
	return n
}

// columnType names the jlex column type of a leaf field.
func columnType(f *Field) string {
	switch f.Kind {
	case KindString:
		return "ColString"
	case KindSmallint:
		return "ColInt16"
	case KindInt:
		return "ColInt32"
	case KindBigint:
		return "ColInt64"
	case KindFloat:
		return "ColFloat64"
	case KindBoolean:
		return "ColBool"
	case KindTimestamp:
		return "ColTimestamp"
	case KindJSON:
		return "ColJSON"
	case KindObject:
		return "ColGroup"
	case KindArray:
		return "ColList"
	}
	panic("gen: unknown kind")
}

// columnExpr is the jlex.Column literal of field f, named name: its
// members only when inSlice (the type is elided in a []*jlex.Column).
func columnExpr(f *Field, name string, inSlice bool) jen.Code {
	members := []jen.Code{
		jen.Id("Name").Op(":").Lit(name),
		jen.Id("Type").Op(":").Qual(jlexPath, columnType(f)),
	}
	switch f.Kind {
	case KindObject:
		members = append(members, jen.Id("Fields").Op(":").Add(fieldsExpr(f.Object)))
	case KindArray:
		if f.Element.Kind == KindJSON {
			// A JSON null element is kept as a null.
			members = append(members, jen.Id("Element").Op(":").Op("&").Qual(jlexPath, "Column").Values(
				jen.Id("Name").Op(":").Lit("element"), jen.Id("Type").Op(":").Qual(jlexPath, "ColJSON"),
				jen.Id("Optional").Op(":").True()))
		} else {
			members = append(members, jen.Id("Element").Op(":").Add(columnExpr(f.Element, "element", false)))
		}
	}
	if inSlice {
		return jen.Values(members...)
	}
	return jen.Op("&").Qual(jlexPath, "Column").Values(members...)
}

func fieldsExpr(o *Object) *jen.Statement {
	return jen.Index().Op("*").Qual(jlexPath, "Column").ValuesFunc(func(g *jen.Group) {
		for _, fd := range o.Fields {
			g.Line().Add(columnExpr(fd, fd.Name, true))
		}
		g.Line()
	})
}

// leafWrite is the call writing one present leaf value v of field f.
func leafWrite(f *Field, col, rep, def jen.Code, v jen.Code) jen.Code {
	m := map[Kind]string{KindString: "String", KindSmallint: "Int32", KindInt: "Int32", KindBigint: "Int64",
		KindFloat: "Float64", KindBoolean: "Bool", KindTimestamp: "Time", KindJSON: "JSON"}[f.Kind]
	if f.IsAddr() {
		m = "Addr"
	}
	if f.Kind == KindSmallint {
		v = jen.Int32().Call(v)
	}
	return jen.Id("w").Dot(m).Call(col, rep, def, v)
}

func nulls(col jen.Code, n int, rep, def jen.Code) jen.Code {
	return jen.Id("w").Dot("Nulls").Call(col, jen.Lit(n), rep, def)
}

// colAt is col+off.
func colAt(off int) jen.Code {
	if off == 0 {
		return jen.Id("col")
	}
	return jen.Id("col").Op("+").Lit(off)
}

// defPlus is def+n.
func defPlus(n int) jen.Code { return jen.Id("def").Op("+").Lit(n) }

// genWriteField emits the writing of field fd at column offset off of its
// object: null for an absent field, a value, an object's fields, or a
// list's elements (the first at the object's repetition level rep, the next
// at rl, the level of lists directly inside the object).
func genWriteField(g *jen.Group, fd *Field, off int) {
	x := jen.Id("x").Dot(fd.GoName)
	has := jen.Id("x").Dot("present").Dot("Has").Call(jen.Lit(fd.Bit))
	col, rep := colAt(off), jen.Id("rep")
	n := leafCount(fd)
	switch fd.Kind {
	case KindObject:
		g.If(has).Block(
			x.Clone().Dot("writeColumns").Call(jen.Id("w"), col, rep, defPlus(1), jen.Id("rl")),
		).Else().Block(nulls(col, n, rep, jen.Id("def")))
	case KindArray:
		// r: the repetition level of element i.
		r := jen.Id("r").Op(":=").Id("rep")
		r2 := jen.If(jen.Id("i").Op(">").Lit(0)).Block(jen.Id("r").Op("=").Id("rl"))
		var loop jen.Code
		switch e := fd.Element; {
		case e.Kind == KindObject:
			loop = jen.For(jen.Id("i").Op(":=").Range().Add(x.Clone())).Block(r, r2,
				x.Clone().Index(jen.Id("i")).Dot("writeColumns").Call(jen.Id("w"), col, jen.Id("r"), defPlus(2), jen.Id("rl").Op("+").Lit(1)))
		case e.Kind == KindJSON:
			loop = jen.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Add(x.Clone())).Block(r, r2,
				jen.If(jen.Len(jen.Id("v")).Op("==").Lit(0)).Block(nulls(col, 1, jen.Id("r"), defPlus(2))).
					Else().Block(leafWrite(e, col, jen.Id("r"), defPlus(3), jen.Id("v"))))
		default:
			loop = jen.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Add(x.Clone())).Block(r, r2,
				leafWrite(e, col, jen.Id("r"), defPlus(2), jen.Id("v")))
		}
		g.Switch().Block(
			jen.Case(jen.Op("!").Add(has)).Block(nulls(col, n, rep, jen.Id("def"))),
			jen.Case(jen.Len(x.Clone()).Op("==").Lit(0)).Block(nulls(col, n, rep, defPlus(1))),
			jen.Default().Block(loop),
		)
	default:
		g.If(has).Block(leafWrite(fd, col, rep, defPlus(1), x)).
			Else().Block(nulls(col, 1, rep, jen.Id("def")))
	}
}

// genColumns emits Columns and WriteColumns on the root and writeColumns on
// every object:
//
//	func (x *NetworkTraffic) writeColumns(w jlex.ColumnWriter, col, rep, def, rl int) {
//		if x.present.Has(0) {
//			w.Int32(col, rep, def+1, int32(x.Proto))
//		} else {
//			w.Nulls(col, 1, rep, def)
//		}
//		...
//	}
func genColumns(f *jen.File, s *Schema, objs []*Object) {
	for _, o := range objs {
		f.Commentf("writeColumns writes x's fields as the %d columns from col: x is defined at", objectLeaves(o))
		f.Comment("level def, its values start at repetition level rep, and lists directly")
		f.Comment("inside it repeat at level rl.")
		f.Func().Params(jen.Id("x").Op("*").Id(o.GoName)).Id("writeColumns").Params(
			jen.Id("w").Qual(jlexPath, "ColumnWriter"), jen.List(jen.Id("col"), jen.Id("rep"), jen.Id("def"), jen.Id("rl")).Int(),
		).BlockFunc(func(g *jen.Group) {
			off := 0
			for _, fd := range o.Fields {
				genWriteField(g, fd, off)
				off += leafCount(fd)
			}
		})
		f.Line()
	}
	r := s.Root.GoName
	n := objectLeaves(s.Root)
	kinds := schemaColumns(s)
	fileComment(f, "Columns describes the columns of a "+s.Name+" row, in the order WriteColumns writes "+
		"them: the record's fields under their JSON names (objects as groups, arrays as lists, every field "+
		"optional), then p_log_type, p_event_time, p_parse_time, p_row_id and the p_any_* indicator lists. "+
		"Each call returns a new tree.")
	f.Func().Params(jen.Id("x").Op("*").Id(r)).Id("Columns").Params().Op("*").Qual(jlexPath, "Column").BlockFunc(func(g *jen.Group) {
		var cols []jen.Code
		for _, k := range kinds {
			cols = append(cols, jen.Lit(k.Name))
		}
		g.Return(jen.Op("&").Qual(jlexPath, "Column").Values(
			jen.Id("Name").Op(":").Lit(r),
			jen.Id("Type").Op(":").Qual(jlexPath, "ColGroup"),
			jen.Id("Fields").Op(":").Append(fieldsExpr(s.Root),
				jen.Qual(jlexPath, "MetaColumns").Call(cols...).Op("...")),
		))
	})
	f.Line()
	fileComment(f, "WriteColumns writes x as one row to w, with the columns of Columns: the same "+
		"values as AppendRow (m supplies the parse time and row ID and keeps scratch space between rows). "+
		"The caller ends the row; w must copy what it keeps of strings and byte slices.")
	f.Func().Params(jen.Id("x").Op("*").Id(r)).Id("WriteColumns").Params(
		jen.Id("w").Qual(jlexPath, "ColumnWriter"), jen.Id("m").Op("*").Qual(jlexPath, "RowMeta"),
	).BlockFunc(func(g *jen.Group) {
		g.Id("x").Dot("writeColumns").Call(jen.Id("w"), jen.Lit(0), jen.Lit(0), jen.Lit(0), jen.Lit(1))
		g.Id("m").Dot("WriteMeta").Call(jen.Id("w"), jen.Lit(n), jen.Lit(s.Name), jen.Id("x").Dot("EventTime").Call())
		for i, k := range kinds {
			col := jen.Lit(n + 4 + i)
			if k.IsAddr {
				// Through the row's address walker, as AppendRow collects
				// them (Addrs orders and de-duplicates them as text).
				fill := jen.Func().Params(jen.Id("dst").Index().Qual(netipPath, "Addr")).Index().Qual(netipPath, "Addr").Block(
					jen.Return(jen.Id("x").Dot("a"+k.Method[1:]).Call(jen.Id("dst"), jen.Id("m"))),
				)
				g.Qual(jlexPath, "WriteAddrList").Call(jen.Id("w"), col, jen.Id("m").Dot("Addrs").Call(fill))
			} else {
				g.Qual(jlexPath, "WriteStringList").Call(jen.Id("w"), col, jen.Id("m").Dot("Strings").Call(jen.Id("x").Dot(k.Method)))
			}
		}
	})
	f.Line()
}

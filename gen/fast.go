package gen

import (
	"fmt"
	"strconv"

	"github.com/dave/jennifer/jen"
	"github.com/tslogs/tslogs/jlex"
)

// fastEligible reports whether o gets a fast path: every field it reads is a
// string, integer, boolean or array of strings (splits are derived after
// reading, as usual). Objects with other fields use the general decoder
// only.
func fastEligible(o *Object) bool {
	fields := readFields(o)
	if len(fields) == 0 || len(fields) > 64 {
		return false
	}
	for _, fd := range fields {
		if fd.Validate != nil || fd.EmbeddedJSON {
			return false // checks and embedded text are the general path's
		}
		switch fd.Kind {
		case KindString, KindSmallint, KindInt, KindBigint, KindBoolean:
		case KindArray:
			if fd.Element.Kind != KindString {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// addrPortPair returns the address and port splits of src that decode
// computes together (see genSplits), or nils.
func addrPortPair(o *Object, src *Field) (addr, port *Field) {
	for _, fd := range o.Fields {
		if fd.Split != nil && fd.Split.From == src && fd.IsAddr() {
			addr = fd
			break
		}
	}
	if addr == nil {
		return nil, nil
	}
	for _, p := range o.Fields {
		if p.Split != nil && p.Split.From == src && p.Split.HostPort() && p.Split.Index == 1 {
			return addr, p
		}
	}
	return nil, nil
}

// plainKey reports whether JSON writes name as is, without escapes: the
// fast path matches keys byte for byte.
func plainKey(name string) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// fastKeyCall matches the key pattern of fd at p: any byte but '}' (the '{'
// or ',' before the key), then `"name":`.
func fastKeyCall(fd *Field) *jen.Statement {
	pat := `?"` + fd.Name + `":`
	data, p := jen.Id("data"), jen.Id("p")
	hex := func(v uint64) jen.Code { return jen.Id(fmt.Sprintf("%#016x", v)) }
	if len(pat) > 16 {
		return jen.Qual(jlexPath, "FastKeyLong").Call(data, p, jen.Lit(pat[1:]))
	}
	w0, m0, w1, m1 := jlex.KeyWords(pat)
	if len(pat) <= 8 {
		return jen.Qual(jlexPath, "FastKey8").Call(data, p, hex(w0), hex(m0))
	}
	return jen.Qual(jlexPath, "FastKey16").Call(data, p, hex(w0), hex(m0), hex(w1), hex(m1))
}

// genDecodeFast emits decodeFast for an eligible object: one block per
// field in schema order, each taken when its key comes next.
//
//	func (x *NetworkTraffic) decodeFast(l *jlex.Lexer) bool {
//		data, p, ok := l.FastBegin()
//		if !ok {
//			return false
//		}
//		if jlex.FastKey16(data, p, …) { // "txBytes"
//			if x.TxBytes, p = jlex.FastInt(data, p+11); p < 0 {
//				return l.FastBail()
//			}
//			x.present.Set(8, true)
//		}
//		…
//		if !l.FastEnd(data, p) {
//			return false
//		}
//		…splits of fields not read above, as decode computes them
//		return true
//	}
func genDecodeFast(f *jen.File, o *Object) {
	f.Commentf("decodeFast reads one %s object written as producers write it", o.GoName)
	f.Comment("(see jlex.FastBegin). It returns false when it cannot, and decode then")
	f.Comment("reads the object again from its start.")
	f.Func().Params(jen.Id("x").Op("*").Id(o.GoName)).Id("decodeFast").Params(jen.Id("l").Op("*").Qual(jlexPath, "Lexer")).Bool().BlockFunc(func(g *jen.Group) {
		g.List(jen.Id("data"), jen.Id("p"), jen.Id("ok")).Op(":=").Id("l").Dot("FastBegin").Call()
		g.If(jen.Op("!").Id("ok")).Block(jen.Return(jen.False()))
		// Sources of fused address and port splits get a local that
		// records whether this pass split them.
		for _, fd := range readFields(o) {
			if fusedSplit(o, fd) {
				g.Id(splitDone(fd)).Op(":=").False()
			}
		}
		bail := jen.Return(jen.Id("l").Dot("FastBail").Call())
		data, p := jen.Id("data"), jen.Id("p")
		for _, fd := range readFields(o) {
			if !plainKey(fd.Name) {
				// JSON writes this key with escapes, which the word
				// compare does not take: an object that has it gives
				// up the fast path at its end, where this key is left.
				continue
			}
			after := jen.Id("p").Op("+").Lit(len(fd.Name) + 4)
			x := jen.Id("x").Dot(fd.GoName)
			set := jen.Id("x").Dot("present").Dot("Set").Call(jen.Lit(fd.Bit), jen.True())
			g.Comment(strconv.Quote(fd.Name))
			g.If(fastKeyCall(fd)).BlockFunc(func(g *jen.Group) {
				if fusedSplit(o, fd) {
					a, pt := addrPortPair(o, fd)
					g.Var().List(jen.Id("hasAddr"), jen.Id("hasPort")).Bool()
					g.If(
						jen.List(p.Clone(), jen.Id("hasAddr"), jen.Id("hasPort")).Op("=").Id("l").Dot("FastAddrPort").Call(
							data.Clone(), after, jen.Op("&").Add(x), jen.Op("&").Id("x").Dot(a.GoName), jen.Op("&").Id("x").Dot(pt.GoName)),
						p.Clone().Op("<").Lit(0),
					).Block(bail.Clone())
					g.Add(set)
					g.Add(setPresent(a, "hasAddr"))
					g.Add(setPresent(pt, "hasPort"))
					g.Id(splitDone(fd)).Op("=").True()
					return
				}
				if fd.Kind == KindArray {
					g.If(
						p.Clone().Op("=").Qual(jlexPath, "FastStrings").Call(data.Clone(), after, jen.Op("&").Add(x)),
						p.Clone().Op("<").Lit(0),
					).Block(bail.Clone())
					g.Add(set)
					return
				}
				fn := map[Kind]string{KindString: "FastString", KindSmallint: "FastInt16", KindInt: "FastInt32",
					KindBigint: "FastInt", KindBoolean: "FastBool"}[fd.Kind]
				g.If(
					jen.List(x, p.Clone()).Op("=").Qual(jlexPath, fn).Call(data.Clone(), after),
					p.Clone().Op("<").Lit(0),
				).Block(bail.Clone())
				g.Add(set)
			})
		}
		g.If(jen.Op("!").Id("l").Dot("FastEnd").Call(data, p)).Block(jen.Return(jen.False()))
		// The other splits, exactly as decode computes them.
		done := map[*Field]bool{}
		for _, src := range readFields(o) {
			if !fusedSplit(o, src) {
				continue
			}
			a, pt := addrPortPair(o, src)
			done[a], done[pt] = true, true
			g.If(jen.Op("!").Id(splitDone(src))).BlockFunc(func(g *jen.Group) {
				genSplitAddrPort(g, src, a, pt, "hasAddr", "hasPort")
			})
		}
		genSplitsExcept(g, o, done)
		g.Return(jen.True())
	})
	f.Line()
}

// fusedSplit reports whether decodeFast reads src with FastAddrPort,
// splitting it into its address and port splits in the same pass.
func fusedSplit(o *Object, src *Field) bool {
	a, _ := addrPortPair(o, src)
	return a != nil && src.Kind == KindString
}

// splitDone names decodeFast's local that records whether src was split
// while it was read.
func splitDone(src *Field) string { return localName(src.GoName) + "Split" }

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

// genDecodeFast emits, for an eligible object, readFast, one block per
// field in schema order, each taken when its key comes next, and
// decodeFast, which reads one object with it:
//
//	func (x *NetworkTraffic) readFast(l *jlex.Lexer, data []byte, p int) int {
//		if jlex.FastKey16(data, p, …) { // "txBytes"
//			if x.TxBytes, p = jlex.FastInt(data, p+11); p < 0 {
//				return -1
//			}
//			x.present.Set(8, true)
//		}
//		…
//		if p = jlex.FastClose(data, p); p < 0 {
//			return -1
//		}
//		…splits of fields not read above, as decode computes them
//		return p
//	}
//
//	func (x *NetworkTraffic) decodeFast(l *jlex.Lexer) bool {
//		data, p, ok := l.FastBegin()
//		return ok && l.FastDone(x.readFast(l, data, p))
//	}
func genDecodeFast(f *jen.File, o *Object) {
	f.Commentf("readFast reads one %s object at data[p], written as producers", o.GoName)
	f.Comment("write it (see jlex.FastBegin), and returns the offset after it, or -1")
	f.Comment("when it cannot; decode then reads the object again from its start.")
	lexer := jen.Id("l").Op("*").Qual(jlexPath, "Lexer")
	f.Func().Params(jen.Id("x").Op("*").Id(o.GoName)).Id("readFast").Params(lexer, jen.Id("data").Index().Byte(), jen.Id("p").Int()).Int().BlockFunc(func(g *jen.Group) {
		// Sources of fused address and port splits get a local that
		// records whether this pass split them.
		for _, fd := range readFields(o) {
			if fusedSplit(o, fd) {
				g.Id(splitDone(fd)).Op(":=").False()
			}
		}
		// Where the members are, recorded for rows (see rawLayout) when
		// x held nothing before (not a repeated key's value, merged).
		lay := layoutOf(o)
		g.Id("rawFresh").Op(":=").Id("x").Dot("present").Op("==").Lit(0)
		g.Id("rawFrom").Op(":=").Id("p")
		bail := jen.Return(jen.Lit(-1))
		data, p := jen.Id("data"), jen.Id("p")
		memo := 0 // the next memo slot of FastAddrPortMemo
		field := func(fd *Field) {
			if !plainKey(fd.Name) {
				// JSON writes this key with escapes, which the word
				// compare does not take: an object that has it gives
				// up the fast path at its end, where this key is left.
				return
			}
			after := jen.Id("p").Op("+").Lit(len(fd.Name) + 4)
			x := jen.Id("x").Dot(fd.GoName)
			set := jen.Id("x").Dot("present").Dot("Set").Call(jen.Lit(fd.Bit), jen.True())
			g.Comment(strconv.Quote(fd.Name))
			g.If(fastKeyCall(fd)).BlockFunc(func(g *jen.Group) {
				if fusedSplit(o, fd) {
					// x.present = x.present&^(1<<2|1<<3) | 1<<1 | (parts&1)<<2 | (parts>>1)<<3
					a, pt := addrPortPair(o, fd)
					g.Var().Id("parts").Qual(jlexPath, "Bits")
					g.If(
						jen.List(p.Clone(), jen.Id("parts")).Op("=").Id("l").Dot("FastAddrPortMemo").Call(
							data.Clone(), after, jen.Lit(memo), jen.Op("&").Add(x), jen.Op("&").Id("x").Dot(a.GoName), jen.Op("&").Id("x").Dot(pt.GoName)),
						p.Clone().Op("<").Lit(0),
					).Block(bail.Clone())
					present := jen.Id("x").Dot("present")
					g.Add(present.Clone()).Op("=").Add(present.Clone()).Op("&^").Parens(jen.Lit(1).Op("<<").Lit(a.Bit).Op("|").Lit(1).Op("<<").Lit(pt.Bit)).
						Op("|").Lit(1).Op("<<").Lit(fd.Bit).
						Op("|").Parens(jen.Id("parts").Op("&").Lit(1)).Op("<<").Lit(a.Bit).
						Op("|").Parens(jen.Id("parts").Op(">>").Lit(1)).Op("<<").Lit(pt.Bit)
					g.Id(splitDone(fd)).Op("=").True()
					memo++
					return
				}
				if fd.Kind == KindArray {
					g.If(
						p.Clone().Op("=").Id("l").Dot("FastStringArray").Call(data.Clone(), after, jen.Op("&").Add(x)),
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
		for _, fd := range readFields(o) {
			field(fd)
			if k, ok := lay.cutAfter[fd]; ok {
				// Stored at once (a local would hold a register through
				// the rest); read only once rawStart says the object is whole.
				g.Id("x").Dot(lay.cut(k)).Op("=").Id("uint16").Call(jen.Id("p").Op("-").Id("rawFrom"))
			}
		}
		g.If(p.Clone().Op("=").Qual(jlexPath, "FastClose").Call(data, p), p.Clone().Op("<").Lit(0)).Block(bail.Clone())
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
		// (An object longer than 64 KiB is not recorded: its offsets
		// would not fit.)
		g.If(jen.Id("rawFresh").Op("&&").Id("l").Dot("Spans").Call().Op("&&").Id("p").Op("-").Id("rawFrom").Op("<=").Lit(0x10000)).BlockFunc(func(g *jen.Group) {
			g.Id("x").Dot("rawStart").Op("=").Id("uint32").Call(jen.Id("rawFrom")).Op("+").Lit(1)
			if lay.cutAtStart != 0 {
				g.Id("x").Dot(lay.cut(lay.cutAtStart)).Op("=").Lit(0)
			}
			g.Id("x").Dot("rawEnd").Op("=").Id("uint16").Call(jen.Id("p").Op("-").Lit(1).Op("-").Id("rawFrom"))
		}).Else().Block(
			jen.Id("x").Dot("rawStart").Op("=").Lit(0),
		)
		g.Return(p)
	})
	f.Line()
	f.Commentf("decodeFast reads one %s object with readFast, as decode's fast path.", o.GoName)
	f.Func().Params(jen.Id("x").Op("*").Id(o.GoName)).Id("decodeFast").Params(jen.Id("l").Op("*").Qual(jlexPath, "Lexer")).Bool().Block(
		jen.List(jen.Id("data"), jen.Id("p"), jen.Id("ok")).Op(":=").Id("l").Dot("FastBegin").Call(),
		jen.Return(jen.Id("ok").Op("&&").Id("l").Dot("FastDone").Call(jen.Id("x").Dot("readFast").Call(jen.Id("l"), jen.Id("data"), jen.Id("p")))),
	)
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

// rawLayout is how a row copies an object that readFast read from its
// text: the runs of fields read from the input are copied as they were
// written, and the fields derived from them (splits) are written between
// the runs from their values. Unexported fields beside the object's own
// record where the members are: rawStart, the offset of its '{' plus one (0:
// nothing recorded, and the rest means nothing), rawCut1… for each group
// of consecutive derived fields, the offset (from the '{') of the separator
// where it goes (',', or the '{' when no field read comes before it), and
// rawEnd, that of the '}'.
type rawLayout struct {
	groups     [][]*Field     // the derived fields, group k-1 going at lay.cut(k)
	cutAfter   map[*Field]int // read field -> k of the group after it
	cutAtStart int            // k of a group before any read field, or 0
}

// layoutOf returns o's rawLayout.
func layoutOf(o *Object) rawLayout {
	lay := rawLayout{cutAfter: map[*Field]int{}}
	var lastRead *Field
	for i, fd := range o.Fields {
		if fd.Split == nil {
			lastRead = fd
			continue
		}
		if i > 0 && o.Fields[i-1].Split != nil {
			lay.groups[len(lay.groups)-1] = append(lay.groups[len(lay.groups)-1], fd)
			continue
		}
		lay.groups = append(lay.groups, []*Field{fd})
		if k := len(lay.groups); lastRead == nil {
			lay.cutAtStart = k
		} else {
			lay.cutAfter[lastRead] = k
		}
	}
	return lay
}

// cut names the field holding the offset of derived group k (1…), or, for
// k = len(groups)+1, of the '}'.
func (lay rawLayout) cut(k int) string {
	if k == len(lay.groups)+1 {
		return "rawEnd"
	}
	return "rawCut" + strconv.Itoa(k)
}

// rawSlot is one of the unexported fields of rawLayout.
type rawSlot struct {
	name string
	size int // 4 (uint32) or 2 (uint16)
}

// rawFields lists o's raw fields (none unless readFast records them).
func rawFields(o *Object) []rawSlot {
	if !fastEligible(o) {
		return nil
	}
	lay := layoutOf(o)
	out := []rawSlot{{"rawStart", 4}}
	for k := 1; k <= len(lay.groups)+1; k++ {
		out = append(out, rawSlot{lay.cut(k), 2})
	}
	return out
}

// placeRaw decides where o's raw fields go in its struct: into the padding
// that alignment leaves after a field (a smallint before a string leaves 6
// bytes), so that recording them makes values no larger, since decoding
// writes every byte of each array element. after[i] lists the raw fields
// declared right after o.Fields[i]; rest, those declared after present;
// end, the offset just past the last field and the raw fields after it.
// Sizes are those of 64-bit platforms (elsewhere the fields are only laid
// out less tightly).
func placeRaw(o *Object, sizes map[*Object]int) (after map[int][]rawSlot, rest []rawSlot, end int) {
	after = map[int][]rawSlot{}
	left := rawFields(o)
	off := 0
	for i, fd := range o.Fields {
		size, align := sizeAlign(fd, sizes)
		off = alignUp(off, align) + size
		// The hole up to the next field (or to present, 8-aligned).
		next := 8
		if i+1 < len(o.Fields) {
			_, next = sizeAlign(o.Fields[i+1], sizes)
		}
		hole := alignUp(off, next)
		var kept []rawSlot
		for _, r := range left {
			if at := alignUp(off, r.size); at+r.size <= hole {
				after[i] = append(after[i], r)
				off = at + r.size
				continue
			}
			kept = append(kept, r)
		}
		left = kept
	}
	return after, left, off
}

// structSize is the size of o's struct type on 64-bit platforms. sizes
// remembers those of the objects already sized (without it, deep nesting
// would take exponential time).
func structSize(o *Object, sizes map[*Object]int) int {
	if n, ok := sizes[o]; ok {
		return n
	}
	_, rest, off := placeRaw(o, sizes)
	off = alignUp(off, 8) + 8 // present
	for _, r := range rest {
		off = alignUp(off, r.size) + r.size
	}
	if o.Root {
		off = alignUp(off, 8) + 48 // arena, text
	}
	sizes[o] = alignUp(off, 8)
	return sizes[o]
}

// sizeAlign is the size and alignment of fd's Go type on 64-bit platforms.
func sizeAlign(fd *Field, sizes map[*Object]int) (size, align int) {
	switch fd.Kind {
	case KindString:
		if fd.IsAddr() {
			return 24, 8 // netip.Addr
		}
		return 16, 8
	case KindSmallint:
		return 2, 2
	case KindInt:
		return 4, 4
	case KindBigint, KindFloat:
		return 8, 8
	case KindBoolean:
		return 1, 1
	case KindObject:
		return structSize(fd.Object, sizes), 8
	}
	return 24, 8 // time.Time, json.RawMessage, slices
}

func alignUp(off, align int) int { return (off + align - 1) / align * align }

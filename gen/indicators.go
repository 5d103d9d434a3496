package gen

import (
	"slices"

	"github.com/dave/jennifer/jen"
)

// indicatorKind is one indicator name and the accessor it produces.
type indicatorKind struct {
	Name   string // ip, email, actor_id, or any other schema name
	Method string // AppendIPAddresses
	Column string // p_any_ip_addresses
	IsAddr bool   // values are netip.Addr
}

func kindOf(name string) indicatorKind {
	switch name {
	case "ip":
		return indicatorKind{Name: name, Method: "AppendIPAddresses", Column: "p_any_ip_addresses", IsAddr: true}
	case "email":
		return indicatorKind{Name: name, Method: "AppendEmails", Column: "p_any_emails"}
	case "actor_id":
		return indicatorKind{Name: name, Method: "AppendActorIDs", Column: "p_any_actor_ids"}
	}
	return indicatorKind{Name: name, Method: "Append" + goName(name) + "s", Column: "p_any_" + name + "s"}
}

// indicatorKinds lists the schema's indicator kinds: ip, email, actor_id
// first, then the others by name.
func indicatorKinds(s *Schema) []indicatorKind {
	set := map[string]bool{}
	for _, o := range objects(s) {
		for _, f := range o.Fields {
			for _, i := range f.Indicators {
				set[i] = true
			}
			if f.Element != nil {
				for _, i := range f.Element.Indicators {
					set[i] = true
				}
			}
		}
	}
	var out []indicatorKind
	for _, n := range []string{"ip", "email", "actor_id"} {
		if set[n] {
			out = append(out, kindOf(n))
			delete(set, n)
		}
	}
	var rest []string
	for n := range set {
		rest = append(rest, n)
	}
	slices.Sort(rest)
	for _, n := range rest {
		out = append(out, kindOf(n))
	}
	return out
}

// carries reports whether o or anything below it has indicator name.
func carries(o *Object, name string) bool {
	for _, f := range o.Fields {
		if f.HasIndicator(name) || (f.Element != nil && f.Element.HasIndicator(name)) {
			return true
		}
		if f.Object != nil && carries(f.Object, name) {
			return true
		}
		if f.Element != nil && f.Element.Object != nil && carries(f.Element.Object, name) {
			return true
		}
	}
	return false
}

// appendOne appends one string value by the indicator's rule.
func appendOne(k indicatorKind, v *jen.Statement) *jen.Statement {
	switch k.Name {
	case "ip":
		return jen.Qual(jlexPath, "AppendAddr").Call(jen.Id("dst"), v)
	case "email":
		return jen.Qual(jlexPath, "AppendEmail").Call(jen.Id("dst"), v)
	}
	return jen.Qual(jlexPath, "AppendNonEmpty").Call(jen.Id("dst"), v)
}

// genIndicators emits, per indicator kind, an unexported walker on every
// object that carries it and an exported accessor on the root:
//
//	func (x *Network) AppendIPAddresses(dst []netip.Addr) []netip.Addr {
//		n := len(dst)
//		dst = x.appendIPAddresses(dst)
//		return jlex.SortCompactAddrs(dst, n)
//	}
func genIndicators(f *jen.File, s *Schema, objs []*Object) {
	for _, k := range indicatorKinds(s) {
		elem := jen.String()
		sortFn := "SortCompactStrings"
		if k.IsAddr {
			elem = jen.Qual(netipPath, "Addr")
			sortFn = "SortCompactAddrs"
		}
		walker := "a" + k.Method[1:]
		for _, o := range objs {
			if !carries(o, k.Name) {
				continue
			}
			f.Commentf("%s appends the %s indicators of x and its children.", walker, k.Name)
			f.Func().Params(jen.Id("x").Op("*").Id(o.GoName)).Id(walker).Params(jen.Id("dst").Index().Add(elem.Clone())).Index().Add(elem.Clone()).BlockFunc(func(g *jen.Group) {
				for _, fd := range o.Fields {
					v := jen.Id("x").Dot(fd.GoName)
					switch {
					case fd.HasIndicator(k.Name) && fd.IsAddr():
						g.Id("dst").Op("=").Qual(jlexPath, "AppendValidAddr").Call(jen.Id("dst"), v)
					case fd.HasIndicator(k.Name):
						g.Id("dst").Op("=").Add(appendOne(k, v))
					case fd.Element != nil && fd.Element.HasIndicator(k.Name):
						g.For(jen.List(jen.Id("_"), jen.Id("v")).Op(":=").Range().Add(v)).Block(
							jen.Id("dst").Op("=").Add(appendOne(k, jen.Id("v"))),
						)
					case fd.Object != nil && carries(fd.Object, k.Name):
						g.Id("dst").Op("=").Add(v).Dot(walker).Call(jen.Id("dst"))
					case fd.Element != nil && fd.Element.Object != nil && carries(fd.Element.Object, k.Name):
						g.For(jen.Id("i").Op(":=").Range().Add(v)).Block(
							jen.Id("dst").Op("=").Add(v.Clone()).Index(jen.Id("i")).Dot(walker).Call(jen.Id("dst")),
						)
					}
				}
				g.Return(jen.Id("dst"))
			})
			f.Line()
		}
		what := map[string]string{
			"ip":    "IP addresses (canonical netip.Addr, zone dropped) of the fields marked with the ip indicator that parse as addresses",
			"email": "values of the fields marked with the email indicator that contain '@'",
		}[k.Name]
		if what == "" {
			what = "non-empty values of the fields marked with the " + k.Name + " indicator"
		}
		fileComment(f, k.Method+" appends to dst the "+what+", sorted and without duplicates among those appended, "+
			"and returns the extended slice, as Panther's "+k.Column+". It allocates only when dst lacks capacity.")
		f.Func().Params(jen.Id("x").Op("*").Id(s.Root.GoName)).Id(k.Method).Params(jen.Id("dst").Index().Add(elem.Clone())).Index().Add(elem.Clone()).Block(
			jen.Id("n").Op(":=").Len(jen.Id("dst")),
			jen.Id("dst").Op("=").Id("x").Dot(walker).Call(jen.Id("dst")),
			jen.Return(jen.Qual(jlexPath, sortFn).Call(jen.Id("dst"), jen.Id("n"))),
		)
		f.Line()
	}
}

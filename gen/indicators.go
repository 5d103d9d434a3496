package gen

import (
	"maps"
	"slices"
	"strings"

	"github.com/dave/jennifer/jen"
)

// column is one of Panther's p_any_* indicator columns and the accessor
// generated for it.
type column struct {
	Name   string // p_any_ip_addresses
	Method string // AppendIPAddresses
	Noun   string // IP addresses, for doc comments
	IsAddr bool   // values are netip.Addr
}

// columns are Panther's indicator columns, in the order rows write them.
var columns = []column{
	{"p_any_ip_addresses", "AppendIPAddresses", "IP addresses (canonical netip.Addr values)", true},
	{"p_any_emails", "AppendEmails", "email addresses", false},
	{"p_any_actor_ids", "AppendActorIDs", "actor IDs", false},
	{"p_any_domain_names", "AppendDomainNames", "domain names", false},
	{"p_any_usernames", "AppendUsernames", "usernames", false},
	{"p_any_trace_ids", "AppendTraceIDs", "trace IDs", false},
	{"p_any_md5_hashes", "AppendMD5Hashes", "MD5 hashes", false},
	{"p_any_sha1_hashes", "AppendSHA1Hashes", "SHA-1 hashes", false},
	{"p_any_sha256_hashes", "AppendSHA256Hashes", "SHA-256 hashes", false},
	{"p_any_aws_arns", "AppendAWSARNs", "AWS ARNs", false},
	{"p_any_aws_account_ids", "AppendAWSAccountIDs", "AWS account IDs", false},
	{"p_any_aws_instance_ids", "AppendAWSInstanceIDs", "AWS instance IDs", false},
	{"p_any_aws_tags", "AppendAWSTags", "AWS tags", false},
}

// scan is what one indicator kind adds to one column: the jlex function
// that scans a value, and its extra argument (a hash's length), if any.
type scan struct {
	Column string
	Func   string
	Arg    int
}

// indicatorScans maps each indicator kind of Panther's schema language to
// the columns it fills, as Panther's log processor does (see
// docs/schema-language.md).
var indicatorScans = map[string][]scan{
	"ip":              {{"p_any_ip_addresses", "AppendAddr", 0}},
	"domain":          {{"p_any_domain_names", "AppendDomain", 0}},
	"hostname":        {{"p_any_ip_addresses", "AppendAddr", 0}, {"p_any_domain_names", "AppendHostnameDomain", 0}},
	"url":             {{"p_any_ip_addresses", "AppendURLAddr", 0}, {"p_any_domain_names", "AppendURLDomain", 0}},
	"net_addr":        {{"p_any_ip_addresses", "AppendNetAddrAddr", 0}, {"p_any_domain_names", "AppendNetAddrDomain", 0}},
	"email":           {{"p_any_emails", "AppendEmail", 0}},
	"actor_id":        {{"p_any_actor_ids", "AppendNonEmpty", 0}},
	"username":        {{"p_any_usernames", "AppendTrimmed", 0}},
	"trace_id":        {{"p_any_trace_ids", "AppendTrimmed", 0}},
	"md5":             {{"p_any_md5_hashes", "AppendHash", 32}},
	"sha1":            {{"p_any_sha1_hashes", "AppendHash", 40}},
	"sha256":          {{"p_any_sha256_hashes", "AppendHash", 64}},
	"aws_arn":         {{"p_any_aws_arns", "AppendARN", 0}, {"p_any_aws_account_ids", "AppendARNAccountID", 0}, {"p_any_aws_instance_ids", "AppendARNInstanceID", 0}},
	"aws_arn_only":    {{"p_any_aws_arns", "AppendARN", 0}},
	"aws_account_id":  {{"p_any_aws_account_ids", "AppendAWSAccountID", 0}},
	"aws_instance_id": {{"p_any_aws_instance_ids", "AppendAWSInstanceID", 0}},
	"aws_tag":         {{"p_any_aws_tags", "AppendNonEmpty", 0}},
}

// indicatorNames lists the indicator kinds, sorted.
func indicatorNames() []string { return slices.Sorted(maps.Keys(indicatorScans)) }

// scanOf returns what indicator ind adds to column col, if anything.
func scanOf(ind string, col column) (scan, bool) {
	for _, sc := range indicatorScans[ind] {
		if sc.Column == col.Name {
			return sc, true
		}
	}
	return scan{}, false
}

// fieldIndicators are the indicators of a field, or of its elements.
func fieldIndicators(f *Field) []string {
	if f.Element != nil {
		return f.Element.Indicators
	}
	return f.Indicators
}

// feeds reports whether field f (or its elements) fills column col.
func feeds(f *Field, col column) bool {
	for _, ind := range fieldIndicators(f) {
		if _, ok := scanOf(ind, col); ok {
			return true
		}
	}
	return false
}

// schemaColumns lists the columns the schema's indicators fill, in row
// order.
func schemaColumns(s *Schema) []column {
	var out []column
	for _, col := range columns {
		if carries(s.Root, col) {
			out = append(out, col)
		}
	}
	return out
}

// carries reports whether o or anything below it fills column col.
func carries(o *Object, col column) bool {
	for _, f := range o.Fields {
		if feeds(f, col) {
			return true
		}
		if f.Object != nil && carries(f.Object, col) {
			return true
		}
		if f.Element != nil && f.Element.Object != nil && carries(f.Element.Object, col) {
			return true
		}
	}
	return false
}

// scanCalls returns the statements that add the value v of a field with
// indicators inds to column col: dst = jlex.AppendHostnameDomain(dst, v)…
func scanCalls(g *jen.Group, inds []string, col column, v jen.Code) {
	seen := map[string]bool{}
	for _, ind := range inds {
		sc, ok := scanOf(ind, col)
		if !ok || seen[sc.Func] {
			continue // hostname and ip, say, both add IPs the same way
		}
		seen[sc.Func] = true
		args := []jen.Code{jen.Id("dst"), v}
		if sc.Arg != 0 {
			args = append(args, jen.Lit(sc.Arg))
		}
		if sc.Func == "AppendAddr" {
			// Through the row's memory of recent text values.
			g.Id("dst").Op("=").Id("m").Dot("AppendAddr").Call(args...)
			continue
		}
		g.Id("dst").Op("=").Qual(jlexPath, sc.Func).Call(args...)
	}
}

// columnSources names, for a doc comment, the indicators of the schema that
// fill col.
func columnSources(s *Schema, col column) string {
	var used []string
	for _, o := range objects(s) {
		for _, f := range o.Fields {
			for _, ind := range fieldIndicators(f) {
				if _, ok := scanOf(ind, col); ok && !slices.Contains(used, ind) {
					used = append(used, ind)
				}
			}
		}
	}
	slices.Sort(used)
	if len(used) == 1 {
		return "the " + used[0] + " indicator finds"
	}
	return "the " + strings.Join(used[:len(used)-1], ", ") + " and " + used[len(used)-1] + " indicators find"
}

// allocating are the scanners that may allocate for some values.
var allocating = []string{"AppendDomain", "AppendHostnameDomain", "AppendURLDomain", "AppendURLAddr", "AppendNetAddrDomain", "AppendHash"}

// mayAllocate reports whether a scanner that fills col in s may allocate.
func mayAllocate(s *Schema, col column) bool {
	for _, o := range objects(s) {
		for _, f := range o.Fields {
			for _, ind := range fieldIndicators(f) {
				if sc, ok := scanOf(ind, col); ok && slices.Contains(allocating, sc.Func) {
					return true
				}
			}
		}
	}
	return false
}

// genIndicators emits, per column, an unexported walker on every object
// that fills it and an exported accessor on the root:
//
//	func (x *Network) AppendIPAddresses(dst []netip.Addr) []netip.Addr {
//		n := len(dst)
//		dst = x.appendIPAddresses(dst)
//		return jlex.SortCompactAddrs(dst, n)
//	}
func genIndicators(f *jen.File, s *Schema, objs []*Object) {
	for _, col := range schemaColumns(s) {
		elem := jen.String()
		sortFn := "SortCompactStrings"
		if col.IsAddr {
			elem = jen.Qual(netipPath, "Addr")
			sortFn = "SortCompactAddrs"
		}
		walker := "a" + col.Method[1:]
		// The address walkers take the row's RowMeta (nil outside rows),
		// which remembers the addresses of recent text values.
		params := []jen.Code{jen.Id("dst").Index().Add(elem.Clone())}
		args := func() []jen.Code { return []jen.Code{jen.Id("dst")} }
		if col.IsAddr {
			params = append(params, jen.Id("m").Op("*").Qual(jlexPath, "RowMeta"))
			args = func() []jen.Code { return []jen.Code{jen.Id("dst"), jen.Id("m")} }
		}
		for _, o := range objs {
			if !carries(o, col) {
				continue
			}
			f.Commentf("%s appends the %s of x and its children.", walker, col.Noun)
			f.Func().Params(jen.Id("x").Op("*").Id(o.GoName)).Id(walker).Params(params...).Index().Add(elem.Clone()).BlockFunc(func(g *jen.Group) {
				for _, fd := range o.Fields {
					v := jen.Id("x").Dot(fd.GoName)
					switch {
					case fd.IsAddr() && feeds(fd, col):
						g.Id("dst").Op("=").Qual(jlexPath, "AppendValidAddr").Call(jen.Id("dst"), v)
					case fd.Element == nil && feeds(fd, col):
						scanCalls(g, fd.Indicators, col, v)
					case fd.Element != nil && feeds(fd, col):
						g.For(jen.List(jen.Id("_"), jen.Id("v")).Op(":=").Range().Add(v)).BlockFunc(func(g *jen.Group) {
							scanCalls(g, fd.Element.Indicators, col, jen.Id("v"))
						})
					case fd.Object != nil && carries(fd.Object, col):
						g.Id("dst").Op("=").Add(v).Dot(walker).Call(args()...)
					case fd.Element != nil && fd.Element.Object != nil && carries(fd.Element.Object, col):
						g.For(jen.Id("i").Op(":=").Range().Add(v)).Block(
							jen.Id("dst").Op("=").Add(v.Clone()).Index(jen.Id("i")).Dot(walker).Call(args()...),
						)
					}
				}
				g.Return(jen.Id("dst"))
			})
			f.Line()
		}
		doc := col.Method + " appends to dst the " + col.Noun + " that " + columnSources(s, col) +
			" in the record, sorted and without duplicates among those appended, as Panther's " + col.Name +
			", and returns the extended slice. It allocates only when dst lacks capacity"
		if mayAllocate(s, col) {
			doc += ", and for a value that needs new text (a punycode domain, an upper-case hash) or net/url's parser"
		}
		fileComment(f, doc+".")
		walk := []jen.Code{jen.Id("dst")}
		if col.IsAddr {
			walk = append(walk, jen.Nil())
		}
		f.Func().Params(jen.Id("x").Op("*").Id(s.Root.GoName)).Id(col.Method).Params(jen.Id("dst").Index().Add(elem.Clone())).Index().Add(elem.Clone()).Block(
			jen.Id("n").Op(":=").Len(jen.Id("dst")),
			jen.Id("dst").Op("=").Id("x").Dot(walker).Call(walk...),
			jen.Return(jen.Qual(jlexPath, sortFn).Call(jen.Id("dst"), jen.Id("n"))),
		)
		f.Line()
	}
}

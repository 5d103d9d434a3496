package gen

import (
	"strings"
	"unicode"
)

// initialisms are written in capitals in Go names, as golint and the Go
// style guide ask: nodeId -> NodeID, srcIp -> SrcIP.
var initialisms = map[string]bool{
	"API": true, "ARN": true, "CPU": true, "DNS": true, "HTTP": true, "HTTPS": true, "ID": true,
	"IP": true, "JSON": true, "OS": true, "SQL": true, "SSH": true, "TCP": true, "TLS": true,
	"TTL": true, "UDP": true, "UID": true, "URI": true, "URL": true, "UUID": true,
}

// words splits a JSON name such as eventGroupID, src_ip or p-any into words
// at case changes and separators.
func words(name string) []string {
	var out []string
	rs := []rune(name)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			out = append(out, string(rs[start:end]))
		}
		start = -1
	}
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		prev := rs[i-1]
		switch {
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush(i) // camelCase boundary
			start = i
		case unicode.IsUpper(r) && unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
			flush(i) // end of an acronym: HTTPServer -> HTTP Server
			start = i
		case unicode.IsDigit(r) != unicode.IsDigit(prev) && unicode.IsLetter(prev) && unicode.IsUpper(prev):
			// keep IPv4-like runs together
		}
	}
	flush(len(rs))
	return out
}

// goName turns a JSON name into an exported Go identifier.
func goName(name string) string {
	var b strings.Builder
	for _, w := range words(name) {
		up := strings.ToUpper(w)
		if initialisms[up] {
			b.WriteString(up)
			continue
		}
		if stem, ok := strings.CutSuffix(up, "S"); ok && initialisms[stem] && strings.HasSuffix(w, "s") {
			b.WriteString(stem + "s") // ids -> IDs, as for one ID
			continue
		}
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		b.WriteString(string(rs))
	}
	s := b.String()
	if s != "" && unicode.IsDigit([]rune(s)[0]) {
		s = "F" + s
	}
	return s
}

// lowerFirst makes a Go name unexported.
func lowerFirst(s string) string {
	rs := []rune(s)
	for i := range rs {
		if i > 0 && (i+1 >= len(rs) || !unicode.IsUpper(rs[i+1])) && !unicode.IsUpper(rs[i]) {
			break
		}
		if i > 0 && i+1 < len(rs) && unicode.IsLower(rs[i+1]) {
			break
		}
		rs[i] = unicode.ToLower(rs[i])
	}
	return string(rs)
}

// singular drops a plural 's' from an array field's name for its element
// type: dstNodes -> dstNode, policies -> policy, addresses -> address.
func singular(name string) string {
	switch {
	case len(name) > 4 && strings.HasSuffix(name, "ies"):
		return strings.TrimSuffix(name, "ies") + "y"
	case strings.HasSuffix(name, "sses"):
		return strings.TrimSuffix(name, "es")
	}
	if len(name) > 3 && strings.HasSuffix(name, "s") && !strings.HasSuffix(name, "ss") {
		return strings.TrimSuffix(name, "s")
	}
	return name
}

// commonSuffix returns the longest run of whole trailing words shared by
// all names: virtualTraffic, exitTraffic -> Traffic.
func commonSuffix(names []string) string {
	if len(names) == 0 {
		return ""
	}
	ws := words(goName(names[0]))
	n := len(ws)
	for _, name := range names[1:] {
		o := words(goName(name))
		k := 0
		for k < n && k < len(o) && ws[len(ws)-1-k] == o[len(o)-1-k] {
			k++
		}
		n = k
	}
	return strings.Join(ws[len(ws)-n:], "")
}

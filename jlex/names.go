package jlex

import "strconv"

// NameTable maps lower-case names to the numbers they stand for, for numeric
// fields whose producers may also write names (schema key numberNames).
type NameTable struct {
	Name    string // the table's name in schemas, e.g. ip_protocol
	entries []nameEntry
}

type nameEntry struct {
	name  string
	value int64
}

// Lookup finds name, ignoring ASCII case.
func (t *NameTable) Lookup(name []byte) (int64, bool) {
	for _, e := range t.entries {
		if len(e.name) == len(name) && equalFoldASCII(e.name, name) {
			return e.value, true
		}
	}
	return 0, false
}

// Names returns the table's names in order.
func (t *NameTable) Names() []string {
	out := make([]string, len(t.entries))
	for i, e := range t.entries {
		out[i] = e.name
	}
	return out
}

func equalFoldASCII(a string, b []byte) bool {
	for i := 0; i < len(a); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if a[i] != c {
			return false
		}
	}
	return true
}

// IPProtocol holds the IP protocol names Tailscale's ipproto package writes
// and accepts, as in the network log's proto field.
var IPProtocol = &NameTable{Name: "ip_protocol", entries: []nameEntry{
	{"icmp", 1}, {"icmpv4", 1}, {"igmp", 2}, {"tcp", 6}, {"udp", 17},
	{"gre", 47}, {"esp", 50}, {"ah", 51}, {"ipv6-icmp", 58}, {"icmpv6", 58},
	{"tsmp", 99}, {"sctp", 132}, {"fragment", 255},
}}

// NameTables lists the tables a schema may name in numberNames.
var NameTables = map[string]*NameTable{IPProtocol.Name: IPProtocol}

// Int16Named is Int16 that also accepts a name from t as a string.
func (l *Lexer) Int16Named(dst *int16, t *NameTable) bool {
	if l.err != nil {
		return false
	}
	if l.skipWS() != '"' {
		return l.Int16(dst)
	}
	off := l.pos
	save := l.pos
	s := l.stringContent()
	if l.err != nil {
		return false
	}
	if v, ok := t.Lookup(s); ok {
		*dst = int16(v)
		return true
	}
	if len(s) == 0 || s[0] == '-' || (s[0] >= '0' && s[0] <= '9') {
		l.pos = save
		return l.Int16(dst)
	}
	*dst = 0
	l.fail(off, "unknown "+t.Name+" name "+strconv.Quote(string(s)))
	return false
}

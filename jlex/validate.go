package jlex

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// StringRule is the validate rule of a string field: an allow list, a deny
// list, and whether the value must be an IP address or a CIDR range.
// Generated code builds one per such field, once, with MustStringRule, and
// decodes the field with Lexer.ValidString.
type StringRule struct {
	allow, deny []string
	ip, cidr    ipKind
}

// ipKind is an ip or cidr rule: which addresses it accepts.
type ipKind uint8

const (
	ipNone ipKind = iota
	ipAny
	ipV4
	ipV6
)

var ipKinds = map[string]ipKind{"": ipNone, "any": ipAny, "ipv4": ipV4, "ipv6": ipV6}

func (k ipKind) String() string {
	return [...]string{"", "an IP address", "an IPv4 address", "an IPv6 address"}[k]
}

// accepts reports whether a (from a string that parsed as an address) is of
// kind k.
func (k ipKind) accepts(a netip.Addr) bool {
	return a.Zone() == "" && (k == ipAny || k == ipV4 && a.Is4() || k == ipV6 && a.Is6())
}

// NewStringRule returns the rule of a schema's validate key: allow and deny
// lists (either may be empty), and ip and cidr, each "" (no check), "any",
// "ipv4" or "ipv6".
func NewStringRule(allow, deny []string, ip, cidr string) (*StringRule, error) {
	r := &StringRule{allow: allow, deny: deny}
	var ok bool
	if r.ip, ok = ipKinds[ip]; !ok {
		return nil, fmt.Errorf("validate.ip is %q (want any, ipv4 or ipv6)", ip)
	}
	if r.cidr, ok = ipKinds[cidr]; !ok {
		return nil, fmt.Errorf("validate.cidr is %q (want any, ipv4 or ipv6)", cidr)
	}
	return r, nil
}

// MustStringRule is NewStringRule that panics on an error, for the
// package-level variables of generated code, whose rules the generator has
// already checked.
func MustStringRule(allow, deny []string, ip, cidr string) *StringRule {
	r, err := NewStringRule(allow, deny, ip, cidr)
	if err != nil {
		panic("jlex: " + err.Error())
	}
	return r
}

// Check returns "" when s passes the rule, else what is wrong with it.
func (r *StringRule) Check(s string) string {
	if len(r.allow) > 0 && !slices.Contains(r.allow, s) {
		return strconv.Quote(s) + " is not allowed (allowed: " + strings.Join(r.allow, ", ") + ")"
	}
	if slices.Contains(r.deny, s) {
		return strconv.Quote(s) + " is denied"
	}
	if r.ip != ipNone {
		if a, ok := parseAddr(s); !ok || !r.ip.accepts(a) {
			return strconv.Quote(s) + " is not " + r.ip.String()
		}
	}
	if r.cidr != ipNone {
		if p, err := netip.ParsePrefix(s); err != nil || !r.cidr.accepts(p.Addr()) {
			return strconv.Quote(s) + " is not " + strings.Replace(r.cidr.String(), "address", "CIDR range", 1)
		}
	}
	return ""
}

// ValidString is String for a field with a validate rule: a present value
// that fails r is an error at the value.
func (l *Lexer) ValidString(dst *string, r *StringRule) bool {
	if l.err != nil {
		return false
	}
	l.skipWS()
	off := l.pos
	if !l.String(dst) {
		return false
	}
	if msg := r.Check(*dst); msg != "" {
		l.fail(off, msg)
		return false
	}
	return true
}

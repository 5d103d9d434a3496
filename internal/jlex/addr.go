package jlex

import (
	"net/netip"
	"strings"
)

// ParseAddr parses an IPv4 or IPv6 address as netip.ParseAddr does, without
// allocating for valid IPv4 and IPv6 text. ok is false for anything else.
func ParseAddr(s string) (netip.Addr, bool) {
	if a, ok := parseIPv4(s); ok {
		return netip.AddrFrom4(a), true
	}
	if !strings.Contains(s, ":") {
		return netip.Addr{}, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.' || c == '%') {
			return netip.Addr{}, false // cheap reject before the allocating error path
		}
	}
	a, err := netip.ParseAddr(s)
	return a, err == nil
}

func parseIPv4(s string) ([4]byte, bool) {
	var out [4]byte
	octet := 0
	val := 0
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if digits == 1 && val == 0 {
				return out, false // leading zero, as netip rejects
			}
			val = val*10 + int(c-'0')
			digits++
			if val > 255 {
				return out, false
			}
		case c == '.':
			if digits == 0 || octet == 3 {
				return out, false
			}
			out[octet] = byte(val)
			octet++
			val, digits = 0, 0
		default:
			return out, false
		}
	}
	if octet != 3 || digits == 0 {
		return out, false
	}
	out[3] = byte(val)
	return out, true
}

// SplitHostPort splits "host:port", "[v6]:port", "host" and "[v6]" into host
// and port text without allocating. ok is false for text that is not of
// those shapes, such as an unbracketed IPv6 address.
func SplitHostPort(s string) (host, port string, ok bool) {
	if s == "" {
		return "", "", false
	}
	if s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", false
		}
		host, rest := s[1:end], s[end+1:]
		switch {
		case rest == "":
			return host, "", true
		case rest[0] == ':' && strings.IndexByte(rest[1:], ':') < 0:
			return host, rest[1:], true
		}
		return "", "", false
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, "", true
	}
	if strings.IndexByte(s[:i], ':') >= 0 {
		return "", "", false // unbracketed IPv6, or too many colons
	}
	return s[:i], s[i+1:], true
}

// SplitAddr derives an address from "host:port" text (index 0 of a split on
// ':'). It returns false, storing the zero Addr, when src is not an address.
func SplitAddr(src string, dst *netip.Addr) bool {
	*dst = netip.Addr{}
	host, _, ok := SplitHostPort(src)
	if !ok {
		return false
	}
	a, ok := ParseAddr(host)
	if !ok || a.Zone() != "" {
		return false
	}
	*dst = a
	return true
}

// SplitPort derives a port from "host:port" text (index 1 of a split on ':').
// It returns false, storing 0, when there is no port in 0–65535.
func SplitPort(src string, dst *int32) bool {
	*dst = 0
	_, port, ok := SplitHostPort(src)
	if !ok || port == "" || len(port) > 5 {
		return false
	}
	v := int32(0)
	for i := 0; i < len(port); i++ {
		c := port[i]
		if c < '0' || c > '9' {
			return false
		}
		v = v*10 + int32(c-'0')
	}
	if v > 65535 {
		return false
	}
	*dst = v
	return true
}

// SplitPart returns the index-th part of src split around sep, as
// strings.Split would, without allocating. ok is false when src has fewer
// parts.
func SplitPart(src, sep string, index int) (string, bool) {
	if src == "" {
		return "", false
	}
	for ; index > 0; index-- {
		i := strings.Index(src, sep)
		if i < 0 {
			return "", false
		}
		src = src[i+len(sep):]
	}
	if i := strings.Index(src, sep); i >= 0 {
		src = src[:i]
	}
	return src, true
}

// SplitString stores the index-th part of src around sep in *dst.
func SplitString(src, sep string, index int, dst *string) bool {
	var ok bool
	*dst, ok = SplitPart(src, sep, index)
	return ok
}

// SplitHost stores the host of "host:port" text (index 0 of a split on ':')
// in *dst, with the brackets of an IPv6 literal removed.
func SplitHost(src string, dst *string) bool {
	host, _, ok := SplitHostPort(src)
	if !ok || host == "" {
		*dst = ""
		return false
	}
	*dst = host
	return true
}

// SplitAddrPort derives both the address and the port of "host:port" text in
// one pass: SplitAddr and SplitPort together, with a fast path for IPv4.
func SplitAddrPort(src string, addr *netip.Addr, port *int32) (hasAddr, hasPort bool) {
	if a, p, ok := fastIPv4Port(src); ok {
		*addr, *port = a, p
		return true, true
	}
	return SplitAddr(src, addr), SplitPort(src, port)
}

// fastIPv4Port parses "a.b.c.d:port" exactly as SplitAddr and SplitPort do,
// reporting false for anything else (which the general path then handles).
func fastIPv4Port(s string) (netip.Addr, int32, bool) {
	var ip [4]byte
	i := 0
	for octet := 0; octet < 4; octet++ {
		if octet > 0 {
			if i >= len(s) || s[i] != '.' {
				return netip.Addr{}, 0, false
			}
			i++
		}
		v, next, ok := decByte(s, i)
		if !ok {
			return netip.Addr{}, 0, false
		}
		ip[octet], i = v, next
	}
	if i >= len(s) || s[i] != ':' {
		return netip.Addr{}, 0, false
	}
	i++
	n := len(s) - i
	if n == 0 || n > 5 {
		return netip.Addr{}, 0, false
	}
	var p int32
	for ; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return netip.Addr{}, 0, false
		}
		p = p*10 + int32(d)
	}
	if p > 65535 {
		return netip.Addr{}, 0, false
	}
	return netip.AddrFrom4(ip), p, true
}

// decByte parses 1–3 decimal digits at s[i:] as a value up to 255 with no
// leading zero.
func decByte(s string, i int) (byte, int, bool) {
	if i >= len(s) {
		return 0, i, false
	}
	d0 := s[i] - '0'
	if d0 > 9 {
		return 0, i, false
	}
	i++
	if i >= len(s) || s[i]-'0' > 9 {
		return d0, i, true
	}
	if d0 == 0 {
		return 0, i, false
	}
	v := uint(d0)*10 + uint(s[i]-'0')
	i++
	if i >= len(s) || s[i]-'0' > 9 {
		return byte(v), i, true
	}
	v = v*10 + uint(s[i]-'0')
	i++
	if v > 255 || (i < len(s) && s[i]-'0' <= 9) {
		return 0, i, false
	}
	return byte(v), i, true
}

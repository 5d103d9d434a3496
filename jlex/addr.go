package jlex

import (
	"net/netip"
	"strings"
)

// parseAddr parses an IPv4 or IPv6 address as netip.ParseAddr does, without
// allocating for valid IPv4 and IPv6 text. ok is false for anything else.
func parseAddr(s string) (netip.Addr, bool) {
	if a, ok := parseIPv4(s); ok {
		return netip.AddrFrom4(a), true
	}
	if !strings.Contains(s, ":") {
		return netip.Addr{}, false
	}
	if strings.IndexByte(s, '%') < 0 {
		a, ok := parseIPv6(s)
		if !ok {
			return netip.Addr{}, false
		}
		return netip.AddrFrom16(a), true
	}
	for i := 0; i < len(s) && s[i] != '%'; i++ { // a zone may hold any character
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.') {
			return netip.Addr{}, false // cheap reject before the allocating error path
		}
	}
	a, err := netip.ParseAddr(s)
	return a, err == nil
}

// hexVal is the value of a hex digit, or 0xff.
var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c - 'a' + 10)
		t[c-'a'+'A'] = byte(c - 'a' + 10)
	}
	return t
}()

// parseIPv6 parses an IPv6 address without a zone by netip's rules: groups
// of one to four hex digits, at most one "::" standing for at least one
// group, and optionally an IPv4 address in the last 32 bits.
func parseIPv6(s string) (ip [16]byte, ok bool) {
	ellipsis := -1 // index in ip where "::" stands
	i, n := 0, 0
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ellipsis, i = 0, 2
		if i == len(s) {
			return ip, true // "::"
		}
	}
	for n < 16 {
		start := i
		v := 0
		for i < len(s) && i-start <= 4 {
			d := hexVal[s[i]]
			if d == 0xff {
				break
			}
			v = v<<4 | int(d)
			i++
		}
		if i == start || i-start > 4 {
			return ip, false
		}
		if i < len(s) && s[i] == '.' { // an IPv4 tail
			if (ellipsis < 0 && n != 12) || n > 12 {
				return ip, false
			}
			v4, ok := parseIPv4(s[start:])
			if !ok {
				return ip, false
			}
			copy(ip[n:], v4[:])
			n += 4
			i = len(s)
			break
		}
		ip[n], ip[n+1] = byte(v>>8), byte(v)
		n += 2
		if i == len(s) {
			break
		}
		if s[i] != ':' || i+1 == len(s) {
			return ip, false
		}
		i++
		if s[i] == ':' {
			if ellipsis >= 0 {
				return ip, false // a second "::"
			}
			ellipsis = n
			i++
			if i == len(s) {
				break
			}
		}
	}
	if i != len(s) {
		return ip, false
	}
	if n < 16 {
		if ellipsis < 0 {
			return ip, false
		}
		k := 16 - n
		copy(ip[ellipsis+k:], ip[ellipsis:n])
		clear(ip[ellipsis : ellipsis+k])
	} else if ellipsis >= 0 {
		return ip, false // "::" must stand for at least one group
	}
	return ip, true
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

// splitHostPort splits "host:port", "[v6]:port", "host" and "[v6]" into host
// and port text without allocating. ok is false for text that is not of
// those shapes, such as an unbracketed IPv6 address.
func splitHostPort(s string) (host, port string, ok bool) {
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
	host, _, ok := splitHostPort(src)
	if !ok {
		return false
	}
	a, ok := parseAddr(host)
	if !ok || a.Zone() != "" || (src[0] == '[' && !a.Is6()) { // brackets hold IPv6 only, as in netip.AddrPort
		return false
	}
	*dst = a
	return true
}

// SplitPort derives a port from "host:port" text (index 1 of a split on ':').
// It returns false, storing 0, when there is no port in 0–65535.
func SplitPort(src string, dst *int32) bool {
	*dst = 0
	_, port, ok := splitHostPort(src)
	if !ok || port == "" {
		return false
	}
	v := int32(0)
	for i := 0; i < len(port); i++ { // leading zeros allowed, as strconv.ParseUint does
		c := port[i]
		if c < '0' || c > '9' {
			return false
		}
		v = v*10 + int32(c-'0')
		if v > 65535 {
			return false
		}
	}
	*dst = v
	return true
}

// splitPart returns the index-th part of src split around sep, as
// strings.Split would, without allocating. ok is false when src has fewer
// parts.
func splitPart(src, sep string, index int) (string, bool) {
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
	*dst, ok = splitPart(src, sep, index)
	return ok
}

// SplitHost stores the host of "host:port" text (index 0 of a split on ':')
// in *dst, with the brackets of an IPv6 literal removed.
func SplitHost(src string, dst *string) bool {
	host, _, ok := splitHostPort(src)
	if !ok || host == "" {
		*dst = ""
		return false
	}
	*dst = host
	return true
}

// splitAddrPort derives both the address and the port of "host:port" text in
// one pass: SplitAddr and SplitPort together, with fast paths for IPv4 and
// bracketed IPv6.
func splitAddrPort(src string, addr *netip.Addr, port *int32) (hasAddr, hasPort bool) {
	if a, p, ok := fastIPv4Port(src); ok {
		*addr, *port = a, p
		return true, true
	}
	if a, p, _, ok := bracketedPort(src); ok {
		*addr, *port = a, p
		return true, true
	}
	return SplitAddr(src, addr), SplitPort(src, port)
}

// bracketedPort parses "[v6]:port" as SplitAddr and SplitPort do, also
// returning the length of the host text with its brackets.
func bracketedPort(src string) (netip.Addr, int32, int, bool) {
	if len(src) > 2 && src[0] == '[' {
		if end := strings.IndexByte(src, ']'); end > 0 && end+1 < len(src) && src[end+1] == ':' {
			if p, ok := parsePort(src[end+2:]); ok {
				// No zone (no '%'), so the hand-written parser decides alone.
				if ip, ok := parseIPv6(src[1:end]); ok {
					return netip.AddrFrom16(ip), p, end + 1, true
				}
			}
		}
	}
	return netip.Addr{}, 0, 0, false
}

// parsePort parses 1–5 digits as a port number up to 65535.
func parsePort(s string) (int32, bool) {
	if len(s) == 0 || len(s) > 5 {
		return 0, false
	}
	var p int32
	for i := 0; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return 0, false
		}
		p = p*10 + int32(d)
	}
	return p, p <= 65535
}

// fastIPv4Port parses "a.b.c.d:port" exactly as SplitAddr and SplitPort do,
// reporting false for anything else (which the general path then handles).
// Each octet's one to three digits are read without a loop.
func fastIPv4Port(s string) (netip.Addr, int32, bool) {
	a, p, _, ok := ipv4Port(s)
	return a, p, ok
}

// ipv4Port is fastIPv4Port also returning the length of the host text.
func ipv4Port(s string) (netip.Addr, int32, int, bool) {
	var ip [4]byte
	i := 0
	for o := 0; o < 4; o++ {
		if i >= len(s) {
			return netip.Addr{}, 0, 0, false
		}
		v := uint32(s[i]) - '0'
		if v > 9 {
			return netip.Addr{}, 0, 0, false
		}
		i++
		if i < len(s) {
			if d := uint32(s[i]) - '0'; d <= 9 {
				if v == 0 {
					return netip.Addr{}, 0, 0, false // leading zero
				}
				v = v*10 + d
				i++
				if i < len(s) {
					if d := uint32(s[i]) - '0'; d <= 9 {
						v = v*10 + d
						i++
					}
				}
			}
		}
		if v > 255 || i >= len(s) {
			return netip.Addr{}, 0, 0, false
		}
		ip[o] = byte(v)
		sep := byte('.')
		if o == 3 {
			sep = ':'
		}
		if s[i] != sep {
			return netip.Addr{}, 0, 0, false
		}
		i++
	}
	p, ok := parsePort(s[i:])
	if !ok {
		return netip.Addr{}, 0, 0, false
	}
	return netip.AddrFrom4(ip), p, i - 1, true
}

package jlex

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"unsafe"
)

// The lexer's tables of recent hosts. A flow record repeats a few hosts
// many times (the logging node's own addresses and its busiest peers), and
// a node's records repeat them from one to the next, so both the fast path
// (FastAddrPort) and the general one (Lexer.SplitAddrPort) look a host up
// here before parsing it. Entries hold a copy of the host text and depend
// on nothing else, so they stay valid across records and lexers from the
// pool keep them.

// v4Memo remembers one IPv4 host text of up to 15 bytes, as two
// little-endian words with the masks that select its bytes, and its address.
type v4Memo struct {
	w0, m0, w1, m1 uint64
	n              int // length of the host text; 0 for an empty entry
	addr           netip.Addr
}

// v4Memos is the size of the lexer's table of IPv4 hosts.
const v4Memos = 32

// v4Set returns the first slot of the two-way set of an IPv4 host whose
// text starts the little-endian word w0. The set comes from the first seven
// bytes, which hold all of a short address ("0.0.0.0" is seven) and the
// distinctive first octets of a long one; the most recently added entry of
// a set comes first.
func v4Set(w0 uint64) uint64 { return ((w0 << 8) * 0x9e3779b97f4a7c15) >> (64 - 5) &^ 1 }

// rememberV4 adds host text of length n, whose first 16 bytes (with
// whatever follows it) are w0 and w1, to set h.
func (l *Lexer) rememberV4(h, w0, w1 uint64, n int, a netip.Addr) {
	var m0, m1 uint64 = 1<<(8*n) - 1, 0
	if n >= 8 {
		m0, m1 = ^uint64(0), 1<<(8*(n-8))-1
	}
	l.v4[h+1] = l.v4[h]
	l.v4[h] = v4Memo{w0: w0 & m0, m0: m0, w1: w1 & m1, m1: m1, n: n, addr: a}
}

// ipv4Host returns the address of IPv4 host text, from the table or parsed
// as parseIPv4 does and then remembered.
func (l *Lexer) ipv4Host(host string) (netip.Addr, bool) {
	n := len(host)
	if n < len("0.0.0.0") || n > len("255.255.255.255") {
		return netip.Addr{}, false
	}
	var buf [16]byte
	copy(buf[:], host)
	w0, w1 := binary.LittleEndian.Uint64(buf[:8]), binary.LittleEndian.Uint64(buf[8:])
	h := v4Set(w0)
	for k := h; k < h+2; k++ {
		if e := &l.v4[k]; e.n == n && w0&e.m0 == e.w0 && w1&e.m1 == e.w1 {
			return e.addr, true
		}
	}
	ip, ok := parseIPv4(host)
	if !ok {
		return netip.Addr{}, false
	}
	a := netip.AddrFrom4(ip)
	l.rememberV4(h, w0, w1, n, a)
	return a, true
}

// v6Memo remembers one bracketed IPv6 host text and its address.
type v6Memo struct {
	text [len("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]")]byte
	n    int // length of the text; 0 for an empty entry
	addr netip.Addr
}

// v6Memos is the size of the lexer's table of IPv6 hosts.
const v6Memos = 16

// ipv6Host returns the address of bracketed IPv6 host text such as
// "[fd7a:115c:a1e0::1]", from the table or parsed as bracketedPort does
// (no zone) and then remembered.
func (l *Lexer) ipv6Host(host string) (netip.Addr, bool) {
	n := len(host)
	if n < len("[::]") || n > len(v6Memo{}.text) || host[0] != '[' || host[n-1] != ']' {
		return netip.Addr{}, false
	}
	// The set comes from the last bytes of the address, where the hosts
	// of one tailnet differ (they share the first 48 bits). Sets have two
	// ways, the most recently added first.
	var tail uint64
	if n >= 8 {
		tail = loadLE(unsafe.Slice(unsafe.StringData(host), n), n-8)
	} else {
		for j := range n {
			tail = tail<<8 | uint64(host[j])
		}
	}
	h := (tail * 0x9e3779b97f4a7c15) >> (64 - 4) &^ 1
	for k := h; k < h+2; k++ {
		if e := &l.v6[k]; e.n == n && host == string(e.text[:n]) {
			return e.addr, true
		}
	}
	ip, ok := parseIPv6(host[1 : n-1])
	if !ok {
		return netip.Addr{}, false
	}
	l.v6[h+1] = l.v6[h]
	e := &l.v6[h]
	e.n = copy(e.text[:], host)
	e.addr = netip.AddrFrom16(ip)
	return e.addr, true
}

// SplitAddrPort derives both the address and the port of "host:port" text in
// one pass, as SplitAddr and SplitPort do (the split on ':' of a field with
// the ip indicator, index 0, and of a field at index 1), taking the address
// of a host from the lexer's tables of recent hosts when it is there.
func (l *Lexer) SplitAddrPort(src string, addr *netip.Addr, port *int32) (hasAddr, hasPort bool) {
	if i := strings.LastIndexByte(src, ':'); i > 0 {
		host := src[:i]
		var a netip.Addr
		var ok bool
		if host[0] == '[' {
			a, ok = l.ipv6Host(host)
		} else {
			a, ok = l.ipv4Host(host)
		}
		if ok {
			if p, ok := parsePort(src[i+1:]); ok {
				*addr, *port = a, p
				return true, true
			}
		}
	}
	return splitAddrPort(src, addr, port)
}

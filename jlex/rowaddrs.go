package jlex

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"slices"
)

// addrSet holds the distinct addresses of one row (p_any_ip_addresses),
// each formatted once, in the order of their text: what Panther sorts the
// column by. Finding the distinct ones takes a hash table rather than a
// sort of every occurrence: a flow record names each of its few addresses
// in many traffic entries.
type addrSet struct {
	tab  []addrSlot // open addressing; empty unless gen is the current one
	gen  uint32
	ents []addrEnt // the distinct addresses, sorted by text once collected
	txt  []byte    // their text
	// sorted is ents' addresses, for RowMeta.IPAddresses.
	sorted []netip.Addr
	// pos maps the order addresses were first seen in (a slot's ent) to
	// their index in ents once sorted.
	pos  []int32
	mask uint64 // len(tab)-1 for the current row
}

type addrSlot struct {
	hi, lo uint64
	ent    int32 // index in ents
	gen    uint32
}

type addrEnt struct {
	addr       netip.Addr
	k0, k1     uint64 // the first 16 bytes of the text, big-endian, zero-padded
	start, end int32  // the text in txt
	zoned      bool   // the text has a zone, which may need escaping
	seen       int32  // the index the address had when first seen
}

// collect makes the set the distinct addresses of ips (which may hold
// duplicates, in any order), sorted by text.
func (s *addrSet) collect(ips []netip.Addr) {
	s.ents = s.ents[:0]
	s.txt = s.txt[:0]
	s.sorted = s.sorted[:0]
	if len(ips) == 0 {
		return
	}
	size := 16
	for size < 2*len(ips) {
		size <<= 1
	}
	if len(s.tab) < size {
		s.tab = make([]addrSlot, size)
		s.gen = 0
	}
	tab := s.tab[:size]
	s.gen++
	if s.gen == 0 { // wrapped around: slots of old rows could look current
		clear(s.tab)
		s.gen = 1
	}
	gen, mask := s.gen, uint64(size-1)
	s.mask = mask
	for _, a := range ips {
		hi, lo, h := addrHash(a)
		for i := h & mask; ; i = (i + 1) & mask {
			sl := &tab[i]
			if sl.gen != gen {
				*sl = addrSlot{hi: hi, lo: lo, ent: int32(len(s.ents)), gen: gen}
				s.add(a)
				break
			}
			// An IPv4 address and its 4-in-6 form share their 16 bytes.
			if sl.hi == hi && sl.lo == lo && s.ents[sl.ent].addr == a {
				break
			}
		}
	}
	txt := s.txt
	slices.SortFunc(s.ents, func(x, y addrEnt) int {
		switch {
		case x.k0 != y.k0:
			if x.k0 < y.k0 {
				return -1
			}
			return 1
		case x.k1 != y.k1:
			if x.k1 < y.k1 {
				return -1
			}
			return 1
		}
		return bytes.Compare(txt[x.start:x.end], txt[y.start:y.end])
	})
	s.pos = slices.Grow(s.pos[:0], len(s.ents))[:len(s.ents)]
	for i := range s.ents {
		s.sorted = append(s.sorted, s.ents[i].addr)
		s.pos[s.ents[i].seen] = int32(i)
	}
}

// addrHash returns a's 16 bytes and a hash of them.
func addrHash(a netip.Addr) (hi, lo, h uint64) {
	b := a.As16()
	hi, lo = binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	return hi, lo, (lo ^ hi*0x9e3779b97f4a7c15) * 0xbf58476d1ce4e5b9 >> 32
}

// text returns the text of a if a is in the set.
func (s *addrSet) text(a netip.Addr) ([]byte, bool) {
	if len(s.ents) == 0 {
		return nil, false
	}
	hi, lo, h := addrHash(a)
	for i := h & s.mask; ; i = (i + 1) & s.mask {
		sl := &s.tab[i]
		if sl.gen != s.gen {
			return nil, false
		}
		if sl.hi == hi && sl.lo == lo {
			if e := &s.ents[s.pos[sl.ent]]; e.addr == a {
				return s.txt[e.start:e.end], true
			}
		}
	}
}

// add appends a distinct address and its text.
func (s *addrSet) add(a netip.Addr) {
	start := len(s.txt)
	if a.Zone() == "" {
		s.txt = appendAddr(s.txt, a)
	} else {
		s.txt = a.AppendTo(s.txt)
	}
	var key [16]byte
	copy(key[:], s.txt[start:])
	s.ents = append(s.ents, addrEnt{addr: a,
		k0: binary.BigEndian.Uint64(key[:8]), k1: binary.BigEndian.Uint64(key[8:]),
		start: int32(start), end: int32(len(s.txt)), zoned: a.Zone() != "", seen: int32(len(s.ents))})
}

// appendJSON appends the member quotedKey with the set as an array of
// strings, or nothing when the set is empty.
func (s *addrSet) appendJSON(dst []byte, quotedKey string) []byte {
	if len(s.ents) == 0 {
		return dst
	}
	dst = AppendKey(dst, quotedKey)
	dst = append(dst, '[')
	for i := range s.ents {
		e := &s.ents[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		if e.zoned {
			dst = appendEscapedASCII(dst, s.txt[e.start:e.end])
		} else {
			dst = append(dst, s.txt[e.start:e.end]...)
		}
		dst = append(dst, '"')
	}
	return append(dst, ']')
}

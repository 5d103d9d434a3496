package jlex

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"slices"
	"strconv"
	"unsafe"
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
	// memo remembers the text of addresses of earlier rows: records of
	// one tailnet name the same nodes over and over.
	memo *[memoSize]textMemo
	keys []sortKey // scratch for sorting
	v4   []uint64
	tmp  []addrEnt
}

// memoSize is the number of addresses whose text an addrSet remembers
// (256 KiB).
const memoSize = 4096

type textMemo struct {
	hi, lo uint64
	is4    bool
	n      uint8 // the text's length; 0 for an empty entry
	text   [maxMemoText]byte
}

const maxMemoText = 40 // more than any address without a zone

// sortKey orders ents: the 16 bytes of text after the prefix all share.
type sortKey struct {
	k0, k1 uint64
	i      int32
}

type addrSlot struct {
	addr netip.Addr
	ent  int32 // index in ents
	gen  uint32
}

type addrEnt struct {
	addr       netip.Addr
	start, end int32 // the text in txt
	zoned      bool  // the text has a zone, which may need escaping
	seen       int32 // the index the address had when first seen
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
				*sl = addrSlot{addr: a, ent: int32(len(s.ents)), gen: gen}
				s.add(a, hi, lo, h)
				break
			}
			// An IPv4 address and its 4-in-6 form share their 16 bytes:
			// whole addresses are compared.
			if sl.addr == a {
				break
			}
		}
	}
	s.sort()
	s.pos = slices.Grow(s.pos[:0], len(s.ents))[:len(s.ents)]
	for i := range s.ents {
		s.sorted = append(s.sorted, s.ents[i].addr)
		s.pos[s.ents[i].seen] = int32(i)
	}
}

// addrHash returns a's 16 bytes, as two big-endian words, and a hash of
// them.
func addrHash(a netip.Addr) (hi, lo, h uint64) {
	if addrWordsKnown {
		// The words netip.Addr holds: reading them costs two loads, where
		// As16 stored its 16 bytes to memory and they were read back
		// before the stores could be forwarded (two fifths of collect's
		// time went to that stall).
		w := (*[2]uint64)(unsafe.Pointer(&a))
		hi, lo = w[0], w[1]
	} else {
		hi, lo = addrWordsOf(a)
	}
	return hi, lo, (lo ^ hi*0x9e3779b97f4a7c15) * 0xbf58476d1ce4e5b9 >> 32
}

// addrWordsOf returns a's 16 bytes as two big-endian words.
func addrWordsOf(a netip.Addr) (hi, lo uint64) {
	b := a.As16()
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}

// addrWordsKnown reports whether a netip.Addr begins with its 128 bits as
// two native words, high one first (its layout since Go 1.18), checked on
// addresses of every kind: if a Go release changes that, addrHash reads
// them with As16 instead.
var addrWordsKnown = func() bool {
	if unsafe.Sizeof(netip.Addr{}) < 16 || unsafe.Alignof(netip.Addr{}) < 8 {
		return false
	}
	for _, s := range []string{"0.0.0.0", "100.64.1.2", "255.255.255.255", "::", "::1", "::ffff:100.64.1.2",
		"fd7a:115c:a1e0::1", "fe80::1%eth0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "0102:0304:0506:0708:090a:0b0c:0d0e:0f10"} {
		a := netip.MustParseAddr(s)
		w := (*[2]uint64)(unsafe.Pointer(&a))
		if hi, lo := addrWordsOf(a); w[0] != hi || w[1] != lo {
			return false
		}
	}
	return true
}()

// text returns the text of a if a is in the set.
func (s *addrSet) text(a netip.Addr) ([]byte, bool) {
	if len(s.ents) == 0 {
		return nil, false
	}
	_, _, h := addrHash(a)
	for i := h & s.mask; ; i = (i + 1) & s.mask {
		sl := &s.tab[i]
		if sl.gen != s.gen {
			return nil, false
		}
		if sl.addr == a {
			e := &s.ents[s.pos[sl.ent]]
			return s.txt[e.start:e.end], true
		}
	}
}

// add appends a distinct address and its text, which it formats or
// copies from the memo.
func (s *addrSet) add(a netip.Addr, hi, lo, h uint64) {
	start := len(s.txt)
	zoned := a.Zone() != ""
	if zoned {
		s.txt = a.AppendTo(s.txt)
	} else {
		if s.memo == nil {
			s.memo = new([memoSize]textMemo)
		}
		is4 := a.Is4()
		m := &s.memo[h>>16&(memoSize-1)]
		if m.n > 0 && m.hi == hi && m.lo == lo && m.is4 == is4 {
			s.txt = append(s.txt, m.text[:m.n]...)
		} else {
			s.txt = appendAddr(s.txt, a)
			if n := len(s.txt) - start; n <= maxMemoText {
				*m = textMemo{hi: hi, lo: lo, is4: is4, n: uint8(n)}
				copy(m.text[:], s.txt[start:])
			}
		}
	}
	s.ents = append(s.ents, addrEnt{addr: a, start: int32(start), end: int32(len(s.txt)), zoned: zoned, seen: int32(len(s.ents))})
}

// sort orders ents by their text.
func (s *addrSet) sort() {
	ents := s.ents
	if len(ents) < 2 {
		return
	}
	txt := s.txt
	// IPv4 addresses (most of a tailnet's) sort by a number: the text
	// order of their octets' decimal forms (rank). The others, compared
	// by text, are sorted apart and the two lists merged.
	v4 := s.v4[:0]
	keys := s.keys[:0]
	cp := -1 // the prefix all the others' text shares
	var first []byte
	for i := range ents {
		e := &ents[i]
		if a := e.addr; a.Is4() {
			b := a.As4()
			r := uint64(octetRank[b[0]])<<24 | uint64(octetRank[b[1]])<<16 | uint64(octetRank[b[2]])<<8 | uint64(octetRank[b[3]])
			v4 = append(v4, r<<32|uint64(i))
			continue
		}
		t := txt[e.start:e.end]
		if cp < 0 {
			first, cp = t, len(t)
		}
		k := 0
		for k < cp && k < len(t) && t[k] == first[k] {
			k++
		}
		cp = k
		keys = append(keys, sortKey{i: int32(i)})
	}
	s.v4, s.keys = v4, keys
	slices.Sort(v4)
	// The keys of the others: the 16 bytes after the prefix they share
	// (often "fd7a:115c:a1e0:"), which tells none apart.
	for k := range keys {
		e := &ents[keys[k].i]
		var b [16]byte
		copy(b[:], txt[int(e.start)+cp:e.end])
		keys[k].k0, keys[k].k1 = binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	}
	if !s.quickSort(keys, 2*bitsLen(len(keys))) {
		// Quicksort went too deep (an input made to defeat its pivots).
		slices.SortFunc(keys, func(x, y sortKey) int {
			if s.less(&x, &y) {
				return -1
			}
			if s.less(&y, &x) {
				return 1
			}
			return 0
		})
	}
	s.tmp = append(s.tmp[:0], ents...)
	i, j := 0, 0
	for n := range ents {
		var from int
		switch {
		case j == len(keys):
			from, i = int(uint32(v4[i])), i+1
		case i == len(v4):
			from, j = int(keys[j].i), j+1
		default:
			a, b := &s.tmp[uint32(v4[i])], &s.tmp[keys[j].i]
			if bytes.Compare(txt[a.start:a.end], txt[b.start:b.end]) < 0 {
				from, i = int(uint32(v4[i])), i+1
			} else {
				from, j = int(keys[j].i), j+1
			}
		}
		ents[n] = s.tmp[from]
	}
}

// octetRank is the place of each octet's decimal form among those of 0 to
// 255 in text order ("0" < "1" < "10" < "100" < "101" < … < "99"): since
// '.' sorts before every digit, dotted quads in text order are in the order
// of their octets' ranks.
var octetRank = func() (r [256]uint8) {
	names := make([]string, 256)
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	order := slices.Clone(names)
	slices.Sort(order)
	for rank, name := range order {
		n, _ := strconv.Atoi(name)
		r[n] = uint8(rank)
	}
	return r
}()

func bitsLen(n int) int {
	b := 0
	for ; n > 0; n >>= 1 {
		b++
	}
	return b
}

// less orders keys of ents by their text.
func (s *addrSet) less(x, y *sortKey) bool {
	if x.k0 != y.k0 {
		return x.k0 < y.k0
	}
	if x.k1 != y.k1 {
		return x.k1 < y.k1
	}
	ex, ey := &s.ents[x.i], &s.ents[y.i]
	return bytes.Compare(s.txt[ex.start:ex.end], s.txt[ey.start:ey.end]) < 0
}

// quickSort sorts keys by less, insertion-sorting short runs. It returns
// false, leaving keys permuted but unsorted, when it would recurse deeper
// than depth.
func (s *addrSet) quickSort(keys []sortKey, depth int) bool {
	for len(keys) > 12 {
		if depth == 0 {
			return false
		}
		depth--
		// Median of three as the pivot, moved to the front.
		m, l := len(keys)/2, len(keys)-1
		if s.less(&keys[m], &keys[0]) {
			keys[m], keys[0] = keys[0], keys[m]
		}
		if s.less(&keys[l], &keys[0]) {
			keys[l], keys[0] = keys[0], keys[l]
		}
		if s.less(&keys[l], &keys[m]) {
			keys[l], keys[m] = keys[m], keys[l]
		}
		keys[0], keys[m] = keys[m], keys[0]
		p := keys[0]
		i, j := 1, l
		for {
			for i <= j && s.less(&keys[i], &p) {
				i++
			}
			for i <= j && s.less(&p, &keys[j]) {
				j--
			}
			if i >= j {
				break
			}
			keys[i], keys[j] = keys[j], keys[i]
			i++
			j--
		}
		keys[0], keys[j] = keys[j], keys[0]
		// Recurse into the smaller side, loop on the larger.
		if j < len(keys)-j {
			if !s.quickSort(keys[:j], depth) {
				return false
			}
			keys = keys[j+1:]
		} else {
			if !s.quickSort(keys[j+1:], depth) {
				return false
			}
			keys = keys[:j]
		}
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && s.less(&keys[j], &keys[j-1]); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return true
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

// AppendAddr is jlex.AppendAddr (the ip indicator of a text value) for the
// row's address walker: it remembers the addresses of 4,096 recent values
// (240 KiB), as records name the same nodes' addresses over and over. m may
// be nil.
func (m *RowMeta) AppendAddr(dst []netip.Addr, s string) []netip.Addr {
	if m == nil || len(s) > maxMemoText || len(s) == 0 {
		return AppendAddr(dst, s)
	}
	if m.strs2addr == nil {
		m.strs2addr = new([textAddrMemos]textAddr)
	}
	e := &m.strs2addr[textHash(s)&(textAddrMemos-1)]
	if int(e.n) != len(s) || string(e.text[:e.n]) != s {
		a, ok := indicatorAddr(s)
		*e = textAddr{n: uint8(len(s)), addr: a.As16(), is4: a.Is4(), ok: ok}
		copy(e.text[:], s)
	}
	switch {
	case !e.ok:
	case e.is4:
		dst = append(dst, netip.AddrFrom4([4]byte(e.addr[12:])))
	default:
		dst = append(dst, netip.AddrFrom16(e.addr))
	}
	return dst
}

const textAddrMemos = 4096

// textAddr is a text value remembered by RowMeta.AppendAddr, and whether
// it is an address.
type textAddr struct {
	n    uint8
	ok   bool
	is4  bool
	text [maxMemoText]byte
	addr [16]byte // a netip.Addr holds a pointer (its zone): these do not
}

// textHash hashes s, 1 to maxMemoText bytes: its first and last eight
// bytes (overlapping or padded) and its length.
func textHash(s string) uint64 {
	var a, b uint64
	if len(s) >= 8 {
		p := unsafe.Slice(unsafe.StringData(s), len(s)) // a view, not a copy
		a = binary.LittleEndian.Uint64(p)
		b = binary.LittleEndian.Uint64(p[len(p)-8:])
	} else {
		for i := 0; i < len(s); i++ {
			a = a<<8 | uint64(s[i])
		}
	}
	return ((a*0x9e3779b97f4a7c15^b)*0xbf58476d1ce4e5b9 ^ uint64(len(s))) >> 40
}

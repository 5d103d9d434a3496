package tailscale_test

// This file is the reference decoder of the differential fuzz tests in
// fuzz_test.go: mirror structs of Network and Audit decoded by
// github.com/goccy/go-json, whose leaves are small reference types with their
// own UnmarshalJSON. The leaves implement tslogs' field semantics (see
// docs/wire-format.md and the schemas) independently of
// jlex, with the standard library only: strconv, regexp, math/big,
// time.Parse, netip and utf8. They are written to be obviously correct, not
// fast.
//
// goccy decides which struct field a key goes to, calls the leaves, and
// checks the JSON syntax; the reference adds what goccy does not know: the
// depth limit, the required fields, top-level null, and (in the leaves) the
// types, null-means-absent, and the string decoding.

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	json "github.com/goccy/go-json"

	"github.com/tslogs/tslogs/tailscale"
)

// refMaxDepth is the nesting limit of the decoder: more than this many nested
// arrays and objects is an error.
const refMaxDepth = 128

func refIsNull(b []byte) bool { return string(b) == "null" }

// refUnquote decodes the JSON string literal b (quotes included): escapes
// resolved, each invalid UTF-8 byte and each lone surrogate escape replaced by
// U+FFFD, raw control characters rejected.
func refUnquote(b []byte) (string, error) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", fmt.Errorf("not a JSON string: %q", b)
	}
	in := b[1 : len(b)-1]
	var out strings.Builder
	for i := 0; i < len(in); {
		c := in[i]
		switch {
		case c == '\\':
			if i+1 >= len(in) {
				return "", errors.New("truncated escape")
			}
			switch e := in[i+1]; e {
			case '"', '\\', '/':
				out.WriteByte(e)
				i += 2
			case 'b':
				out.WriteByte('\b')
				i += 2
			case 'f':
				out.WriteByte('\f')
				i += 2
			case 'n':
				out.WriteByte('\n')
				i += 2
			case 'r':
				out.WriteByte('\r')
				i += 2
			case 't':
				out.WriteByte('\t')
				i += 2
			case 'u':
				r, ok := refHex4(in[i+2:])
				if !ok {
					return "", errors.New("bad \\u escape")
				}
				i += 6
				switch {
				case r >= 0xD800 && r <= 0xDBFF:
					// A high surrogate must be followed at once by an
					// escaped low surrogate; alone it is U+FFFD.
					if i+1 < len(in) && in[i] == '\\' && in[i+1] == 'u' {
						if lo, ok := refHex4(in[i+2:]); ok && lo >= 0xDC00 && lo <= 0xDFFF {
							out.WriteRune(0x10000 + (r-0xD800)<<10 + (lo - 0xDC00))
							i += 6
							continue
						}
					}
					out.WriteRune(utf8.RuneError)
				case r >= 0xDC00 && r <= 0xDFFF:
					out.WriteRune(utf8.RuneError)
				default:
					out.WriteRune(r)
				}
			default:
				return "", fmt.Errorf("bad escape \\%c", e)
			}
		case c == '"':
			return "", errors.New("unescaped quote")
		case c < 0x20:
			return "", errors.New("control character in string")
		case c < utf8.RuneSelf:
			out.WriteByte(c)
			i++
		default:
			r, size := utf8.DecodeRune(in[i:])
			if r == utf8.RuneError && size == 1 {
				out.WriteRune(utf8.RuneError)
			} else {
				out.Write(in[i : i+size])
			}
			i += size
		}
	}
	return out.String(), nil
}

func refHex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[:4]), 16, 32)
	return rune(v), err == nil
}

// refNumberRE is the JSON number grammar: sign, integer, fraction, exponent.
var refNumberRE = regexp.MustCompile(`^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$`)

// refNumericText returns the text of a number, or of a numeric-looking
// string's content. present is false for null and "".
func refNumericText(b []byte, what string) (text string, present bool, err error) {
	switch {
	case refIsNull(b):
		return "", false, nil
	case b[0] == '"':
		s, err := refUnquote(b)
		if err != nil || s == "" {
			return "", false, err
		}
		return s, true, nil
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		return string(b), true, nil
	}
	return "", false, fmt.Errorf("%s: want a number, got %q", what, b)
}

// refParseInt parses a JSON integer (or a string holding one) of the given
// bit size.
func refParseInt(b []byte, bitSize int) (int64, bool, error) {
	text, present, err := refNumericText(b, "int"+strconv.Itoa(bitSize))
	if !present || err != nil {
		return 0, false, err
	}
	m := refNumberRE.FindStringSubmatch(text)
	if m == nil {
		return 0, false, fmt.Errorf("%q is not a JSON number", text)
	}
	if m[3] != "" || m[4] != "" {
		return 0, false, fmt.Errorf("%q is not an integer", text)
	}
	v, err := strconv.ParseInt(text, 10, bitSize)
	if err != nil {
		return 0, false, err
	}
	return v, true, nil
}

// refString is a string field: null is absent.
type refString struct {
	set bool
	v   string
}

func (r *refString) UnmarshalJSON(b []byte) error {
	*r = refString{}
	if refIsNull(b) {
		return nil
	}
	s, err := refUnquote(b)
	if err != nil {
		return err
	}
	*r = refString{true, s}
	return nil
}

// refInt64 is a bigint field.
type refInt64 struct {
	set bool
	v   int64
}

func (r *refInt64) UnmarshalJSON(b []byte) error {
	*r = refInt64{}
	v, set, err := refParseInt(b, 64)
	if err != nil {
		return err
	}
	*r = refInt64{set, v}
	return nil
}

// refProtoNames is Tailscale's ipproto names, matched ignoring ASCII case.
var refProtoNames = map[string]int16{
	"icmp": 1, "icmpv4": 1, "igmp": 2, "tcp": 6, "udp": 17, "gre": 47, "esp": 50, "ah": 51,
	"ipv6-icmp": 58, "icmpv6": 58, "tsmp": 99, "sctp": 132, "fragment": 255,
}

// refASCIILower lowercases A-Z only: the names are ASCII, and a non-ASCII
// letter that folds to one (U+017F ſ to s) does not spell a name.
func refASCIILower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// refProto is a smallint field with numberNames ip_protocol.
type refProto struct {
	set bool
	v   int16
}

func (r *refProto) UnmarshalJSON(b []byte) error {
	*r = refProto{}
	if len(b) > 0 && b[0] == '"' {
		s, err := refUnquote(b)
		if err != nil {
			return err
		}
		if v, ok := refProtoNames[refASCIILower(s)]; ok {
			*r = refProto{true, v}
			return nil
		}
	}
	v, set, err := refParseInt(b, 16)
	if err != nil {
		return err
	}
	*r = refProto{set, int16(v)}
	return nil
}

// refBool is a boolean field.
type refBool struct {
	set bool
	v   bool
}

func (r *refBool) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null":
		*r = refBool{}
	case "true":
		*r = refBool{true, true}
	case "false":
		*r = refBool{true, false}
	default:
		*r = refBool{}
		return fmt.Errorf("want a boolean, got %q", b)
	}
	return nil
}

// refRaw is a json field: any value but null, kept as written.
type refRaw struct {
	set bool
	v   []byte
}

func (r *refRaw) UnmarshalJSON(b []byte) error {
	*r = refRaw{}
	if refIsNull(b) {
		return nil
	}
	*r = refRaw{true, bytes.Clone(b)}
	return nil
}

// The instants a timestamp may have: years 0000 through 9999.
var (
	refMinNanos = new(big.Int).Mul(big.NewInt(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Unix()), big.NewInt(1e9))
	refMaxNanos = new(big.Int).Sub(new(big.Int).Mul(big.NewInt(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()), big.NewInt(1e9)), big.NewInt(1))
)

// refParseUnix converts decimal seconds to an instant exactly: the value
// times 10^9, truncated toward zero, is the nanoseconds since the epoch.
func refParseUnix(text string) (time.Time, error) {
	m := refNumberRE.FindStringSubmatch(text)
	if m == nil {
		return time.Time{}, fmt.Errorf("%q is not a JSON number", text)
	}
	// value = digits × 10^(exp - len(fraction))
	digits := strings.TrimLeft(m[2]+m[3], "0")
	exp := big.NewInt(int64(-len(m[3])))
	if m[4] != "" {
		e, ok := new(big.Int).SetString(strings.TrimPrefix(m[4], "+"), 10)
		if !ok {
			return time.Time{}, fmt.Errorf("bad exponent %q", m[4])
		}
		exp.Add(exp, e)
	}
	ns := new(big.Int)
	if digits != "" {
		k := exp.Add(exp, big.NewInt(9)) // nanoseconds = digits × 10^k
		switch {
		case k.Sign() >= 0:
			if k.Cmp(big.NewInt(40)) > 0 {
				return time.Time{}, fmt.Errorf("%q out of range", text)
			}
			ns.SetString(digits+strings.Repeat("0", int(k.Int64())), 10)
		case k.CmpAbs(big.NewInt(int64(len(digits)))) < 0:
			ns.SetString(digits[:len(digits)+int(k.Int64())], 10)
		}
	}
	if m[1] == "-" {
		ns.Neg(ns)
	}
	if ns.Cmp(refMinNanos) < 0 || ns.Cmp(refMaxNanos) > 0 {
		return time.Time{}, fmt.Errorf("%q out of range", text)
	}
	sec, nsec := new(big.Int).DivMod(ns, big.NewInt(1e9), new(big.Int))
	return time.Unix(sec.Int64(), nsec.Int64()).UTC(), nil
}

// refUnix is a timestamp field with timeFormats [unix]: a number or a string
// holding one.
type refUnix struct {
	set bool
	v   time.Time
}

func (r *refUnix) UnmarshalJSON(b []byte) error {
	*r = refUnix{}
	text, present, err := refNumericText(b, "unix timestamp")
	if !present || err != nil {
		return err
	}
	t, err := refParseUnix(text)
	if err != nil {
		return err
	}
	*r = refUnix{true, t}
	return nil
}

var refRFC3339RE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-]([0-9]{2}):([0-9]{2}))$`)

// refRFC3339 is a timestamp field with timeFormats [rfc3339]: a string.
type refRFC3339 struct {
	set bool
	v   time.Time
}

func (r *refRFC3339) UnmarshalJSON(b []byte) error {
	*r = refRFC3339{}
	if refIsNull(b) {
		return nil
	}
	s, err := refUnquote(b)
	if err != nil {
		return fmt.Errorf("rfc3339 timestamp: %w", err)
	}
	if s == "" {
		return nil
	}
	// time.Parse alone is looser: it takes a comma before the fraction, more
	// than nine fractional digits, and offsets such as +24:00 or +23:60.
	m := refRFC3339RE.FindStringSubmatch(s)
	if m == nil || m[1] > "23" || m[2] > "59" {
		return fmt.Errorf("%q is not RFC 3339", s)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	// As for unix times, the instant must lie in years 0000–9999, which an
	// offset can move it out of.
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return fmt.Errorf("%q is outside years 0000-9999 in UTC", s)
	}
	*r = refRFC3339{true, t.UTC()}
	return nil
}

// refObject is an object field: null is absent and zeroes it, a repeated key
// merges into it (goccy decodes into the existing struct).
type refObject[T any] struct {
	set bool
	v   T
}

func (r *refObject[T]) UnmarshalJSON(b []byte) error {
	if refIsNull(b) {
		*r = refObject[T]{}
		return nil
	}
	r.set = true
	return json.Unmarshal(b, &r.v)
}

// refList is an array field: null is absent, a repeated key replaces the
// whole array (goccy, as encoding/json, would decode into the old elements),
// null elements are zero values.
type refList[T any] struct {
	set bool
	v   []T
}

func (r *refList[T]) UnmarshalJSON(b []byte) error {
	*r = refList[T]{}
	if refIsNull(b) {
		return nil
	}
	var fresh []T
	if err := json.Unmarshal(b, &fresh); err != nil {
		return err
	}
	*r = refList[T]{true, fresh}
	return nil
}

type mirrorFields struct {
	Recorded refRFC3339 `json:"recorded"`
}

type mirrorNetwork struct {
	Time   refUnix                       `json:"time"`
	Event  refObject[mirrorNetworkEvent] `json:"event"`
	Fields refObject[mirrorFields]       `json:"fields"`
}

type mirrorNetworkEvent struct {
	NodeID          refString              `json:"nodeId"`
	Start           refRFC3339             `json:"start"`
	End             refRFC3339             `json:"end"`
	SrcNode         refObject[mirrorNode]  `json:"srcNode"`
	DstNodes        refList[mirrorNode]    `json:"dstNodes"`
	VirtualTraffic  refList[mirrorTraffic] `json:"virtualTraffic"`
	SubnetTraffic   refList[mirrorTraffic] `json:"subnetTraffic"`
	ExitTraffic     refList[mirrorTraffic] `json:"exitTraffic"`
	PhysicalTraffic refList[mirrorTraffic] `json:"physicalTraffic"`
	Logged          refRFC3339             `json:"logged"`
}

type mirrorNode struct {
	NodeID    refString          `json:"nodeId"`
	Name      refString          `json:"name"`
	Addresses refList[refString] `json:"addresses"`
	OS        refString          `json:"os"`
	User      refString          `json:"user"`
	Tags      refList[refString] `json:"tags"`
}

// mirrorTraffic has no split fields: refSplit derives them from Src and Dst
// once the element is decoded.
type mirrorTraffic struct {
	Proto   refProto  `json:"proto"`
	Src     refString `json:"src"`
	Dst     refString `json:"dst"`
	TxPkts  refInt64  `json:"txPkts"`
	TxBytes refInt64  `json:"txBytes"`
	RxPkts  refInt64  `json:"rxPkts"`
	RxBytes refInt64  `json:"rxBytes"`
}

type mirrorAudit struct {
	Time   refUnix                     `json:"time"`
	Event  refObject[mirrorAuditEvent] `json:"event"`
	Fields refObject[mirrorFields]     `json:"fields"`
}

type mirrorAuditEvent struct {
	DeferredAt    refRFC3339              `json:"deferredAt"`
	EventGroupID  refString               `json:"eventGroupID"`
	Origin        refString               `json:"origin"`
	Actor         refObject[mirrorActor]  `json:"actor"`
	Target        refObject[mirrorTarget] `json:"target"`
	Action        refString               `json:"action"`
	Old           refRaw                  `json:"old"`
	New           refRaw                  `json:"new"`
	ActionDetails refString               `json:"actionDetails"`
	Error         refString               `json:"error"`
	EventTime     refRFC3339              `json:"eventTime"`
	Type          refString               `json:"type"`
	Logged        refRFC3339              `json:"logged"`
}

type mirrorActor struct {
	ID          refString          `json:"id"`
	Type        refString          `json:"type"`
	LoginName   refString          `json:"loginName"`
	DisplayName refString          `json:"displayName"`
	Tags        refList[refString] `json:"tags"`
}

type mirrorTarget struct {
	ID          refString `json:"id"`
	Name        refString `json:"name"`
	Type        refString `json:"type"`
	Property    refString `json:"property"`
	IsEphemeral refBool   `json:"isEphemeral"`
}

// refMaxNesting returns the deepest nesting of arrays and objects in a valid
// JSON text.
func refMaxNesting(data []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case inString && c == '\\':
			i++
		case inString:
			inString = c != '"'
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

// refCheckSyntax checks what is common to both record types: one valid JSON
// object (encoding/json's grammar, which, like tslogs, takes invalid UTF-8 in
// strings), not nested too deep.
func refCheckSyntax(data []byte) error {
	if !stdjson.Valid(data) {
		return errors.New("invalid JSON")
	}
	if d := refMaxNesting(data); d > refMaxDepth {
		return fmt.Errorf("nesting %d exceeds %d", d, refMaxDepth)
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); t[0] != '{' {
		return errors.New("a record must be an object")
	}
	return nil
}

func refDecodeNetwork(data []byte) (*mirrorNetwork, error) {
	if err := refCheckSyntax(data); err != nil {
		return nil, err
	}
	m := new(mirrorNetwork)
	if err := json.Unmarshal(data, m); err != nil {
		return nil, err
	}
	switch {
	case !m.Time.set:
		return nil, errors.New("time is required")
	case !m.Event.set:
		return nil, errors.New("event is required")
	}
	return m, nil
}

func refDecodeAudit(data []byte) (*mirrorAudit, error) {
	if err := refCheckSyntax(data); err != nil {
		return nil, err
	}
	m := new(mirrorAudit)
	if err := json.Unmarshal(data, m); err != nil {
		return nil, err
	}
	e := &m.Event.v
	switch {
	case !m.Time.set:
		return nil, errors.New("time is required")
	case !m.Event.set:
		return nil, errors.New("event is required")
	case !e.Origin.set:
		return nil, errors.New("event.origin is required")
	case !e.Actor.set:
		return nil, errors.New("event.actor is required")
	case !e.Target.set:
		return nil, errors.New("event.target is required")
	case !e.Action.set:
		return nil, errors.New("event.action is required")
	}
	return m, nil
}

// refSplit derives an address and a port from netip.AddrPort-like text:
// "v4:port", "[v6]:port", "host" or "[v6]". The address must parse with
// netip.ParseAddr without a zone, and brackets hold IPv6 only; the port is
// decimal digits with a value up to 65535. Each is absent when it is not
// there or not valid.
func refSplit(src refString) (ip netip.Addr, ipOK bool, port int32, portOK bool) {
	s := src.v
	if s == "" {
		return
	}
	var host, portText string
	hasPort, bracketed := false, false
	if s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return
		}
		host, bracketed = s[1:end], true
		switch rest := s[end+1:]; {
		case rest == "":
		case rest[0] == ':' && !strings.Contains(rest[1:], ":"):
			portText, hasPort = rest[1:], true
		default:
			return
		}
	} else {
		switch strings.Count(s, ":") {
		case 0:
			host = s
		case 1:
			i := strings.IndexByte(s, ':')
			host, portText, hasPort = s[:i], s[i+1:], true
		default:
			return
		}
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Zone() == "" && (a.Is6() || !bracketed) {
		ip, ipOK = a, true
	}
	if hasPort && portText != "" && strings.Trim(portText, "0123456789") == "" {
		if v, err := strconv.ParseUint(portText, 10, 16); err == nil {
			port, portOK = int32(v), true
		}
	}
	return
}

// refSortedUnique sorts byte-wise (as Panther's p_any_* arrays and
// testdata/records/EXPECTED.md) and drops duplicates and empty values.
func refSortedUnique(s []string) []string {
	s = slices.DeleteFunc(slices.Clone(s), func(v string) bool { return v == "" })
	slices.Sort(s)
	return slices.Compact(s)
}

// refAddIP adds s as Panther's ip indicator does: space trimmed, kept when
// net.ParseIP accepts it (no zone).
func refAddIP(ips []string, s string) []string {
	if ip := net.ParseIP(strings.TrimSpace(s)); ip != nil {
		a, _ := netip.AddrFromSlice(ip)
		if ip.To4() != nil && !strings.Contains(s, ":") {
			a = a.Unmap()
		}
		ips = append(ips, a.String())
	}
	return ips
}

// refAddEmail adds s as Panther's email indicator does: kept, space trimmed,
// when it contains '@'.
func refAddEmail(emails []string, s refString) []string {
	if strings.Contains(s.v, "@") {
		emails = append(emails, strings.TrimSpace(s.v))
	}
	return emails
}

// refAddrOrder re-sorts canonical address text as AppendIPAddresses returns
// addresses: by netip.Addr.Compare (IPv4 before IPv6, each numerically),
// where rows sort p_any_ip_addresses byte-wise by text.
func refAddrOrder(ips []string) []string {
	addrs := make([]netip.Addr, len(ips))
	for i, s := range ips {
		addrs[i] = netip.MustParseAddr(s)
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out
}

// refNetworkIndicators returns the p_any_ip_addresses (sorted byte-wise, as
// in a row) and p_any_emails of m.
func refNetworkIndicators(m *mirrorNetwork) (ips, emails []string) {
	e := &m.Event.v
	nodes := append([]mirrorNode{e.SrcNode.v}, e.DstNodes.v...)
	for _, n := range nodes {
		for _, a := range n.Addresses.v {
			ips = refAddIP(ips, a.v)
		}
		emails = refAddEmail(emails, n.User)
	}
	for _, list := range [][]mirrorTraffic{e.VirtualTraffic.v, e.SubnetTraffic.v, e.ExitTraffic.v, e.PhysicalTraffic.v} {
		for _, tr := range list {
			if ip, ok, _, _ := refSplit(tr.Src); ok {
				ips = append(ips, ip.String())
			}
			if ip, ok, _, _ := refSplit(tr.Dst); ok {
				ips = append(ips, ip.String())
			}
		}
	}
	return refSortedUnique(ips), refSortedUnique(emails)
}

// refAuditIndicators returns the p_any_emails and p_any_actor_ids of m.
func refAuditIndicators(m *mirrorAudit) (emails, actorIDs []string) {
	a := &m.Event.v.Actor.v
	return refSortedUnique(refAddEmail(nil, a.LoginName)), refSortedUnique([]string{a.ID.v})
}

// ---------------------------------------------------------------------------
// The comparable form: one line per field in schema order, "path=value" for a
// present field and "path absent" for an absent one. The line of an absent
// field whose Go value is not zero says so, so a decoded value that leaks old
// data into an absent field differs from the mirror, whose absent fields are
// always zero.

type canon struct{ lines []string }

func (c *canon) add(path string, has bool, value string, zero bool) {
	switch {
	case has:
		c.lines = append(c.lines, path+"="+value)
	case zero:
		c.lines = append(c.lines, path+" absent")
	default:
		c.lines = append(c.lines, path+" absent, but holds "+value)
	}
}

func (c *canon) str(path string, has bool, v string) { c.add(path, has, strconv.Quote(v), v == "") }

func (c *canon) int(path string, has bool, v int64) {
	c.add(path, has, strconv.FormatInt(v, 10), v == 0)
}

func (c *canon) bool(path string, has bool, v bool) { c.add(path, has, strconv.FormatBool(v), !v) }

func (c *canon) time(path string, has bool, t time.Time) {
	c.add(path, has, t.Format(time.RFC3339Nano)+" ("+t.Location().String()+")", t == time.Time{})
}

func (c *canon) addr(path string, has bool, a netip.Addr) {
	c.add(path, has, a.String(), a == netip.Addr{})
}

func (c *canon) raw(path string, has bool, v []byte) {
	c.add(path, has, strconv.Quote(string(v)), len(v) == 0)
}

func (c *canon) list(path string, has bool, n int) {
	c.add(path, has, "len "+strconv.Itoa(n), n == 0)
}

func (c *canon) strs(path string, has bool, v []string) {
	c.list(path, has, len(v))
	for i, s := range v {
		c.str(fmt.Sprintf("%s[%d]", path, i), true, s)
	}
}

func refStrings(l refList[refString]) []string {
	out := make([]string, len(l.v))
	for i, s := range l.v {
		out[i] = s.v
	}
	return out
}

func canonNetwork(x *tailscale.Network) []string {
	var c canon
	c.time("time", x.HasTime(), x.Time)
	c.bool("event", x.HasEvent(), x.HasEvent())
	e := &x.Event
	c.str("event.nodeId", e.HasNodeID(), e.NodeID)
	c.time("event.start", e.HasStart(), e.Start)
	c.time("event.end", e.HasEnd(), e.End)
	c.bool("event.srcNode", e.HasSrcNode(), e.HasSrcNode())
	canonNode(&c, "event.srcNode", &e.SrcNode)
	c.list("event.dstNodes", e.HasDstNodes(), len(e.DstNodes))
	for i := range e.DstNodes {
		canonNode(&c, fmt.Sprintf("event.dstNodes[%d]", i), &e.DstNodes[i])
	}
	for _, l := range []struct {
		name string
		has  bool
		v    []tailscale.NetworkTraffic
	}{
		{"virtualTraffic", e.HasVirtualTraffic(), e.VirtualTraffic},
		{"subnetTraffic", e.HasSubnetTraffic(), e.SubnetTraffic},
		{"exitTraffic", e.HasExitTraffic(), e.ExitTraffic},
		{"physicalTraffic", e.HasPhysicalTraffic(), e.PhysicalTraffic},
	} {
		c.list("event."+l.name, l.has, len(l.v))
		for i := range l.v {
			t := &l.v[i]
			p := fmt.Sprintf("event.%s[%d].", l.name, i)
			c.int(p+"proto", t.HasProto(), int64(t.Proto))
			c.str(p+"src", t.HasSrc(), t.Src)
			c.addr(p+"srcIp", t.HasSrcIP(), t.SrcIP)
			c.int(p+"srcPort", t.HasSrcPort(), int64(t.SrcPort))
			c.str(p+"dst", t.HasDst(), t.Dst)
			c.addr(p+"dstIp", t.HasDstIP(), t.DstIP)
			c.int(p+"dstPort", t.HasDstPort(), int64(t.DstPort))
			c.int(p+"txPkts", t.HasTxPkts(), t.TxPkts)
			c.int(p+"txBytes", t.HasTxBytes(), t.TxBytes)
			c.int(p+"rxPkts", t.HasRxPkts(), t.RxPkts)
			c.int(p+"rxBytes", t.HasRxBytes(), t.RxBytes)
		}
	}
	c.time("event.logged", e.HasLogged(), e.Logged)
	c.bool("fields", x.HasFields(), x.HasFields())
	c.time("fields.recorded", x.Fields.HasRecorded(), x.Fields.Recorded)
	ips := x.AppendIPAddresses(nil)
	ipText := make([]string, len(ips))
	for i, a := range ips {
		ipText[i] = a.String()
	}
	c.strs("p_any_ip_addresses", true, ipText)
	c.strs("p_any_emails", true, x.AppendEmails(nil))
	return c.lines
}

func canonNode(c *canon, p string, n *tailscale.NetworkNode) {
	c.str(p+".nodeId", n.HasNodeID(), n.NodeID)
	c.str(p+".name", n.HasName(), n.Name)
	c.strs(p+".addresses", n.HasAddresses(), n.Addresses)
	c.str(p+".os", n.HasOS(), n.OS)
	c.str(p+".user", n.HasUser(), n.User)
	c.strs(p+".tags", n.HasTags(), n.Tags)
}

func canonMirrorNetwork(m *mirrorNetwork) []string {
	var c canon
	c.time("time", m.Time.set, m.Time.v)
	c.bool("event", m.Event.set, m.Event.set)
	e := &m.Event.v
	c.str("event.nodeId", e.NodeID.set, e.NodeID.v)
	c.time("event.start", e.Start.set, e.Start.v)
	c.time("event.end", e.End.set, e.End.v)
	c.bool("event.srcNode", e.SrcNode.set, e.SrcNode.set)
	canonMirrorNode(&c, "event.srcNode", &e.SrcNode.v)
	c.list("event.dstNodes", e.DstNodes.set, len(e.DstNodes.v))
	for i := range e.DstNodes.v {
		canonMirrorNode(&c, fmt.Sprintf("event.dstNodes[%d]", i), &e.DstNodes.v[i])
	}
	for _, l := range []struct {
		name string
		v    refList[mirrorTraffic]
	}{
		{"virtualTraffic", e.VirtualTraffic},
		{"subnetTraffic", e.SubnetTraffic},
		{"exitTraffic", e.ExitTraffic},
		{"physicalTraffic", e.PhysicalTraffic},
	} {
		c.list("event."+l.name, l.v.set, len(l.v.v))
		for i := range l.v.v {
			t := &l.v.v[i]
			p := fmt.Sprintf("event.%s[%d].", l.name, i)
			srcIP, srcIPOK, srcPort, srcPortOK := refSplit(t.Src)
			dstIP, dstIPOK, dstPort, dstPortOK := refSplit(t.Dst)
			c.int(p+"proto", t.Proto.set, int64(t.Proto.v))
			c.str(p+"src", t.Src.set, t.Src.v)
			c.addr(p+"srcIp", srcIPOK, srcIP)
			c.int(p+"srcPort", srcPortOK, int64(srcPort))
			c.str(p+"dst", t.Dst.set, t.Dst.v)
			c.addr(p+"dstIp", dstIPOK, dstIP)
			c.int(p+"dstPort", dstPortOK, int64(dstPort))
			c.int(p+"txPkts", t.TxPkts.set, t.TxPkts.v)
			c.int(p+"txBytes", t.TxBytes.set, t.TxBytes.v)
			c.int(p+"rxPkts", t.RxPkts.set, t.RxPkts.v)
			c.int(p+"rxBytes", t.RxBytes.set, t.RxBytes.v)
		}
	}
	c.time("event.logged", e.Logged.set, e.Logged.v)
	c.bool("fields", m.Fields.set, m.Fields.set)
	c.time("fields.recorded", m.Fields.v.Recorded.set, m.Fields.v.Recorded.v)
	ips, emails := refNetworkIndicators(m)
	c.strs("p_any_ip_addresses", true, refAddrOrder(ips))
	c.strs("p_any_emails", true, emails)
	return c.lines
}

func canonMirrorNode(c *canon, p string, n *mirrorNode) {
	c.str(p+".nodeId", n.NodeID.set, n.NodeID.v)
	c.str(p+".name", n.Name.set, n.Name.v)
	c.strs(p+".addresses", n.Addresses.set, refStrings(n.Addresses))
	c.str(p+".os", n.OS.set, n.OS.v)
	c.str(p+".user", n.User.set, n.User.v)
	c.strs(p+".tags", n.Tags.set, refStrings(n.Tags))
}

func canonAudit(x *tailscale.Audit) []string {
	var c canon
	c.time("time", x.HasTime(), x.Time)
	c.bool("event", x.HasEvent(), x.HasEvent())
	e := &x.Event
	c.time("event.deferredAt", e.HasDeferredAt(), e.DeferredAt)
	c.str("event.eventGroupID", e.HasEventGroupID(), e.EventGroupID)
	c.str("event.origin", e.HasOrigin(), e.Origin)
	c.bool("event.actor", e.HasActor(), e.HasActor())
	c.str("event.actor.id", e.Actor.HasID(), e.Actor.ID)
	c.str("event.actor.type", e.Actor.HasType(), e.Actor.Type)
	c.str("event.actor.loginName", e.Actor.HasLoginName(), e.Actor.LoginName)
	c.str("event.actor.displayName", e.Actor.HasDisplayName(), e.Actor.DisplayName)
	c.strs("event.actor.tags", e.Actor.HasTags(), e.Actor.Tags)
	c.bool("event.target", e.HasTarget(), e.HasTarget())
	c.str("event.target.id", e.Target.HasID(), e.Target.ID)
	c.str("event.target.name", e.Target.HasName(), e.Target.Name)
	c.str("event.target.type", e.Target.HasType(), e.Target.Type)
	c.str("event.target.property", e.Target.HasProperty(), e.Target.Property)
	c.bool("event.target.isEphemeral", e.Target.HasIsEphemeral(), e.Target.IsEphemeral)
	c.str("event.action", e.HasAction(), e.Action)
	c.raw("event.old", e.HasOld(), e.Old)
	c.raw("event.new", e.HasNew(), e.New)
	c.str("event.actionDetails", e.HasActionDetails(), e.ActionDetails)
	c.str("event.error", e.HasError(), e.Error)
	c.time("event.eventTime", e.HasEventTime(), e.EventTime)
	c.str("event.type", e.HasType(), e.Type)
	c.time("event.logged", e.HasLogged(), e.Logged)
	c.bool("fields", x.HasFields(), x.HasFields())
	c.time("fields.recorded", x.Fields.HasRecorded(), x.Fields.Recorded)
	c.strs("p_any_emails", true, x.AppendEmails(nil))
	c.strs("p_any_actor_ids", true, x.AppendActorIDs(nil))
	return c.lines
}

func canonMirrorAudit(m *mirrorAudit) []string {
	var c canon
	c.time("time", m.Time.set, m.Time.v)
	c.bool("event", m.Event.set, m.Event.set)
	e := &m.Event.v
	c.time("event.deferredAt", e.DeferredAt.set, e.DeferredAt.v)
	c.str("event.eventGroupID", e.EventGroupID.set, e.EventGroupID.v)
	c.str("event.origin", e.Origin.set, e.Origin.v)
	a, t := &e.Actor.v, &e.Target.v
	c.bool("event.actor", e.Actor.set, e.Actor.set)
	c.str("event.actor.id", a.ID.set, a.ID.v)
	c.str("event.actor.type", a.Type.set, a.Type.v)
	c.str("event.actor.loginName", a.LoginName.set, a.LoginName.v)
	c.str("event.actor.displayName", a.DisplayName.set, a.DisplayName.v)
	c.strs("event.actor.tags", a.Tags.set, refStrings(a.Tags))
	c.bool("event.target", e.Target.set, e.Target.set)
	c.str("event.target.id", t.ID.set, t.ID.v)
	c.str("event.target.name", t.Name.set, t.Name.v)
	c.str("event.target.type", t.Type.set, t.Type.v)
	c.str("event.target.property", t.Property.set, t.Property.v)
	c.bool("event.target.isEphemeral", t.IsEphemeral.set, t.IsEphemeral.v)
	c.str("event.action", e.Action.set, e.Action.v)
	c.raw("event.old", e.Old.set, e.Old.v)
	c.raw("event.new", e.New.set, e.New.v)
	c.str("event.actionDetails", e.ActionDetails.set, e.ActionDetails.v)
	c.str("event.error", e.Error.set, e.Error.v)
	c.time("event.eventTime", e.EventTime.set, e.EventTime.v)
	c.str("event.type", e.Type.set, e.Type.v)
	c.time("event.logged", e.Logged.set, e.Logged.v)
	c.bool("fields", m.Fields.set, m.Fields.set)
	c.time("fields.recorded", m.Fields.v.Recorded.set, m.Fields.v.Recorded.v)
	emails, ids := refAuditIndicators(m)
	c.strs("p_any_emails", true, emails)
	c.strs("p_any_actor_ids", true, ids)
	return c.lines
}

// ---------------------------------------------------------------------------
// The expected row: the object AppendRow should write, built from the mirror,
// in the shape encoding/json reads a row into with UseNumber.

type rowObj = map[string]any

func rowPut(o rowObj, key string, set bool, v any) {
	if set {
		o[key] = v
	}
}

func rowTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func rowInt(v int64) stdjson.Number { return stdjson.Number(strconv.FormatInt(v, 10)) }

func rowStrings(l refList[refString]) []any {
	out := make([]any, len(l.v))
	for i, s := range l.v {
		out[i] = s.v
	}
	return out
}

func rowTexts(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// rowParse reads JSON the way the row is compared: numbers kept as text.
func rowParse(b []byte) (any, error) {
	d := stdjson.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("data after the value")
	}
	return v, nil
}

func rowMeta(o rowObj, logType string, eventTime refUnix, meta *tailscale.RowMeta) {
	o["p_log_type"] = logType
	et := meta.ParseTime
	if eventTime.set && !eventTime.v.IsZero() {
		et = eventTime.v
	}
	o["p_event_time"] = rowTime(et)
	o["p_parse_time"] = rowTime(meta.ParseTime)
	if meta.RowID != "" {
		o["p_row_id"] = meta.RowID
	}
}

func rowNode(n *mirrorNode) rowObj {
	o := rowObj{}
	rowPut(o, "nodeId", n.NodeID.set, n.NodeID.v)
	rowPut(o, "name", n.Name.set, n.Name.v)
	rowPut(o, "addresses", n.Addresses.set, rowStrings(n.Addresses))
	rowPut(o, "os", n.OS.set, n.OS.v)
	rowPut(o, "user", n.User.set, n.User.v)
	rowPut(o, "tags", n.Tags.set, rowStrings(n.Tags))
	return o
}

func expectedNetworkRow(m *mirrorNetwork, meta *tailscale.RowMeta) rowObj {
	row := rowObj{}
	rowPut(row, "time", m.Time.set, rowTime(m.Time.v))
	if m.Event.set {
		e := &m.Event.v
		o := rowObj{}
		rowPut(o, "nodeId", e.NodeID.set, e.NodeID.v)
		rowPut(o, "start", e.Start.set, rowTime(e.Start.v))
		rowPut(o, "end", e.End.set, rowTime(e.End.v))
		rowPut(o, "srcNode", e.SrcNode.set, rowNode(&e.SrcNode.v))
		if e.DstNodes.set {
			nodes := []any{}
			for i := range e.DstNodes.v {
				nodes = append(nodes, rowNode(&e.DstNodes.v[i]))
			}
			o["dstNodes"] = nodes
		}
		for _, l := range []struct {
			name string
			v    refList[mirrorTraffic]
		}{
			{"virtualTraffic", e.VirtualTraffic},
			{"subnetTraffic", e.SubnetTraffic},
			{"exitTraffic", e.ExitTraffic},
			{"physicalTraffic", e.PhysicalTraffic},
		} {
			if !l.v.set {
				continue
			}
			list := []any{}
			for _, t := range l.v.v {
				srcIP, srcIPOK, srcPort, srcPortOK := refSplit(t.Src)
				dstIP, dstIPOK, dstPort, dstPortOK := refSplit(t.Dst)
				to := rowObj{}
				rowPut(to, "proto", t.Proto.set, rowInt(int64(t.Proto.v)))
				rowPut(to, "src", t.Src.set, t.Src.v)
				rowPut(to, "srcIp", srcIPOK, srcIP.String())
				rowPut(to, "srcPort", srcPortOK, rowInt(int64(srcPort)))
				rowPut(to, "dst", t.Dst.set, t.Dst.v)
				rowPut(to, "dstIp", dstIPOK, dstIP.String())
				rowPut(to, "dstPort", dstPortOK, rowInt(int64(dstPort)))
				rowPut(to, "txPkts", t.TxPkts.set, rowInt(t.TxPkts.v))
				rowPut(to, "txBytes", t.TxBytes.set, rowInt(t.TxBytes.v))
				rowPut(to, "rxPkts", t.RxPkts.set, rowInt(t.RxPkts.v))
				rowPut(to, "rxBytes", t.RxBytes.set, rowInt(t.RxBytes.v))
				list = append(list, to)
			}
			o[l.name] = list
		}
		rowPut(o, "logged", e.Logged.set, rowTime(e.Logged.v))
		row["event"] = o
	}
	if m.Fields.set {
		o := rowObj{}
		rowPut(o, "recorded", m.Fields.v.Recorded.set, rowTime(m.Fields.v.Recorded.v))
		row["fields"] = o
	}
	rowMeta(row, "Tailscale.Network", m.Time, meta)
	ips, emails := refNetworkIndicators(m)
	rowPut(row, "p_any_ip_addresses", len(ips) > 0, rowTexts(ips))
	rowPut(row, "p_any_emails", len(emails) > 0, rowTexts(emails))
	return row
}

func expectedAuditRow(m *mirrorAudit, meta *tailscale.RowMeta) (rowObj, error) {
	row := rowObj{}
	rowPut(row, "time", m.Time.set, rowTime(m.Time.v))
	if m.Event.set {
		e := &m.Event.v
		o := rowObj{}
		rowPut(o, "deferredAt", e.DeferredAt.set, rowTime(e.DeferredAt.v))
		rowPut(o, "eventGroupID", e.EventGroupID.set, e.EventGroupID.v)
		rowPut(o, "origin", e.Origin.set, e.Origin.v)
		if e.Actor.set {
			a := &e.Actor.v
			ao := rowObj{}
			rowPut(ao, "id", a.ID.set, a.ID.v)
			rowPut(ao, "type", a.Type.set, a.Type.v)
			rowPut(ao, "loginName", a.LoginName.set, a.LoginName.v)
			rowPut(ao, "displayName", a.DisplayName.set, a.DisplayName.v)
			rowPut(ao, "tags", a.Tags.set, rowStrings(a.Tags))
			o["actor"] = ao
		}
		if e.Target.set {
			t := &e.Target.v
			to := rowObj{}
			rowPut(to, "id", t.ID.set, t.ID.v)
			rowPut(to, "name", t.Name.set, t.Name.v)
			rowPut(to, "type", t.Type.set, t.Type.v)
			rowPut(to, "property", t.Property.set, t.Property.v)
			rowPut(to, "isEphemeral", t.IsEphemeral.set, t.IsEphemeral.v)
			o["target"] = to
		}
		rowPut(o, "action", e.Action.set, e.Action.v)
		for _, r := range []struct {
			name string
			v    refRaw
		}{{"old", e.Old}, {"new", e.New}} {
			if r.v.set {
				v, err := rowParse(r.v.v)
				if err != nil {
					return nil, fmt.Errorf("reference %s: %w", r.name, err)
				}
				o[r.name] = v
			}
		}
		rowPut(o, "actionDetails", e.ActionDetails.set, e.ActionDetails.v)
		rowPut(o, "error", e.Error.set, e.Error.v)
		rowPut(o, "eventTime", e.EventTime.set, rowTime(e.EventTime.v))
		rowPut(o, "type", e.Type.set, e.Type.v)
		rowPut(o, "logged", e.Logged.set, rowTime(e.Logged.v))
		row["event"] = o
	}
	if m.Fields.set {
		o := rowObj{}
		rowPut(o, "recorded", m.Fields.v.Recorded.set, rowTime(m.Fields.v.Recorded.v))
		row["fields"] = o
	}
	rowMeta(row, "Tailscale.Audit", m.Time, meta)
	emails, ids := refAuditIndicators(m)
	rowPut(row, "p_any_emails", len(emails) > 0, rowTexts(emails))
	rowPut(row, "p_any_actor_ids", len(ids) > 0, rowTexts(ids))
	return row, nil
}

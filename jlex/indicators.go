package jlex

import (
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"
)

// This file holds the indicator scanners: each appends what one of Panther's
// indicator kinds finds in a string value to one p_any_* column, following
// the scanners of Panther's open-source log processor (see
// docs/schema-language.md). Generated AppendX accessors call them; they
// allocate only where noted.

// indicatorAddr reports whether s, with surrounding space trimmed, is an IP
// address as Panther's net.ParseIP test accepts it: IPv4 or IPv6, no zone.
func indicatorAddr(s string) (netip.Addr, bool) {
	a, ok := parseAddr(strings.TrimSpace(s))
	if !ok || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a, true
}

// AppendAddr appends s, with surrounding space trimmed, to dst when it is an
// IP address without a zone (the ip indicator, p_any_ip_addresses).
func AppendAddr(dst []netip.Addr, s string) []netip.Addr {
	if a, ok := indicatorAddr(s); ok {
		dst = append(dst, a)
	}
	return dst
}

// AppendValidAddr appends a to dst when it is valid: the ip indicator of a
// field already decoded as an address.
func AppendValidAddr(dst []netip.Addr, a netip.Addr) []netip.Addr {
	if a.IsValid() {
		dst = append(dst, a.WithZone(""))
	}
	return dst
}

// AppendEmail appends s, with surrounding space trimmed, to dst when it
// contains '@' (the email indicator, p_any_emails).
func AppendEmail(dst []string, s string) []string {
	if strings.IndexByte(s, '@') >= 0 {
		dst = append(dst, strings.TrimSpace(s))
	}
	return dst
}

// AppendNonEmpty appends s to dst when it is not empty, unchanged (the
// actor_id and aws_tag indicators).
func AppendNonEmpty(dst []string, s string) []string {
	if s != "" {
		dst = append(dst, s)
	}
	return dst
}

// AppendTrimmed appends s with surrounding space trimmed to dst when that is
// not empty (the trace_id and username indicators).
func AppendTrimmed(dst []string, s string) []string {
	return AppendNonEmpty(dst, strings.TrimSpace(s))
}

// AppendDomain appends s, with surrounding space trimmed, to dst when that is
// not empty (the domain indicator, p_any_domain_names). A value that starts
// with "xn--" has its punycode labels decoded to Unicode, as Panther does;
// such a value costs one allocation.
func AppendDomain(dst []string, s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return dst
	}
	return append(dst, decodePunycodeDomain(s))
}

// AppendHostnameDomain appends the domain name in s to dst: s trimmed, when
// it is neither empty nor an IP address (the hostname indicator's
// p_any_domain_names half; AppendAddr is the other).
func AppendHostnameDomain(dst []string, s string) []string {
	if _, ok := indicatorAddr(s); ok {
		return dst
	}
	return AppendDomain(dst, s)
}

// AppendURLDomain appends the host of the URL s to dst when it is a domain
// name (the url indicator's p_any_domain_names half). URLs that are not
// of the plain form scheme://[user@]host[:port][/…] are parsed with
// net/url, which allocates.
func AppendURLDomain(dst []string, s string) []string {
	if host, ok := urlHost(s); ok {
		return AppendHostnameDomain(dst, host)
	}
	return dst
}

// AppendURLAddr appends the host of the URL s to dst when it is an IP
// address (the url indicator's p_any_ip_addresses half).
func AppendURLAddr(dst []netip.Addr, s string) []netip.Addr {
	if host, ok := urlHost(s); ok {
		return AppendAddr(dst, host)
	}
	return dst
}

// AppendNetAddrDomain appends the host of "host:port" text s (or s itself
// when it is not of that form) to dst when it is a domain name (the net_addr
// indicator's p_any_domain_names half).
func AppendNetAddrDomain(dst []string, s string) []string {
	return AppendHostnameDomain(dst, netAddrHost(s))
}

// AppendNetAddrAddr appends the host of "host:port" text s (or s itself) to
// dst when it is an IP address (the net_addr indicator's p_any_ip_addresses
// half).
func AppendNetAddrAddr(dst []netip.Addr, s string) []netip.Addr {
	return AppendAddr(dst, netAddrHost(s))
}

// AppendHash appends s, with surrounding space trimmed and in lower case, to
// dst when it is n hex digits: 32 for the md5 indicator, 40 for sha1, 64 for
// sha256. A value with upper-case digits costs one allocation.
func AppendHash(dst []string, s string, n int) []string {
	s = strings.TrimSpace(s)
	if len(s) != n {
		return dst
	}
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			upper = true
		default:
			return dst
		}
	}
	if upper {
		s = strings.ToLower(s)
	}
	return append(dst, s)
}

// AppendARN appends s to dst when it is an AWS ARN (the aws_arn and
// aws_arn_only indicators, p_any_aws_arns).
func AppendARN(dst []string, s string) []string {
	if _, _, ok := parseARN(s); ok {
		dst = append(dst, s)
	}
	return dst
}

// AppendARNAccountID appends the account ID of the ARN s to dst when it has
// one (the aws_arn indicator's p_any_aws_account_ids part).
func AppendARNAccountID(dst []string, s string) []string {
	if account, _, ok := parseARN(s); ok {
		return AppendAWSAccountID(dst, account)
	}
	return dst
}

// AppendARNInstanceID appends the EC2 instance ID of the ARN s to dst when
// its resource is instance/… (the aws_arn indicator's p_any_aws_instance_ids
// part).
func AppendARNInstanceID(dst []string, s string) []string {
	_, resource, ok := parseARN(s)
	if !ok || !strings.HasPrefix(resource, "instance/") {
		return dst
	}
	return AppendAWSInstanceID(dst, resource[strings.LastIndexByte(resource, '/')+1:])
}

// AppendAWSAccountID appends s to dst when it is 12 decimal digits (the
// aws_account_id indicator, p_any_aws_account_ids).
func AppendAWSAccountID(dst []string, s string) []string {
	if len(s) != 12 {
		return dst
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return dst
		}
	}
	return append(dst, s)
}

// AppendAWSInstanceID appends s to dst when it starts with "i-" (the
// aws_instance_id indicator, p_any_aws_instance_ids).
func AppendAWSInstanceID(dst []string, s string) []string {
	if strings.HasPrefix(s, "i-") {
		dst = append(dst, s)
	}
	return dst
}

// parseARN splits an ARN, arn:partition:service:region:account:resource,
// as the AWS SDK's arn.Parse does: six colon-separated sections of which
// partition, service and resource are not empty (the resource may contain
// colons).
func parseARN(s string) (account, resource string, ok bool) {
	rest, ok := strings.CutPrefix(s, "arn:")
	if !ok {
		return "", "", false
	}
	var part [4]string
	for i := range part {
		var found bool
		if part[i], rest, found = strings.Cut(rest, ":"); !found {
			return "", "", false
		}
	}
	if part[0] == "" || part[1] == "" || rest == "" {
		return "", "", false
	}
	return part[3], rest, true
}

// netAddrHost returns the host of "host:port" or "[host]:port" text as
// net.SplitHostPort finds it, or s when s is not of that form.
func netAddrHost(s string) string {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s
	}
	var host string
	j, k := 0, 0
	if s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 || end+1 != i {
			return s
		}
		host = s[1:end]
		j, k = 1, end+1
	} else {
		host = s[:i]
		if strings.IndexByte(host, ':') >= 0 {
			return s
		}
	}
	if strings.IndexByte(s[j:], '[') >= 0 || strings.IndexByte(s[k:], ']') >= 0 {
		return s
	}
	return host
}

// urlHost returns the host of the URL s (surrounding space trimmed) as
// net/url's URL.Hostname gives it; ok is false when s does not parse. The
// plain form scheme://[user@]host[:port] with a host of letters, digits,
// dots and hyphens is read without allocating; anything else goes through
// url.Parse.
func urlHost(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if host, ok := plainURLHost(s); ok {
		return host, true
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", false
	}
	return u.Hostname(), true
}

// plainURLHost reads the host of s when s is scheme://authority… with a
// scheme, an optional user name of letters, digits, dots, hyphens and
// underscores, a host of letters, digits, dots and hyphens, and an optional
// numeric port, ending at '/', '?', '#' or the end, followed by no control
// byte and no '%': a form for which url.Parse gives the same host. ok is
// false for anything else.
func plainURLHost(s string) (string, bool) {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			continue
		}
		break
	}
	if i == 0 || !strings.HasPrefix(s[i:], "://") {
		return "", false
	}
	rest := s[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	for j := end; j < len(rest); j++ {
		if c := rest[j]; c < 0x20 || c == 0x7f || c == '%' {
			return "", false // control bytes anywhere and bad escapes in a path or fragment fail url.Parse
		}
	}
	auth := rest[:end]
	if at := strings.IndexByte(auth, '@'); at >= 0 {
		for j := 0; j < at; j++ {
			if c := auth[j]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
				return "", false
			}
		}
		auth = auth[at+1:]
	}
	host, port, hasPort := strings.Cut(auth, ":")
	for j := 0; j < len(host); j++ {
		if c := host[j]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return "", false
		}
	}
	if hasPort {
		for j := 0; j < len(port); j++ {
			if port[j] < '0' || port[j] > '9' {
				return "", false
			}
		}
	}
	return host, true
}

// decodePunycodeDomain decodes the punycode labels (those starting with
// "xn--") of a domain name that starts with "xn--" to Unicode, as Panther
// does with golang.org/x/net/idna's default profile. It returns s unchanged
// when s does not start with "xn--" or a label does not decode.
func decodePunycodeDomain(s string) string {
	if !strings.HasPrefix(s, "xn--") {
		return s
	}
	out := make([]byte, 0, len(s)*2)
	for rest := s; ; {
		label, tail, more := strings.Cut(rest, ".")
		if enc, ok := strings.CutPrefix(label, "xn--"); ok {
			var good bool
			if out, good = appendPunycode(out, enc); !good {
				return s
			}
		} else {
			out = append(out, label...)
		}
		if !more {
			break
		}
		out = append(out, '.')
		rest = tail
	}
	return string(out)
}

// Punycode parameters (RFC 3492, section 5).
const (
	pcBase        = 36
	pcTMin        = 1
	pcTMax        = 26
	pcSkew        = 38
	pcDamp        = 700
	pcInitialBias = 72
	pcInitialN    = 128
)

// appendPunycode appends the Unicode text of the punycode label enc (without
// its "xn--") to dst, decoding as RFC 3492 section 6.2 and x/net/idna do,
// with x/net/idna's limit of 1024 code points.
func appendPunycode(dst []byte, enc string) ([]byte, bool) {
	if enc == "" {
		return dst, true
	}
	pos := 1 + strings.LastIndexByte(enc, '-')
	if pos == 1 {
		return dst, false
	}
	if pos == len(enc) {
		basic := enc[:len(enc)-1]
		return append(dst, basic...), !isASCII(basic)
	}
	var runes [64]rune
	output := runes[:0]
	if pos != 0 {
		for _, r := range enc[:pos-1] {
			output = append(output, r)
		}
	}
	i, n, bias := int32(0), int32(pcInitialN), int32(pcInitialBias)
	overflow := false
	for pos < len(enc) {
		oldI, w := i, int32(1)
		for k := int32(pcBase); ; k += pcBase {
			if pos == len(enc) {
				return dst, false
			}
			digit, ok := punyDigit(enc[pos])
			if !ok {
				return dst, false
			}
			pos++
			i, overflow = madd(i, digit, w)
			if overflow {
				return dst, false
			}
			t := k - bias
			if k <= bias {
				t = pcTMin
			} else if k >= bias+pcTMax {
				t = pcTMax
			}
			if digit < t {
				break
			}
			w, overflow = madd(0, w, pcBase-t)
			if overflow {
				return dst, false
			}
		}
		if len(output) >= 1024 {
			return dst, false
		}
		x := int32(len(output) + 1)
		bias = punyAdapt(i-oldI, x, oldI == 0)
		n += i / x
		i %= x
		if n < 0 || n > utf8.MaxRune {
			return dst, false
		}
		output = append(output, 0)
		copy(output[i+1:], output[i:])
		output[i] = n
		i++
	}
	mark := len(dst)
	for _, r := range output {
		dst = utf8.AppendRune(dst, r)
	}
	// A label that decodes to ASCII only is an error for x/net/idna (a
	// spoofing guard).
	return dst, !isASCII(string(dst[mark:]))
}

// isASCII reports whether s is not empty and all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return s != ""
}

// madd returns a + b*c and whether that overflows int32.
func madd(a, b, c int32) (int32, bool) {
	p := int64(b) * int64(c)
	if p > 1<<31-1-int64(a) {
		return 0, true
	}
	return a + int32(p), false
}

func punyDigit(c byte) (int32, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int32(c - ('0' - 26)), true
	case c >= 'A' && c <= 'Z':
		return int32(c - 'A'), true
	case c >= 'a' && c <= 'z':
		return int32(c - 'a'), true
	}
	return 0, false
}

func punyAdapt(delta, numPoints int32, firstTime bool) int32 {
	if firstTime {
		delta /= pcDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := int32(0)
	for delta > ((pcBase-pcTMin)*pcTMax)/2 {
		delta /= pcBase - pcTMin
		k += pcBase
	}
	return k + (pcBase-pcTMin+1)*delta/(delta+pcSkew)
}

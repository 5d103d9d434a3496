package jlex_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tslogs/tslogs/jlex"
)

// appendAll runs one string scanner over inputs.
func appendAll(f func([]string, string) []string, inputs ...string) []string {
	var got []string
	for _, s := range inputs {
		got = f(got, s)
	}
	return got
}

// appendAllAddrs runs one address scanner over inputs and returns the
// addresses as text.
func appendAllAddrs(f func([]netip.Addr, string) []netip.Addr, inputs ...string) []string {
	var addrs []netip.Addr
	for _, s := range inputs {
		addrs = f(addrs, s)
	}
	var got []string
	for _, a := range addrs {
		got = append(got, a.String())
	}
	return got
}

// The expected values below follow the scanners of Panther's open-source log
// processor (pantherlog/scanners.go, scanners_aws.go), as
// docs/schema-language.md states them.
func TestIndicatorScanners(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  []string
		want []string
	}{
		{"trace_id and username trim and skip empty",
			appendAll(jlex.AppendTrimmed, " abc ", "", "  ", "x\ty", "\tid-1\n"),
			[]string{"abc", "x\ty", "id-1"}},
		{"actor_id and aws_tag keep the value as is",
			appendAll(jlex.AppendNonEmpty, " a ", "", "k:v"),
			[]string{" a ", "k:v"}},
		{"domain trims and decodes punycode",
			appendAll(jlex.AppendDomain, " example.com ", "", "1.2.3.4", "xn--mnchen-3ya.de", "xn--zz.com", "a.xn--mnchen-3ya.de"),
			// An IP is a domain for the domain indicator (Panther appends
			// without checking); punycode is decoded only when the value
			// starts with xn--, and kept as is when a label does not decode.
			[]string{"example.com", "1.2.3.4", "münchen.de", "xn--zz.com", "a.xn--mnchen-3ya.de"}},
		{"hostname: domains are what is not an IP",
			appendAll(jlex.AppendHostnameDomain, "host.example", " 10.0.0.1 ", "::1", "fe80::1%eth0", "", " "),
			[]string{"host.example", "fe80::1%eth0"}},
		{"url: domain of the host",
			appendAll(jlex.AppendURLDomain,
				"https://user@Example.COM:8443/a?b#c", "http://10.0.0.1/x", "ftp://[::1]:21/", "example.com/no-scheme",
				"https://xn--bcher-kva.example/", "https://h%C3%BCst.example/", "https://h%41st.example/", "::bad", " https://trim.example "),
			// url.Parse allows %-escapes in a host only for non-ASCII bytes.
			[]string{"Example.COM", "bücher.example", "hüst.example", "trim.example"}},
		{"net_addr: domain of host:port or of the whole value",
			appendAll(jlex.AppendNetAddrDomain, "db.internal:5432", "[::1]:80", "plain.example", "10.0.0.1:53", "a:b:c", "[x]y:1"),
			[]string{"db.internal", "plain.example", "a:b:c", "[x]y:1"}},
		{"md5: 32 hex digits, lower-cased",
			appendAll(func(dst []string, s string) []string { return jlex.AppendHash(dst, s, 32) },
				"D41D8CD98F00B204E9800998ECF8427E", " d41d8cd98f00b204e9800998ecf8427e ", "d41d8cd98f00b204e9800998ecf8427", "g41d8cd98f00b204e9800998ecf8427e"),
			[]string{"d41d8cd98f00b204e9800998ecf8427e", "d41d8cd98f00b204e9800998ecf8427e"}},
		{"sha1: 40 hex digits",
			appendAll(func(dst []string, s string) []string { return jlex.AppendHash(dst, s, 40) },
				"da39a3ee5e6b4b0d3255bfef95601890afd80709", "d41d8cd98f00b204e9800998ecf8427e"),
			[]string{"da39a3ee5e6b4b0d3255bfef95601890afd80709"}},
		{"aws_arn: valid ARNs only",
			appendAll(jlex.AppendARN,
				"arn:aws:iam::123456789012:user/alice", "arn:aws:s3:::bucket", "arn:aws::us-east-1:1:x", "arn:aws:ec2:us-east-1:123456789012:",
				"arn:aws:ec2", "ARN:aws:s3:::b", "arn:aws:ec2:r:a:instance/i-1:extra"),
			[]string{"arn:aws:iam::123456789012:user/alice", "arn:aws:s3:::bucket", "arn:aws:ec2:r:a:instance/i-1:extra"}},
		{"aws_arn: account IDs of ARNs",
			appendAll(jlex.AppendARNAccountID, "arn:aws:iam::123456789012:user/alice", "arn:aws:s3:::bucket", "arn:aws:iam::12345:root"),
			[]string{"123456789012"}},
		{"aws_arn: instance IDs of ARNs",
			appendAll(jlex.AppendARNInstanceID,
				"arn:aws:ec2:us-east-1:123456789012:instance/i-0abc", "arn:aws:ec2:us-east-1:123456789012:volume/vol-1",
				"arn:aws:ec2:us-east-1:123456789012:instance/x/i-9", "arn:aws:ec2:us-east-1:123456789012:instance/"),
			[]string{"i-0abc", "i-9"}},
		{"aws_account_id: 12 digits",
			appendAll(jlex.AppendAWSAccountID, "123456789012", " 123456789012", "12345678901a", "1234567890123"),
			[]string{"123456789012"}},
		{"aws_instance_id: i- prefix",
			appendAll(jlex.AppendAWSInstanceID, "i-0abc", "vol-1", " i-1"),
			[]string{"i-0abc"}},
	} {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, tc.got) })
	}
}

func TestIndicatorAddrScanners(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  []string
		want []string
	}{
		{"hostname: IPs",
			appendAllAddrs(jlex.AppendAddr, "host.example", " 10.0.0.1 ", "::1", "fe80::1%eth0", "::ffff:10.0.0.1"),
			[]string{"10.0.0.1", "::1", "::ffff:10.0.0.1"}},
		{"url: IP hosts",
			appendAllAddrs(jlex.AppendURLAddr, "http://10.0.0.1:8080/x", "https://[2001:db8::1]/", "https://example.com/", "http://[fe80::1%25eth0]/"),
			[]string{"10.0.0.1", "2001:db8::1"}},
		{"net_addr: IP hosts",
			appendAllAddrs(jlex.AppendNetAddrAddr, "10.0.0.1:53", "[2001:db8::2]:443", "192.0.2.1", "host:1", "1:2:3"),
			[]string{"10.0.0.1", "2001:db8::2", "192.0.2.1"}},
	} {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, tc.got) })
	}
}

// TestPunycode checks domain decoding against golang.org/x/net/idna's
// default profile (what Panther calls), whose results for these inputs were
// recorded with x/net v0.58.0: RFC 3492's sample strings, several labels,
// and labels that do not decode (the value is then kept as is).
func TestPunycode(t *testing.T) {
	for in, want := range map[string]string{
		"xn--mnchen-3ya.de":                 "münchen.de",
		"xn--bcher-kva.example":             "bücher.example",
		"xn--egbpdaj6bu4bxfgehfvwxn":        "ليهمابتكلموشعربي؟",
		"xn--ihqwcrb4cv8a8dqg056pqjye":      "他们为什么不说中文",
		"xn--3B-ww4c5e180e575a65lsy2b":      "3年B組金八先生",
		"xn--mnchen-3ya.xn--bcher-kva.com.": "münchen.bücher.com.",
		"xn--ls8h.la":                       "💩.la",
		"xn--e1afmkfd.xn--p1ai":             "пример.рф",
		"xn--MNCHEN-3YA.de":                 "MüNCHEN.de",
		"xn--abc":                           "\u0082\u0081\u0080",
		"xn--.com":                          ".com",
		"xn---x":                            "xn---x",                          // a '-' first: invalid
		"xn--mnchen-3ya.xn--zz":             "xn--mnchen-3ya.xn--zz",           // one bad label keeps the whole value
		"xn--abc-":                          "xn--abc-",                        // decodes to ASCII only: refused
		"xn--zzzzzzzzzzzzzzzzzzzzzzzzzzz":   "xn--zzzzzzzzzzzzzzzzzzzzzzzzzzz", // runs out of digits
	} {
		assert.Equal(t, []string{want}, jlex.AppendDomain(nil, in), in)
	}
}

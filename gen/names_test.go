package gen

import (
	"go/token"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestGoName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// The names of the Tailscale schemas.
		{"nodeId", "NodeID"},
		{"srcIp", "SrcIP"},
		{"eventGroupID", "EventGroupID"},
		{"txBytes", "TxBytes"},
		{"os", "OS"},
		{"isEphemeral", "IsEphemeral"},
		{"virtualTraffic", "VirtualTraffic"},
		// Separators.
		{"p_any_ip", "PAnyIP"},
		{"snake_case_name", "SnakeCaseName"},
		{"kebab-name", "KebabName"},
		{"dotted.name", "DottedName"},
		{"_leading", "Leading"},
		// Initialisms, their plurals, and runs of capitals.
		{"id", "ID"},
		{"ids", "IDs"},
		{"userIds", "UserIDs"},
		{"userIDs", "UserIDs"},
		{"ips", "IPs"},
		{"url", "URL"},
		{"URL", "URL"},
		{"HTTPServer", "HTTPServer"},
		{"httpStatus", "HTTPStatus"},
		{"https", "HTTPS"},
		{"srcIPv6", "SrcIPv6"},
		{"IPv4", "IPv4"},
		{"status", "Status"}, // not "STATUs": "statu" is no initialism
		{"ttls", "TTLs"},
		// Digits.
		{"x509Cert", "X509Cert"},
		{"sha256", "Sha256"},
		{"2fa", "F2fa"},
		{"123", "F123"},
		// Nothing to make a name of.
		{"", ""},
		{"_", ""},
		{"-.-", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got := goName(tc.in)
			assert.Equal(t, tc.want, got)
			if got != "" {
				assert.True(t, token.IsIdentifier(got) && token.IsExported(got), "%q is not an exported identifier", got)
			}
		})
	}
}

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"eventGroupID", []string{"event", "Group", "ID"}},
		{"HTTPServer", []string{"HTTP", "Server"}},
		{"src_ip", []string{"src", "ip"}},
		// A capital after a digit starts no word: goName is still right,
		// but commonSuffix cannot find Cert in it.
		{"x509Cert", []string{"x509Cert"}},
		{"__", nil},
	} {
		assert.Equal(t, tc.want, words(tc.in), tc.in)
	}
}

func TestSingular(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"dstNodes", "dstNode"},
		{"tags", "tag"},
		{"policies", "policy"},
		{"entries", "entry"},
		{"addresses", "address"},
		{"processes", "process"},
		{"address", "address"}, // already singular
		{"virtualTraffic", "virtualTraffic"},
		{"ips", "ips"}, // too short to tell
		{"ties", "tie"},
		{"status", "statu"}, // a known limit: singular takes any final s for a plural
	} {
		assert.Equal(t, tc.want, singular(tc.in), tc.in)
	}
}

func TestCommonSuffix(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  string
	}{
		{[]string{"virtualTraffic", "subnetTraffic", "exitTraffic", "physicalTraffic"}, "Traffic"},
		{[]string{"srcNode", "dstNode"}, "Node"},
		{[]string{"srcNodeInfo", "dstNodeInfo"}, "NodeInfo"},
		{[]string{"node", "srcNode"}, "Node"},
		{[]string{"node"}, "Node"},
		{[]string{"srcIp", "dst_ip"}, "IP"}, // compared as Go words
		{[]string{"origin", "target"}, ""},
		{[]string{"srcNode", "nodes"}, ""}, // whole words only
		{nil, ""},
	} {
		assert.Equal(t, tc.want, commonSuffix(tc.names), "%v", tc.names)
	}
}

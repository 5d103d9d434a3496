package everything_test

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/gen/internal/everything"
	"github.com/tslogs/tslogs/jlex"
)

// webAccess is a Custom.WebAccess record (gen/testdata/schemas/panther.yml)
// using every construct of that schema. The values the tests expect were
// worked out by hand from docs/schema-language.md.
const webAccess = `{
	"time": "10/Oct/2000:13:55:36 -0700",
	"queued": "14/09/2020 14:29:21.5",
	"edgeStart": 1600000000123456789,
	"retries": ["20200914142921.123", "20200914142922.5"],
	"clientIp": " 192.0.2.1 ",
	"host": "api.example.com",
	"referer": "https://user@Shop.Example:8443/cart?x=1",
	"upstream": "10.0.0.7:8080",
	"vhost": "xn--bcher-kva.example",
	"bodyMd5": "D41D8CD98F00B204E9800998ECF8427E",
	"bodySha1": "da39a3ee5e6b4b0d3255bfef95601890afd80709",
	"bodySha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"traceId": " 4bf92f3577b34da6a3ce929d0e0e4736 ",
	"user": "alice@example.com",
	"principal": "AIDAEXAMPLE",
	"role": "arn:aws:sts::123456789012:assumed-role/Admin/alice",
	"bucket": "arn:aws:s3:::logs-bucket",
	"account": "210987654321",
	"instance": "i-0123456789abcdef0",
	"tags": ["env:prod", ""],
	"peers": ["10.0.0.8", "cdn.example.net", "http://[2001:db8::5]/x"],
	"method": "GET",
	"level": "info",
	"serverIp": "192.0.2.10",
	"network": "10.0.0.0/8",
	"session": "{\"id\":\"sess-1\",\"started\":1600000000000}",
	"headers": "[\"Accept: */*\"]",
	"extra": "{\"k\": [1, 2]}"
}`

func TestWebAccessValues(t *testing.T) {
	var x everything.WebAccess
	require.NoError(t, x.Decode([]byte(webAccess)))

	// Times: a strftime format with an offset, a Go layout after rfc3339,
	// cloudflare nanoseconds, and an array in a strftime format with %f.
	assertTime(t, "2000-10-10T20:55:36Z", x.Time)
	assertTime(t, "2020-09-14T14:29:21.5Z", x.Queued)
	assertTime(t, "2020-09-13T12:26:40.123456789Z", x.EdgeStart)
	require.Len(t, x.Retries, 2)
	assertTime(t, "2020-09-14T14:29:21.123Z", x.Retries[0])
	assertTime(t, "2020-09-14T14:29:22.5Z", x.Retries[1])
	assertTime(t, "2000-10-10T20:55:36Z", x.EventTime())

	// Strings are kept as written; only the indicators normalise.
	assert.Equal(t, " 192.0.2.1 ", x.ClientIP)
	assert.Equal(t, "D41D8CD98F00B204E9800998ECF8427E", x.BodyMd5)
	assert.Equal(t, "GET", x.Method)
	assert.Equal(t, "10.0.0.0/8", x.Network)

	// Embedded JSON: decoded from the text of the strings.
	assert.True(t, x.HasSession())
	assert.Equal(t, "sess-1", x.Session.ID)
	assertTime(t, "2020-09-13T12:26:40Z", x.Session.Started)
	assert.Equal(t, []string{"Accept: */*"}, x.Headers)
	assert.Equal(t, `{"k": [1, 2]}`, string(x.Extra))
}

func TestWebAccessIndicators(t *testing.T) {
	var x everything.WebAccess
	require.NoError(t, x.Decode([]byte(webAccess)))
	var ips []string
	for _, a := range x.AppendIPAddresses(nil) {
		ips = append(ips, a.String())
	}
	for _, tc := range []struct {
		column string
		got    []string
		want   []string
	}{
		// clientIp (ip, trimmed), upstream (net_addr: the host of
		// host:port), peers "10.0.0.8" (hostname) and the host of the URL in
		// peers (url); sorted as addresses.
		{"p_any_ip_addresses", ips, []string{"10.0.0.7", "10.0.0.8", "192.0.2.1", "2001:db8::5"}},
		// host (hostname), the URL host of referer (url), vhost (domain,
		// punycode decoded), and the peers that are not IPs (hostname: the
		// URL is not an IP, so the whole text is a domain name, as Panther
		// has it); 10.0.0.7 of upstream is an IP, not a domain.
		{"p_any_domain_names", x.AppendDomainNames(nil),
			[]string{"Shop.Example", "api.example.com", "bücher.example", "cdn.example.net", "http://[2001:db8::5]/x"}},
		{"p_any_emails", x.AppendEmails(nil), []string{"alice@example.com"}},
		{"p_any_usernames", x.AppendUsernames(nil), []string{"alice@example.com"}},
		{"p_any_actor_ids", x.AppendActorIDs(nil), []string{"AIDAEXAMPLE"}},
		// traceId (trimmed) and session.id, from the embedded object.
		{"p_any_trace_ids", x.AppendTraceIDs(nil), []string{"4bf92f3577b34da6a3ce929d0e0e4736", "sess-1"}},
		{"p_any_md5_hashes", x.AppendMD5Hashes(nil), []string{"d41d8cd98f00b204e9800998ecf8427e"}},
		{"p_any_sha1_hashes", x.AppendSHA1Hashes(nil), []string{"da39a3ee5e6b4b0d3255bfef95601890afd80709"}},
		{"p_any_sha256_hashes", x.AppendSHA256Hashes(nil), []string{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}},
		{"p_any_aws_arns", x.AppendAWSARNs(nil), []string{"arn:aws:s3:::logs-bucket", "arn:aws:sts::123456789012:assumed-role/Admin/alice"}},
		// The account of the role ARN (aws_arn) and account (aws_account_id);
		// the S3 ARN (aws_arn_only) adds none.
		{"p_any_aws_account_ids", x.AppendAWSAccountIDs(nil), []string{"123456789012", "210987654321"}},
		// The role ARN is not an instance/ resource.
		{"p_any_aws_instance_ids", x.AppendAWSInstanceIDs(nil), []string{"i-0123456789abcdef0"}},
		{"p_any_aws_tags", x.AppendAWSTags(nil), []string{"env:prod"}},
	} {
		t.Run(tc.column, func(t *testing.T) { assert.Equal(t, tc.want, tc.got) })
	}

	// The row carries every column, under Panther's names.
	var row map[string]any
	out := x.AppendRow(nil, &jlex.RowMeta{ParseTime: parseTime, RowID: "r"})
	require.NoError(t, json.Unmarshal(out, &row))
	for _, col := range []string{"p_any_ip_addresses", "p_any_domain_names", "p_any_emails", "p_any_usernames",
		"p_any_actor_ids", "p_any_trace_ids", "p_any_md5_hashes", "p_any_sha1_hashes", "p_any_sha256_hashes",
		"p_any_aws_arns", "p_any_aws_account_ids", "p_any_aws_instance_ids", "p_any_aws_tags"} {
		assert.Contains(t, row, col)
	}
	assert.Equal(t, "2000-10-10T20:55:36Z", row["p_event_time"])
	assert.Equal(t, []any{"10.0.0.7", "10.0.0.8", "192.0.2.1", "2001:db8::5"}, row["p_any_ip_addresses"])
	assert.Equal(t, map[string]any{"id": "sess-1", "started": "2020-09-13T12:26:40Z"}, row["session"],
		"an embedded object is stored as an object, as Panther stores it")
}

// TestWebAccessEmbeddedInPlace checks that an isEmbeddedJSON field also
// takes the value written as plain JSON, and that an empty string is absent.
func TestWebAccessEmbeddedInPlace(t *testing.T) {
	var x everything.WebAccess
	doc := `{"time":"10/Oct/2000:13:55:36 +0000","session":{"id":"s2"},"headers":["a"],"extra":""}`
	require.NoError(t, x.Decode([]byte(doc)))
	assert.Equal(t, "s2", x.Session.ID)
	assert.Equal(t, []string{"a"}, x.Headers)
	assert.False(t, x.HasExtra(), "an empty embedded string is absent")
}

func TestWebAccessErrors(t *testing.T) {
	base := `{"time":"10/Oct/2000:13:55:36 +0000",`
	for _, tc := range []struct {
		name, in, want string
	}{
		{"not allowed", `"method":"DELETE"}`, `method: "DELETE" is not allowed (allowed: GET, HEAD, POST) at offset 46`},
		{"denied", `"level":"debug"}`, `level: "debug" is denied at offset 45`},
		{"not IPv4", `"serverIp":"2001:db8::1"}`, `serverIp: "2001:db8::1" is not an IPv4 address at offset 48`},
		{"not a CIDR", `"network":"10.0.0.1"}`, `network: "10.0.0.1" is not an IP CIDR range at offset 47`},
		{"bad strftime time", `"retries":["2020-09-14"]}`, `retries[0]: cannot parse "2020-09-14" as a timestamp (%Y%m%d%H%M%S.%f) at offset 48`},
		{"bad embedded JSON", `"session":"{\"id\":}"}`, `session.id: embedded JSON at byte 6: expected string, found invalid character '}' at offset 47`},
		{"required field in embedded JSON", `"session":"{}"}`, `session.id: required field is missing at offset 52`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var x everything.WebAccess
			err := x.Decode([]byte(base + tc.in))
			var je *jlex.Error
			require.ErrorAs(t, err, &je)
			assert.EqualError(t, err, tc.want)
			assert.False(t, x.HasTime(), "a bad record leaves the value empty")
		})
	}
	// The record without its required time.
	var x everything.WebAccess
	assert.EqualError(t, x.Decode([]byte(`{"method":"GET"}`)), "time: required field is missing at offset 16")
	assert.True(t, strings.HasPrefix(base, `{"time":`))
}

// TestWebAccessReuse decodes records with different constructs into one
// value: nothing of one may leak into the next.
func TestWebAccessReuse(t *testing.T) {
	var x everything.WebAccess
	require.NoError(t, x.Decode([]byte(webAccess)))
	require.NoError(t, x.Decode([]byte(`{"time":"01/Jan/2001:00:00:00 +0000"}`)))
	assert.False(t, x.HasSession())
	assert.Equal(t, "", x.Session.ID)
	assert.Empty(t, x.Retries)
	assert.Empty(t, x.AppendDomainNames(nil))
	assert.Equal(t, []netip.Addr(nil), x.AppendIPAddresses(nil))
}

package everything_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/gen/internal/everything"
	"github.com/tslogs/tslogs/internal/roundtrip"
)

// fullJSON is full as AppendJSON writes it, by hand: the fields full has,
// in schema order, no split fields (endpointIp and the unknown field are
// dropped), the protocol name as its number, each timestamp in its first
// format (tsAny in RFC 3339, times in unix_ms although the second came as
// RFC 3339), json values as given, whitespace and all.
const fullJSON = `{"time":1700000000.5,"id":"rec-1","name":"café \"quoted\"","small":-12,"proto":6,` +
	`"count":2147483647,"total":-9007199254740993,"ratio":0.25,"enabled":true,` +
	`"extra":{"k": [1, 2, {"n": null}], "s": "x y"},` +
	`"tsMs":1700000000123,"tsUs":1700000000123456,"tsNs":1700000000123456789,"tsRfc":"2023-11-14T22:13:20.5Z",` +
	`"tsAny":"2023-11-14T22:13:20Z","tsLegacy":1700000000999,"clientIp":"192.0.2.10","site":"example.com",` +
	`"actor":{"id":"u-42","email":"alice@example.com","seenAt":"2023-11-14T22:00:00Z",` +
	`"device":{"hostname":"laptop.example.com","endpoint":"[2001:db8::1]:41641",` +
	`"location":{"city":"Zürich","observedAt":1699999999000}}},` +
	`"quirks":{"s":"192.0.2.99:7"},"tags":["a","b"],` +
	`"addresses":["100.64.0.1","fd7a:115c:a1e0::1","not-an-ip","100.64.0.1"],` +
	`"emails":["bob@example.com","nobody","alice@example.com"],"owners":["carol@example.com","u-7"],` +
	`"domains":["b.example","a.example",""],"smalls":[1,-2,32767],"ints":[0,-2147483648],` +
	`"bigints":[9223372036854775807],"floats":[1.5,-0.001],"flags":[true,false],` +
	`"times":[1700000000000,1700000001000],"blobs":[1,"two",[3],{"four": 4},null],` +
	`"srcPeers":[{"addr":"peer.example:443","ips":["10.0.0.1"]},{"addr":"[::1]:80"}],` +
	`"dstPeers":[{"addr":"noport.example","ips":["10.0.0.2","bogus"]}],` +
	`"src":"10.1.2.3:5555","path":"/api/v2/users","ticket":"4711-backend"}`

// TestAppendJSON checks AppendJSON against output written by hand.
func TestAppendJSON(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"full", full, fullJSON},
		{"sparse: nulls left out, numeric string time in RFC 3339", sparse,
			`{"id":"rec-2","proto":17,"tsAny":"2023-11-14T22:13:20Z","actor":{"id":"u-1","seenAt":"2023-11-15T00:00:00Z"},` +
				`"tags":[],"src":"[fe80::1%eth0]:22","path":"no-slash","ticket":"abc-def"}`},
		{"flows: the fast path's objects, repeated keys, an escaped key", flows,
			`{"id":"f","flows":[` +
				`{"proto":6,"flags":-3,"count":2147483647,"bytesTransferredTotal":9007199254740993,"ok":true,"peer":"100.64.0.1:443","label":"web-1"},` +
				`{"ok":false,"peer":"[fd7a:115c:a1e0::1]:53"},{"proto":17,"peer":"host.example:80"},{"count":1,"ok":true},` +
				`{"count":2,"label":"a-b"},{"flags":0,"peer":"100.64.0.1:8080"},{"proto":1,"say\"hi":"x"}]}`},
		{"times: fallback to the second format, and unix seconds", `{"id":"t","times":[1700000000001,"2023-11-14T22:13:20.0000001Z"],"time":"-0.000000001","tsAny":-1e-9}`,
			`{"time":-0.000000001,"id":"t","tsAny":"1969-12-31T23:59:59.999999999Z","times":[1700000000001,"2023-11-14T22:13:20.0000001Z"]}`},
		{"floats: shortest exact form", `{"id":"f","ratio":1e-7,"floats":[0.1,1e21,123456789.123456789,-0.0,5e-324,"2.50"]}`,
			`{"id":"f","ratio":1e-7,"floats":[0.1,1e+21,123456789.12345679,-0,5e-324,2.5]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec everything.Everything
			require.NoError(t, rec.Decode([]byte(tt.in)))
			assert.Equal(t, tt.want, string(rec.AppendJSON(nil)))
		})
	}
}

// TestAppendJSONNaming checks that members are written under the schema's
// names, not the Go names.
func TestAppendJSONNaming(t *testing.T) {
	var rec everything.Naming
	require.NoError(t, rec.Decode([]byte(`{"kebab-name":"k","2fa":true,"URL":"u","snake_case_name":"s","dstNodes":[{"name":"d"}],"left":{"node":{"x":"1"}}}`)))
	assert.Equal(t, `{"URL":"u","2fa":true,"snake_case_name":"s","kebab-name":"k","dstNodes":[{"name":"d"}],"left":{"node":{"x":"1"}}}`,
		string(rec.AppendJSON(nil)))
}

// webAccessJSON is webAccess as AppendJSON writes it, by hand: time in its
// strftime format in UTC (13:55:36 -0700 is 20:55:36 +0000), queued in
// rfc3339 (its first format, ahead of the layout it came in), edgeStart in
// cloudflare's nanoseconds, retries with %f's six digits, strings as they
// came (spaces kept: only indicators trim), and the embedded JSON fields
// as plain JSON, whitespace of the embedded text kept.
const webAccessJSON = `{"time":"10/Oct/2000:20:55:36 +0000","queued":"2020-09-14T14:29:21.5Z",` +
	`"edgeStart":1600000000123456789,"retries":["20200914142921.123000","20200914142922.500000"],` +
	`"clientIp":" 192.0.2.1 ","host":"api.example.com","referer":"https://user@Shop.Example:8443/cart?x=1",` +
	`"upstream":"10.0.0.7:8080","vhost":"xn--bcher-kva.example","bodyMd5":"D41D8CD98F00B204E9800998ECF8427E",` +
	`"bodySha1":"da39a3ee5e6b4b0d3255bfef95601890afd80709",` +
	`"bodySha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",` +
	`"traceId":" 4bf92f3577b34da6a3ce929d0e0e4736 ","user":"alice@example.com","principal":"AIDAEXAMPLE",` +
	`"role":"arn:aws:sts::123456789012:assumed-role/Admin/alice","bucket":"arn:aws:s3:::logs-bucket",` +
	`"account":"210987654321","instance":"i-0123456789abcdef0","tags":["env:prod",""],` +
	`"peers":["10.0.0.8","cdn.example.net","http://[2001:db8::5]/x"],"method":"GET","level":"info",` +
	`"serverIp":"192.0.2.10","network":"10.0.0.0/8","session":{"id":"sess-1","started":1600000000000},` +
	`"headers":["Accept: */*"],"extra":{"k": [1, 2]}}`

// TestAppendJSONWebAccess checks AppendJSON on Custom.WebAccess, the schema
// with custom time formats, cloudflare, validate rules, embedded JSON and
// every indicator kind, against output written by hand.
func TestAppendJSONWebAccess(t *testing.T) {
	const at = `"time":"10/Oct/2000:13:55:36 -0700"`
	tests := []struct{ name, in, want string }{
		{"every field", webAccess, webAccessJSON},
		{"embedded JSON given as plain JSON", `{` + at + `,"session":{"id":"s"},"headers":[],"extra":[1]}`,
			`{"time":"10/Oct/2000:20:55:36 +0000","session":{"id":"s"},"headers":[],"extra":[1]}`},
		{"an embedded string stays embedded", `{` + at + `,"extra":"\"hi\""}`,
			`{"time":"10/Oct/2000:20:55:36 +0000","extra":"\"hi\""}`},
		{"empty embedded text is absent", `{` + at + `,"session":"","headers":"","extra":""}`,
			`{"time":"10/Oct/2000:20:55:36 +0000"}`},
		{"queued in the layout, nanoseconds: rfc3339", `{` + at + `,"queued":"14/09/2020 14:29:21.123456789"}`,
			`{"time":"10/Oct/2000:20:55:36 +0000","queued":"2020-09-14T14:29:21.123456789Z"}`},
		{"cloudflare seconds", `{` + at + `,"edgeStart":59,"retries":[]}`,
			`{"time":"10/Oct/2000:20:55:36 +0000","edgeStart":59,"retries":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec everything.WebAccess
			require.NoError(t, rec.Decode([]byte(tt.in)))
			assert.Equal(t, tt.want, string(rec.AppendJSON(nil)))
			require.NoError(t, roundtrip.Check(&rec))
		})
	}
}

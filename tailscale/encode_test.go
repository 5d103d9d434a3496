package tailscale_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/tailscale"
)

// TestAppendJSON checks AppendJSON against output written by hand from each
// input: fields in schema order whatever the input's order, absent and
// unknown fields and split fields left out, numbers from strings and names
// written as numbers, timestamps in the schema's format (unix seconds
// exact, RFC 3339 in UTC), strings escaped, json values as given.
func TestAppendJSON(t *testing.T) {
	tests := []struct {
		name, in, want string
		audit          bool
	}{
		{
			name: "network, keys out of order",
			in: `{"fields":{"recorded":"2026-06-03T10:00:01Z"},"event":{"virtualTraffic":[{"txPkts":"10","dst":"100.64.0.2:443",` +
				`"srcIp":"9.9.9.9","src":"[fd7a:115c:a1e0::1]:41641","proto":"udp"}],"start":"2026-06-03T11:59:55.000812000+02:00",` +
				`"nodeId":"n1","unknown":[1,{"a":2}]},"time":1780480800.0}`,
			want: `{"time":1780480800,"event":{"nodeId":"n1","start":"2026-06-03T09:59:55.000812Z",` +
				`"virtualTraffic":[{"proto":17,"src":"[fd7a:115c:a1e0::1]:41641","dst":"100.64.0.2:443","txPkts":10}]},` +
				`"fields":{"recorded":"2026-06-03T10:00:01Z"}}`,
		},
		{
			name: "network, nulls and empties",
			in: `{"event":{"virtualTraffic":[null,{}],"subnetTraffic":null,"srcNode":{"addresses":[],"tags":null,"user":""},` +
				`"end":null},"time":"1780500887.356000"}`,
			want: `{"time":1780500887.356,"event":{"srcNode":{"addresses":[],"user":""},"virtualTraffic":[{},{}]}}`,
		},
		{
			name: "network, extreme numbers and times",
			in: `{"time":-62167219200,"event":{"logged":"9999-12-31T23:59:59.999999999-00:00","physicalTraffic":[` +
				`{"proto":-32768,"txPkts":-9223372036854775808,"rxBytes":9223372036854775807,"src":"x"}]}}`,
			want: `{"time":-62167219200,"event":{"physicalTraffic":[{"proto":-32768,"src":"x","txPkts":-9223372036854775808,` +
				`"rxBytes":9223372036854775807}],"logged":"9999-12-31T23:59:59.999999999Z"}}`,
		},
		{
			name:  "audit, escapes and raw values",
			audit: true,
			in: `{"time":-1.5,"event":{"origin":"o\u0000\"\\\u2028<\/","actor":{"id":"u","loginName":"jos\u00e9@x",` +
				"\"displayName\":\"a\xffb\\t\",\"tags\":[\"a\",\"\\ud83d\\ude00\",\"\\ud800\"]},\"target\":{\"isEphemeral\":false}," +
				`"action":"a","old":{ "k" : [1, "\u00e9"] },"new":null,"eventTime":"2026-06-03T16:01:20.456789000Z",` +
				`"deferredAt":"0001-01-01T00:00:00Z"}}`,
			want: `{"time":-1.5,"event":{"deferredAt":"0001-01-01T00:00:00Z","origin":"o\u0000\"\\\u2028</",` +
				"\"actor\":{\"id\":\"u\",\"loginName\":\"jos\u00e9@x\",\"displayName\":\"a\uFFFDb\\t\",\"tags\":[\"a\",\"\U0001F600\",\"\uFFFD\"]}," +
				`"target":{"isEphemeral":false},"action":"a","old":{ "k" : [1, "\u00e9"] },"eventTime":"2026-06-03T16:01:20.456789Z"}}`,
		},
		{
			name:  "audit, invalid UTF-8 inside a raw value",
			audit: true,
			in:    "{\"time\":1,\"event\":{\"origin\":\"o\",\"actor\":{},\"target\":{},\"action\":\"a\",\"new\":[\"\xff\xfe\"]}}",
			want:  "{\"time\":1,\"event\":{\"origin\":\"o\",\"actor\":{},\"target\":{},\"action\":\"a\",\"new\":[\"\uFFFD\uFFFD\"]}}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out []byte
			if tt.audit {
				var rec tailscale.Audit
				require.NoError(t, rec.Decode([]byte(tt.in)))
				out = rec.AppendJSON(nil)
			} else {
				var rec tailscale.Network
				require.NoError(t, rec.Decode([]byte(tt.in)))
				out = rec.AppendJSON(nil)
			}
			assert.Equal(t, tt.want, string(out))
		})
	}
}

// TestMarshalJSON checks that encoding/json writes a record, by value or
// by pointer, as AppendJSON does (compacted and HTML-escaped, as
// encoding/json treats every MarshalJSON's output), and a traffic entry
// on its own too.
func TestMarshalJSON(t *testing.T) {
	var rec tailscale.Network
	require.NoError(t, rec.Decode([]byte(`{"time":1,"event":{"nodeId":"<n>","virtualTraffic":[{"proto":6,"src":"1.2.3.4:5"}]}}`)))
	const want = `{"time":1,"event":{"nodeId":"\u003cn\u003e","virtualTraffic":[{"proto":6,"src":"1.2.3.4:5"}]}}`
	byValue, err := json.Marshal(rec)
	require.NoError(t, err)
	assert.Equal(t, want, string(byValue))
	byPointer, err := json.Marshal(&rec)
	require.NoError(t, err)
	assert.Equal(t, want, string(byPointer))
	entry, err := json.Marshal(rec.Event.VirtualTraffic)
	require.NoError(t, err)
	assert.Equal(t, `[{"proto":6,"src":"1.2.3.4:5"}]`, string(entry))
	direct, err := rec.MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, string(rec.AppendJSON(nil)), string(direct))
}

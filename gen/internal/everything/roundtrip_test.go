package everything_test

// Round-trip fuzzing of the encoders generated for the test schemas: every
// input that decodes is written with AppendJSON, and the output must decode
// to the same record (roundtrip.Check lists everything checked).
//
//	go test -run XXX -fuzz FuzzEverythingRoundTrip -fuzztime 60s ./gen/internal/everything/
//	go test -run XXX -fuzz FuzzNamingRoundTrip -fuzztime 60s ./gen/internal/everything/
//	go test -run XXX -fuzz FuzzWebAccessRoundTrip -fuzztime 60s ./gen/internal/everything/

import (
	"strings"
	"testing"

	"github.com/tslogs/tslogs/gen/internal/everything"
	"github.com/tslogs/tslogs/internal/roundtrip"
)

// rtEverythingTemplates put an edge value (@@) in each field of
// Test.Everything in turn, of every construct: scalars of each type,
// timestamps of each format, nested objects, splits, arrays of each element
// type and of objects (the fast path's flows included), around a record
// whose other fields are set.
var rtEverythingTemplates = []string{
	`{"id":@@}`,
	`{"id":"a","time":@@}`, `{"id":"a","name":@@}`, `{"id":"a","small":@@}`, `{"id":"a","proto":@@}`,
	`{"id":"a","count":@@}`, `{"id":"a","total":@@}`, `{"id":"a","ratio":@@}`, `{"id":"a","enabled":@@}`,
	`{"id":"a","extra":@@}`, `{"id":"a","tsMs":@@}`, `{"id":"a","tsUs":@@}`, `{"id":"a","tsNs":@@}`,
	`{"id":"a","tsRfc":@@}`, `{"id":"a","tsAny":@@}`, `{"id":"a","tsLegacy":@@}`, `{"id":"a","clientIp":@@}`,
	`{"id":"a","src":@@}`, `{"id":"a","path":@@}`, `{"id":"a","ticket":@@}`,
	`{"id":"a","actor":@@}`, `{"id":"a","actor":{"id":@@,"email":"e@x"}}`, `{"id":"a","actor":{"id":"u","seenAt":@@}}`,
	`{"id":"a","actor":{"id":"u","device":{"hostname":"h","endpoint":@@,"location":{"city":"c"}}}}`,
	`{"id":"a","actor":{"id":"u","device":{"location":{"city":@@,"observedAt":1}}}}`,
	`{"id":"a","actor":{"id":"u","device":{"location":{"observedAt":@@}}}}`,
	`{"id":"a","quirks":{"s":@@}}`,
	`{"id":"a","flows":[{"proto":@@,"count":2,"ok":true,"peer":"100.64.0.1:443","label":"web-1"}]}`,
	`{"id":"a","flows":[{"proto":6,"flags":@@,"peer":"[::1]:1"}]}`,
	`{"id":"a","flows":[{"count":@@,"ok":true}]}`,
	`{"id":"a","flows":[{"bytesTransferredTotal":@@}]}`,
	`{"id":"a","flows":[{"ok":@@,"label":"x-y"}]}`,
	`{"id":"a","flows":[{"peer":@@,"label":"x"}]}`,
	`{"id":"a","flows":[{"proto":6,"label":@@}]}`,
	`{"id":"a","flows":[{"say\"hi":@@}]}`,
	`{"id":"a","flows":[{"proto":6},@@]}`,
	`{"id":"a","tags":[@@,"b"]}`, `{"id":"a","addresses":[@@]}`, `{"id":"a","emails":[@@]}`,
	`{"id":"a","owners":[@@]}`, `{"id":"a","domains":[@@]}`, `{"id":"a","smalls":[@@,1]}`,
	`{"id":"a","ints":[@@]}`, `{"id":"a","bigints":[@@]}`, `{"id":"a","floats":[@@,0.5]}`,
	`{"id":"a","flags":[@@]}`, `{"id":"a","times":[@@,1]}`, `{"id":"a","blobs":[@@,null]}`,
	`{"id":"a","srcPeers":[{"addr":@@,"ips":["10.0.0.1"]}]}`, `{"id":"a","srcPeers":[{"addr":"a:1","ips":[@@]}]}`,
	`{"id":"a","dstPeers":[@@,{"addr":"b:1"}]}`,
	`{"id":"a","tags":@@}`, `{"id":"a","smalls":@@}`, `{"id":"a","times":@@}`, `{"id":"a","flows":@@}`,
}

// rtValues are values at the edges of every field type's rules, and of
// JSON's: each goes into each @@ of a template.
var rtValues = []string{
	`null`, `true`, `false`, `[]`, `{}`, `""`, `" "`, `0`, `-0`, `-0.0`, `1.0`, `1e3`, `-1`, `0.1`, `1e-7`, `1e21`,
	`5e-324`, `1.7976931348623157e308`, `-2.5e-10`, `123456789.123456789`, `"1.5"`,
	`32767`, `-32768`, `2147483647`, `-2147483648`, `9223372036854775807`, `-9223372036854775808`,
	`"tcp"`, `"UDP"`, `"ipv6-icmp"`,
	`1700000000`, `1700000000.5`, `-1.5`, `-0.000000001`, `1.7e9`, `"1700000000123"`,
	`1700000000123`, `-1700000000123`, `1700000000123456`, `1700000000123456789`, `-9223372036854775808`,
	`-62167219200`, `253402300799.999999999`, `253402300799999`,
	`"2023-11-14T22:13:20Z"`, `"2023-11-14T22:13:20.000000001+01:00"`, `"0000-01-01T00:00:00Z"`,
	`"9999-12-31T23:59:59.999999999Z"`, `"1677-09-21T00:12:43.145224192Z"`, `"2262-04-11T23:47:16.854775807Z"`,
	`"1969-12-31T23:59:59.5Z"`,
	`"192.0.2.1:80"`, `"[2001:db8::1]:443"`, `"[fe80::1%eth0]:1"`, `"a-b-c"`, `"/x/y"`, `"4711-team"`,
	`"\u0000\u001f\"\\/\b\f\n\r\t\u2028\u2029<>&"`, `"caf\u00e9 \ud83d\ude00"`, `"\ud800"`, "\"\xff\xfe\xc0\x80\"",
	`[1,"a",null,{"b":[]}]`, `{"a":1,"a":2}`, ` { "x" : [ 1 , 2 ] } `, "{\"s\":\"\xff\"}",
}

func rtSeeds(f *testing.F, templates ...string) {
	for _, tmpl := range templates {
		for _, v := range rtValues {
			f.Add([]byte(strings.ReplaceAll(tmpl, "@@", v)))
		}
	}
}

func FuzzEverythingRoundTrip(f *testing.F) {
	for _, s := range []string{full, sparse, flows} {
		f.Add([]byte(s))
	}
	rtSeeds(f, rtEverythingTemplates...)
	f.Fuzz(roundtrip.Target[everything.Everything])
}

// namingFull fills every field of Test.Naming.
const namingFull = `{"userId":"u","srcIP":"1.2.3.4","URL":"https://x","httpStatus":200,"os":"linux","x509Cert":"c",` +
	`"2fa":true,"snake_case_name":"s","kebab-name":"k","ids":["a","b"],"srcNode":{"name":"n"},` +
	`"dstNodes":[{"name":"d"},{}],"origin":{"at":"o"},"target":{"at":"t"},"left":{"node":{"x":"1"}},` +
	`"right":{"node":{"y":"2"}},"policies":[{"rule":"r"}],"addresses":[{"ip":"1.2.3.4"},null]}`

func FuzzNamingRoundTrip(f *testing.F) {
	f.Add([]byte(namingFull))
	rtSeeds(f,
		`{"userId":@@}`, `{"httpStatus":@@}`, `{"2fa":@@}`, `{"ids":[@@]}`, `{"srcNode":@@}`,
		`{"dstNodes":[@@]}`, `{"left":{"node":@@}}`, `{"policies":@@}`, `{"addresses":[{"ip":@@}]}`,
	)
	f.Fuzz(roundtrip.Target[everything.Naming])
}

// webTime is a value of Custom.WebAccess's required time field.
const webTime = `"time":"10/Oct/2000:13:55:36 -0700"`

// rtWebValues are values at the edges of Custom.WebAccess's own constructs:
// its strftime formats (offsets that move a time across a year 0000 or 9999
// boundary, %f's six digits), its Go layout (more fractional digits than it
// writes), cloudflare's switch from seconds to nanoseconds, validate rules,
// and embedded JSON in both forms (a json value that is itself a string
// included).
var rtWebValues = []string{
	`"10/Oct/2000:13:55:36 +0000"`, `"1/jan/5:1:2:3 -2359"`, `"01/Jan/0000:00:30:00 +0100"`,
	`"01/Jan/0000:00:30:00 -0100"`, `"31/Dec/9999:23:30:00 -0100"`, `"31/Dec/9999:23:30:00 +0100"`,
	`"29/Feb/2024:23:59:59 +1200"`,
	`"14/09/2020 14:29:21"`, `"14/09/2020 14:29:21.5"`, `"14/09/2020 14:29:21.123456789"`, `"31/12/9999 23:59:59.999"`,
	`"2020-09-14T14:29:21.123456789+02:00"`,
	`59`, `60`, `59999999999`, `60000000000`, `60000000001`, `-62167219200`, `9223372036854775807`,
	`"20200914142921.123456"`, `"20200914142921.1"`, `"00000101000000.000001"`, `"99991231235959.999999"`,
	`"GET"`, `"debug"`, `"192.0.2.1"`, `"::1"`, `"10.0.0.0/8"`, `"fd7a::/48"`,
	`"{\"id\":\"s\",\"started\":1600000000000}"`, `{"id":"s","started":"1"}`, `"{\"id\":1}"`,
	`"[\"a\",\"b\"]"`, `["a"]`, `"\"hi\""`, `"\"\""`, `" [1, {\"a\": \"\\u00e9\"}] "`, `"null"`, `"1e3"`,
}

func FuzzWebAccessRoundTrip(f *testing.F) {
	f.Add([]byte(webAccess))
	var templates []string
	for _, field := range []string{"time", "queued", "edgeStart", "clientIp", "upstream", "bodyMd5", "user", "role",
		"method", "level", "serverIp", "network", "session", "headers", "extra"} {
		templates = append(templates, `{`+webTime+`,"`+field+`":@@}`)
	}
	templates = append(templates, `{"time":@@}`, `{`+webTime+`,"retries":[@@,"20200914142921.5"]}`,
		`{`+webTime+`,"tags":[@@]}`, `{`+webTime+`,"peers":@@}`, `{`+webTime+`,"session":{"id":"s","started":@@}}`,
		`{`+webTime+`,"session":{"id":@@}}`, `{`+webTime+`,"headers":[@@]}`)
	rtSeeds(f, templates...)
	for _, tmpl := range templates {
		for _, v := range rtWebValues {
			f.Add([]byte(strings.ReplaceAll(tmpl, "@@", v)))
		}
	}
	f.Fuzz(roundtrip.Target[everything.WebAccess])
}

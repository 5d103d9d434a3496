package tailscale_test

// Differential fuzzing of the generated decoders against the reference in
// mirror_test.go, plus invariants that need no reference.
//
//	go test -run XXX -fuzz FuzzNetwork -fuzztime 60s ./tailscale/
//	go test -run XXX -fuzz FuzzAudit -fuzztime 60s ./tailscale/
//
// For every input: tslogs and the reference must both accept or both reject
// it, and when they accept, agree on every field, its presence (HasX), the
// split fields, the p_any_* indicators and the row AppendRow writes. Without
// the reference: no panic, the row is valid JSON and valid UTF-8, and a value
// decoded into again (after another record, after the same input) gives
// exactly what a fresh value gives, as does a record decoded after the input;
// a value whose decode failed holds nothing (no partial record).

import (
	"bytes"
	stdjson "encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tslogs/tslogs/jlex"
	"github.com/tslogs/tslogs/tailscale"
)

// fzParseTime and fzRowID are the RowMeta of every row the tests write.
var fzParseTime = time.Date(2026, 6, 3, 16, 0, 0, 123456789, time.UTC)

const fzRowID = "fuzz-row-\u00e9"

func fzMeta() *tailscale.RowMeta { return &tailscale.RowMeta{ParseTime: fzParseTime, RowID: fzRowID} }

// fzRichNetwork and fzRichAudit fill every field, with more elements than
// most fuzz inputs, so that decoding another input into the same value after
// them shows any data that leaks from one record to the next.
const fzRichNetwork = `{"time":"1780500887.356","event":{"nodeId":"nRICH\u00e9","start":"2026-06-03T15:34:42.351262815Z",` +
	`"end":"2026-06-03T17:34:47.5+02:00","logged":"2026-06-03T15:34:48.000000001Z",` +
	`"srcNode":{"nodeId":"nS","name":"s.ts.net","addresses":["100.64.0.1","fd7a:115c:a1e0::1","fe80::1%eth0","nope"],"os":"linux","user":"alice@example.com","tags":["tag:a","tag:b","tag:c"]},` +
	`"dstNodes":[{"nodeId":"n1","name":"one","addresses":["100.64.0.2"],"os":"iOS","user":"bob@example.com","tags":["tag:x"]},` +
	`{"nodeId":"n2","name":"two","addresses":["100.64.0.3","100.64.0.4"],"os":"macOS","user":"carol","tags":["tag:y","tag:z"]},` +
	`{"nodeId":"n3","name":"three","addresses":[],"os":"windows","user":"dave@example.com","tags":[]}],` +
	`"virtualTraffic":[{"proto":6,"src":"100.64.0.1:52814","dst":"100.64.0.2:443","txPkts":12,"txBytes":1832,"rxPkts":10,"rxBytes":9421},` +
	`{"proto":"udp","src":"[fd7a:115c:a1e0::1]:41641","dst":"[fd7a:115c:a1e0::2]:41641","txPkts":"1","txBytes":"2","rxPkts":3,"rxBytes":4},` +
	`{"proto":"ICMPv6","src":"[::ffff:1.2.3.4]:80","dst":"100.64.0.9:0","txPkts":5,"txBytes":6,"rxPkts":7,"rxBytes":8}],` +
	`"subnetTraffic":[{"proto":17,"src":"100.64.0.1:53","dst":"192.168.1.1:53","txPkts":1,"txBytes":2,"rxPkts":3,"rxBytes":4},{"proto":99,"src":"100.64.0.1","dst":"[fd7a:115c:a1e0::3]","txPkts":9}],` +
	`"exitTraffic":[{"src":"100.64.0.1:0","txPkts":100,"txBytes":200,"rxPkts":300,"rxBytes":400},{"proto":132,"src":"100.64.0.1:5","dst":"8.8.8.8:53","rxBytes":1}],` +
	`"physicalTraffic":[{"src":"100.64.0.1:0","dst":"127.3.3.40:1","txPkts":1,"txBytes":2,"rxPkts":3,"rxBytes":9223372036854775807},{"src":"100.64.0.1:0","dst":"203.0.113.9:41641","txPkts":-1}]},` +
	`"fields":{"recorded":"2026-06-03T15:34:48.123456789Z"}}`

const fzRichAudit = `{"time":1780502425.128,"event":{"deferredAt":"0001-01-01T00:00:00Z","eventGroupID":"g\u00e9","origin":"ADMIN_CONSOLE",` +
	`"actor":{"id":"uRICH","type":"USER","loginName":"alice@example.com","displayName":"Alice","tags":["tag:one","tag:two"]},` +
	`"target":{"id":"nT","name":"web-1","type":"NODE","property":"TAGS","isEphemeral":true},` +
	`"action":"UPDATE","old":{"a":[1,2,{"b":"c"}],"d":"\u00e9"},"new":[true, false, null, "x y"],` +
	`"actionDetails":"details","error":"none","eventTime":"2026-06-03T16:01:20.456789Z","type":"CONFIG","logged":"2026-06-03T16:01:20.998231-05:30"},` +
	`"fields":{"recorded":"2026-06-03T16:00:25.5Z"}}`

// fzExtraSeeds are short inputs aimed at the edges of each field's rules.
var fzExtraSeeds = []string{
	`{"time":0,"event":{}}`,
	`{"time":"","event":{}}`,
	`{"time":-62167219200,"event":{}}`,
	`{"time":-62167219200.000000001,"event":{}}`,
	`{"time":253402300799.999999999999,"event":{}}`,
	`{"time":253402300800,"event":{}}`,
	`{"time":1.7805008873560000000001e9,"event":{}}`,
	`{"time":-1.5e-9,"event":{}}`,
	`{"time":17805008873560e-4,"event":{}}`,
	`{"time":"1e3","event":{},"fields":{"recorded":"2026-02-29T00:00:00Z"}}`,
	`{"time":1,"event":{"start":"2024-02-29T23:59:59.123456789-23:59","end":"2026-06-03T15:34:42+24:00"}}`,
	`{"time":1,"event":{"start":"2026-06-03T15:34:42,5Z"}}`,
	`{"time":1,"event":{"start":"0000-01-01T00:00:00+01:00"}}`,
	`{"time":1,"event":{"virtualTraffic":[{"proto":"TCP","src":"[1.2.3.4]:80","dst":"fd7a::1"}]}}`,
	`{"time":1,"event":{"virtualTraffic":[{"proto":"\u0074cp","src":"1.2.3.4:000080","dst":"[fe80::1%eth0]:65535"}]}}`,
	`{"time":1,"event":{"virtualTraffic":[{"proto":"-0","src":"1.2.3.4:65536","dst":":80"}]}}`,
	`{"time":1,"event":{"virtualTraffic":[{"proto":"+5","src":"[::1]:","dst":"[::1]:80:90"}]}}`,
	`{"time":1,"event":{"virtualTraffic":[null,{},{"proto":null,"src":null,"txPkts":""}]}}`,
	`{"time":1,"event":{"virtualTraffic":[{"txPkts":"-9223372036854775808","rxPkts":9223372036854775808}]}}`,
	`{"time":1,"event":{"srcNode":{"addresses":["fe80::1%eth0","fe80::1%1","::ffff:100.64.0.1","100.64.0.1",null]}}}`,
	`{"time":1,"event":{"srcNode":{"user":"a@b"},"srcNode":{"name":"merged"},"dstNodes":[{"user":"x@y"}],"dstNodes":[null]}}`,
	`{"time":1,"event":{"nodeId":"\ud800\udc00\ud800x\udc00\ud83d\ude00\u0000\u2028"}}`,
	"{\"time\":1,\"event\":{\"nodeId\":\"\xff\xe2\x82\xed\xa0\x80\xc0\x80\"}}",
	`{"time":1,"event":{"unknown":[[[{"a":[1e400,-0.0,"\ud800"]}]]]}}`,
	`{"time":1,"event":{"Time":2,"nodeID":"x"}}`,
	`{"time":1,"event":null}`,
	`{"time":1,"event":{},"event":null}`,
	`null`,
	` {"time":1,"event":{}} `,
	`{"time":1,"event":{"origin":"o","actor":{},"target":{"isEphemeral":null},"action":"a","old":null,"new":""}}`,
	`{"time":1,"event":{"origin":"o","actor":null,"target":{},"action":"a"}}`,
	`{"time":1,"event":{"origin":"o","actor":{"loginName":"x@y","id":""},"target":{},"action":"a","old":  [ 1 , "\u00e9\ud800" ] ,"new":{}}}`,
	`{"time":1,"event":{"origin":"o","actor":{},"target":{},"action":"a"},"event":{"origin":null}}`,
	`{"time":1,"event":{"origin":"o","actor":{},"target":{},"action":"a"},"event":{"error":"e"}}`,
	`{"time":1,"event":{"origin":"o"},"event":{"actor":{},"target":{},"action":"a"}}`,
	`{"time":1,"event":{"origin":"o","actor":{"id":"a","id":null,"tags":["x"],"tags":null},"target":{"isEphemeral":true,"isEphemeral":null},"action":"a","old":1,"old":null}}`,
}

// fzTemplates and fzValues make more seeds: each value in place of each @@,
// so every field kind meets the values at the edges of every other kind.
var (
	fzTemplates = []string{
		`{"time":@@,"event":{}}`,
		`{"time":1,"event":{"nodeId":@@,"start":@@}}`,
		`{"time":1,"event":{"end":@@},"fields":{"recorded":@@}}`,
		`{"time":1,"event":{"virtualTraffic":[{"proto":@@,"src":@@,"dst":"100.64.0.2:443","txPkts":@@}]}}`,
		`{"time":1,"event":{"physicalTraffic":[{"src":"[fd7a:115c:a1e0::1]:0","dst":@@,"rxBytes":@@}]}}`,
		`{"time":1,"event":{"srcNode":{"addresses":[@@],"user":@@},"dstNodes":[{"tags":[@@,"t"]},@@]}}`,
		`{"time":1,"event":{"origin":"o","actor":{"id":@@,"loginName":@@},"target":{"isEphemeral":@@},"action":"a"}}`,
		`{"time":1,"event":{"origin":"o","actor":{},"target":{},"action":"a","old":@@,"new":[@@],"deferredAt":@@}}`,
		`{"time":1,"event":{"origin":@@,"actor":{"tags":[@@]},"target":{"name":@@},"action":"a","eventTime":@@}}`,
		`{"time":1,"event":{@@:1,"origin":"o","actor":{},"target":{},"action":"a"}}`,
	}
	fzValues = []string{
		`null`, `true`, `false`, `[]`, `{}`, `""`, `" "`, `0`, `-0`, `1.0`, `1e3`, `1E+3`, `-1`, `01`,
		`32767`, `32768`, `-32768`, `-32769`, `65535`, `65536`, `2147483648`,
		`9223372036854775807`, `9223372036854775808`, `-9223372036854775808`, `-9223372036854775809`,
		`"9223372036854775807"`, `"-0"`, `"+1"`, `"1 "`, `"0x10"`, `"1_000"`, `"\u0031\u0037"`, `"1e1"`, `"NaN"`,
		`"tcp"`, `"UDP"`, `"Ipv6-Icmp"`, `"\u017fctp"`, `"fragment"`, `"bogus"`,
		`1780500887.356`, `"1780500887.356"`, `1.7805008873569999999999e9`, `-62167219200`, `-62167219200.5`,
		`253402300799.999999999`, `253402300800`, `1e11`, `-1e-9`, `0.0000000009`, `1e-400`, `1e400`,
		`"2026-06-03T15:34:42.351262815Z"`, `"2026-06-03T15:34:42Z"`, `"2026-06-03T15:34:42.1234567891Z"`,
		`"2026-06-03T15:34:42.Z"`, `"2026-06-03T15:34:42+23:59"`, `"2026-06-03T15:34:42-24:00"`,
		`"2026-06-03T15:34:42+05:60"`, `"2026-06-31T00:00:00Z"`, `"2024-02-29T00:00:00Z"`, `"2100-02-29T00:00:00Z"`,
		`"2026-06-03t15:34:42Z"`, `"2026-06-03T15:34:42z"`, `"2026-06-03 15:34:42Z"`, `"0000-01-01T00:00:00Z"`,
		`"9999-12-31T23:59:59.999999999-23:59"`, `"2026-06-03T24:00:00Z"`, `"2026-06-03T15:34:60Z"`,
		`"100.64.0.1:41641"`, `"100.64.0.1"`, `"100.64.0.1:"`, `":80"`, `"100.64.0.1:0080"`, `"100.64.0.1:65536"`,
		`"100.64.0.1:-1"`, `"100.64.0.1:+1"`, `"01.2.3.4:80"`, `"256.1.1.1:1"`, `"1.2.3:4"`, `"1.2.3.4.5:6"`,
		`"[fd7a:115c:a1e0::1]:41641"`, `"[fd7a:115c:a1e0::1]"`, `"fd7a:115c:a1e0::1"`, `"[::ffff:1.2.3.4]:80"`,
		`"[fe80::1%eth0]:80"`, `"fe80::1%eth0"`, `"fe80::1%"`, `"[1.2.3.4]:80"`, `"[]:80"`, `"[::1]:80:90"`,
		`"[::1]x"`, `"[::1"`, `"FD7A:115C:A1E0:0:0:0:0:1"`, `"::"`, `"[::]:0"`, `"1.2.3.4%eth0:80"`,
		`"alice@example.com"`, `"@"`, `"a@b"`, `"\u00e9\ud800\udc00\ud800\u0041\udc00"`, "\"\xff\xfe\xc0\x80\xed\xa0\x80\"",
		`"\u0000\u001f\u2028\u2029\"\\\/\b\f\n\r\t"`, `"\uD83D\uDE00"`, `"\ud83d"`, `"\ude00"`,
		`"ti\u006de"`, `"TIME"`, `"origin"`, `"Origin"`, `"\u017Frigin"`,
		`[1,"a",null,{"b":[]}]`, `{"a":1,"a":2}`, ` { "x" : [ ] } `,
	}
)

func fzTemplateSeeds() []string {
	var seeds []string
	for _, tmpl := range fzTemplates {
		for _, v := range fzValues {
			seeds = append(seeds, strings.ReplaceAll(tmpl, "@@", v))
		}
	}
	return seeds
}

// Long inputs: nesting at the limit (128 levels in all) inside a skipped value,
// and unix times of 1 second written with more digits than a number usually
// has, which an exponent brings back: 0.(100000 zeros)1e100001, 1(100000
// zeros)e-100000 and 1(40 zeros)e-40.
var (
	fzDeepNesting   = `{"time":1,"event":{"x":` + strings.Repeat("[", 126) + strings.Repeat("]", 126) + `}}`
	fzExponentZeros = []string{
		`{"time":0.` + strings.Repeat("0", 100000) + `1e100001,"event":{}}`,
		`{"time":1` + strings.Repeat("0", 100000) + `e-100000,"event":{}}`,
		`{"time":1` + strings.Repeat("0", 40) + `e-40,"event":{}}`,
	}
)

func fzSeed(f *testing.F) {
	for _, dir := range []string{"network", "audit", "bad"} {
		files, err := filepath.Glob(filepath.Join("..", "testdata", "records", dir, "*.json"))
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	for _, s := range append(fzExtraSeeds, fzTemplateSeeds()...) {
		f.Add([]byte(s))
	}
	f.Add([]byte(fzRichNetwork))
	f.Add([]byte(fzRichAudit))
	f.Add([]byte(fzDeepNesting))
	f.Add([]byte(strings.Replace(strings.Replace(fzDeepNesting, "[", "[[", 1), "]", "]]", 1)))
	f.Add([]byte(fzExponentZeros[2]))
}

// TestFuzzLongInputs runs the fuzz checks on inputs too long to be seeds
// (the fuzzer would spend its time minimizing them).
func TestFuzzLongInputs(t *testing.T) {
	for i, s := range fzExponentZeros {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			fzCheckNetwork(t, []byte(s))
			fzCheckAudit(t, []byte(strings.Replace(s, `"event":{}`, `"event":{"origin":"o","actor":{},"target":{},"action":"a"}`, 1)))
		})
	}
}

func FuzzNetwork(f *testing.F) {
	fzSeed(f)
	f.Fuzz(fzCheckNetwork)
}

func FuzzAudit(f *testing.F) {
	fzSeed(f)
	f.Fuzz(fzCheckAudit)
}

// fzCheckNetwork checks one input against the reference and the invariants.
func fzCheckNetwork(t *testing.T, data []byte) {
	var got tailscale.Network
	err := got.Decode(data)
	var gotCanon []string
	var row []byte
	if err == nil {
		gotCanon = canonNetwork(&got)
		row = got.AppendRow(nil, fzMeta())
		fzCheckRow(t, data, row, nil)
		fzCheckDecodedRow(t, "decoded record", data, &got, row)
	}
	fzCheckReuse(t, data, func() *tailscale.Network { return new(tailscale.Network) }, canonNetwork, fzRichNetwork)
	fzCheckGeneral(t, data, func() *tailscale.Network { return new(tailscale.Network) }, canonNetwork)
	fzCheckReader(t, data, fzRichNetwork)

	if stdjson.Valid(data) && fzGoccyFoldsKey(data) {
		return
	}
	m, refErr := refDecodeNetwork(data)
	if (err == nil) != (refErr == nil) {
		t.Fatalf("accept/reject differs for input %q:\n  tslogs:    %v\n  reference: %v", data, err, refErr)
	}
	if err != nil {
		return
	}
	fzDiff(t, "decoded record", data, gotCanon, canonMirrorNetwork(m))
	fzCheckRow(t, data, row, expectedNetworkRow(m, fzMeta()))
}

// fzCheckAudit checks one input against the reference and the invariants.
func fzCheckAudit(t *testing.T, data []byte) {
	var got tailscale.Audit
	err := got.Decode(data)
	var gotCanon []string
	var row []byte
	if err == nil {
		gotCanon = canonAudit(&got)
		row = got.AppendRow(nil, fzMeta())
		fzCheckRow(t, data, row, nil)
		fzCheckDecodedRow(t, "decoded record", data, &got, row)
	}
	fzCheckReuse(t, data, func() *tailscale.Audit { return new(tailscale.Audit) }, canonAudit, fzRichAudit)
	fzCheckGeneral(t, data, func() *tailscale.Audit { return new(tailscale.Audit) }, canonAudit)
	fzCheckReader(t, data, fzRichAudit)

	if stdjson.Valid(data) && fzGoccyFoldsKey(data) {
		return
	}
	m, refErr := refDecodeAudit(data)
	if (err == nil) != (refErr == nil) {
		t.Fatalf("accept/reject differs for input %q:\n  tslogs:    %v\n  reference: %v", data, err, refErr)
	}
	if err != nil {
		return
	}
	fzDiff(t, "decoded record", data, gotCanon, canonMirrorAudit(m))
	want, werr := expectedAuditRow(m, fzMeta())
	if werr != nil {
		t.Fatal(werr)
	}
	fzCheckRow(t, data, row, want)
}

// fzFieldNames holds every key the mirror structs declare.
var fzFieldNames = func() map[string]bool {
	names := map[string]bool{}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		if seen[t] {
			return
		}
		seen[t] = true
		switch t.Kind() {
		case reflect.Slice:
			walk(t.Elem())
		case reflect.Struct:
			for i := 0; i < t.NumField(); i++ {
				sf := t.Field(i)
				if name, _, _ := strings.Cut(sf.Tag.Get("json"), ","); name != "" {
					names[name] = true
				}
				walk(sf.Type)
			}
		}
	}
	walk(reflect.TypeFor[mirrorNetwork]())
	walk(reflect.TypeFor[mirrorAudit]())
	return names
}()

// fzGoccyFoldsKey reports whether data has a key that goccy/go-json, like
// encoding/json, would give to a mirror field by case-insensitive matching
// (strings.EqualFold, so also U+017F for s and U+212A for k), although it is
// not that field's exact name. tslogs matches keys exactly and skips such a
// key as unknown. These inputs are checked for the invariants only, not
// against the reference. data must be valid JSON.
func fzGoccyFoldsKey(data []byte) bool {
	var v any
	if err := stdjson.Unmarshal(data, &v); err != nil {
		return false
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if !fzFieldNames[k] {
					for name := range fzFieldNames {
						if strings.EqualFold(k, name) {
							return true
						}
					}
				}
				if walk(e) {
					return true
				}
			}
		case []any:
			for _, e := range v {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}

func fzErrText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// fzDiff fails t with the lines where got and want differ.
func fzDiff(t *testing.T, what string, data []byte, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	var b strings.Builder
	for i := 0; i < max(len(got), len(want)); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			fmt.Fprintf(&b, "\n  got:  %s\n  want: %s", g, w)
		}
	}
	t.Fatalf("%s differs for input %q:%s", what, data, b.String())
}

// fzCheckRow checks a row: valid JSON, valid UTF-8, and, when want is not
// nil, the object want.
func fzCheckRow(t *testing.T, data, row []byte, want rowObj) {
	t.Helper()
	if !utf8.Valid(row) {
		t.Fatalf("row is not valid UTF-8 for input %q:\n%s", data, row)
	}
	if !stdjson.Valid(row) {
		t.Fatalf("row is not valid JSON for input %q:\n%s", data, row)
	}
	if want == nil {
		return
	}
	got, err := rowParse(row)
	if err != nil {
		t.Fatalf("row %s: %v", row, err)
	}
	if !reflect.DeepEqual(got, any(want)) {
		wantJSON, _ := stdjson.Marshal(want)
		t.Fatalf("row differs for input %q:\n got: %s\nwant: %s", data, row, wantJSON)
	}
}

// fzCheckGeneral decodes data with the fast path of the generated decoders
// and again with the general path alone, and checks that both give the same
// error, fields and row: the fast path may only ever accept what the general
// path reads to the same values.
func fzCheckGeneral[T decodable](t *testing.T, data []byte, fresh func() T, canonOf func(T) []string) {
	t.Helper()
	fast := fresh()
	fastErr := fzErrText(fast.Decode(data))
	wasOn := jlex.SetFastPathForTesting(false)
	general := fresh()
	generalErr := fzErrText(general.Decode(data))
	jlex.SetFastPathForTesting(wasOn)
	if fastErr != generalErr {
		t.Fatalf("fast and general paths differ for input %q:\n  fast:    %s\n  general: %s", data, fastErr, generalErr)
	}
	if fastErr != "<nil>" {
		return
	}
	fzDiff(t, "fast path vs general path", data, canonOf(fast), canonOf(general))
	if f, g := fast.AppendRow(nil, fzMeta()), general.AppendRow(nil, fzMeta()); !bytes.Equal(f, g) {
		t.Fatalf("rows differ between fast and general paths for input %q:\n fast:    %s\n general: %s", data, f, g)
	} else {
		fzCheckDecodedRow(t, "fast path", data, fast, f)
		fzCheckDecodedRow(t, "general path", data, general, g)
	}
}

// fzReaderRecord is what a Reader reports of one record.
type fzReaderRecord struct {
	Record    int
	Offset    int64
	Raw       string
	Err       string
	Type      tailscale.LogType
	Bare      bool
	Row       string
	EventTime time.Time
}

// fzCheckReader reads data, in the ways streams carry records (alone,
// followed by a good record with and without a newline, in an array), with
// a Reader that decodes records where it finds them and with one that
// frames each record first, and checks that both report exactly the same:
// the decoder may only take a record that the framing rules find the same
// and good.
func fzCheckReader(t *testing.T, data []byte, rich string) {
	t.Helper()
	for _, in := range []string{
		string(data),
		string(data) + rich,
		string(data) + "\n" + rich + "\n",
		"[" + string(data) + "," + rich + "]",
		`{"logs":[` + string(data) + "]}",
	} {
		taking := fzReadAll(t, in, false)
		framed := fzReadAll(t, in, true)
		if !reflect.DeepEqual(taking, framed) {
			t.Fatalf("the Reader differs when it frames every record, input %q:\n taking: %+v\n framed: %+v", in, taking, framed)
		}
		for _, chunk := range []int{1, 7} {
			if par := fzReadParallel(t, in, chunk); !reflect.DeepEqual(taking, par) {
				t.Fatalf("ReadParallel (chunks of %d bytes) differs from the Reader, input %q:\n reader:   %+v\n parallel: %+v", chunk, in, taking, par)
			}
		}
	}
}

type fzChunk struct {
	recs  []fzReaderRecord
	errs  []error
	rows  tailscale.RowBatch
	inRow []int // the row of each record in rows, or -1
}

// fzReadParallel is fzReadAll with ReadParallel, on two goroutines; the
// rows are written with a RowBatch, their p_enrichment from a directory
// that learns the records as they are delivered.
func fzReadParallel(t *testing.T, in string, chunk int) []fzReaderRecord {
	t.Helper()
	var out []fzReaderRecord
	d := tailscale.NewNodeDirectory(0)
	meta := fzMeta()
	err := tailscale.ReadParallel(strings.NewReader(in), tailscale.ReaderOptions{}, tailscale.ParallelOptions{Jobs: 2, ChunkSize: chunk},
		tailscale.ParallelFuncs[*fzChunk]{
			New: func() *fzChunk { return new(fzChunk) },
			Reset: func(c *fzChunk) {
				c.recs, c.errs, c.inRow = c.recs[:0], c.errs[:0], c.inRow[:0]
				c.rows.Reset()
			},
			Record: func(c *fzChunk, r *tailscale.Reader) {
				g := fzReaderRecord{Offset: r.Offset(), Raw: string(r.Raw()), Type: r.LogType(), Bare: r.Bare()}
				row := -1
				if r.Err() == nil {
					row = c.rows.Len()
					c.rows.Add(r, fzParseTime)
					g.EventTime = r.EventTime()
				}
				c.recs = append(c.recs, g)
				c.errs = append(c.errs, r.Err())
				c.inRow = append(c.inRow, row)
			},
			Deliver: func(c *fzChunk, first int) error {
				for i, g := range c.recs {
					g.Record = first + i
					if err := c.errs[i]; err != nil {
						g.Err = err.Error()
					}
					if k := c.inRow[i]; k >= 0 {
						g.Row = string(c.rows.AppendRow(nil, k, meta, d))
					}
					out = append(out, g)
				}
				return nil
			},
		})
	if err != nil {
		t.Fatalf("reading %q in parallel: %v", in, err)
	}
	return out
}

func fzReadAll(t *testing.T, in string, framed bool) []fzReaderRecord {
	t.Helper()
	r := tailscale.NewReader(strings.NewReader(in), tailscale.ReaderOptions{Nodes: tailscale.NewNodeDirectory(0)})
	if framed {
		tailscale.FramedOnlyForTesting(r)
	}
	var out []fzReaderRecord
	for r.Next() {
		g := fzReaderRecord{Record: r.Record(), Offset: r.Offset(), Raw: string(r.Raw()), Type: r.LogType(), Bare: r.Bare()}
		if err := r.Err(); err != nil {
			g.Err = err.Error()
		} else {
			g.Row = string(r.AppendRow(nil, fzMeta()))
			g.EventTime = r.EventTime()
		}
		out = append(out, g)
	}
	if err := r.Fatal(); err != nil {
		t.Fatalf("reading %q: %v", in, err)
	}
	return out
}

// fzRichCanon caches the comparable form of each rich record.
var fzRichCanon sync.Map

// decodable is what the reuse checks need of Network and Audit.
type decodable interface {
	Decode([]byte) error
	AppendRow([]byte, *tailscale.RowMeta) []byte
	AppendDecodedRow([]byte, *tailscale.RowMeta) []byte
}

// fzCheckDecodedRow fails unless x's AppendDecodedRow, which copies what it
// can from the input, writes row, what AppendRow wrote from x's values.
func fzCheckDecodedRow[T decodable](t *testing.T, what string, data []byte, x T, row []byte) {
	t.Helper()
	if got := x.AppendDecodedRow(nil, fzMeta()); !bytes.Equal(got, row) {
		t.Fatalf("%s: AppendDecodedRow and AppendRow differ for input %q:\n AppendDecodedRow: %s\n AppendRow:        %s", what, data, got, row)
	}
}

// fzCheckReuse decodes data into a value that held the rich record, then
// into the same value again, then the rich record after data, and checks
// that each gives what a fresh value gives: the same error, fields and row.
// fresh returns a new value, canonOf its comparable form.
func fzCheckReuse[T decodable](t *testing.T, data []byte, fresh func() T, canonOf func(T) []string, rich string) {
	t.Helper()
	want := fresh()
	wantErr := fzErrText(want.Decode(data))
	var wantCanon []string
	var wantRow []byte
	if wantErr == "<nil>" {
		wantCanon = canonOf(want)
		wantRow = want.AppendRow(nil, fzMeta())
	}
	richCanon, ok := fzRichCanon.Load(rich)
	if !ok {
		richFresh := fresh()
		if err := richFresh.Decode([]byte(rich)); err != nil {
			t.Fatalf("rich record: %v", err)
		}
		richCanon, _ = fzRichCanon.LoadOrStore(rich, canonOf(richFresh))
	}

	x := fresh()
	if err := x.Decode([]byte(rich)); err != nil {
		t.Fatalf("rich record: %v", err)
	}
	for round := 1; round <= 2; round++ { // after the rich record, then after data itself
		if got := fzErrText(x.Decode(data)); got != wantErr {
			t.Fatalf("reused value (round %d): error %q, fresh value: %q, input %q", round, got, wantErr, data)
		}
		if wantErr != "<nil>" {
			// A failed decode leaves no partial record behind.
			fzDiff(t, fmt.Sprintf("reused value after an error (round %d)", round), data, canonOf(x), canonOf(fresh()))
		} else {
			fzDiff(t, fmt.Sprintf("reused value (round %d)", round), data, canonOf(x), wantCanon)
			if row := x.AppendRow(nil, fzMeta()); !bytes.Equal(row, wantRow) {
				t.Fatalf("reused value (round %d): row\n%s\nfresh value: row\n%s", round, row, wantRow)
			}
			fzCheckDecodedRow(t, fmt.Sprintf("reused value (round %d)", round), data, x, wantRow)
		}
	}
	// A record decoded after data is unaffected by it, even by a failure.
	if err := x.Decode([]byte(rich)); err != nil {
		t.Fatalf("rich record after input %q: %v", data, err)
	}
	fzDiff(t, "rich record decoded after the input", data, canonOf(x), richCanon.([]string))
}

package tailscale_test

// Round-trip fuzzing of the generated encoders: every input that decodes is
// written with AppendJSON, and the output must decode to the same record
// (roundtrip.Check lists everything checked).
//
//	go test -run XXX -fuzz FuzzNetworkRoundTrip -fuzztime 60s ./tailscale/
//	go test -run XXX -fuzz FuzzAuditRoundTrip -fuzztime 60s ./tailscale/

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tslogs/tslogs/internal/roundtrip"
	"github.com/tslogs/tslogs/tailscale"
)

func FuzzNetworkRoundTrip(f *testing.F) {
	rtSeed(f)
	f.Fuzz(roundtrip.Target[tailscale.Network])
}

func FuzzAuditRoundTrip(f *testing.F) {
	rtSeed(f)
	f.Fuzz(roundtrip.Target[tailscale.Audit])
}

// rtTemplates put each of the differential fuzz tests' edge values
// (fzValues) in one field at a time, so that a value decodes where another
// field would reject it.
var rtTemplates = []string{
	`{"time":1,"event":{"nodeId":@@}}`,
	`{"time":1,"event":{"logged":@@}}`,
	`{"time":1,"event":{"srcNode":{"name":@@,"addresses":["100.64.0.1"]}}}`,
	`{"time":1,"event":{"dstNodes":[{"tags":[@@]},{}]}}`,
	`{"time":1,"event":{"virtualTraffic":[{"proto":@@}]}}`,
	`{"time":1,"event":{"exitTraffic":[{"src":@@,"txBytes":1}]}}`,
	`{"time":1,"event":{"subnetTraffic":[{"rxPkts":@@}]}}`,
	`{"time":1,"event":{"origin":"o","actor":{},"target":{},"action":"a","old":@@}}`,
	`{"time":1,"event":{"origin":"o","actor":{},"target":{},"action":"a","new":[@@,null]}}`,
	`{"time":1,"event":{"origin":"o","actor":{"displayName":@@},"target":{},"action":"a"}}`,
	`{"time":1,"event":{"origin":"o","actor":{},"target":{"isEphemeral":@@},"action":"a"}}`,
	`{"time":1,"event":{"origin":"o","actor":{},"target":{},"action":"a","eventTime":@@}}`,
}

// rtSeed adds the differential fuzz tests' seeds (the hand-written records
// and the edge values in every field), the same values one field at a time,
// the committed corpora of the differential targets, and every record of
// the bundled samples.
func rtSeed(f *testing.F) {
	fzSeed(f)
	for _, tmpl := range rtTemplates {
		for _, v := range fzValues {
			f.Add([]byte(strings.ReplaceAll(tmpl, "@@", v)))
		}
	}
	for _, target := range []string{"FuzzNetwork", "FuzzAudit"} {
		files, err := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			f.Add(readCorpusFile(f, name))
		}
	}
	for _, name := range []string{"network.log", "audit.log"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "sample", name))
		if err != nil {
			f.Fatal(err)
		}
		r := tailscale.NewReader(bytes.NewReader(data), tailscale.ReaderOptions{})
		for r.Next() {
			f.Add(bytes.Clone(r.Raw()))
		}
		if err := r.Fatal(); err != nil {
			f.Fatal(err)
		}
	}
}

// readCorpusFile reads a one-[]byte fuzz corpus file (go test fuzz v1).
func readCorpusFile(f *testing.F, name string) []byte {
	b, err := os.ReadFile(name)
	if err != nil {
		f.Fatal(err)
	}
	lit, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "go test fuzz v1\n[]byte(")
	if !ok || !strings.HasSuffix(lit, ")") {
		f.Fatalf("%s: not a []byte corpus file", name)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
	if err != nil {
		f.Fatalf("%s: %v", name, err)
	}
	return []byte(s)
}

package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	summ "github.com/tslogs/tslogs/internal/summary"
	"github.com/tslogs/tslogs/tailscale"
)

// summarizeFiles reads files into a summary as tslogs report does.
func summarizeFiles(t testing.TB, files ...string) *summ.Summary {
	t.Helper()
	a := summ.New(summ.Options{Bucket: time.Second, MaxBuckets: 2048})
	for _, name := range files {
		f, err := os.Open(name)
		require.NoError(t, err)
		r := tailscale.NewReader(f, tailscale.ReaderOptions{})
		for r.Next() {
			a.Add(r)
		}
		require.NoError(t, r.Fatal())
		f.Close()
	}
	return a.Summarize(summ.SummaryOptions{Top: 15, Timeline: true})
}

func sampleHTML(t testing.TB) []byte {
	t.Helper()
	s := summarizeFiles(t, filepath.Join("..", "..", "testdata", "sample", "network.log"),
		filepath.Join("..", "..", "testdata", "sample", "audit.log"))
	var b bytes.Buffer
	require.NoError(t, Write(&b, s, Options{Title: "Sample tailnet", Generated: time.Date(2026, 6, 3, 13, 0, 0, 0, time.UTC),
		Inputs: []string{"network.log", "audit.log"}}))
	return b.Bytes()
}

// The page is one file: nothing in it points elsewhere.
func TestSelfContained(t *testing.T) {
	html := string(sampleHTML(t))
	for _, re := range []string{`\bsrc\s*=`, `\bhref\s*=`, `url\(`, `@import`, `<link\b`, `<iframe\b`, `fetch\(`, `XMLHttpRequest`} {
		assert.NotRegexp(t, re, html)
	}
	for _, s := range []string{"Traffic inside the tunnel", "Traffic on the wire", "Top talkers", "Top pairs", "Services",
		"Relayed through DERP", "Audit events over time, by actor", "Security-relevant changes", "Do the two ends agree?",
		`id="chart-tunnel"`, `id="chart-wire"`, `id="chart-talkers"`, `id="chart-pairs"`, `id="chart-audit"`} {
		assert.Contains(t, html, s)
	}
}

// The embedded summary is the summary, and what the page shows matches it.
func TestEmbeddedSummary(t *testing.T) {
	html := sampleHTML(t)
	m := regexp.MustCompile(`(?s)<script type="application/json" id="tslogs-summary">(.*?)</script>`).FindSubmatch(html)
	require.NotNil(t, m)
	var s summ.Summary
	require.NoError(t, json.Unmarshal(m[1], &s))
	require.NotNil(t, s.Network)
	require.NotNil(t, s.Timeline)
	assert.Positive(t, s.Records)
	top := s.Network.Talkers[0]
	assert.Contains(t, string(html), ">"+top.Label+"<", "the top talker is labelled")
	assert.Contains(t, string(html), summ.HumanBytes(float64(top.Bytes)))
	var kinds []string
	for _, k := range s.Network.Kinds {
		kinds = append(kinds, k.Kind)
	}
	assert.Equal(t, []string{"virtual", "subnet", "exit", "physical"}, kinds)
}

// Names come from the logs: whatever a node calls itself is shown as text,
// never as markup, in the charts, the tables and the embedded JSON.
func TestHostileNamesEscaped(t *testing.T) {
	evil := `<img src=x onerror=alert(1)></script><script>alert(2)</script>`
	rec := map[string]any{"time": 1780488005.5, "event": map[string]any{
		"nodeId": "nEVIL", "start": "2026-06-03T12:00:00Z", "end": "2026-06-03T12:00:05Z",
		"srcNode":        map[string]any{"nodeId": "nEVIL", "name": evil + ".example.ts.net", "addresses": []string{"100.64.0.66"}, "user": evil},
		"virtualTraffic": []any{map[string]any{"proto": 6, "src": "100.64.0.66:5000", "dst": "100.64.0.1:443", "txPkts": 1, "txBytes": 100}},
	}}
	audit := map[string]any{"time": 1780488006, "event": map[string]any{"origin": "ADMIN_CONSOLE", "action": "DISABLE",
		"actor":  map[string]any{"id": "u", "type": "USER", "loginName": evil},
		"target": map[string]any{"id": "T", "name": evil, "type": "TAILNET", "property": "HTTPS"}}}
	dir := t.TempDir()
	var in bytes.Buffer
	for _, r := range []any{rec, audit} {
		b, err := json.Marshal(r)
		require.NoError(t, err)
		in.Write(b)
		in.WriteByte('\n')
	}
	path := filepath.Join(dir, "evil.ndjson")
	require.NoError(t, os.WriteFile(path, in.Bytes(), 0o644))
	var out bytes.Buffer
	require.NoError(t, Write(&out, summarizeFiles(t, path), Options{}))
	html := out.String()
	assert.NotContains(t, html, "<img")
	assert.NotContains(t, html, "<script>alert")
	assert.Equal(t, 3, strings.Count(html, "<script"), "only the page's own three scripts")
	assert.Contains(t, html, "&lt;img src=x")
}

func TestRebucket(t *testing.T) {
	base := time.Date(2026, 6, 3, 12, 0, 0, 0, time.UTC)
	var starts []time.Time
	for i := range 600 {
		starts = append(starts, base.Add(time.Duration(i*3)*time.Second)) // every third second for 30 minutes
	}
	xs, width, idx := rebucket(starts, time.Second, 60)
	assert.Equal(t, time.Minute, width, "1 s buckets for 30 minutes: minutes, the first width of the chain that fits in 60")
	assert.Len(t, xs, 30)
	assert.Equal(t, 0, idx[0])
	assert.Equal(t, 29, idx[len(idx)-1])
	for i, x := range xs {
		assert.Equal(t, base.Add(time.Duration(i)*time.Minute), x)
	}
	_, width, _ = rebucket(starts, time.Second, 2000)
	assert.Equal(t, time.Second, width)
}

package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parse adds p_enrichment by default: each resolved address is checked
// against the node objects of the input, read here with encoding/json.
func TestParseEnrichment(t *testing.T) {
	path := cliSample("network.log")
	recs := cliValues(t, cliReadFile(t, path))
	nodes := refNodes(recs)
	res := cliRun(t, nil, "parse", path)
	require.Equal(t, 0, res.code, res.stderr)
	rows := cliRows(t, res.stdout)
	require.Len(t, rows, len(recs))
	resolved, rowsWith := 0, 0
	for i, row := range rows {
		pe, ok := row["p_enrichment"].(map[string]any)
		if !ok {
			continue
		}
		rowsWith++
		table := pe["tailscale_nodes"].(map[string]any)
		ips := map[string]int{} // the index of each in p_any_ip_addresses
		for k, ip := range row["p_any_ip_addresses"].([]any) {
			ips[ip.(string)] = k + 1
		}
		list, _ := table["p_any_ip_addresses"].([]any)
		last := 0
		for _, m := range list {
			match := m.(map[string]any)
			ip := match["p_match"].(string)
			assert.Greater(t, ips[ip], last, "row %d: p_match %s is one of p_any_ip_addresses, after the one before", i, ip)
			last = ips[ip]
			want, ok := nodes[netip.MustParseAddr(ip)]
			require.True(t, ok, "row %d: %s is a node's address in the input", i, ip)
			assert.Equal(t, want.id, match["nodeId"], "row %d: %s", i, ip)
			assert.Equal(t, want.name, match["name"], "row %d: %s", i, ip)
			resolved++
		}
		if self, ok := table["event.nodeId"].(map[string]any); ok {
			assert.Equal(t, refEvent(recs[i])["nodeId"], self["p_match"])
			assert.Equal(t, self["p_match"], self["nodeId"])
		}
	}
	t.Logf("%d of %d rows enriched, %d addresses resolved", rowsWith, len(rows), resolved)
	assert.Greater(t, rowsWith, len(rows)*9/10)

	// Off, and to a file.
	out := filepath.Join(t.TempDir(), "rows.ndjson")
	res = cliRun(t, nil, "parse", "--enrich=false", "-o", out, path)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Empty(t, res.stdout)
	plain := cliRows(t, string(cliReadFile(t, out)))
	require.Len(t, plain, len(recs))
	for i, row := range plain {
		assert.NotContains(t, row, "p_enrichment")
		delete(rows[i], "p_enrichment")
		delete(rows[i], "p_row_id")
		delete(rows[i], "p_parse_time")
		delete(row, "p_row_id")
		delete(row, "p_parse_time")
		assert.Equal(t, rows[i], row, "row %d: the rest is the same", i)
	}
}

// make demo | jq works: piped, make demo's standard output is the rows and
// nothing else (no command echo, no summary).
func TestMakeDemoPiped(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	cmd := exec.Command("make", "demo")
	cmd.Dir = filepath.Join("..", "..")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output() // a pipe, not a terminal
	require.NoError(t, err, stderr.String())
	want := len(cliValues(t, cliReadFile(t, cliSample("network.log")))) + len(cliValues(t, cliReadFile(t, cliSample("audit.log"))))
	lines := bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n"))
	require.Equal(t, want, len(lines), "one row per sample record, nothing else; first line: %.100s", lines[0])
	for i, l := range lines {
		var row map[string]any
		require.NoError(t, json.Unmarshal(l, &row), "line %d: %.80s", i+1, l)
		assert.Contains(t, []any{"Tailscale.Network", "Tailscale.Audit"}, row["p_log_type"], "line %d", i+1)
	}
}

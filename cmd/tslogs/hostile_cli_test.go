package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseHostileInputs runs parse and validate on the inputs of issue 10's
// reader findings: every good record is written, the bad one is reported
// on its own, and the exit status says something was rejected.
func TestParseHostileInputs(t *testing.T) {
	line := func(id string) string {
		return `{"time":1780500887.356,"event":{"nodeId":"` + id + `","start":"2026-06-03T15:34:37Z","end":"2026-06-03T15:34:42Z",` +
			`"virtualTraffic":[{"proto":6,"src":"100.64.0.1:41641","dst":"100.64.0.2:443"}]}}`
	}
	audit := `{"time":1780500887,"event":{"eventGroupID":"g1","origin":"ADMIN_CONSOLE","action":"CREATE","actor":{"id":"u1"},"target":{"id":"t1"}}}`
	cut := line("nCUT")
	cut = cut[:strings.Index(cut, `"src":`)+len(`"src":`)]
	cases := []struct {
		name, input string
		args        []string
		rows        int
		reason      string
	}{
		{"cut line", line("n1") + "\n" + cut + "\n" + line("n2") + "\n", nil, 2, "truncated record"},
		{"cut api document", `{"logs":[` + line("n1") + "," + line("n2"), nil, 2, "the API object's \"logs\" array is not closed"},
		{"audit under --log-type network", line("n1") + "\n" + audit + "\n", []string{"--log-type", "network"}, 1,
			`wrong log type: this is an audit record (it has "eventGroupID"), not a network record`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			in := cliWriteFile(t, dir, "in.json", []byte(c.input))
			res := cliRun(t, nil, append(append([]string{"parse"}, c.args...), in)...)
			assert.Equal(t, exitRejected, res.code, res.stderr)
			assert.Len(t, cliRows(t, res.stdout), c.rows)
			assert.Contains(t, res.stderr, c.reason)
			assert.Equal(t, 1, strings.Count(res.stderr, "tslogs parse:"), "one bad record: %s", res.stderr)

			res = cliRun(t, nil, append(append([]string{"validate"}, c.args...), in)...)
			assert.Equal(t, exitRejected, res.code, res.stdout)
			require.Contains(t, res.stdout, "invalid: 1\n")
			assert.Contains(t, res.stdout, c.reason)
		})
	}
}

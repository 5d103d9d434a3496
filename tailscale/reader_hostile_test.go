package tailscale

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/jlex"
)

// hostileRead reads input and returns the good records' node IDs or
// actions, and the errors of the bad ones, in order.
func hostileRead(t *testing.T, input string, opt ReaderOptions) (good []string, bad []error) {
	t.Helper()
	r := NewReader(strings.NewReader(input), opt)
	for r.Next() {
		if err := r.Err(); err != nil {
			bad = append(bad, err)
			continue
		}
		switch r.LogType() {
		case LogTypeNetwork:
			good = append(good, strings.Clone(r.Network().Event.NodeID))
		case LogTypeAudit:
			good = append(good, strings.Clone(r.Audit().Event.Action))
		}
	}
	require.NoError(t, r.Fatal())
	return good, bad
}

func netLine(id string) string {
	return `{"time":1780500887.356,"event":{"nodeId":"` + id + `","start":"2026-06-03T15:34:37Z","end":"2026-06-03T15:34:42Z",` +
		`"virtualTraffic":[{"proto":6,"src":"100.64.0.1:41641","dst":"[fd7a:115c:a1e0::1]:443","txPkts":3,"txBytes":180}]}}`
}

// TestReaderCutLineCostsOnlyThatLine: an NDJSON line cut anywhere, even
// where a value is due (after "src": or '['), is one bad record, and the
// good line after it is read on its own (it used to end up inside the bad
// record's dead-letter entry).
func TestReaderCutLineCostsOnlyThatLine(t *testing.T) {
	full := netLine("nCUT")
	cuts := map[string]int{
		"after-src-colon": strings.Index(full, `"src":`) + len(`"src":`),
		"after-bracket":   strings.Index(full, `[`) + 1,
		"after-comma":     strings.Index(full, `,"start"`) + 1,
		"inside-key":      strings.Index(full, `"start"`) + 3,
		"inside-string":   strings.Index(full, `15:34:37`) + 2,
		"after-brace":     strings.Index(full, `{"proto"`) + 1,
		"before-close":    len(full) - 2,
	}
	for name, at := range cuts {
		for _, nl := range []string{"\n", "\r\n"} {
			t.Run(fmt.Sprintf("%s/%q", name, nl), func(t *testing.T) {
				input := netLine("n1") + nl + full[:at] + nl + netLine("n2") + nl + netLine("n3") + nl
				good, bad := hostileRead(t, input, ReaderOptions{})
				assert.Equal(t, []string{"n1", "n2", "n3"}, good)
				require.Len(t, bad, 1)
				var re *RecordError
				require.ErrorAs(t, bad[0], &re)
				assert.Equal(t, 2, re.Record)
				// Its raw bytes are the cut line, nothing of the next one.
				r := NewReader(strings.NewReader(input), ReaderOptions{})
				r.Next()
				r.Next()
				assert.Equal(t, full[:at], string(r.Raw()))
			})
		}
	}
}

// TestReaderOpenDocumentAtEOF: a JSON array or API document cut between
// records (a cut download) ends with an error the caller sees, after every
// good record before the cut.
func TestReaderOpenDocumentAtEOF(t *testing.T) {
	a, b := netLine("n1"), netLine("n2")
	cases := map[string]string{
		"array":                  "[" + a + "," + b,
		"array-after-comma":      "[" + a + "," + b + ",",
		"api":                    `{"logs":[` + a + "," + b,
		"api-after-logs":         `{"logs":[` + a + "," + b + `],"version":"1"`,
		"api-pretty-after-comma": "{\n  \"logs\": [\n    " + a + ",\n    " + b + ",\n",
	}
	for name, input := range cases {
		t.Run(name, func(t *testing.T) {
			good, bad := hostileRead(t, input, ReaderOptions{})
			assert.Equal(t, []string{"n1", "n2"}, good)
			require.Len(t, bad, 1)
			assert.ErrorIs(t, bad[0], ErrTruncated)
			assert.ErrorContains(t, bad[0], "not closed")
			assert.ErrorContains(t, bad[0], fmt.Sprintf("record 3 at offset %d", len(input)))
		})
	}
	for name, input := range map[string]string{"array": "[" + a + "," + b + "]", "api": `{"logs":[` + a + "," + b + `]}`} {
		good, bad := hostileRead(t, input, ReaderOptions{})
		assert.Equal(t, []string{"n1", "n2"}, good, name)
		assert.Empty(t, bad, "a closed %s has no error", name)
	}
}

// TestReaderForcedTypeRejectsOtherType: with ReaderOptions.LogType set, a
// record of the other type is rejected with a reason naming the type found
// (an audit record read as network used to give a "valid" row with an
// empty event). A record whose type cannot be told is decoded as the type
// asked for.
func TestReaderForcedTypeRejectsOtherType(t *testing.T) {
	audit := `{"time":1780500887,"event":{"eventGroupID":"g1","origin":"ADMIN_CONSOLE","action":"CREATE","actor":{"id":"u1"},"target":{"id":"t1"}}}`
	auditBare := `{"eventGroupID":"g1","origin":"ADMIN_CONSOLE","action":"CREATE","actor":{"id":"u1"},"target":{"id":"t1"},"eventTime":"2026-06-03T15:00:00Z"}`
	network := netLine("n1")
	networkBare := `{"nodeId":"n1","logged":"2026-06-03T15:00:00Z","start":"2026-06-03T15:34:37Z","end":"2026-06-03T15:34:42Z"}`
	cases := []struct {
		name, input string
		want        LogType
		found       LogType
		key         string
	}{
		{"audit as network", audit, LogTypeNetwork, LogTypeAudit, "eventGroupID"},
		{"bare audit as network", auditBare, LogTypeNetwork, LogTypeAudit, "eventGroupID"},
		{"network as audit", network, LogTypeAudit, LogTypeNetwork, "nodeId"},
		{"bare network as audit", networkBare, LogTypeAudit, LogTypeNetwork, "nodeId"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The record alone, then between two good ones of the type
			// asked for, which still pass.
			ok := map[LogType]string{LogTypeNetwork: network, LogTypeAudit: audit}[c.want]
			good, bad := hostileRead(t, ok+"\n"+c.input+"\n"+ok+"\n", ReaderOptions{LogType: c.want})
			assert.Len(t, good, 2)
			require.Len(t, bad, 1)
			assert.ErrorIs(t, bad[0], ErrWrongLogType)
			assert.ErrorContains(t, bad[0], fmt.Sprintf("this is %s %s record (it has %q), not %s %s record",
				article(c.found), c.found, c.key, article(c.want), c.want))
		})
	}
	// Auto detection is unchanged, and a record with no telling field is
	// decoded as the type asked for.
	good, bad := hostileRead(t, audit+network, ReaderOptions{})
	assert.Equal(t, []string{"CREATE", "n1"}, good)
	assert.Empty(t, bad)
	good, bad = hostileRead(t, `{"time":1780500887,"event":{"logged":"2026-06-03T15:00:00Z"}}`, ReaderOptions{LogType: LogTypeNetwork})
	assert.Equal(t, []string{""}, good)
	assert.Empty(t, bad)
}

// TestOneNestingLimit: the framing pass and the decoder reject the same
// records for nesting: 128 levels pass both, 129 fail both, and the README
// states that limit.
func TestOneNestingLimit(t *testing.T) {
	require.Equal(t, 128, jlex.MaxDepth)
	nested := func(depth int) string {
		// envelope (1) > event (2) > old (3...): depth levels in all.
		inner := strings.Repeat("[", depth-2) + strings.Repeat("]", depth-2)
		return `{"time":1780500887,"event":{"eventGroupID":"g","origin":"o","action":"a","actor":{"id":"u"},"target":{"id":"t"},"old":` + inner + `}}`
	}
	for _, depth := range []int{jlex.MaxDepth, jlex.MaxDepth + 1} {
		rec := nested(depth)
		var direct Audit
		decodeErr := direct.Decode([]byte(rec))
		good, bad := hostileRead(t, rec, ReaderOptions{})
		if depth <= jlex.MaxDepth {
			assert.NoError(t, decodeErr, "depth %d: decoder", depth)
			assert.Len(t, good, 1, "depth %d: reader", depth)
		} else {
			assert.Error(t, decodeErr, "depth %d: decoder", depth)
			require.Len(t, bad, 1, "depth %d: reader", depth)
			assert.ErrorIs(t, bad[0], ErrDepth, "the reader's framing pass rejects it first")
			assert.ErrorContains(t, bad[0], "128-level limit")
		}
	}
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	assert.Contains(t, string(readme), fmt.Sprintf("Nesting deeper than %d levels is rejected", jlex.MaxDepth))
}

// TestReaderRecordsAtTheSizeLimit reads, with one reused Reader, bodies of
// records just under MaxRecordSize back to back (no newline between them),
// as a receiver gets them, and small records after them. Reading on before
// offering a record to the decoder once found the buffer (MaxRecordSize
// plus a read chunk) full of such records with nothing to drop: the input
// ended with "internal error: buffer full", and the Reader, reset for the
// next body, failed on it too.
func TestReaderRecordsAtTheSizeLimit(t *testing.T) {
	const max = 512 << 10
	fill := func(prefix, item, suffix string) []byte {
		var b strings.Builder
		b.WriteString(prefix)
		for b.Len() < max-16-len(suffix)-len(item)-1 {
			b.WriteString(item + ",")
		}
		b.WriteString(item + suffix)
		return []byte(b.String())
	}
	r := NewReader(nil, ReaderOptions{MaxRecordSize: max, MaxDecompressed: 4 << 20})
	for _, c := range []struct {
		name      string
		rec       []byte
		good, bad int
	}{
		{"small records", []byte(`{"nodeId":"n"}`), 299593, 0},
		{"empty traffic entries", fill(`{"nodeId":"n","virtualTraffic":[`, `{}`, `]}`), 8, 0},
		{"small records after large ones", []byte(`{"nodeId":"n"}`), 299593, 0},
		{"empty addresses", fill(`{"nodeId":"n","srcNode":{"addresses":[`, `""`, `]}}`), 8, 0},
		{"records over the limit", []byte(`{"nodeId":"` + strings.Repeat("a", max+1024) + `"}`), 0, 7},
		{"empty traffic entries again", fill(`{"nodeId":"n","virtualTraffic":[`, `{}`, `]}`), 8, 0},
	} {
		var body []byte
		for len(body)+len(c.rec) <= 4<<20 {
			body = append(body, c.rec...)
		}
		r.Reset(strings.NewReader(string(body)))
		good, bad := 0, 0
		for r.Next() {
			if r.Err() != nil {
				bad++
				assert.ErrorContains(t, r.Err(), "limit", c.name)
				continue
			}
			good++
		}
		assert.NoError(t, r.Fatal(), c.name)
		assert.Equal(t, c.good, good, c.name)
		assert.Equal(t, c.bad, bad, c.name)
	}
}

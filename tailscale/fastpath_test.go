package tailscale_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/tailscale"
)

// fpEntries are traffic entries as producers write them, each on the fast
// path, and the fields fpCheck expects of entry i.
var fpEntries = []string{
	`{"proto":6,"src":"100.64.0.1:52814","dst":"100.64.0.2:443","txPkts":12,"txBytes":1832,"rxPkts":10,"rxBytes":9421}`,
	`{"proto":17,"src":"[fd7a:115c:a1e0::1]:41641","dst":"[fd7a:115c:a1e0::2]:41641","txPkts":1,"txBytes":148}`,
	`{"proto":6,"src":"100.64.0.1:52815","dst":"100.64.0.3:22","rxPkts":3,"rxBytes":300}`,
	`{"src":"100.64.0.1:0","dst":"127.3.3.40:12","txPkts":4,"txBytes":400,"rxPkts":5,"rxBytes":500}`,
	`{"proto":1,"src":"[fd7a:115c:a1e0:ab12:4843:cd96:626b:430b]:0","dst":"[fd7a:115c:a1e0::3]:0","txPkts":7}`,
	`{"proto":6,"src":"100.64.0.1:52816","dst":"100.64.0.2:443","txPkts":99999999,"txBytes":123456789012,"rxPkts":1,"rxBytes":2}`,
}

// fpRecord wraps entries, joined by sep, in a record with a padding field
// after them, so that every entry is followed by what the fast path's word
// loads need.
func fpRecord(entries []string, sep, before, after string) []byte {
	return []byte(`{"time":1780500887.356,"event":{"nodeId":"n1","virtualTraffic":[` + before + strings.Join(entries, sep) + after +
		`],"logged":"2026-06-03T15:34:48Z"},"fields":{"recorded":"2026-06-03T15:34:48.123456789Z"}}`)
}

// TestFastElements checks the fast path's reading of an array of objects
// back to back (jlex.FastElements) where it goes on to the general path:
// at every element, for every way an element or the space between them can
// differ from what producers write, the record decodes exactly as the
// general path alone decodes it (values, error, row), and the entries and
// the error's path are those of the input.
func TestFastElements(t *testing.T) {
	// Ways element k may differ, each on the general path from there.
	disturb := map[string]func(e string) string{
		"as is":            func(e string) string { return e },
		"space after {":    func(e string) string { return "{ " + e[1:] },
		"unknown key":      func(e string) string { return `{"zz":[1,{"a":"}"}],` + e[1:] },
		"escaped key":      func(e string) string { return `{"pr\u006fto":6,` + e[1:] },
		"keys reordered":   func(e string) string { return `{"txPkts":3,` + e[1:] },
		"string number":    func(e string) string { return strings.Replace(e, `"src"`, `"txBytes":"77","src"`, 1) },
		"null":             func(e string) string { return "null" },
		"empty":            func(e string) string { return "{}" },
		"bad value":        func(e string) string { return strings.Replace(e, `"src":`, `"txPkts":true,"src":`, 1) },
		"bad address":      func(e string) string { return strings.Replace(e, `"src":"`, `"src":"1.2.3.4.5:6x`, 1) },
		"repeated key":     func(e string) string { return `{"proto":17,` + e[1:] },
		"unclosed element": func(e string) string { return e[:len(e)-1] },
	}
	seps := map[string]string{"no space": ",", "space": ", ", "newline": ",\n  "}
	for dname, d := range disturb {
		for sname, sep := range seps {
			for k := range fpEntries {
				entries := slices.Clone(fpEntries)
				entries[k] = d(entries[k])
				for _, edges := range [][2]string{{"", ""}, {" ", " "}, {"\n", "\n"}} {
					name := fmt.Sprintf("%s/%s/element %d/edges %q", dname, sname, k, edges[0])
					t.Run(name, func(t *testing.T) {
						data := fpRecord(entries, sep, edges[0], edges[1])
						fzCheckGeneral(t, data, func() *tailscale.Network { return new(tailscale.Network) }, canonNetwork)
						var rec tailscale.Network
						err := rec.Decode(data)
						switch dname {
						case "bad value":
							require.Error(t, err)
							assert.Contains(t, err.Error(), fmt.Sprintf("event.virtualTraffic[%d].txPkts:", k))
							return
						case "unclosed element":
							require.Error(t, err)
							return
						}
						require.NoError(t, err)
						require.Len(t, rec.Event.VirtualTraffic, len(fpEntries))
						for i, e := range rec.Event.VirtualTraffic {
							if i == k && dname != "as is" && dname != "repeated key" && !strings.HasPrefix(dname, "space") &&
								dname != "unknown key" && dname != "escaped key" {
								continue // changed on purpose
							}
							assert.Equal(t, fpWant[i].src, e.Src, "entry %d", i)
							assert.Equal(t, netip.MustParseAddr(fpWant[i].dstIP), e.DstIP, "entry %d", i)
							assert.Equal(t, fpWant[i].rxBytes, e.RxBytes, "entry %d", i)
						}
					})
				}
			}
		}
	}
}

// fpWant is what fpEntries hold, written out by hand.
var fpWant = []struct {
	src, dstIP string
	rxBytes    int64
}{
	{"100.64.0.1:52814", "100.64.0.2", 9421},
	{"[fd7a:115c:a1e0::1]:41641", "fd7a:115c:a1e0::2", 0},
	{"100.64.0.1:52815", "100.64.0.3", 300},
	{"100.64.0.1:0", "127.3.3.40", 500},
	{"[fd7a:115c:a1e0:ab12:4843:cd96:626b:430b]:0", "fd7a:115c:a1e0::3", 0},
	{"100.64.0.1:52816", "100.64.0.2", 2},
}

package serve

import (
	"strings"
	"time"
)

// The kinds of output file.
const (
	KindNetwork    = "network"
	KindAudit      = "audit"
	KindDeadLetter = "deadletter"
)

// kinds lists the kinds of output file in the order a batch writes them.
var kinds = [...]string{KindNetwork, KindAudit, KindDeadLetter}

// kindJournal names the commit journal in errors, metrics and the fault
// seam (SinkOptions.Inject).
const kindJournal = "journal"

// Extensions of output files.
const (
	extPlain = ".ndjson"
	extGzip  = ".ndjson.gz"
	extTmp   = ".ndjson.gz.tmp"
)

const hourLayout = "2006010215"

// outName is an output file's name, parsed.
type outName struct {
	kind string
	hour time.Time
	host string
	ext  string // extPlain, extGzip or extTmp
}

// relPath returns the path of kind's file of the given hour below OUT,
// slash-separated: KIND/YYYY/MM/DD/tailscale-KIND-YYYYMMDDHH-HOST.ndjson.
func relPath(kind string, hour time.Time, host string) string {
	h := hour.UTC()
	return kind + "/" + h.Format("2006/01/02") + "/tailscale-" + kind + "-" + h.Format(hourLayout) + "-" + host + extPlain
}

// parseName parses a base name exactly as relPath makes it, with one of the
// three extensions. A file belongs to a receiver only if its host is that
// receiver's exactly: "tailscale-network-2026060315-eu-logs.ndjson" is the
// file of host "eu-logs", never of host "logs".
func parseName(name string) (outName, bool) {
	var n outName
	rest, ok := strings.CutPrefix(name, "tailscale-")
	if !ok {
		return n, false
	}
	for _, k := range kinds {
		if r, ok := strings.CutPrefix(rest, k+"-"); ok {
			n.kind, rest = k, r
			break
		}
	}
	if n.kind == "" || len(rest) < len(hourLayout)+2 || rest[len(hourLayout)] != '-' {
		return n, false
	}
	for i := range len(hourLayout) {
		if rest[i] < '0' || rest[i] > '9' {
			return n, false
		}
	}
	h, err := time.Parse(hourLayout, rest[:len(hourLayout)])
	if err != nil {
		return n, false
	}
	n.hour = h.UTC()
	rest = rest[len(hourLayout)+1:]
	for _, ext := range []string{extTmp, extGzip, extPlain} {
		if host, ok := strings.CutSuffix(rest, ext); ok {
			n.host, n.ext = host, ext
			break
		}
	}
	if n.ext == "" || n.host == "" || SanitizeHost(n.host) != n.host {
		return n, false
	}
	return n, true
}

// SanitizeHost makes a host name safe for file names: letters, digits, '.',
// '_' and '-' are kept, anything else becomes '-'. An empty name becomes
// "localhost".
func SanitizeHost(h string) string {
	b := []byte(strings.TrimSpace(h))
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			b[i] = '-'
		}
	}
	s := strings.Trim(string(b), ".")
	if s == "" {
		return "localhost"
	}
	return s
}

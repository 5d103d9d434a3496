// Package synth generates realistic, deterministic Tailscale log-stream
// bodies: network flow logs and configuration audit logs, either wrapped in
// the log-stream envelope ({"time":…,"event":{…},"fields":{"recorded":…}})
// or as bare records one per line (the S3/GCS export shape).
//
// Output depends only on Options: the same seed always yields the same
// bytes. JSON is written by hand into byte slices for speed; only the
// standard library is used. All names are under example.com / .example
// style names (hosts in example.ts.net) and all addresses come from the
// Tailscale ranges (100.64.0.0/10, fd7a:115c:a1e0::/48), the documentation
// ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) or
// the DERP magic address 127.3.3.40.
package synth

import (
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"time"
)

// Kind selects the log type to generate.
type Kind int

const (
	// Network is Tailscale.Network: network flow log records.
	Network Kind = iota
	// Audit is Tailscale.Audit: configuration audit log records.
	Audit
)

// String returns "network" or "audit".
func (k Kind) String() string {
	switch k {
	case Network:
		return "network"
	case Audit:
		return "audit"
	}
	return "Kind(" + itoa(int(k)) + ")"
}

// ParseKind parses "network" or "audit" (case-insensitive; "net",
// "configuration" and "config" are accepted as aliases).
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "network", "net", "flow", "flows":
		return Network, nil
	case "audit", "config", "configuration":
		return Audit, nil
	}
	return 0, errors.New("synth: unknown kind " + quoteGo(s) + " (want network or audit)")
}

const (
	// MaxBodySize is Tailscale's cap on one log-stream POST body.
	MaxBodySize = 524288
	// MaxRecordSize is the size limit of one network record (event).
	MaxRecordSize = 256 << 10
	// MaxEntries is the realistic upper bound on traffic entries per record.
	MaxEntries = 1500
)

// StartTime is the fixed instant the synthetic clock starts from.
var StartTime = time.Date(2026, 6, 3, 12, 0, 0, 0, time.UTC)

// Options configures a Generator.
type Options struct {
	Kind Kind
	Seed uint64
	// Entries is, for network records, the number of traffic entries per
	// record (summed over the four traffic arrays), for benchmarks that
	// need records of a given size: each record is drawn on its own, so the
	// two ends of a connection do not both report it. 0 (the default)
	// simulates connections between the tailnet's nodes instead, logged by
	// both ends as Tailscale logs them (see flows.go): mostly 5–60 entries
	// per record, sometimes hundreds. Values above MaxEntries are clamped;
	// a record never exceeds MaxRecordSize.
	Entries int
	// Bare selects bare records one per line (S3 export shape, with
	// "logged", and for audit "eventTime" and "type") instead of envelopes.
	Bare bool
	// Tamper, for network records, makes a few records lie as a tampered
	// or broken client could: one node in ~40 connections reports receiving
	// half of what its peer sent, and one node sometimes claims traffic
	// from another node's address. tslogs stats reports both.
	Tamper bool
}

// Generator produces a deterministic sequence of records. It is not safe
// for concurrent use; create one Generator per goroutine (with different
// seeds for different streams).
type Generator struct {
	opt Options
	r   *rand.Rand
	tn  *tailnet

	records int
	dropped int

	// pending holds a record that did not fit into the previous AppendBody.
	pending []byte

	net   netState
	flows flowState
	audit auditState
}

// New returns a Generator for opt.
func New(opt Options) *Generator {
	if opt.Entries > MaxEntries {
		opt.Entries = MaxEntries
	}
	if opt.Entries < 0 {
		opt.Entries = 0
	}
	g := &Generator{
		opt: opt,
		r:   rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)),
		tn:  newTailnet(opt.Seed),
	}
	switch opt.Kind {
	case Audit:
		g.initAudit()
	default:
		g.initNetwork()
	}
	return g
}

// Options returns the options the generator was created with (after
// clamping).
func (g *Generator) Options() Options { return g.opt }

// Records returns how many records the generator has produced so far.
func (g *Generator) Records() int { return g.records }

// Dropped returns how many records AppendBody dropped because they were
// larger than its maxBytes on their own.
func (g *Generator) Dropped() int { return g.dropped }

// AppendRecord appends the next record to dst and returns the extended
// slice: an envelope (no trailing separator) or, in bare mode, a bare record
// followed by "\n".
func (g *Generator) AppendRecord(dst []byte) []byte {
	if len(g.pending) > 0 {
		dst = append(dst, g.pending...)
		g.pending = g.pending[:0]
		return dst
	}
	return g.next(dst)
}

func (g *Generator) next(dst []byte) []byte {
	g.records++
	switch {
	case g.opt.Kind == Audit:
		return g.appendAudit(dst)
	case g.opt.Entries == 0:
		return g.appendFlowRecord(dst)
	}
	return g.appendNetwork(dst)
}

// AppendBody appends a log-stream POST body of whole records to dst: as many
// records as fit in maxBytes (the body's size, not counting what dst already
// held), and at most maxRecords when maxRecords > 0. maxBytes <= 0 means
// MaxBodySize. It returns the extended slice and the number of records
// appended. A record that does not fit is kept for the next call, so
// successive bodies carry exactly the sequence AppendRecord would produce.
// A single record larger than maxBytes can never be sent and is dropped.
func (g *Generator) AppendBody(dst []byte, maxBytes, maxRecords int) (body []byte, n int) {
	if maxBytes <= 0 {
		maxBytes = MaxBodySize
	}
	base := len(dst)
	drops := 0
	for maxRecords <= 0 || n < maxRecords {
		start := len(dst)
		if len(g.pending) > 0 {
			dst = append(dst, g.pending...)
			g.pending = g.pending[:0]
		} else {
			dst = g.next(dst)
		}
		if len(dst)-base <= maxBytes {
			n++
			continue
		}
		rec := dst[start:]
		dst = dst[:start]
		if len(rec) > maxBytes {
			// Can never fit: drop it, but do not loop forever.
			drops++
			g.dropped++
			if drops > 64 {
				break
			}
			continue
		}
		g.pending = append(g.pending[:0], rec...)
		break
	}
	return dst, n
}

// Write writes records records for opt to w: envelopes concatenated with no
// separator (a log-stream POST body), or bare NDJSON lines. It returns the
// number of bytes written.
func Write(w io.Writer, opt Options, records int) (int64, error) {
	g := New(opt)
	buf := make([]byte, 0, 1<<20)
	var total int64
	for i := 0; i < records; i++ {
		buf = g.AppendRecord(buf)
		if len(buf) >= 512<<10 {
			m, err := w.Write(buf)
			total += int64(m)
			if err != nil {
				return total, err
			}
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		m, err := w.Write(buf)
		total += int64(m)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// WriteSize writes whole records for opt to w until at least size bytes
// have been written (the last record may overshoot). It returns the bytes
// and records written. Useful for building corpora of a given size.
func WriteSize(w io.Writer, opt Options, size int64) (int64, int, error) {
	g := New(opt)
	buf := make([]byte, 0, 1<<20)
	var total int64
	records := 0
	for total+int64(len(buf)) < size {
		buf = g.AppendRecord(buf)
		records++
		if len(buf) >= 512<<10 {
			m, err := w.Write(buf)
			total += int64(m)
			if err != nil {
				return total, records, err
			}
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		m, err := w.Write(buf)
		total += int64(m)
		if err != nil {
			return total, records, err
		}
	}
	return total, records, nil
}

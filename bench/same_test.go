package bench

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tslogs/tslogs/bench/corpus"
)

// TestSameValues checks that every decoder, with a fresh and with a reused
// destination, produces for every record of every corpus the same values as
// tslogs' Decode, compared in a canonical form. It guards the benchmarks:
// a decoder that skipped or misread fields would look faster than it is.
func TestSameValues(t *testing.T) {
	for _, c := range corpora {
		recs := c.records
		if len(c.data) > 20<<20 {
			recs = recs[:500] // the ≥ 100 MB stream: its first records
		}
		t.Run(c.Name, func(t *testing.T) {
			switch c.Kind {
			case corpus.Network:
				want := canonAll(t, decoders[0].net, false, recs)
				checkNetworkCorpus(t, c.Corpus, want)
				for _, d := range decoders {
					for _, reuse := range []bool{false, true} {
						if d.net == nil || !d.runs(c.Corpus) {
							continue
						}
						t.Run(d.name+"/"+destName(reuse), func(t *testing.T) {
							compareAll(t, want, canonAll(t, d.net, reuse, recs))
						})
					}
				}
			case corpus.Audit:
				want := canonAll(t, decoders[0].audit, false, recs)
				checkAuditCorpus(t, c.Corpus, want)
				for _, d := range decoders {
					for _, reuse := range []bool{false, true} {
						if d.audit == nil {
							continue
						}
						t.Run(d.name+"/"+destName(reuse), func(t *testing.T) {
							compareAll(t, want, canonAll(t, d.audit, reuse, recs))
						})
					}
				}
			}
			for _, d := range decoders {
				if d.floor == nil {
					continue
				}
				t.Run(d.name, func(t *testing.T) {
					for i, r := range recs {
						if err := d.floor(r); err != nil {
							t.Fatalf("record %d: %v", i+1, err)
						}
					}
				})
			}
		})
	}
}

func destName(reuse bool) string {
	if reuse {
		return "reuse"
	}
	return "fresh"
}

// canonAll decodes recs in order with one decoder made by f and returns the
// canonical form of each.
func canonAll[C any](t *testing.T, f factory[C], reuse bool, recs [][]byte) []C {
	t.Helper()
	decode, result := f(reuse)
	out := make([]C, len(recs))
	for i, r := range recs {
		if err := decode(r); err != nil {
			t.Fatalf("record %d: %v", i+1, err)
		}
		out[i] = clone(t, result())
	}
	return out
}

// clone deep-copies c, strings included: tslogs' strings point into the
// destination's buffer and sonic's into the input, and a reused destination
// overwrites the former with the next record.
func clone[C any](t *testing.T, c C) C {
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var out C
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func compareAll[C any](t *testing.T, want, got []C) {
	t.Helper()
	bad := 0
	for i := range want {
		if !reflect.DeepEqual(want[i], got[i]) {
			if bad++; bad <= 3 {
				t.Errorf("record %d differs from tslogs:\n%s", i+1, diff(want[i], got[i]))
			}
		}
	}
	if bad > 3 {
		t.Errorf("%d of %d records differ", bad, len(want))
	}
}

// diff shows the lines of the indented JSON forms of a and b that differ.
func diff(a, b any) string {
	ja, _ := json.MarshalIndent(a, "", " ")
	jb, _ := json.MarshalIndent(b, "", " ")
	la, lb := strings.Split(string(ja), "\n"), strings.Split(string(jb), "\n")
	var s strings.Builder
	for i := 0; i < max(len(la), len(lb)) && s.Len() < 2000; i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			fmt.Fprintf(&s, "  line %d: tslogs %s\n  line %d: got    %s\n", i+1, strings.TrimSpace(x), i+1, strings.TrimSpace(y))
		}
	}
	return s.String()
}

// checkNetworkCorpus guards the comparison itself: tslogs' values must be
// those the corpus was generated with, not empty.
func checkNetworkCorpus(t *testing.T, c corpus.Corpus, recs []canonNetwork) {
	t.Helper()
	entries := 0
	for i, r := range recs {
		if r.TimeMs == 0 || r.NodeID == "" || r.Start == 0 || r.End == 0 || r.Recorded == 0 {
			t.Fatalf("record %d: tslogs decoded empty fields: %+v", i+1, r)
		}
		entries += len(r.Virtual) + len(r.Subnet) + len(r.Exit) + len(r.Physical)
	}
	want := map[string]int{"net1": 1, "net30": 30, "net1500": 1500}[c.Name]
	if want > 0 && entries != want {
		t.Fatalf("tslogs decoded %d traffic entries, want %d", entries, want)
	}
	if tn := c.Tailnet; tn != nil {
		if len(recs) != tn.Records {
			t.Fatalf("%d records, want %d", len(recs), tn.Records)
		}
		for i, r := range recs {
			n := len(r.Virtual) + len(r.Subnet) + len(r.Exit) + len(r.Physical)
			if n < tn.MinEntries || n > tn.MaxEntries || r.SrcNode.NodeID != r.NodeID {
				t.Fatalf("record %d: %d traffic entries (want %d–%d), srcNode %q, nodeId %q",
					i+1, n, tn.MinEntries, tn.MaxEntries, r.SrcNode.NodeID, r.NodeID)
			}
		}
	}
	if entries < len(recs) {
		t.Fatalf("tslogs decoded %d traffic entries in %d records", entries, len(recs))
	}
}

func checkAuditCorpus(t *testing.T, c corpus.Corpus, recs []canonAudit) {
	t.Helper()
	for i, r := range recs {
		if r.TimeMs == 0 || r.EventGroupID == "" || r.Action == "" || r.ActorID == "" || r.Recorded == 0 {
			t.Fatalf("record %d: tslogs decoded empty fields: %+v", i+1, r)
		}
	}
}

package cloudtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/rowcmp"
	"github.com/tslogs/tslogs/jlex"
	"github.com/tslogs/tslogs/tailscale"
)

// facts are aggregates of a set of log records.
type facts struct {
	Rows          map[string]int64 // by p_log_type
	TxBytes       map[string]int64 // by traffic kind
	IPs           int64            // distinct addresses in traffic and node objects
	First, Last   time.Time        // event time range
	AuditActors   int64            // distinct actor IDs
	NetworkNodeID int64            // distinct logging nodes
}

var trafficKinds = []string{"virtualTraffic", "subnetTraffic", "exitTraffic", "physicalTraffic"}

// expectFacts computes the facts from the input files with encoding/json
// and net/netip only, independently of tslogs' decoder: network records are
// log-stream envelopes (event time: "time", seconds with a fraction), audit
// records are bare export lines (event time: eventTime).
func expectFacts(t *testing.T, network, audit []string) facts {
	f := facts{Rows: map[string]int64{}, TxBytes: map[string]int64{}}
	ips := map[netip.Addr]bool{}
	nodes := map[string]bool{}
	actors := map[string]bool{}
	seen := func(tm time.Time) {
		if f.First.IsZero() || tm.Before(f.First) {
			f.First = tm
		}
		if tm.After(f.Last) {
			f.Last = tm
		}
	}
	each := func(path string, fn func(map[string]any)) {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		for {
			var rec map[string]any
			err := dec.Decode(&rec)
			if errors.Is(err, io.EOF) {
				return
			}
			require.NoError(t, err)
			fn(rec)
		}
	}
	for _, path := range network {
		each(path, func(env map[string]any) {
			f.Rows["Tailscale.Network"]++
			seen(unixDecimal(t, string(env["time"].(json.Number))))
			ev := env["event"].(map[string]any)
			nodes[ev["nodeId"].(string)] = true
			for _, kind := range trafficKinds {
				list, _ := ev[kind].([]any)
				for _, e := range list {
					entry := e.(map[string]any)
					if n, ok := entry["txBytes"].(json.Number); ok {
						v, err := n.Int64()
						require.NoError(t, err)
						f.TxBytes[kind] += v
					}
					for _, k := range []string{"src", "dst"} {
						if s, ok := entry[k].(string); ok {
							if ap, err := netip.ParseAddrPort(s); err == nil {
								ips[ap.Addr()] = true
							}
						}
					}
				}
			}
			var nodeObjs []any
			if n, ok := ev["srcNode"]; ok {
				nodeObjs = append(nodeObjs, n)
			}
			if l, ok := ev["dstNodes"].([]any); ok {
				nodeObjs = append(nodeObjs, l...)
			}
			for _, n := range nodeObjs {
				addrs, _ := n.(map[string]any)["addresses"].([]any)
				for _, a := range addrs {
					if ip, err := netip.ParseAddr(a.(string)); err == nil {
						ips[ip] = true
					}
				}
			}
		})
	}
	for _, path := range audit {
		each(path, func(rec map[string]any) {
			f.Rows["Tailscale.Audit"]++
			tm, err := time.Parse(time.RFC3339Nano, rec["eventTime"].(string))
			require.NoError(t, err)
			seen(tm)
			if a, ok := rec["actor"].(map[string]any); ok {
				if id, ok := a["id"].(string); ok && id != "" {
					actors[id] = true
				}
			}
		})
	}
	// Parquet stores microseconds (the unit every engine reads).
	f.First, f.Last = f.First.Truncate(time.Microsecond), f.Last.Truncate(time.Microsecond)
	f.IPs = int64(len(ips))
	f.NetworkNodeID = int64(len(nodes))
	f.AuditActors = int64(len(actors))
	return f
}

// unixDecimal parses Unix seconds with a decimal fraction exactly.
func unixDecimal(t *testing.T, s string) time.Time {
	sec, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	require.NoError(t, err)
	frac = (frac + "000000000")[:9]
	ns, err := strconv.ParseInt(frac, 10, 64)
	require.NoError(t, err)
	return time.Unix(n, ns).UTC()
}

// duckFacts computes the facts with DuckDB over the Parquet under dir.
func duckFacts(t *testing.T, dir string) facts {
	db := duck(t)
	all := "read_parquet('" + dir + "/**/*.parquet', hive_partitioning = true, union_by_name = true)"
	net := "read_parquet('" + dir + "/p_log_type=Tailscale.Network/**/*.parquet')"
	aud := "read_parquet('" + dir + "/p_log_type=Tailscale.Audit/**/*.parquet')"
	f := facts{Rows: map[string]int64{}, TxBytes: map[string]int64{}}
	rows, err := db.Query("SELECT p_log_type, count(*) FROM " + all + " GROUP BY 1")
	require.NoError(t, err)
	for rows.Next() {
		var typ string
		var n int64
		require.NoError(t, rows.Scan(&typ, &n))
		f.Rows[typ] = n
	}
	require.NoError(t, rows.Err())
	for _, kind := range trafficKinds {
		var sum *int64
		require.NoError(t, db.QueryRow("SELECT sum(e.txBytes) FROM (SELECT unnest(event."+kind+") AS e FROM "+net+")").Scan(&sum))
		if sum != nil {
			f.TxBytes[kind] = *sum
		}
	}
	require.NoError(t, db.QueryRow("SELECT count(DISTINCT ip) FROM (SELECT unnest(p_any_ip_addresses) AS ip FROM "+net+")").Scan(&f.IPs))
	require.NoError(t, db.QueryRow("SELECT min(p_event_time), max(p_event_time) FROM "+all).Scan(&f.First, &f.Last))
	f.First, f.Last = f.First.UTC(), f.Last.UTC()
	require.NoError(t, db.QueryRow("SELECT count(DISTINCT event.nodeId) FROM "+net).Scan(&f.NetworkNodeID))
	require.NoError(t, db.QueryRow("SELECT count(DISTINCT event.actor.id) FROM "+aud).Scan(&f.AuditActors))
	return f
}

// TestDuckDBAggregates writes synthetic network and audit streams as
// Parquet with tslogs parse (small row groups, so that files hold several)
// and checks that DuckDB's aggregates over the files equal those computed
// from the input independently.
func TestDuckDBAggregates(t *testing.T) {
	dir := t.TempDir()
	network := []string{
		synth(t, dir, "network-1.log", "--log-type", "network", "--records", "3000", "--seed", "11"),
		synth(t, dir, "network-2.log", "--log-type", "network", "--records", "1500", "--seed", "12"),
	}
	audit := []string{synth(t, dir, "audit.ndjson", "--log-type", "audit", "--records", "800", "--seed", "13", "--bare")}
	out := filepath.Join(dir, "lake")
	tslogs(t, nil, 0, append([]string{"parse", "--format", "parquet", "--out", out, "--row-group-size", "1MiB"},
		append(network, audit...)...)...)

	want := expectFacts(t, network, audit)
	got := duckFacts(t, out)
	require.Equal(t, int64(4500), want.Rows["Tailscale.Network"])
	require.Equal(t, int64(800), want.Rows["Tailscale.Audit"])
	require.NotZero(t, want.TxBytes["virtualTraffic"])
	require.NotZero(t, want.TxBytes["physicalTraffic"])
	assert.Equal(t, want, got)
	t.Logf("rows %v, txBytes %v, %d distinct IPs, %d nodes, %d actors, events %s to %s",
		got.Rows, got.TxBytes, got.IPs, got.NetworkNodeID, got.AuditActors, got.First, got.Last)

	files, err := filepath.Glob(filepath.Join(out, "p_log_type=*", "dt=*", "hour=*", "*.parquet"))
	require.NoError(t, err)
	assert.Greater(t, len(files), 2, "rows of several hours go to several partitions")
	var groups int64
	require.NoError(t, duck(t).QueryRow("SELECT count(DISTINCT (file_name, row_group_id)) FROM parquet_metadata('"+out+"/**/*.parquet')").Scan(&groups))
	assert.Greater(t, groups, int64(len(files)), "some files hold several row groups")
}

// TestDuckDBRowsEqualNDJSON reads every Parquet row back through DuckDB as
// JSON and checks that it equals the NDJSON row tslogs parse writes for the
// same record (p_parse_time and p_row_id aside, which differ per run;
// timestamps compared as microseconds, absent fields as nulls).
func TestDuckDBRowsEqualNDJSON(t *testing.T) {
	dir := t.TempDir()
	inputs := []string{"../testdata/sample/network.log", "../testdata/sample/audit.log",
		synth(t, dir, "bare.ndjson", "--log-type", "network", "--records", "200", "--seed", "5", "--bare"),
		synth(t, dir, "audit.log", "--log-type", "audit", "--records", "200", "--seed", "6")}
	out := filepath.Join(dir, "lake")
	tslogs(t, nil, 0, append([]string{"parse", "--format", "parquet", "--out", out}, inputs...)...)
	ndjson := tslogs(t, nil, 0, append([]string{"parse"}, inputs...)...)

	// The rows carry p_enrichment, as parse writes them by default.
	cols := map[string]*jlex.Column{
		"Tailscale.Network": tailscale.RowColumns(tailscale.LogTypeNetwork, true),
		"Tailscale.Audit":   tailscale.RowColumns(tailscale.LogTypeAudit, true),
	}
	var want []string
	sc := bufio.NewScanner(bytes.NewReader(ndjson))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var row map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &row))
		want = append(want, canonical(t, row, cols[row["p_log_type"].(string)], false))
	}
	require.NoError(t, sc.Err())

	db := duck(t)
	_, err := db.Exec("SET TimeZone = 'UTC'")
	require.NoError(t, err)
	var got []string
	for typ, c := range cols {
		rows, err := db.Query("SELECT to_json(t)::VARCHAR FROM read_parquet('" + out + "/p_log_type=" + typ + "/**/*.parquet', hive_partitioning = false) t")
		require.NoError(t, err)
		for rows.Next() {
			var js string
			require.NoError(t, rows.Scan(&js))
			var row map[string]any
			require.NoError(t, json.Unmarshal([]byte(js), &row))
			got = append(got, canonical(t, row, c, true))
		}
		require.NoError(t, rows.Err())
	}
	require.Len(t, got, len(want))
	slices.Sort(want)
	slices.Sort(got)
	for i := range want {
		if !assert.Equal(t, want[i], got[i]) {
			break
		}
	}
}

// canonical renders a row as JSON with sorted keys, without nulls,
// p_parse_time and p_row_id, with timestamps as microseconds and JSON
// columns as parsed values (DuckDB gives them as strings).
func canonical(t *testing.T, row map[string]any, c *jlex.Column, fromDuck bool) string {
	delete(row, "p_parse_time")
	delete(row, "p_row_id")
	src := rowcmp.NDJSON
	if fromDuck {
		src = rowcmp.DuckDB
	}
	require.NoError(t, rowcmp.Normalize(row, c, src))
	b, err := json.Marshal(row)
	require.NoError(t, err)
	return string(b)
}

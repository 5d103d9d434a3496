package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/tslogs/tslogs/bench/corpus"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

// key names one benchmark: BenchmarkDecode/corpus=C/dec=D/dest=X; for
// BenchmarkRow/corpus=C/enrich=E, {row:C, row, enrich=E} (rows=decoded:
// {row:C, row, rows=decoded}); for tslogs'
// BenchmarkEndToEnd/cmd=X/jobs=J, {end-to-end, X, J}.
type key struct{ corpus, dec, dest string }

// The corpus part of the keys of BenchmarkRow (rowCorpus + corpus) and of
// tslogs' BenchmarkEndToEnd.
const (
	rowCorpus = "row:"
	endToEnd  = "end-to-end"
)

// stat is the summary of one metric of one benchmark.
type stat struct {
	benchmath.Summary
	sample *benchmath.Sample
}

// results maps each benchmark to its metrics by unit (MB/s, records/s,
// B/op, allocs/op, ns/op).
type results map[key]map[string]stat

const confidence = 0.95

// parse reads go test benchmark output and summarizes each metric of each
// benchmark as benchstat does: the median with its 95% confidence interval
// (benchmath.AssumeNothing).
func parse(output []byte) (results, error) {
	samples := map[key]map[string][]float64{}
	r := benchfmt.NewReader(bytes.NewReader(output), "benchmarks")
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue // a syntax error or unit metadata
		}
		base, parts := res.Name.Parts()
		var k key
		for _, p := range parts {
			name, val, _ := strings.Cut(strings.TrimPrefix(string(p), "/"), "=")
			switch name {
			case "corpus":
				k.corpus = val
			case "dec", "cmd":
				k.dec = val
			case "dest", "jobs":
				k.dest = val
			case "enrich":
				k.dec, k.dest = "row", "enrich="+val
			case "rows":
				k.dec, k.dest = "row", "rows="+val
			}
		}
		switch string(base) {
		case "Decode":
		case "Row": // BenchmarkRow/corpus=C/enrich=E or rows=decoded
			k.corpus = rowCorpus + k.corpus
		case "EndToEnd": // tslogs' BenchmarkEndToEnd/cmd=X/jobs=J
			k.corpus = endToEnd
		default:
			continue
		}
		if samples[k] == nil {
			samples[k] = map[string][]float64{}
		}
		for _, v := range res.Values {
			unit, val := v.OrigUnit, v.OrigValue // as go test printed it
			if unit == "" {
				unit, val = v.Unit, v.Value
			}
			samples[k][unit] = append(samples[k][unit], val)
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if len(samples) == 0 {
		return nil, errors.New("no benchmark results in the output")
	}
	out := results{}
	for k, units := range samples {
		out[k] = map[string]stat{}
		for unit, vals := range units {
			s := benchmath.NewSample(vals, &benchmath.DefaultThresholds)
			out[k][unit] = stat{benchmath.AssumeNothing.Summary(s, confidence), s}
		}
	}
	return out, nil
}

// machine describes where the benchmarks ran.
type machine struct {
	CPU       string
	Cores     int
	Memory    string
	Go        string
	OSArch    string
	Date      time.Time
	LoadStart string
	LoadEnd   string
}

func machineInfo() machine {
	m := machine{Cores: runtime.NumCPU(), OSArch: runtime.GOOS + "/" + runtime.GOARCH, Date: time.Now(), LoadStart: loadAvg()}
	m.CPU = procField("/proc/cpuinfo", "model name")
	if kb := procField("/proc/meminfo", "MemTotal"); kb != "" {
		var n int64
		fmt.Sscanf(kb, "%d", &n)
		m.Memory = fmt.Sprintf("%.0f GiB", float64(n)/(1<<20))
	}
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		m.Go = strings.TrimSpace(string(out))
	} else {
		m.Go = runtime.Version()
	}
	return m
}

// procField returns the value of the first "name: value" line of a /proc file.
func procField(file, name string) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// loadAvg returns the 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// runInfo describes how the benchmarks were run.
type runInfo struct {
	Count     int
	Benchtime string
	JSONv2    bool
	From      string
	Duration  time.Duration
	Versions  []string
}

// peerModules are the modules whose versions the report lists.
var peerModules = []string{
	"github.com/bytedance/sonic",
	"github.com/goccy/go-json",
	"github.com/segmentio/encoding",
	"github.com/mailru/easyjson",
	"github.com/go-faster/jx",
	"github.com/valyala/fastjson",
}

func moduleVersions() []string {
	out, err := exec.Command("go", append([]string{"list", "-m"}, peerModules...)...).Output()
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// corpusStat is the size of a corpus.
type corpusStat struct {
	corpus.Corpus
	Bytes   int
	Records int
}

func corpusInfo() (map[string]corpusStat, error) {
	out := map[string]corpusStat{}
	for _, c := range corpus.All {
		data, err := os.ReadFile(filepath.Join("testdata", "corpus", c.File()))
		if err != nil {
			return nil, err
		}
		n := 0
		for rec, rest := corpus.Split(data); rec != nil; rec, rest = corpus.Split(rest) {
			n++
		}
		out[c.Name] = corpusStat{Corpus: c, Bytes: len(data), Records: n}
	}
	return out, nil
}

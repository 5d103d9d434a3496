package main

import (
	"bufio"
	"fmt"
	"io"
	"math"

	"github.com/tslogs/tslogs/internal/synth"
)

const synthDesc = `Writes realistic synthetic Tailscale log records to standard output (or -o),
deterministic for a seed: log-stream bodies (envelopes concatenated with no
separator, as Tailscale posts them) or, with --bare, one bare record per line
as in S3 exports. Network records follow what Tailscale really sends: a
tailnet of ~50 nodes whose connections are logged by both ends, each from
its own side, in staggered ~5 s windows with slightly different counts;
subnet routers and exit nodes logging for the far side; anonymized exit
traffic; physical traffic, some relayed through DERP; srcNode/dstNodes from
~90% of clients; zero values omitted, IPv4 and bracketed IPv6, records up to
256 KiB. Audit records include the changes Panther's Tailscale rules detect.
--entries N draws records of exactly N entries instead (for benchmarks),
each on its own. --tamper makes a few records lie (a receiver
under-reporting, a node claiming another's address), to see tslogs stats
catch them.`

const synthExamples = `  tslogs synth --log-type network --records 1000 > flows.log
  tslogs synth --log-type audit --records 50 --seed 7 --bare | gzip > audit.ndjson.gz
  tslogs synth --log-type network --size 100MB -o /tmp/corpus.log`

func runSynth(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("synth", "synth --log-type network|audit (--records N | --size BYTES) [--seed S] [--bare] [--entries N] [--tamper] [-o FILE]",
		synthDesc, synthExamples, stderr)
	logType := fs.String("log-type", "", "network or audit (required)")
	records := fs.Int("records", 0, "number of records to write")
	size := fs.String("size", "", "write records until at least this much output (e.g. 100MB, 1GiB), instead of --records")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same output")
	bare := fs.Bool("bare", false, "bare records one per line (S3 export shape) instead of envelopes")
	entries := fs.Int("entries", 0, "network: exactly this many traffic entries per record, each record drawn on its own (0: simulate connections, a realistic mix)")
	tamper := fs.Bool("tamper", false, "network: a few records under-report or claim another node's traffic")
	outFile := fs.String("o", "", `write to this file instead of standard output ("-"), whole or not at all (under a temporary name, renamed once complete)`)
	files, exit, ok := parseFlags(fs, args)
	if !ok {
		return exit
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "tslogs synth: "+format+"\n", a...)
		return exitUsage
	}
	if len(files) > 0 {
		return fail("unexpected argument %q", files[0])
	}
	if *logType == "" {
		return fail("--log-type is required (network or audit)")
	}
	kind, err := synth.ParseKind(*logType)
	if err != nil {
		return fail("%v", err)
	}
	var limit int64
	if *size != "" {
		if limit, err = parseSize(*size); err != nil {
			return fail("--size: %v", err)
		}
	}
	if (*records > 0) == (limit > 0) {
		return fail("give exactly one of --records N (N > 0) or --size")
	}
	if *entries < 0 {
		return fail("--entries must not be negative")
	}
	if *outFile == "" {
		*outFile = "-"
	}
	w, err := createOutput(*outFile, stdout)
	if err != nil {
		return fail("%v", err)
	}
	defer w.abort()
	bw := bufio.NewWriterSize(w, 1<<20)
	opt := synth.Options{Kind: kind, Seed: *seed, Bare: *bare, Entries: *entries, Tamper: *tamper}
	if limit > 0 {
		_, _, err = synth.WriteSize(bw, opt, limit)
	} else {
		_, err = synth.Write(bw, opt, *records)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = w.commit()
	}
	if err != nil {
		return fail("%v", err)
	}
	return exitOK
}

// parseSize parses a byte count such as 512, 100MB, 64KiB or 1GiB (KB and
// KiB both mean 1024).
func parseSize(s string) (int64, error) {
	var n int64
	var unit string
	if _, err := fmt.Sscanf(s, "%d%s", &n, &unit); err != nil && unit == "" {
		if _, err2 := fmt.Sscanf(s, "%d", &n); err2 != nil {
			return 0, fmt.Errorf("invalid size %q", s)
		}
	}
	mult := map[string]int64{"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "KIB": 1 << 10, "M": 1 << 20, "MB": 1 << 20,
		"MIB": 1 << 20, "G": 1 << 30, "GB": 1 << 30, "GIB": 1 << 30}
	m, ok := mult[upper(unit)]
	if !ok || n <= 0 {
		return 0, fmt.Errorf("invalid size %q (want e.g. 100MB)", s)
	}
	if n > math.MaxInt64/m {
		return 0, fmt.Errorf("invalid size %q (more than 8 EiB)", s)
	}
	return n * m, nil
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

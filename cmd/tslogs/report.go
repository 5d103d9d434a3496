package main

import (
	"bufio"
	"fmt"
	"io"
	"time"

	"github.com/tslogs/tslogs/internal/report"
	summ "github.com/tslogs/tslogs/internal/summary"
)

const reportDesc = `Reads Tailscale log records and writes one self-contained HTML page (charts,
styles and script inline; nothing is fetched from the network) that shows
what tslogs stats prints, drawn: traffic over time per kind, inside the
tunnel and on the wire (direct or relayed through DERP), the top talkers,
pairs and services by name, audit events over time by actor, the
security-relevant changes, and where the two ends of a connection disagree.
Open the file in any browser.`

const reportExamples = `  tslogs report testdata/sample/network.log testdata/sample/audit.log
  tslogs report -o /tmp/today.html flows-*.log.gz audit.log
  tslogs synth --log-type network --records 3000 | tslogs report -o - > flows.html`

func runReport(args []string, stdout, stderr io.Writer) int {
	var rf readerFlags
	fs := newFlagSet("report", "report [-o FILE] [--top N] [--title T] [FILE...]", reportDesc, reportExamples, stderr)
	out := fs.String("o", "tslogs-report.html", `write the page to this file ("-" for standard output), whole or not at all (under a temporary name, renamed once complete)`)
	top := fs.Int("top", 15, "how many entries the top charts show")
	title := fs.String("title", "Tailscale logs", "the page's title")
	rf.register(fs)
	files, exit, ok := parseFlags(fs, args)
	if !ok {
		return exit
	}
	opt, err := rf.options()
	if err == nil && *top < 1 {
		err = fmt.Errorf("--top must be at least 1")
	}
	if err != nil {
		fmt.Fprintln(stderr, "tslogs report:", err)
		return exitUsage
	}
	// Timelines start at one-second buckets and double their width until
	// at most 2048 cover the input: fine for a minute, a day or a month.
	s, in, err := summarize(files, rf.obj, opt, rf.jobs, summ.Options{Bucket: time.Second, MaxBuckets: 2048},
		summ.SummaryOptions{Top: *top, Timeline: true}, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "tslogs report:", err)
		return exitUsage
	}
	w, err := createOutput(*out, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "tslogs report:", err)
		return exitUsage
	}
	defer w.abort()
	bw := bufio.NewWriter(w)
	inputs := files
	if len(inputs) == 0 {
		inputs = []string{"standard input"}
	}
	err = report.Write(bw, s, report.Options{Title: *title, Inputs: inputs})
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = w.commit()
	}
	if err == nil {
		err = in.saveState()
	}
	if err != nil {
		fmt.Fprintln(stderr, "tslogs report:", err)
		return exitUsage
	}
	if *out != "-" {
		fmt.Fprintf(stderr, "Wrote %s: open it in a browser.\n", *out)
	}
	return exitOK
}

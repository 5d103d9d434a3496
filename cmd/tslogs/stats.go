package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	summ "github.com/tslogs/tslogs/internal/summary"
	"github.com/tslogs/tslogs/tailscale"
)

const statsDesc = `Reads Tailscale log records and prints what they say, in names where the
records give them (srcNode/dstNodes): who talked to whom and how much, over
which services, directly or relayed through DERP, and which security-relevant
settings changed.

Both ends of a connection log it; stats matches the two reports and counts
each byte once, from the sender's report. The traffic kinds are the same
bytes at different layers (virtual, subnet and exit traffic inside the
tunnel, physical traffic on the wire) and are never added together. Where
the two ends disagree beyond --tolerance, or a node reports traffic of an
address that is not its own, stats says so. Audit records are checked
against Panther's Tailscale rules (HTTPS, MagicDNS or device approval turned
off from the admin console) and a few more. Invalid records are counted and
skipped.`

const statsExamples = `  tslogs stats testdata/sample/network.log testdata/sample/audit.log
  tslogs stats --top 20 flows-*.log.gz
  tslogs stats --json audit.log | jq .audit.findings
  AWS_REGION=us-east-1 tslogs stats --since 24h s3://exports/tailscale/network/`

func runStats(args []string, stdout, stderr io.Writer) int {
	var rf readerFlags
	fs := newFlagSet("stats", "stats [--json] [--top N] [--tolerance F] [--log-type auto|audit|network] [--jobs N] [FILE...]", statsDesc, statsExamples, stderr)
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	timeline := fs.Bool("timeline", false, "with --json: include traffic and audit activity per minute")
	top := fs.Int("top", 10, "how many entries the top lists show")
	tolerance := fs.Float64("tolerance", 0.05, "relative difference between the two ends' counts still taken as agreement")
	rf.register(fs)
	files, exit, ok := parseFlags(fs, args)
	if !ok {
		return exit
	}
	opt, err := rf.options()
	if err == nil && *top < 1 {
		err = fmt.Errorf("--top must be at least 1")
	}
	if err == nil && !(*tolerance > 0 && *tolerance < 1) {
		err = fmt.Errorf("--tolerance must be between 0 and 1 (0.05 is 5%%)")
	}
	if err != nil {
		fmt.Fprintln(stderr, "tslogs stats:", err)
		return exitUsage
	}
	s, in, err := summarize(files, rf.obj, opt, rf.jobs, summ.Options{Tolerance: *tolerance},
		summ.SummaryOptions{Top: *top, Timeline: *timeline && *asJSON}, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "tslogs stats:", err)
		return exitUsage
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(s)
	} else {
		// The summary is printed piecemeal; the buffer keeps the first
		// write error (a full disk, a closed pipe) for Flush to report.
		bw := bufio.NewWriter(stdout)
		printSummary(bw, s, *tolerance)
		err = bw.Flush()
	}
	if err == nil {
		err = in.saveState()
	}
	if err != nil {
		fmt.Fprintln(stderr, "tslogs stats:", err)
		return exitUsage
	}
	return exitOK
}

// summarize reads every input into one aggregate and summarises it, on
// jobs cores. It returns the inputs, whose saveState (--state) the command
// calls once its output is written.
func summarize(files []string, obj objectFlags, ropt tailscale.ReaderOptions, jobs int, aopt summ.Options, sopt summ.SummaryOptions, stderr io.Writer) (*summ.Summary, *inputSet, error) {
	agg := summ.New(aopt)
	var in *inputSet
	var err error
	if jobs > 1 {
		in, err = summarizeParallel(files, obj, ropt, jobs, os.Stdin, stderr, agg, aopt)
	} else {
		in, err = forEachRecord(files, obj, ropt, os.Stdin, stderr, func(_ string, r *tailscale.Reader) error {
			agg.Add(r)
			return nil
		})
	}
	if err != nil {
		return nil, nil, err
	}
	return agg.Summarize(sopt), in, nil
}

// human formats a byte count: 1.5 MiB.
func human(n int64) string { return summ.HumanBytes(float64(n)) }

// count formats an integer with thousands separators.
func count(n int64) string { return summ.FormatCount(n) }

func percent(part, whole int64) string {
	if whole == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(part)/float64(whole))
}

func timeRange(first, last time.Time) string {
	if first.IsZero() {
		return "-"
	}
	f, l := first.UTC(), last.UTC()
	end := l.Format("2006-01-02 15:04:05")
	if f.Format("2006-01-02") == l.Format("2006-01-02") {
		end = l.Format("15:04:05")
	}
	return fmt.Sprintf("%s … %s UTC (%s)", f.Format("2006-01-02 15:04:05"), end, l.Sub(f).Round(time.Second))
}

func section(w io.Writer, title string) {
	fmt.Fprintf(w, "\n%s\n", title)
}

func printSummary(w io.Writer, s *summ.Summary, tolerance float64) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	types := []string{}
	for _, t := range []string{"Tailscale.Network", "Tailscale.Audit"} {
		if n := s.ByType[t]; n > 0 {
			types = append(types, fmt.Sprintf("%s %s", count(n), strings.TrimPrefix(t, "Tailscale.")))
		}
	}
	fmt.Fprintf(tw, "Records\t%s (%s invalid): %s\n", count(s.Records), count(s.Invalid), strings.Join(types, ", "))
	fmt.Fprintf(tw, "Time range\t%s\n", timeRange(s.First, s.Last))
	tw.Flush()
	if n := s.Network; n != nil {
		printNetwork(w, n, tolerance)
	}
	if a := s.Audit; a != nil {
		printAudit(w, a)
	}
}

func printNetwork(w io.Writer, n *summ.Network, tolerance float64) {
	section(w, "Traffic by kind (each byte once; the kinds are the same bytes at different layers: never add them)")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  kind\tbytes\tpackets\tconversations\tone end only\treports\t")
	for _, k := range n.Kinds {
		conv, one := count(k.Conversations), count(k.OneSided)
		if k.Kind == "physical" {
			conv, one = "-", "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t\n", k.Kind, human(k.Bytes), count(k.Packets), conv, one, count(k.Reports))
	}
	tw.Flush()
	if ph := n.Physical; ph.Bytes > 0 {
		regions := []string{}
		for i, r := range ph.Regions {
			if i == 5 {
				regions = append(regions, "…")
				break
			}
			regions = append(regions, fmt.Sprintf("%d (%s)", r.Region, human(r.SentBytes)))
		}
		fmt.Fprintf(w, "  physical: %s direct, %s relayed through DERP (%s)", human(ph.DirectBytes), human(ph.RelayedBytes), percent(ph.RelayedBytes, ph.Bytes))
		if len(regions) > 0 {
			fmt.Fprintf(w, "; regions %s", strings.Join(regions, ", "))
		}
		fmt.Fprintln(w)
	}

	section(w, "Top talkers (traffic inside the tunnel)")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, t := range n.Talkers {
		fmt.Fprintf(tw, "  %s\t↑ %s\t↓ %s\t%s\n", human(t.Bytes), human(t.Sent), human(t.Received), t.Label)
	}
	tw.Flush()

	section(w, "Top pairs")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, p := range n.Pairs {
		fmt.Fprintf(tw, "  %s\t%s\t⇄ %s\t%s\n", human(p.Bytes), p.A.Label, p.B.Label, strings.Join(p.Kinds, ","))
	}
	tw.Flush()

	section(w, "Services (by destination port)")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, sv := range n.Services {
		name := sv.Name
		if name == "" {
			name = "-"
		}
		fmt.Fprintf(tw, "  %s/%d\t%s\t%s\t%s conversations\n", sv.Proto, sv.Port, name, human(sv.Bytes), count(sv.Conversations))
	}
	tw.Flush()

	section(w, "Consistency")
	fmt.Fprintf(w, "  disagreements between the two ends (beyond %.0f%%): %s\n", 100*tolerance, count(n.Disagreements.Count))
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, d := range n.Disagreements.Examples {
		if i == 5 {
			break
		}
		fmt.Fprintf(tw, "    %s %s/%d\t%s → %s\tsent %s, received %s\n", d.Kind, d.Proto, d.Port, d.From.Label, d.To.Label, human(d.Sent), human(d.Received))
	}
	tw.Flush()
	fmt.Fprintf(w, "  reports by a node not party to the flow: %s", count(n.NotParty.Count))
	if n.NotParty.Count > 0 {
		fmt.Fprintf(w, " (%s, left out)", human(n.NotParty.Bytes))
	}
	fmt.Fprintln(w)
	for i, d := range n.NotParty.Examples {
		if i == 5 {
			break
		}
		fmt.Fprintf(w, "    %s reported %s %s → %s\n", d.Reporter, d.Kind, d.Src, d.Dst)
	}
	fmt.Fprintf(w, "  reports that could not be checked (no srcNode: clients before 1.92): %s\n", count(n.Unverified))
}

func printAudit(w io.Writer, a *summ.Audit) {
	section(w, fmt.Sprintf("Security-relevant changes (%s audit events, %s failed)", count(a.Events), count(a.Failed)))
	if len(a.Findings) == 0 {
		fmt.Fprintln(w, "  none")
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, f := range a.Findings {
		if i == 20 {
			fmt.Fprintf(tw, "  …\t%d more\n", len(a.Findings)-20)
			break
		}
		rule := f.RuleID
		if f.Panther {
			rule += " (Panther)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", strings.ToUpper(f.Severity), f.Time.UTC().Format("2006-01-02 15:04:05"), f.Title, f.Actor, rule)
	}
	tw.Flush()
	for _, sec := range []struct {
		title string
		list  []summ.Count
	}{{"Top actions", a.Actions}, {"Top actors", a.Actors}, {"Origins", a.Origins}} {
		section(w, sec.title)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		for _, c := range sec.list {
			fmt.Fprintf(tw, "  %s\t %s\n", count(c.Count), c.Name)
		}
		tw.Flush()
	}
}

// Command loadtest load-tests "tslogs serve": concurrent senders post
// synthetic log-stream bodies (identity, gzip and zstd; Bearer, Basic and
// Splunk auth), then every row on disk is checked against the records that
// were acknowledged: each exactly once, with unique p_row_id values.
//
// Without -url it starts an in-process receiver on 127.0.0.1 with a temporary
// output directory. With -url it drives a running receiver and, given -out,
// verifies that receiver's output directory (start it on an empty one).
//
//	go run ./cmd/tslogs/loadtest -records 40000 -senders 16
//	go run ./cmd/tslogs/loadtest -url https://logs.example.com/ -token-file t -out /var/lib/tslogs
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/tslogs/tslogs/internal/serve"
	"github.com/tslogs/tslogs/internal/serve/loadtest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		url       = fs.String("url", "", "ingest URL of a running receiver (default: start one in-process)")
		tokenFile = fs.String("token-file", "", "token file of the receiver given by -url")
		out       = fs.String("out", "", "output directory to verify (default: the in-process receiver's; none with -url)")
		senders   = fs.Int("senders", 16, "concurrent senders")
		records   = fs.Int("records", 40000, "records to send in all")
		bodyBytes = fs.Int("body-bytes", 512<<10, "largest body before compression")
		perBody   = fs.Int("max-records-per-body", 0, "most records in one body (0: as many as fit in -body-bytes)")
		encodings = fs.String("encodings", "identity,gzip,zstd", "Content-Encodings to rotate over")
		auth      = fs.String("auth", "mix", "bearer, basic, splunk or mix")
		seed      = fs.Uint64("seed", 1, "seed of the synthetic records")
		timeout   = fs.Duration("timeout", 5*time.Minute, "give up after this long")
		maxConc   = fs.Int("max-concurrent", 0, "in-process receiver: --max-concurrent (0: its default)")
		gzipOut   = fs.Bool("gzip-closed", false, "in-process receiver: --gzip-closed")
		keep      = fs.Bool("keep", false, "keep the in-process receiver's output directory")
	)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "loadtest:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	opt := loadtest.Options{
		URL: *url, Senders: *senders, Records: *records, BodyBytes: *bodyBytes, MaxRecordsPerBody: *perBody,
		Encodings: strings.Split(*encodings, ","), Auth: *auth, Seed: *seed,
	}
	dir := *out
	var metrics *serve.Metrics
	if *url == "" {
		if dir == "" {
			d, err := os.MkdirTemp("", "tslogs-loadtest-")
			if err != nil {
				return fail(err)
			}
			dir = d
			if !*keep {
				defer os.RemoveAll(d)
			}
		}
		tok, err := serve.GenerateToken()
		if err != nil {
			return fail(err)
		}
		srv, err := serve.New(serve.Config{
			Tokens: []string{tok}, OutDir: dir, Host: "loadtest", MaxConcurrent: *maxConc, GzipClosed: *gzipOut, DrainDelay: -1,
			Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		})
		if err != nil {
			return fail(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			srv.Close()
			return fail(err)
		}
		metrics = srv.Metrics()
		sctx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- srv.Serve(sctx, ln) }()
		defer func() {
			stop()
			<-done
		}()
		opt.URL = "http://" + ln.Addr().String() + "/"
		opt.Token = tok
		fmt.Fprintf(stdout, "in-process receiver on %s, output in %s\n", opt.URL, dir)
	} else {
		if *tokenFile == "" {
			return fail(fmt.Errorf("-url needs -token-file"))
		}
		toks, _, err := serve.ReadTokenFile(*tokenFile)
		if err != nil {
			return fail(err)
		}
		opt.Token = toks[0]
	}

	plan, err := loadtest.Prepare(opt)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "prepared %d records in %d senders' bodies: %.1f MB, %.1f MB on the wire (%v)\n",
		plan.Records, *senders, float64(plan.Bytes)/1e6, float64(plan.Wire)/1e6, plan.Prepare.Round(time.Millisecond))
	cpu0 := cpuTime()
	res := plan.Run(ctx)
	cpu := cpuTime() - cpu0
	fmt.Fprintln(stdout, res.Summary())
	if cpu > 0 {
		fmt.Fprintf(stdout, "CPU time of this process (receiver and senders) during the run: %v, %.0f records per CPU-second\n",
			cpu.Round(time.Millisecond), float64(res.AckedRecords)/cpu.Seconds())
	}
	fmt.Fprintf(stdout, "statuses: %v\n", res.Statuses)
	if metrics != nil {
		printSinkStats(stdout, metrics)
	}
	if len(res.Errors) > 0 {
		fmt.Fprintf(stdout, "errors: %q\n", res.Errors)
	}
	if res.AckedRecords != plan.Records {
		return fail(fmt.Errorf("%d of %d records were not acknowledged", plan.Records-res.AckedRecords, plan.Records))
	}
	if dir == "" {
		fmt.Fprintln(stdout, "no -out: output not verified")
		return 0
	}
	st, err := loadtest.ReadStore(dir)
	if err != nil {
		return fail(err)
	}
	if err := loadtest.Verify(res, st, true); err != nil {
		return fail(fmt.Errorf("verification failed: %w", err))
	}
	fmt.Fprintf(stdout, "verified: %d rows in %d files, each acknowledged record exactly once, %d unique p_row_id\n",
		st.Rows.Total(), st.Files, st.RowIDs)
	return 0
}

// printSinkStats prints the receiver's commit figures.
func printSinkStats(w io.Writer, m *serve.Metrics) {
	mfs, err := m.Registry.Gather()
	if err != nil {
		return
	}
	var syncs, batches uint64
	var syncSecs float64
	for _, mf := range mfs {
		switch mf.GetName() {
		case "tslogs_sink_commit_seconds":
			for _, x := range mf.GetMetric() {
				syncs += x.GetHistogram().GetSampleCount()
				syncSecs += x.GetHistogram().GetSampleSum()
			}
		case "tslogs_sink_batches_per_sync":
			for _, x := range mf.GetMetric() {
				batches = uint64(x.GetHistogram().GetSampleSum())
			}
		}
	}
	if syncs > 0 {
		fmt.Fprintf(w, "receiver: %d commits (writes, fsyncs of every file and of the journal), mean %v each, %.1f batches per commit (group commit)\n",
			syncs, time.Duration(syncSecs/float64(syncs)*1e9).Round(time.Microsecond), float64(batches)/float64(syncs))
	}
}

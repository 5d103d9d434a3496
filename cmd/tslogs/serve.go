package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/tslogs/tslogs/internal/objstore"
	"github.com/tslogs/tslogs/internal/serve"
)

const serveDesc = `Receives Tailscale log streaming over HTTP(S) and stores every record as a
Panther-style row, in one file per log type per hour:

  OUT/network/YYYY/MM/DD/tailscale-network-YYYYMMDDHH-HOST.ndjson
  OUT/audit/YYYY/MM/DD/tailscale-audit-YYYYMMDDHH-HOST.ndjson
  OUT/deadletter/YYYY/MM/DD/tailscale-deadletter-YYYYMMDDHH-HOST.ndjson

Endpoints:
  POST /  and  /v1/ingest         Panther destination (Authorization: Bearer TOKEN)
  POST /services/collector/event  Splunk destination (HTTP Basic with TOKEN as the
                                  password, or Authorization: Splunk TOKEN); also
                                  /services/collector and /services/collector/raw
  GET  /healthz                   200, or 503 while shutting down and from a
                                  failed write until a write succeeds again
  GET  /metrics                   Prometheus metrics

With --out s3://bucket/prefix (Parquet unless --format ndjson), or
--format parquet, each batch becomes objects instead, one per log type and
event hour its records touch, named by the SHA-256 of the batch's body:

  OUT/p_log_type=Tailscale.Network/dt=YYYY-MM-DD/hour=HH/SHA256.parquet
  OUT/deadletter/dt=YYYY-MM-DD/hour=HH/SHA256.ndjson

S3 is configured the standard way (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL for S3-compatible services).

A batch is answered 2xx only once its rows are written and fsynced (or its
objects' PUTs have completed), and is stored all or nothing: when the
output cannot be written the answer is 503 and nothing of the batch stays
(objects already stored are deleted), so that Tailscale's retry stores it
once (a retry of a batch already stored is recognised and not stored twice;
object names make a retry rewrite the same objects). Bad
records go to the dead-letter file (with the reason and raw bytes; the first
--max-dead-letters of a request one by one, the rest summed up) and the batch
still succeeds. Bodies may be gzip or zstd (Content-Encoding), up to
--max-body after decompression. Memory is bounded by --max-inflight,
--max-concurrent, --max-body and --max-record (the bound is logged at start;
see docs/serve.md).

Without --token-file, a token is generated on the first start, stored in
OUT/token (mode 0600) and printed once; later starts reuse it. Tailscale
needs an HTTPS URL: give --tls-cert and --tls-key, or run behind a
TLS-terminating proxy (see docs/serve.md). SIGINT or SIGTERM stops accepting,
finishes the requests in flight and closes the files.`

const serveExamples = `  tslogs serve
  AWS_REGION=eu-west-1 tslogs serve --out s3://logs-bucket/tailscale --token-file /etc/tslogs/token
  tslogs serve --format parquet --out /var/lib/tslogs
  tslogs serve --listen :8443 --tls-cert cert.pem --tls-key key.pem --out /var/lib/tslogs
  tslogs serve --token-file /etc/tslogs/token --gzip-closed --host receiver-1
  curl -H "Authorization: Bearer $(tail -1 tslogs-data/token)" --data-binary @flows.log http://127.0.0.1:8080/`

func runServe(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveMain(ctx, args, stdout, stderr)
}

// serveMain runs the server until ctx is done.
func serveMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var (
		listen, out, tokenFile, certFile, keyFile, host, logLevel string
		format                                                    string
		maxBody, maxRecord, maxInflight, minRate, fileMode        string
		gzipClosed, logRequests                                   bool
		maxConcurrent, maxDeadLetters                             int
		readHeaderTimeout, readTimeout, writeTimeout, idleTimeout time.Duration
		shutdownTimeout, drainDelay, dedupe, minRateGrace         time.Duration
	)
	fs := newFlagSet("serve", "serve [--listen ADDR] [--out DIR|s3://bucket/prefix] [--format ndjson|parquet] [--token-file F] [--tls-cert F --tls-key F] [flags]",
		serveDesc, serveExamples, stderr)
	fs.StringVar(&listen, "listen", serve.DefaultListen, "address to listen on (host:port; \":8443\" for all interfaces)")
	fs.StringVar(&out, "out", serve.DefaultOutDir, "output directory, or s3://bucket/prefix (objects, acknowledged once stored)")
	fs.StringVar(&format, "format", "", "ndjson or parquet (objects per batch and partition); default: ndjson hourly files for a directory, parquet for s3://")
	fs.StringVar(&tokenFile, "token-file", "", "file with the accepted token(s), one per line, each of at least 16 characters (default: OUT/token, generated if missing)")
	fs.StringVar(&certFile, "tls-cert", "", "TLS certificate file (PEM, with the chain); serves HTTPS (reloaded when it changes)")
	fs.StringVar(&keyFile, "tls-key", "", "TLS private key file (PEM)")
	fs.StringVar(&host, "host", "", "name of this receiver in file names (default: the host name); unique per receiver sharing OUT")
	fs.BoolVar(&gzipClosed, "gzip-closed", false, "gzip files of past hours once closed")
	fs.StringVar(&fileMode, "file-mode", "0640", "mode of new files, in octal; directories get it with x wherever r is (0640: 0750); the umask applies")
	fs.StringVar(&maxBody, "max-body", "4MiB", "largest request body after decompression (413 beyond)")
	fs.StringVar(&maxRecord, "max-record", "512KiB", "largest record (a larger one goes to the dead-letter file); bounds the memory of decoding one")
	fs.StringVar(&maxInflight, "max-inflight", "64MiB", "memory for request bodies being received or waiting to be parsed (503 with Retry-After beyond)")
	fs.IntVar(&maxConcurrent, "max-concurrent", serve.DefaultMaxConcurrent(), "requests parsed and stored at once (others wait, their bodies counted in --max-inflight); default: the number of CPUs, at least 2")
	fs.IntVar(&maxDeadLetters, "max-dead-letters", serve.DefaultMaxDeadLetters, "bad records of one request written to the dead-letter file one by one; the rest get one summary line")
	fs.StringVar(&minRate, "min-body-rate", "64KiB", "slowest a body may arrive, per second, after --min-body-rate-grace (408 beyond); 0: no minimum")
	fs.DurationVar(&minRateGrace, "min-body-rate-grace", serve.DefaultMinBodyRateGrace, "time a body may take before --min-body-rate applies")
	fs.DurationVar(&dedupe, "dedupe", serve.DefaultDedupe, "how long a stored body is remembered, so that a retry of it is acknowledged without being stored twice; 0: never")
	fs.DurationVar(&readHeaderTimeout, "read-header-timeout", serve.DefaultReadHeaderTimeout, "time to read a request's headers")
	fs.DurationVar(&readTimeout, "read-timeout", serve.DefaultReadTimeout, "time to read a whole request")
	fs.DurationVar(&writeTimeout, "write-timeout", serve.DefaultWriteTimeout, "time from the end of the headers to the end of the reply")
	fs.DurationVar(&idleTimeout, "idle-timeout", serve.DefaultIdleTimeout, "time a keep-alive connection may stay idle")
	fs.DurationVar(&drainDelay, "drain-delay", serve.DefaultDrainDelay, "on SIGINT/SIGTERM, time the listener keeps accepting, answering 503 to health checks and new batches; 0: none")
	fs.DurationVar(&shutdownTimeout, "shutdown-timeout", serve.DefaultShutdownTimeout, "time given to requests in flight on SIGINT/SIGTERM")
	fs.BoolVar(&logRequests, "log-requests", false, "log every ingest request (never its credentials)")
	fs.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	files, exit, ok := parseFlags(fs, args)
	if !ok {
		return exit
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "tslogs serve: "+format+"\n", a...)
		return exitUsage
	}
	if len(files) > 0 {
		return fail("unexpected argument %q", files[0])
	}
	sizes := map[string]*string{"--max-body": &maxBody, "--max-record": &maxRecord, "--max-inflight": &maxInflight}
	n := map[string]int64{}
	for name, v := range sizes {
		size, err := parseSize(*v)
		if err != nil {
			return fail("%s: %v", name, err)
		}
		n[name] = size
	}
	var rate int64 = -1
	if minRate != "0" {
		var err error
		if rate, err = parseSize(minRate); err != nil {
			return fail("--min-body-rate: %v (or 0 for no minimum)", err)
		}
	}
	if maxConcurrent < 1 {
		return fail("--max-concurrent must be at least 1, not %d", maxConcurrent)
	}
	if maxDeadLetters < 1 {
		return fail("--max-dead-letters must be at least 1, not %d", maxDeadLetters)
	}
	for name, d := range map[string]time.Duration{"--read-header-timeout": readHeaderTimeout, "--read-timeout": readTimeout,
		"--write-timeout": writeTimeout, "--idle-timeout": idleTimeout, "--shutdown-timeout": shutdownTimeout} {
		if d <= 0 {
			return fail("%s must be positive, not %v", name, d)
		}
	}
	for name, d := range map[string]time.Duration{"--drain-delay": drainDelay, "--dedupe": dedupe, "--min-body-rate-grace": minRateGrace} {
		if d < 0 {
			return fail("%s must not be negative (0 turns it off)", name)
		}
	}
	mode, err := strconv.ParseUint(fileMode, 8, 32)
	if err != nil || mode > 0o777 || mode&0o600 != 0o600 {
		return fail("--file-mode: %q is not an octal mode that lets the receiver read and write its files (like 0640)", fileMode)
	}
	if (certFile == "") != (keyFile == "") {
		return fail("--tls-cert and --tls-key go together")
	}
	// Files that cannot be read are found before a token is generated
	// for a receiver that would not run.
	for _, f := range []struct{ flag, path string }{{"--tls-cert", certFile}, {"--tls-key", keyFile}} {
		if f.path == "" {
			continue
		}
		r, err := os.Open(f.path)
		if err != nil {
			return fail("%s: %v", f.flag, err)
		}
		r.Close()
	}
	if listen == "" {
		// net.Listen would take every interface, on a random port.
		return fail("--listen: give host:port (default %s; \":8443\" for every interface)", serve.DefaultListen)
	}
	objects := objstore.IsS3(out)
	switch format {
	case "":
		format = serve.FormatNDJSON
		if objects {
			format = serve.FormatParquet
		}
	case serve.FormatParquet:
		objects = true
	case serve.FormatNDJSON:
	default:
		return fail("--format: %q is neither ndjson nor parquet", format)
	}
	if !objstore.IsS3(out) {
		// A directory, made if missing.
		st, err := os.Stat(out)
		switch {
		case err == nil && !st.IsDir():
			return fail("--out: %s is not a directory", out)
		case err != nil && !errors.Is(err, os.ErrNotExist):
			return fail("--out: %v", err)
		}
	}
	if objstore.IsS3(out) && tokenFile == "" {
		return fail("with --out s3://, give the token(s) in --token-file (there is no local directory to keep a generated one)")
	}
	if objects && gzipClosed {
		return fail("--gzip-closed is for hourly NDJSON files; objects are written whole (Parquet pages are zstd-compressed)")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fail("--log-level: %v", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	// Listen first: a token is generated (and shown) only for a receiver
	// that can run.
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fail("%v", err)
	}
	defer ln.Close()

	var tokens []string
	var warn, tokPath string
	var created bool
	if tokenFile != "" {
		tokens, warn, err = serve.ReadTokenFile(tokenFile)
		if err != nil {
			return fail("--token-file: %v", err)
		}
	} else {
		tokens, tokPath, created, warn, err = serve.LoadOrCreateToken(out)
		if err != nil {
			return fail("token: %v", err)
		}
	}
	if warn != "" {
		log.Warn(warn)
	}
	var store objstore.Store
	if objects {
		if objstore.IsS3(out) {
			store, err = objstore.OpenS3(ctx, out)
		} else {
			store, err = objstore.OpenDir(out, os.FileMode(mode))
		}
		if err != nil {
			return fail("--out: %v", err)
		}
	}
	orOff := func(d time.Duration) time.Duration {
		if d == 0 {
			return -1
		}
		return d
	}
	cfg := serve.Config{
		Tokens: tokens, OutDir: out, Host: host, GzipClosed: gzipClosed, FileMode: os.FileMode(mode),
		TLSCert: certFile, TLSKey: keyFile,
		MaxBodyBytes: n["--max-body"], MaxRecordBytes: int(min(n["--max-record"], 1<<30)), MaxInflightBytes: n["--max-inflight"],
		MaxConcurrent: maxConcurrent, MaxDeadLetters: maxDeadLetters,
		MinBodyRate: rate, MinBodyRateGrace: minRateGrace, Dedupe: orOff(dedupe),
		ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout, WriteTimeout: writeTimeout,
		IdleTimeout: idleTimeout, ShutdownTimeout: shutdownTimeout, DrainDelay: orOff(drainDelay),
		Logger: log, LogRequests: logRequests,
		Objects: store, ObjectFormat: format,
	}
	srv, err := serve.New(cfg)
	if err != nil {
		if created {
			fmt.Fprintf(stderr, "tslogs serve: a new token was stored in %s (not shown: read it there)\n", tokPath)
		}
		return fail("%v", err)
	}
	if created {
		_, err := fmt.Fprintf(stdout, "Generated a token and stored it in %s (mode 0600). It is shown only this once:\n\n    %s\n\n"+
			"Give it to Tailscale as the Panther destination's token (Bearer) or the Splunk destination's token.\n",
			tokPath, tokens[0])
		if err != nil {
			log.Warn("the generated token could not be shown: read it in its file", "file", tokPath, "err", err)
		}
	} else if tokPath != "" {
		fmt.Fprintf(stdout, "Using the token in %s\n", tokPath)
	}
	scheme := "http"
	if srv.TLS() {
		scheme = "https"
	}
	if store != nil {
		fmt.Fprintf(stdout, "Writing %s objects to %s, each batch acknowledged once stored\n", format, store)
	} else {
		abs, _ := filepath.Abs(out)
		fmt.Fprintf(stdout, "Writing rows to %s as host %q\n", abs, srv.Sink().Host())
	}
	fmt.Fprintf(stdout, "Listening on %s://%s (Panther: POST /, Splunk: POST /services/collector/event)\n", scheme, ln.Addr())
	if f, ok := stdout.(*os.File); ok {
		f.Sync()
	}
	// The memory the limits allow is also the garbage collector's target,
	// so that the heap's slack stays within it (unless GOMEMLIMIT says
	// otherwise).
	bound := serve.MemoryBound(cfg)
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(bound)
	}
	log.Info("memory bound (--max-inflight + --max-concurrent × per-request bound; see docs/serve.md)", "MiB", bound>>20)
	if err := srv.Serve(ctx, ln); err != nil {
		log.Error("serve", "err", err)
		return exitUsage
	}
	log.Info("stopped; every acknowledged batch is stored")
	return exitOK
}

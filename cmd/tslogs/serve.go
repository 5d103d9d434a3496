package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
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
  GET  /healthz                   200 when serving and the last write succeeded
  GET  /metrics                   Prometheus metrics

With --out s3://bucket/prefix (or --format parquet), each batch becomes
objects, one per log type and event hour, named by the SHA-256 of the
batch (a retry overwrites them with the same records):

  PREFIX/p_log_type=Tailscale.Network/dt=YYYY-MM-DD/hour=HH/SHA256.parquet

A batch is answered 2xx only once its rows are written and fsynced (or
every object PUT has completed); when the
output cannot be written the answer is 503, so that Tailscale retries. Bad
records go to the dead-letter file (with the reason and raw bytes) and the
batch still succeeds. Bodies may be gzip or zstd (Content-Encoding), up to
--max-body after decompression.

Without --token-file, a token is generated on the first start, stored in
OUT/token (mode 0600) and printed once; later starts reuse it. Tailscale
needs an HTTPS URL: give --tls-cert and --tls-key, or run behind a
TLS-terminating proxy (see docs/serve.md). SIGINT or SIGTERM stops accepting,
finishes the requests in flight and closes the files.`

const serveExamples = `  tslogs serve
  tslogs serve --out s3://logs-bucket/tailscale --token-file /etc/tslogs/token   # Parquet objects; AWS_* configuration
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
		listen, out, tokenFile, certFile, keyFile, host, maxBody, logLevel string
		format                                                             string
		gzipClosed, logRequests                                            bool
		maxConcurrent                                                      int
		readHeaderTimeout, readTimeout, writeTimeout, idleTimeout          time.Duration
		shutdownTimeout                                                    time.Duration
	)
	fs := newFlagSet("serve", "serve [--listen ADDR] [--out DIR] [--token-file F] [--tls-cert F --tls-key F] [flags]",
		serveDesc, serveExamples, stderr)
	fs.StringVar(&listen, "listen", serve.DefaultListen, "address to listen on (host:port; \":8443\" for all interfaces)")
	fs.StringVar(&out, "out", serve.DefaultOutDir, "output directory, or s3://bucket/prefix (objects acknowledged once stored)")
	fs.StringVar(&format, "format", "", "ndjson (hourly files; with s3://, objects) or parquet (objects per batch); default ndjson for a directory, parquet for s3://")
	fs.StringVar(&tokenFile, "token-file", "", "file with the accepted token(s), one per line (default: OUT/token, generated if missing)")
	fs.StringVar(&certFile, "tls-cert", "", "TLS certificate file (PEM, with the chain); serves HTTPS (reloaded when it changes)")
	fs.StringVar(&keyFile, "tls-key", "", "TLS private key file (PEM)")
	fs.StringVar(&host, "host", "", "name of this receiver in file names (default: the host name); unique per receiver sharing OUT")
	fs.BoolVar(&gzipClosed, "gzip-closed", false, "gzip files of past hours once closed")
	fs.StringVar(&maxBody, "max-body", "4MiB", "largest request body after decompression (413 beyond)")
	fs.IntVar(&maxConcurrent, "max-concurrent", serve.DefaultMaxConcurrent, "ingest requests processed at once (503 with Retry-After beyond)")
	fs.DurationVar(&readHeaderTimeout, "read-header-timeout", serve.DefaultReadHeaderTimeout, "time to read a request's headers")
	fs.DurationVar(&readTimeout, "read-timeout", serve.DefaultReadTimeout, "time to read a whole request")
	fs.DurationVar(&writeTimeout, "write-timeout", serve.DefaultWriteTimeout, "time from the end of the headers to the end of the reply")
	fs.DurationVar(&idleTimeout, "idle-timeout", serve.DefaultIdleTimeout, "time a keep-alive connection may stay idle")
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
	limit, err := parseSize(maxBody)
	if err != nil {
		return fail("--max-body: %v", err)
	}
	if (certFile == "") != (keyFile == "") {
		return fail("--tls-cert and --tls-key go together")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fail("--log-level: %v", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	var objects objstore.Store
	if format == "" {
		format = serve.FormatNDJSON
		if objstore.IsS3(out) {
			format = serve.FormatParquet
		}
	}
	if format != serve.FormatNDJSON && format != serve.FormatParquet {
		return fail("--format: %q is neither ndjson nor parquet", format)
	}
	if objstore.IsS3(out) || format == serve.FormatParquet {
		if objstore.IsS3(out) && tokenFile == "" {
			return fail("with --out s3://, give the token(s) in --token-file (there is no local directory to keep a generated one)")
		}
		objects, err = objstore.Open(ctx, out, true)
		if err != nil {
			return fail("--out: %v", err)
		}
	}

	var tokens []string
	var warn string
	if tokenFile != "" {
		tokens, warn, err = serve.ReadTokenFile(tokenFile)
		if err != nil {
			return fail("--token-file: %v", err)
		}
	} else {
		var path string
		var created bool
		tokens, path, created, warn, err = serve.LoadOrCreateToken(out)
		if err != nil {
			return fail("token: %v", err)
		}
		if created {
			fmt.Fprintf(stdout, "Generated a token and stored it in %s (mode 0600). It is shown only this once:\n\n    %s\n\n"+
				"Give it to Tailscale as the Panther destination's token (Bearer) or the Splunk destination's token.\n",
				path, tokens[0])
		} else {
			fmt.Fprintf(stdout, "Using the token in %s\n", path)
		}
	}
	if warn != "" {
		log.Warn(warn)
	}

	srv, err := serve.New(serve.Config{
		Tokens: tokens, OutDir: out, Host: host, GzipClosed: gzipClosed,
		TLSCert: certFile, TLSKey: keyFile,
		MaxBodyBytes: limit, MaxConcurrent: maxConcurrent,
		ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout, WriteTimeout: writeTimeout,
		IdleTimeout: idleTimeout, ShutdownTimeout: shutdownTimeout,
		Logger: log, LogRequests: logRequests,
		Objects: objects, Format: format,
	})
	if err != nil {
		return fail("%v", err)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		srv.Close()
		return fail("%v", err)
	}
	scheme := "http"
	if srv.TLS() {
		scheme = "https"
	}
	if objects != nil {
		fmt.Fprintf(stdout, "Writing %s objects to %s, each batch acknowledged once stored\n", format, objects)
	} else {
		abs, _ := filepath.Abs(out)
		fmt.Fprintf(stdout, "Writing rows to %s as host %q\n", abs, srv.Sink().Host())
	}
	fmt.Fprintf(stdout, "Listening on %s://%s (Panther: POST /, Splunk: POST /services/collector/event)\n", scheme, ln.Addr())
	if f, ok := stdout.(*os.File); ok {
		f.Sync()
	}
	if err := srv.Serve(ctx, ln); err != nil {
		log.Error("serve", "err", err)
		return exitUsage
	}
	log.Info("stopped; every acknowledged batch is on disk")
	return exitOK
}

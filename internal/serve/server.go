package serve

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tslogs/tslogs/internal/objstore"
	"github.com/tslogs/tslogs/tailscale"
)

// Defaults of Config.
const (
	DefaultListen            = "127.0.0.1:8080"
	DefaultOutDir            = "tslogs-data"
	DefaultMaxBodyBytes      = 4 << 20
	DefaultMaxConcurrent     = 32
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = time.Minute
	DefaultWriteTimeout      = 2 * time.Minute
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultShutdownTimeout   = 30 * time.Second
)

// Config configures a Server. Zero values mean the defaults above.
type Config struct {
	// Tokens are the accepted tokens (at least one).
	Tokens []string
	// Sink options: output directory, host name, compression of closed files.
	OutDir     string
	Host       string
	GzipClosed bool
	// TLSCert and TLSKey, when set, make Serve speak HTTPS. The files are
	// read again when they change (checked at most every 10 s), so renewed
	// certificates are picked up without a restart.
	TLSCert, TLSKey string
	// MaxBodyBytes bounds a request body after decompression (413 beyond).
	MaxBodyBytes int64
	// MaxConcurrent bounds the ingest requests processed at once; more are
	// answered 503 with Retry-After.
	MaxConcurrent int
	// Timeouts of the HTTP server, and of the graceful shutdown.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout, ShutdownTimeout time.Duration
	// Logger gets the server's log (slog.Default when nil). Tokens are never
	// logged.
	Logger *slog.Logger
	// LogRequests logs every ingest request.
	LogRequests bool
	// Now is the clock for the sink and parse times (time.Now when nil).
	Now func() time.Time
	// Objects, when set, replaces the hourly files of OutDir: each batch
	// is stored as objects (one per partition it touches) in Format
	// (FormatParquet or FormatNDJSON), acknowledged once every PUT has
	// completed (see objects.go).
	Objects objstore.Store
	Format  string
}

var errObjectsFailed = errors.New("the last batch could not be stored")

// Server receives log streams over HTTP and stores them in a Sink.
type Server struct {
	cfg     Config
	log     *slog.Logger
	auth    *authenticator
	sink    *Sink
	metrics *Metrics
	sem     chan struct{}
	pool    sync.Pool
	certs   *certReloader

	draining      atomic.Bool
	objectsFailed atomic.Bool // the last object batch failed

	mux http.Handler
}

// New opens the sink and returns a Server. Close it (or run Serve, which
// closes it on return).
func New(cfg Config) (*Server, error) {
	if cfg.OutDir == "" {
		cfg.OutDir = DefaultOutDir
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = DefaultMaxConcurrent
	}
	setDefault(&cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDefault(&cfg.ReadTimeout, DefaultReadTimeout)
	setDefault(&cfg.WriteTimeout, DefaultWriteTimeout)
	setDefault(&cfg.IdleTimeout, DefaultIdleTimeout)
	setDefault(&cfg.ShutdownTimeout, DefaultShutdownTimeout)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Host == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("host name: %w (set one)", err)
		}
		cfg.Host = h
	}
	auth, err := newAuthenticator(cfg.Tokens)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:     cfg,
		log:     cfg.Logger,
		auth:    auth,
		metrics: NewMetrics(),
		sem:     make(chan struct{}, cfg.MaxConcurrent),
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, errors.New("TLS needs both a certificate and a key file")
	}
	if cfg.TLSCert != "" {
		s.certs, err = newCertReloader(cfg.TLSCert, cfg.TLSKey, cfg.Logger)
		if err != nil {
			return nil, err
		}
	}
	if cfg.Objects == nil {
		s.sink, err = OpenSink(SinkOptions{
			Dir: cfg.OutDir, Host: cfg.Host, GzipClosed: cfg.GzipClosed,
			Now: cfg.Now, Logger: cfg.Logger, Metrics: s.metrics,
		})
		if err != nil {
			return nil, err
		}
	} else if cfg.Format != FormatParquet && cfg.Format != FormatNDJSON {
		return nil, fmt.Errorf("unknown output format %q", cfg.Format)
	}
	s.pool.New = func() any { return s.newState() }
	s.mux = s.routes()
	return s, nil
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Sink returns the server's sink.
func (s *Server) Sink() *Sink { return s.sink }

// Metrics returns the server's metrics.
func (s *Server) Metrics() *Metrics { return s.metrics }

// TLS reports whether Serve speaks HTTPS.
func (s *Server) TLS() bool { return s.certs != nil }

// Close closes the sink. Serve calls it on return.
func (s *Server) Close() error {
	if s.sink == nil {
		return nil
	}
	return s.sink.Close()
}

// Serve serves HTTP (HTTPS with TLS files) on ln until ctx is done, then
// shuts down gracefully: it stops accepting connections, lets the requests in
// flight finish (their batches are written and fsynced and answered), waits
// at most ShutdownTimeout for them, and closes the sink. It returns nil after
// a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	if s.certs != nil {
		hs.TLSConfig = &tls.Config{
			MinVersion:     tls.VersionTLS12,
			GetCertificate: s.certs.get,
		}
	}
	errc := make(chan error, 1)
	go func() {
		if s.certs != nil {
			errc <- hs.ServeTLS(ln, "", "")
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	s.draining.Store(true)
	if serveErr == nil {
		s.log.Info("shutting down: no new connections; finishing the requests in flight")
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		s.log.Warn("requests still in flight at the shutdown timeout; closing their connections", "err", err)
		hs.Close()
	}
	// Wait for handlers still writing to the sink (after a forced close):
	// taking every slot of the semaphore means none is left running.
	deadline := time.NewTimer(s.cfg.ShutdownTimeout)
	defer deadline.Stop()
	for range cap(s.sem) {
		select {
		case s.sem <- struct{}{}:
		case <-deadline.C:
			s.log.Error("ingest requests did not finish; closing the sink under them")
			goto closeSink
		}
	}
closeSink:
	err := s.Close()
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}

// reqState is the reusable per-request memory: a reader, row metadata and
// the row buffers.
type reqState struct {
	reader  *tailscale.Reader
	meta    tailscale.RowMeta
	network []byte
	audit   []byte
	dead    []byte
	batch   *objBatch // with Config.Objects
}

func (s *Server) newState() *reqState {
	var b [8]byte
	_, _ = rand.Read(b[:])
	st := &reqState{
		reader: tailscale.NewReader(nil, tailscale.ReaderOptions{
			MaxRecordSize:   int(min(s.cfg.MaxBodyBytes, tailscale.DefaultMaxRecordSize)),
			MaxDecompressed: s.cfg.MaxBodyBytes,
		}),
		meta: tailscale.RowMeta{RowIDPrefix: hex.EncodeToString(b[:]) + "-"},
	}
	if s.cfg.Objects != nil {
		st.batch = newObjBatch(s.cfg.Format)
	}
	return st
}

func (s *Server) getState() *reqState { return s.pool.Get().(*reqState) }

func (s *Server) putState(st *reqState) {
	st.reader.Reset(nil)
	const keep = 8 << 20 // do not keep the memory of rare huge bodies
	if cap(st.network) > keep || cap(st.audit) > keep || cap(st.dead) > keep {
		return
	}
	st.network, st.audit, st.dead = st.network[:0], st.audit[:0], st.dead[:0]
	s.pool.Put(st)
}

// certReloader serves a certificate from files, reloading them when they
// change.
type certReloader struct {
	certFile, keyFile string
	log               *slog.Logger

	mu        sync.Mutex
	cert      *tls.Certificate
	certMod   time.Time
	keyMod    time.Time
	lastCheck time.Time
}

func newCertReloader(certFile, keyFile string, log *slog.Logger) (*certReloader, error) {
	c := &certReloader{certFile: certFile, keyFile: keyFile, log: log}
	if err := c.load(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *certReloader) load() error {
	cs, err := os.Stat(c.certFile)
	if err != nil {
		return err
	}
	ks, err := os.Stat(c.keyFile)
	if err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return err
	}
	c.cert, c.certMod, c.keyMod = &cert, cs.ModTime(), ks.ModTime()
	return nil
}

func (c *certReloader) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := time.Now(); now.Sub(c.lastCheck) > 10*time.Second {
		c.lastCheck = now
		cs, err1 := os.Stat(c.certFile)
		ks, err2 := os.Stat(c.keyFile)
		if err1 == nil && err2 == nil && (!cs.ModTime().Equal(c.certMod) || !ks.ModTime().Equal(c.keyMod)) {
			old := c.cert
			if err := c.load(); err != nil {
				c.cert = old
				c.log.Error("reloading the TLS certificate (keeping the old one)", "err", err)
			} else {
				c.log.Info("reloaded the TLS certificate", "cert", c.certFile)
			}
		}
	}
	return c.cert, nil
}

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
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/tslogs/tslogs/internal/objstore"
	"github.com/tslogs/tslogs/tailscale"
)

// Defaults of Config.
const (
	DefaultListen            = "127.0.0.1:8080"
	DefaultOutDir            = "tslogs-data"
	DefaultMaxBodyBytes      = 4 << 20
	DefaultMaxRecordBytes    = 512 << 10
	DefaultMaxInflightBytes  = 64 << 20
	DefaultMaxDeadLetters    = 100
	DefaultMinBodyRate       = 64 << 10
	DefaultMinBodyRateGrace  = 5 * time.Second
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = time.Minute
	DefaultWriteTimeout      = 2 * time.Minute
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultShutdownTimeout   = 30 * time.Second
	DefaultDrainDelay        = 5 * time.Second

	// MinTokenLength is the shortest token accepted. Generated tokens have
	// 43 characters.
	MinTokenLength = 16
	// rowsPerBodyByte bounds the rows a body may make: at most this many
	// times MaxBodyBytes (413 beyond). Tailscale's records make rows 1.5 to
	// 1.7 times their size.
	rowsPerBodyByte = 3
)

// Memory accounting (see MemoryBound and docs/serve.md).
const (
	// decodePerRecordByte bounds what decoding a record holds per byte of
	// it: the worst is a network record of empty traffic entries, each
	// "{}," (3 bytes) decoded into a 144-byte struct, in a slice that grows
	// by copying (old and new arrays both live meanwhile: 2.25 times the
	// final size), 108 bytes per byte.
	decodePerRecordByte = 110
	// baseMemory is the process's own: runtime, metrics, TLS, up to
	// DefaultMaxBatchIDs remembered body digests (about 20 MiB at most), and
	// the buffers of up to a thousand open connections (about 16 KiB each).
	baseMemory = 48 << 20
)

// MemoryBound returns the most memory, in bytes, that the receiver needs
// with cfg's limits (after defaults), whatever the bodies hold:
//
//	baseMemory + MaxInflightBytes + MaxConcurrent × per-request memory
//
// where a request being parsed holds at most: decoding one record
// (110 × MaxRecordBytes, plus its buffer and copy, 3 × MaxRecordBytes);
// its rows (3 × MaxBodyBytes, half as much again while the buffer grows);
// its dead-letter lines (4/3 × MaxBodyBytes + (MaxDeadLetters + 1) × 2,448
// bytes); the rest of the body for the summary line (MaxBodyBytes); and two
// zstd decoders (a window of max(8 MiB, MaxBodyBytes) and 2 MiB each).
func MemoryBound(cfg Config) int64 {
	cfg.defaults()
	b, r := cfg.MaxBodyBytes, int64(cfg.MaxRecordBytes)
	zstd := zstdWindow(b) + 2<<20
	slot := decodePerRecordByte*r + 3*r + 64<<10 +
		rowsPerBodyByte*b*3/2 +
		b*4/3 + int64(cfg.MaxDeadLetters+1)*maxDeadLetterOverhead +
		b +
		2*zstd
	if cfg.Store == nil && cfg.Objects != nil {
		slot += objectSlotMemory(cfg)
	}
	return baseMemory + cfg.MaxInflightBytes + int64(cfg.MaxConcurrent)*slot
}

// zstdWindow is the largest zstd window a body may use: what it can need
// below the size limit, at least 8 MiB (what common encoders use).
func zstdWindow(maxBody int64) int64 { return max(8<<20, maxBody) }

// DefaultMaxConcurrent is the number of requests parsed at once by default:
// one per CPU (parsing is CPU-bound), at least 2.
func DefaultMaxConcurrent() int { return max(2, runtime.GOMAXPROCS(0)) }

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
	// FileMode is the mode of new output files (0640 when 0); directories
	// get it with x wherever r is (0750).
	FileMode os.FileMode
	// MaxBodyBytes bounds a request body after decompression (413 beyond).
	MaxBodyBytes int64
	// MaxRecordBytes bounds one record (a larger one is a bad record),
	// which bounds the memory of decoding it.
	MaxRecordBytes int
	// MaxInflightBytes bounds the memory held by request bodies being
	// received or waiting to be parsed: a request that would pass it gets
	// 503 with Retry-After.
	MaxInflightBytes int64
	// MaxConcurrent bounds the requests parsed and stored at once (each
	// from the end of its body to its reply); others wait, their bodies
	// counted in MaxInflightBytes.
	MaxConcurrent int
	// MaxDeadLetters is how many bad records of one request get a
	// dead-letter line each; the rest get one summary line.
	MaxDeadLetters int
	// MinBodyRate, in bytes per second, is the slowest a body may arrive
	// once MinBodyRateGrace has passed since the headers: a sender that
	// falls behind is cut off (408). Negative: no minimum.
	MinBodyRate      int64
	MinBodyRateGrace time.Duration
	// Dedupe is how long the digests of stored bodies are remembered, so
	// that a retried body is acknowledged without being stored twice
	// (DefaultDedupe when 0; negative: never).
	Dedupe time.Duration
	// Timeouts of the HTTP server, and of the graceful shutdown.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout, ShutdownTimeout time.Duration
	// DrainDelay is how long the listener keeps accepting after the
	// shutdown began, answering 503 to health checks and new batches, so
	// that load balancers see the receiver leave (negative: none).
	DrainDelay time.Duration
	// Logger gets the server's log (slog.Default when nil). Tokens are never
	// logged.
	Logger *slog.Logger
	// LogRequests logs every ingest request.
	LogRequests bool
	// Now is the clock for the sink and parse times (time.Now when nil).
	Now func() time.Time
	// Store, when set, stores the batches instead of a Sink on OutDir.
	Store Store
	// Objects, when set (and Store is not), stores each batch as objects
	// there instead (an ObjectStore: Parquet, or NDJSON with ObjectFormat
	// FormatNDJSON), acknowledged once they are stored.
	Objects      objstore.Store
	ObjectFormat string
	// Inject is SinkOptions.Inject, for tests.
	Inject func(op, kind string) error
}

// Server receives log streams over HTTP and stores them in a Store (a
// Sink by default).
type Server struct {
	cfg     Config
	log     *slog.Logger
	auth    *authenticator
	store   Store
	sink    *Sink // the store, when it is a Sink
	metrics *Metrics
	slots   chan struct{}
	budget  *budget
	claims  batchClaims
	pool    sync.Pool
	certs   *certReloader

	draining atomic.Bool

	mux http.Handler
}

// New opens the sink and returns a Server. Close it (or run Serve, which
// closes it on return).
func New(cfg Config) (*Server, error) {
	cfg.defaults()
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
		slots:   make(chan struct{}, cfg.MaxConcurrent),
	}
	s.budget = newBudget(cfg.MaxInflightBytes, s.metrics.inflightBytes)
	return s.open()
}

// defaults fills in the defaults of unset fields.
func (cfg *Config) defaults() {
	if cfg.OutDir == "" {
		cfg.OutDir = DefaultOutDir
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxRecordBytes <= 0 {
		cfg.MaxRecordBytes = DefaultMaxRecordBytes
	}
	cfg.MaxRecordBytes = int(min(int64(cfg.MaxRecordBytes), cfg.MaxBodyBytes))
	if cfg.MaxInflightBytes <= 0 {
		cfg.MaxInflightBytes = DefaultMaxInflightBytes
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = DefaultMaxConcurrent()
	}
	if cfg.MaxDeadLetters <= 0 {
		cfg.MaxDeadLetters = DefaultMaxDeadLetters
	}
	if cfg.MinBodyRate == 0 {
		cfg.MinBodyRate = DefaultMinBodyRate
	}
	setDefault(&cfg.MinBodyRateGrace, DefaultMinBodyRateGrace)
	if cfg.DrainDelay == 0 {
		cfg.DrainDelay = DefaultDrainDelay
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
}

// open sets up TLS and the store.
func (s *Server) open() (*Server, error) {
	cfg := s.cfg
	var err error
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, errors.New("TLS needs both a certificate and a key file")
	}
	if cfg.TLSCert != "" {
		s.certs, err = newCertReloader(cfg.TLSCert, cfg.TLSKey, cfg.Logger)
		if err != nil {
			return nil, err
		}
	}
	s.store = cfg.Store
	if s.store == nil && cfg.Objects != nil {
		s.store, err = OpenObjectStore(ObjectStoreOptions{
			Store: cfg.Objects, Format: cfg.ObjectFormat, Host: cfg.Host, Dedupe: cfg.Dedupe,
			MaxRecordBytes: cfg.MaxRecordBytes, Now: cfg.Now, Logger: cfg.Logger, Metrics: s.metrics,
		})
		if err != nil {
			return nil, err
		}
	}
	if s.store == nil {
		s.sink, err = OpenSink(SinkOptions{
			Dir: cfg.OutDir, Host: cfg.Host, GzipClosed: cfg.GzipClosed, FileMode: cfg.FileMode,
			Dedupe: cfg.Dedupe, Now: cfg.Now, Logger: cfg.Logger, Metrics: s.metrics, Inject: cfg.Inject,
		})
		if err != nil {
			return nil, err
		}
		s.store = s.sink
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

// Sink returns the server's sink (nil with Config.Store).
func (s *Server) Sink() *Sink { return s.sink }

// Metrics returns the server's metrics.
func (s *Server) Metrics() *Metrics { return s.metrics }

// TLS reports whether Serve speaks HTTPS.
func (s *Server) TLS() bool { return s.certs != nil }

// Close closes the store. Serve calls it on return.
func (s *Server) Close() error { return s.store.Close() }

// Serve serves HTTP (HTTPS with TLS files) on ln until ctx is done, then
// shuts down gracefully: for DrainDelay it keeps accepting connections but
// answers 503 to health checks and new batches (so that a load balancer
// sees the receiver leave), then it stops accepting, lets the requests in
// flight finish (their batches are written and fsynced and answered), waits
// at most ShutdownTimeout for them, and closes the store. It returns nil
// after a clean shutdown.
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
	if serveErr == nil && s.cfg.DrainDelay > 0 {
		s.log.Info("shutting down: answering 503 to health checks and new batches", "for", s.cfg.DrainDelay)
		t := time.NewTimer(s.cfg.DrainDelay)
		select {
		case <-t.C:
		case serveErr = <-errc:
		}
		t.Stop()
	}
	if serveErr == nil {
		s.log.Info("shutting down: no new connections; finishing the requests in flight")
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		s.log.Warn("requests still in flight at the shutdown timeout; closing their connections", "err", err)
		hs.Close()
	}
	// Wait for handlers still storing (after a forced close): taking every
	// slot means none is left running. (Close commits what is queued.)
	deadline := time.NewTimer(s.cfg.ShutdownTimeout)
	defer deadline.Stop()
	for range cap(s.slots) {
		select {
		case s.slots <- struct{}{}:
		case <-deadline.C:
			s.log.Error("ingest requests did not finish; closing the store under them")
			goto closeStore
		}
	}
closeStore:
	err := s.store.Close()
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}

// reqState is the reusable memory of parsing one request: a reader, its
// decompressors, row metadata and the row buffers. At most MaxConcurrent
// are in use at once.
type reqState struct {
	reader *tailscale.Reader
	meta   tailscale.RowMeta
	gz     *gzip.Reader
	zd     *zstd.Decoder
	enc    Encoder
	dead   []byte
	maxRec int // largest record of the request
}

func (s *Server) newState() *reqState {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &reqState{
		reader: tailscale.NewReader(nil, tailscale.ReaderOptions{
			MaxRecordSize:   s.cfg.MaxRecordBytes,
			MaxDecompressed: s.cfg.MaxBodyBytes,
			MaxZstdWindow:   int(zstdWindow(s.cfg.MaxBodyBytes)),
		}),
		meta: tailscale.RowMeta{RowIDPrefix: hex.EncodeToString(b[:]) + "-"},
		enc:  s.newEncoder(),
	}
}

// newEncoder returns the store's encoder, or the Sink's (NDJSON rows by
// kind).
func (s *Server) newEncoder() Encoder {
	maxRows := rowsPerBodyByte * int(s.cfg.MaxBodyBytes)
	if es, ok := s.store.(EncodingStore); ok {
		return es.NewEncoder(maxRows)
	}
	return &ndjsonEncoder{maxRows: maxRows}
}

func (s *Server) getState() *reqState { return s.pool.Get().(*reqState) }

// keepState bounds what the pool keeps: the memory of a state that parsed
// a large body or record (row buffers, a decoded value's grown slices) is
// left to the garbage collector.
const keepState = 1 << 20

func (s *Server) putState(st *reqState) {
	st.reader.Reset(nil)
	if !st.enc.Reset() || cap(st.dead) > keepState || st.maxRec > 64<<10 {
		if st.zd != nil {
			st.zd.Close()
		}
		return
	}
	st.dead, st.maxRec = st.dead[:0], 0
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

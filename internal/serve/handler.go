package serve

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/tslogs/tslogs/internal/stream"
	"github.com/tslogs/tslogs/jlex"
	"github.com/tslogs/tslogs/tailscale"
)

// Endpoint labels of the request metrics.
const (
	epPanther = "panther"
	epSplunk  = "splunk"
	epHealth  = "health"
	epMetrics = "metrics"
	epOther   = "other"
)

// Splunk HEC status codes (the "code" member of HEC replies).
const (
	hecSuccess       = 0
	hecTokenRequired = 2
	hecInvalidToken  = 4
	hecNoData        = 5
	hecInvalidData   = 6
	hecServerBusy    = 9
	hecHealthy       = 17
)

func (s *Server) routes() http.Handler {
	metrics := promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		ep := epOther
		switch p := strings.TrimSuffix(r.URL.Path, "/"); p {
		case "", "/v1/ingest":
			ep = epPanther
			s.ingest(sw, r, false)
		case "/services/collector", "/services/collector/event", "/services/collector/raw",
			"/services/collector/1.0", "/services/collector/event/1.0", "/services/collector/raw/1.0":
			ep = epSplunk
			s.ingest(sw, r, true)
		case "/services/collector/health", "/services/collector/health/1.0":
			ep = epSplunk
			if s.healthy() {
				hecReply(sw, http.StatusOK, hecHealthy, "HEC is healthy")
			} else {
				hecReply(sw, http.StatusServiceUnavailable, 18, "HEC is unhealthy")
			}
		case "/healthz":
			ep = epHealth
			s.health(sw, r)
		case "/metrics":
			ep = epMetrics
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				methodNotAllowed(sw, "GET, HEAD")
			} else {
				metrics.ServeHTTP(sw, r)
			}
		default:
			http.NotFound(sw, r)
		}
		code := sw.code
		if code == 0 {
			code = http.StatusOK
		}
		s.metrics.requests.WithLabelValues(ep, strconv.Itoa(code)).Inc()
		s.metrics.duration.WithLabelValues(ep).Observe(time.Since(start).Seconds())
	})
}

// statusWriter remembers the status code of a reply.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
}

// healthy is false while shutting down, or while the sink is failing (the
// last write failed and the current file cannot be opened).
func (s *Server) healthy() bool {
	return !s.isDraining() && s.outputCheck() == nil
}

// outputCheck is the sink's check, or for an object store whether the last
// batch could be stored.
func (s *Server) outputCheck() error {
	if s.sink == nil {
		if s.objectsFailed.Load() {
			return errObjectsFailed
		}
		return nil
	}
	return s.sink.Check()
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET, HEAD")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case s.isDraining():
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "shutting down\n")
	case s.outputCheck() != nil:
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "the output directory cannot be written\n")
	default:
		io.WriteString(w, "ok\n")
	}
}

func (s *Server) isDraining() bool { return s.draining.Load() }

// hecReply writes a Splunk HEC style reply: {"text":"...","code":N}.
func hecReply(w http.ResponseWriter, status, code int, text string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	b := make([]byte, 0, 64)
	b = append(b, `{"text":`...)
	b = jlex.AppendString(b, text)
	b = append(b, `,"code":`...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, "}\n"...)
	w.Write(b)
}

// reply answers an ingest request: HEC shaped on Splunk endpoints, a small
// JSON object on the others.
func reply(w http.ResponseWriter, hec bool, status, hecCode int, text string) {
	if hec {
		hecReply(w, status, hecCode, text)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	b := make([]byte, 0, 64)
	if status < 300 {
		b = append(b, `{"status":"ok"}`...)
	} else {
		b = append(b, `{"error":`...)
		b = jlex.AppendString(b, text)
		b = append(b, '}')
	}
	b = append(b, '\n')
	w.Write(b)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ingest receives one batch: authenticate, bound concurrency, decompress
// within the size limit, parse every record, store good rows and dead-letter
// bad records durably, then answer.
func (s *Server) ingest(w http.ResponseWriter, r *http.Request, hec bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		reply(w, hec, http.StatusMethodNotAllowed, hecInvalidData, "method not allowed; POST log records here")
		return
	}
	if ok, present := s.auth.check(r); !ok {
		// No hint of what was wrong beyond what the sender knows already
		// (whether it sent a header). Never log the credential.
		if hec {
			if present {
				hecReply(w, http.StatusUnauthorized, hecInvalidToken, "Invalid token")
			} else {
				hecReply(w, http.StatusUnauthorized, hecTokenRequired, "Token is required")
			}
		} else {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tslogs"`)
			reply(w, false, http.StatusUnauthorized, 0, "unauthorized")
		}
		return
	}
	if s.isDraining() {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Connection", "close")
		reply(w, hec, http.StatusServiceUnavailable, hecServerBusy, "Server is busy")
		return
	}
	select {
	case s.sem <- struct{}{}:
	default:
		w.Header().Set("Retry-After", "1")
		reply(w, hec, http.StatusServiceUnavailable, hecServerBusy, "Server is busy")
		return
	}
	s.metrics.inflight.Inc()
	defer func() {
		s.metrics.inflight.Dec()
		<-s.sem
	}()

	start := time.Now()
	status, code, text, good, bad := s.receive(r, hec)
	if status >= 500 {
		w.Header().Set("Retry-After", "5")
	}
	reply(w, hec, status, code, text)
	if s.cfg.LogRequests || status >= 500 {
		s.log.Info("ingest", "remote", r.RemoteAddr, "path", r.URL.Path, "status", status,
			"records", good, "rejected", bad, "duration", time.Since(start))
	}
}

// receive reads, parses and stores one batch and returns the reply.
func (s *Server) receive(r *http.Request, hec bool) (status, code int, text string, good, bad int) {
	limit := s.cfg.MaxBodyBytes
	comp, err := stream.ParseContentEncoding(r.Header.Get("Content-Encoding"))
	if err != nil {
		return http.StatusUnsupportedMediaType, hecInvalidData, "unsupported Content-Encoding (use identity, gzip or zstd)", 0, 0
	}
	// The compressed body can be a little larger than the decompressed
	// limit (incompressible data); the decompressed stream is what is bounded.
	wireLimit := limit
	if comp != stream.None {
		wireLimit += limit/8 + 64<<10
	}
	tooLarge := fmt.Sprintf("request body exceeds %d bytes after decompression", limit)
	if r.ContentLength > wireLimit {
		return http.StatusRequestEntityTooLarge, hecInvalidData, tooLarge, 0, 0
	}
	body := &countingReader{r: http.MaxBytesReader(nil, r.Body, wireLimit)}
	defer func() { s.metrics.received.Add(float64(body.n)) }()

	var src io.Reader = body
	if comp != stream.None {
		dec, err := s.decompressor(body, comp)
		if err != nil {
			if isTooLarge(err) {
				return http.StatusRequestEntityTooLarge, hecInvalidData, tooLarge, 0, 0
			}
			if errors.Is(err, io.EOF) && body.n == 0 {
				return s.noData(hec)
			}
			return http.StatusBadRequest, hecInvalidData, "Invalid data format: cannot decompress the body", 0, 0
		}
		defer dec.Close()
		src = dec
	}

	st := s.getState()
	defer s.putState(st)
	rd := st.reader
	src = stream.LimitReader(src, limit)
	if st.batch != nil {
		st.batch.reset()
		src = st.batch.body(src)
	}
	rd.Reset(src)
	var batchErr error
	now := s.cfg.Now().UTC()
	st.meta.ParseTime = now
	remote := r.RemoteAddr
	var nNet, nAudit, badNet, badAudit, badUnknown int
	for rd.Next() {
		if rerr := rd.Err(); rerr != nil {
			bad++
			switch rd.LogType() {
			case tailscale.LogTypeNetwork:
				badNet++
			case tailscale.LogTypeAudit:
				badAudit++
			default:
				badUnknown++
			}
			st.dead = appendDeadLetter(st.dead, now, remote, rd, rerr)
			continue
		}
		good++
		if st.batch != nil && batchErr == nil {
			batchErr = st.batch.add(rd, &st.meta)
		}
		switch rd.LogType() {
		case tailscale.LogTypeNetwork:
			nNet++
			if st.batch == nil {
				st.network = append(rd.AppendRow(st.network, &st.meta), '\n')
			}
		case tailscale.LogTypeAudit:
			nAudit++
			if st.batch == nil {
				st.audit = append(rd.AppendRow(st.audit, &st.meta), '\n')
			}
		}
	}
	s.metrics.decompressed.Add(float64(rd.BytesRead()))
	if fatal := rd.Fatal(); fatal != nil {
		if isTooLarge(fatal) {
			return http.StatusRequestEntityTooLarge, hecInvalidData, tooLarge, 0, 0
		}
		s.log.Debug("unreadable body", "remote", remote, "err", fatal)
		return http.StatusBadRequest, hecInvalidData, "Invalid data format: the body could not be read or decompressed", 0, 0
	}
	if good+bad == 0 {
		return s.noData(hec)
	}
	if st.batch != nil {
		// Object output: every PUT completes before the reply.
		if err = batchErr; err == nil {
			err = st.batch.commit(r.Context(), s.cfg.Objects, now, st.dead)
		}
		s.objectsFailed.Store(err != nil)
	} else {
		err = s.sink.Write(
			Part{KindNetwork, st.network},
			Part{KindAudit, st.audit},
			Part{KindDeadLetter, st.dead},
		)
	}
	if err != nil {
		s.log.Error("storing a batch failed; answering 503 so that the sender retries", "err", err)
		return http.StatusServiceUnavailable, hecServerBusy, "Server is busy", 0, 0
	}
	m := s.metrics
	addIf(m.records.WithLabelValues("network"), nNet)
	addIf(m.records.WithLabelValues("audit"), nAudit)
	addIf(m.rejected.WithLabelValues("network"), badNet)
	addIf(m.rejected.WithLabelValues("audit"), badAudit)
	addIf(m.rejected.WithLabelValues("unknown"), badUnknown)
	return http.StatusOK, hecSuccess, "Success", good, bad
}

// decompressor returns a reader of the decompressed body. A zstd frame may
// not ask for a window larger than it can need below the size limit (at
// least 8 MiB, what common encoders use), which bounds the decoder's memory.
func (s *Server) decompressor(r io.Reader, c stream.Compression) (io.ReadCloser, error) {
	if c == stream.Zstd {
		zr, err := stream.NewZstdDecoder(r, int(max(8<<20, s.cfg.MaxBodyBytes)))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return zr.IOReadCloser(), nil
	}
	return stream.NewDecompressorFor(r, c)
}

// noData answers an empty body: HEC answers 400 "No data", which Splunk
// senders expect; the Panther endpoint accepts it.
func (s *Server) noData(hec bool) (status, code int, text string, good, bad int) {
	if hec {
		return http.StatusBadRequest, hecNoData, "No data", 0, 0
	}
	return http.StatusOK, hecSuccess, "Success", 0, 0
}

func addIf(c prometheus.Counter, n int) {
	if n > 0 {
		c.Add(float64(n))
	}
}

// logTypeLabel is "network", "audit" or "unknown".
func logTypeLabel(t tailscale.LogType) string {
	switch t {
	case tailscale.LogTypeNetwork, tailscale.LogTypeAudit:
		return t.String()
	}
	return "unknown"
}

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.Is(err, stream.ErrTooLarge) || errors.As(err, &mbe)
}

// appendDeadLetter appends one dead-letter line for a bad record:
// {"time","error","record","offset","remote","raw"} with raw_base64 instead
// of raw when the bytes are not valid UTF-8.
func appendDeadLetter(dst []byte, t time.Time, remote string, r *tailscale.Reader, err error) []byte {
	dst = append(dst, '{')
	dst = jlex.AppendKey(dst, `"time":`)
	dst = jlex.AppendTime(dst, t)
	dst = jlex.AppendKey(dst, `"error":`)
	dst = jlex.AppendString(dst, err.Error())
	dst = jlex.AppendKey(dst, `"log_type":`)
	dst = jlex.AppendString(dst, logTypeLabel(r.LogType()))
	dst = jlex.AppendKey(dst, `"record":`)
	dst = strconv.AppendInt(dst, int64(r.Record()), 10)
	dst = jlex.AppendKey(dst, `"offset":`)
	dst = strconv.AppendInt(dst, r.Offset(), 10)
	dst = jlex.AppendKey(dst, `"remote":`)
	dst = jlex.AppendString(dst, remote)
	dst = jlex.AppendRawMember(dst, r.Raw())
	return append(dst, '}', '\n')
}

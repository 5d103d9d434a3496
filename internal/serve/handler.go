package serve

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

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
	return !s.isDraining() && s.store.Check() == nil
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
	case s.store.Check() != nil:
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

// ingest receives one batch: authenticate, read the body within the memory
// budget, recognise a retried body, then (in one of MaxConcurrent slots)
// decompress within the size limit, parse every record, and store good rows
// and dead-letter lines all or nothing, then answer.
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
		w.Header().Set("Connection", "close")
		s.busy(w, hec, "draining")
		return
	}
	s.metrics.inflight.Inc()
	defer s.metrics.inflight.Dec()

	start := time.Now()
	res := s.receive(w, r, hec)
	if res.status == http.StatusServiceUnavailable && res.retry == "" {
		res.retry = "5"
	}
	if res.retry != "" {
		w.Header().Set("Retry-After", res.retry)
	}
	if res.status == http.StatusRequestTimeout {
		w.Header().Set("Connection", "close")
	}
	reply(w, hec, res.status, res.code, res.text)
	if s.cfg.LogRequests || res.status >= 500 {
		s.log.Info("ingest", "remote", r.RemoteAddr, "path", r.URL.Path, "status", res.status,
			"records", res.good, "rejected", res.bad, "duplicate", res.dup, "duration", time.Since(start))
	}
}

// busy answers 503 with Retry-After: 1, counting why.
func (s *Server) busy(w http.ResponseWriter, hec bool, why string) {
	s.metrics.refused.WithLabelValues(why).Inc()
	w.Header().Set("Retry-After", "1")
	reply(w, hec, http.StatusServiceUnavailable, hecServerBusy, "Server is busy")
}

// result is the outcome of one ingest request.
type result struct {
	status, code int
	text, retry  string
	good, bad    int
	dup          bool
}

func fail(status, code int, text string) result {
	return result{status: status, code: code, text: text}
}

var errBusy = fail(http.StatusServiceUnavailable, hecServerBusy, "Server is busy")

// receive reads, parses and stores one batch and returns the reply.
func (s *Server) receive(w http.ResponseWriter, r *http.Request, hec bool) result {
	limit := s.cfg.MaxBodyBytes
	comp, err := stream.ParseContentEncoding(r.Header.Get("Content-Encoding"))
	if err != nil {
		return fail(http.StatusUnsupportedMediaType, hecInvalidData, "unsupported Content-Encoding (use identity, gzip or zstd)")
	}
	// The compressed body can be a little larger than the decompressed
	// limit (incompressible data); the decompressed stream is what is bounded.
	wireLimit := limit
	if comp != stream.None {
		wireLimit += limit/8 + 64<<10
	}
	if r.ContentLength > wireLimit {
		return s.tooLarge()
	}
	body, held, res := s.readBody(w, r, wireLimit)
	defer s.budget.free(held)
	if res.status != 0 {
		return res
	}
	if len(body) == 0 {
		return s.noData(hec)
	}

	// A body stored before (a retry after a lost reply) is acknowledged
	// without being stored again; a retry that arrives while the first try
	// is being stored waits for its outcome.
	id := bodyID(comp, body)
	release, ok := s.claims.claim(id, r.Context().Done())
	if !ok {
		return errBusy
	}
	defer release()
	if s.store.Committed(id) {
		s.metrics.duplicates.Inc()
		return result{status: http.StatusOK, code: hecSuccess, text: "Success", dup: true}
	}

	select {
	case s.slots <- struct{}{}:
	case <-r.Context().Done():
		return errBusy
	}
	defer func() { <-s.slots }()
	return s.process(body, comp, id, r.RemoteAddr, hec, r.Context().Done())
}

func (s *Server) tooLarge() result {
	return fail(http.StatusRequestEntityTooLarge, hecInvalidData,
		fmt.Sprintf("request body exceeds %d bytes after decompression", s.cfg.MaxBodyBytes))
}

// bodyID is the digest of a body as sent, with its Content-Encoding.
func bodyID(c stream.Compression, body []byte) BatchID {
	h := sha256.New()
	h.Write([]byte{byte(c)})
	h.Write(body)
	var id BatchID
	h.Sum(id[:0])
	return id
}

// readBody reads the body as sent (at most wireLimit bytes) into memory
// reserved from the budget: all of a declared Content-Length at once, else
// in steps as the buffer grows. It returns the bytes held, to be freed. A
// sender slower than MinBodyRate after MinBodyRateGrace is cut off.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, wireLimit int64) (body []byte, held int64, res result) {
	size := int64(64 << 10)
	if r.ContentLength >= 0 {
		size = r.ContentLength + 1 // one more byte tells the end
	}
	size = min(size, wireLimit+1)
	if !s.budget.reserve(size) {
		s.metrics.refused.WithLabelValues("memory").Inc()
		return nil, 0, result{status: http.StatusServiceUnavailable, code: hecServerBusy, text: "Server is busy", retry: "1"}
	}
	held = size
	buf := make([]byte, 0, size)
	src := http.MaxBytesReader(nil, r.Body, wireLimit)
	rc := http.NewResponseController(w)
	start := time.Now()
	rate, grace := s.cfg.MinBodyRate, s.cfg.MinBodyRateGrace
	defer func() {
		s.metrics.received.Add(float64(len(buf)))
		if rate > 0 {
			rc.SetReadDeadline(time.Time{})
		}
	}()
	for {
		if len(buf) == cap(buf) {
			grow := min(max(2*int64(cap(buf)), 64<<10), wireLimit+1)
			if !s.budget.reserve(grow) {
				s.metrics.refused.WithLabelValues("memory").Inc()
				return nil, held, result{status: http.StatusServiceUnavailable, code: hecServerBusy, text: "Server is busy", retry: "1"}
			}
			nb := make([]byte, len(buf), grow)
			copy(nb, buf)
			s.budget.free(held)
			buf, held = nb, grow
		}
		if rate > 0 {
			// The next byte is due when the body has averaged the minimum
			// rate since the grace period.
			due := start.Add(grace + time.Duration(float64(len(buf)+1)/float64(rate)*float64(time.Second)))
			rc.SetReadDeadline(due)
		}
		n, err := src.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, held, result{}
		}
		if err != nil {
			var mbe *http.MaxBytesError
			var ne net.Error
			switch {
			case errors.As(err, &mbe):
				return nil, held, s.tooLarge()
			case errors.As(err, &ne) && ne.Timeout():
				s.metrics.refused.WithLabelValues("slow").Inc()
				return nil, held, fail(http.StatusRequestTimeout, hecInvalidData,
					fmt.Sprintf("the body arrived slower than %d bytes a second", rate))
			}
			return nil, held, fail(http.StatusBadRequest, hecInvalidData, "Invalid data format: the body could not be read")
		}
	}
}

// process parses a body and stores its batch. gone is closed when the
// sender stops waiting (see Batch.Gone).
func (s *Server) process(body []byte, comp stream.Compression, id BatchID, remote string, hec bool, gone <-chan struct{}) result {
	limit := s.cfg.MaxBodyBytes
	st := s.getState()
	defer s.putState(st)
	src, err := s.decompressor(st, body, comp)
	if err != nil {
		if isTooLarge(err) {
			return s.tooLarge()
		}
		if errors.Is(err, io.EOF) {
			return s.noData(hec)
		}
		return fail(http.StatusBadRequest, hecInvalidData, "Invalid data format: cannot decompress the body")
	}
	rd := st.reader
	enc := st.enc
	rd.Reset(enc.Body(stream.LimitReader(src, limit)))
	now := s.cfg.Now().UTC()
	st.meta.ParseTime = now
	rowsCap := rowsPerBodyByte * int(limit)
	var res result
	var nNet, nAudit, badNet, badAudit, badUnknown int
	var restRec int
	var restOff int64 = -1
	for rd.Next() {
		st.maxRec = max(st.maxRec, len(rd.Raw()))
		if rerr := rd.Err(); rerr != nil {
			res.bad++
			switch rd.LogType() {
			case tailscale.LogTypeNetwork:
				badNet++
			case tailscale.LogTypeAudit:
				badAudit++
			default:
				badUnknown++
			}
			switch {
			case res.bad <= s.cfg.MaxDeadLetters:
				st.dead = appendDeadLetter(st.dead, now, remote, rd, rerr)
			case res.bad == s.cfg.MaxDeadLetters+1:
				restRec, restOff = rd.Record(), rd.Offset()
			}
			continue
		}
		res.good++
		switch rd.LogType() {
		case tailscale.LogTypeNetwork:
			nNet++
		case tailscale.LogTypeAudit:
			nAudit++
		}
		if err := enc.Add(rd, &st.meta); err != nil {
			if errors.Is(err, ErrTooManyPartitions) {
				return fail(http.StatusRequestEntityTooLarge, hecInvalidData, err.Error())
			}
			return s.encodeFailed(err)
		}
		if enc.Size() > rowsCap {
			return fail(http.StatusRequestEntityTooLarge, hecInvalidData, fmt.Sprintf(
				"the rows of this body would exceed %d bytes (%d times the body limit): send fewer records per request", rowsCap, rowsPerBodyByte))
		}
	}
	s.metrics.decompressed.Add(float64(rd.BytesRead()))
	if fatal := rd.Fatal(); fatal != nil {
		if isTooLarge(fatal) {
			return s.tooLarge()
		}
		s.log.Debug("unreadable body", "remote", remote, "err", fatal)
		return fail(http.StatusBadRequest, hecInvalidData, "Invalid data format: the body could not be read or decompressed")
	}
	if res.good+res.bad == 0 {
		return s.noData(hec)
	}
	if restOff >= 0 {
		rest, err := s.bodyFrom(st, body, comp, restOff)
		if err != nil {
			return fail(http.StatusBadRequest, hecInvalidData, "Invalid data format: the body could not be read or decompressed")
		}
		st.dead = appendDeadLetterSummary(st.dead, now, remote, res.bad-s.cfg.MaxDeadLetters, restRec, restOff, rest)
		s.metrics.summarised.Add(float64(res.bad - s.cfg.MaxDeadLetters))
	}
	parts, err := enc.Parts(st.dead, &st.meta)
	if err != nil {
		return s.encodeFailed(err)
	}
	if err := s.store.Commit(&Batch{ID: id, Parts: parts, Gone: gone}); err != nil {
		s.log.Error("storing a batch failed; answering 503 so that the sender retries", "err", err)
		return errBusy
	}
	m := s.metrics
	addIf(m.records.WithLabelValues("network"), nNet)
	addIf(m.records.WithLabelValues("audit"), nAudit)
	addIf(m.rejected.WithLabelValues("network"), badNet)
	addIf(m.rejected.WithLabelValues("audit"), badAudit)
	addIf(m.rejected.WithLabelValues("unknown"), badUnknown)
	res.status, res.code, res.text = http.StatusOK, hecSuccess, "Success"
	return res
}

// encodeFailed answers a batch whose rows could not be encoded (a Store's
// encoder failed: a bug, or a resource it lacks) with 503.
func (s *Server) encodeFailed(err error) result {
	s.log.Error("encoding a batch's rows failed; answering 503", "err", err)
	return errBusy
}

// decompressor returns a reader of the decompressed body, reusing st's
// decoders. A zstd frame may not ask for a window larger than it can need
// below the size limit (at least 8 MiB, what common encoders use), which
// bounds the decoder's memory.
func (s *Server) decompressor(st *reqState, body []byte, c stream.Compression) (io.Reader, error) {
	r := bytes.NewReader(body)
	switch c {
	case stream.Gzip:
		var err error
		if st.gz == nil {
			st.gz, err = gzip.NewReader(r)
		} else {
			err = st.gz.Reset(r)
		}
		if err != nil {
			return nil, err
		}
		return st.gz, nil
	case stream.Zstd:
		var err error
		if st.zd == nil {
			st.zd, err = stream.NewZstdDecoder(r, int(zstdWindow(s.cfg.MaxBodyBytes)))
		} else {
			err = st.zd.Reset(r)
		}
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return st.zd, nil
	}
	return r, nil
}

// bodyFrom returns the decompressed body from offset off to its end,
// decompressing it again with st's decoders.
func (s *Server) bodyFrom(st *reqState, body []byte, c stream.Compression, off int64) ([]byte, error) {
	if c == stream.None {
		return body[min(off, int64(len(body))):], nil
	}
	dec, err := s.decompressor(st, body, c)
	if err != nil {
		return nil, err
	}
	if _, err := io.CopyN(io.Discard, dec, off); err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(dec, s.cfg.MaxBodyBytes-off))
}

// noData answers an empty body: HEC answers 400 "No data", which Splunk
// senders expect; the Panther endpoint accepts it.
func (s *Server) noData(hec bool) result {
	if hec {
		return fail(http.StatusBadRequest, hecNoData, "No data")
	}
	return result{status: http.StatusOK, code: hecSuccess, text: "Success"}
}

func addIf(c prometheus.Counter, n int) {
	if n > 0 {
		c.Add(float64(n))
	}
}

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.Is(err, stream.ErrTooLarge) || errors.As(err, &mbe)
}

// Package loadtest drives a tslogs receiver the way Tailscale does: several
// senders post synthetic log-stream bodies concurrently, retrying on 503 and
// connection errors, and it checks afterwards that the rows on disk are
// exactly the records that were acknowledged.
//
// Every record is identified by its row as the receiver writes it, less
// p_parse_time and p_row_id (see RowKey): the sender computes the row of
// each record it sends with the same code, so the comparison is of the full
// content of every row, not of a sample of fields.
package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/tslogs/tslogs/internal/synth"
	"github.com/tslogs/tslogs/tailscale"
)

// SkipUnlessChaos skips a test of the chaos suite unless the suite was
// asked for (make chaos sets TSLOGS_CHAOS=1).
func SkipUnlessChaos(t interface {
	Helper()
	Skip(args ...any)
}) {
	t.Helper()
	if os.Getenv("TSLOGS_CHAOS") == "" {
		t.Skip("part of the chaos suite: run make chaos (TSLOGS_CHAOS=1)")
	}
}

// Key identifies a row by its content without p_parse_time and p_row_id.
type Key [16]byte

// Multiset counts keys.
type Multiset map[Key]int

// Total returns the number of keys counted.
func (m Multiset) Total() int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}

// Options configure a load test.
type Options struct {
	// URL is the ingest URL, e.g. http://127.0.0.1:8080/ or
	// http://127.0.0.1:8080/services/collector/event.
	URL string
	// Token is sent as Authorization: Bearer (or Basic / Splunk, see Auth).
	Token string
	// Auth is "bearer", "basic", "splunk" or "mix" (rotate per body);
	// "" means bearer.
	Auth string
	// Senders is the number of concurrent senders (default 8).
	Senders int
	// Records is the total number of records to send (default 10000).
	Records int
	// BodyBytes bounds a body before compression (default 512 KiB,
	// Tailscale's limit).
	BodyBytes int
	// MaxRecordsPerBody bounds the records of a body (0: only BodyBytes).
	MaxRecordsPerBody int
	// AuditEvery makes every AuditEvery-th sender send audit records
	// instead of network records (default 4; negative: never).
	AuditEvery int
	// Encodings are rotated over the bodies: "identity", "gzip", "zstd"
	// (default all three).
	Encodings []string
	// Seed makes the bodies (default 1).
	Seed uint64
	// Attempts is the most tries of one body on 503, 429 or connection
	// errors (default 50), with a short backoff.
	Attempts int
	// StopOnConnError stops a sender at its first connection error instead
	// of retrying (for crash tests: the server is gone).
	StopOnConnError bool
	// Client is the HTTP client (default: one with a keep-alive pool sized
	// for Senders).
	Client *http.Client
	// OnAck, when set, is called after each 2xx with the body's records.
	OnAck func(records int)
	// Lazy makes each body just before it is sent instead of in Prepare.
	Lazy bool
}

func (o *Options) defaults() {
	if o.Senders <= 0 {
		o.Senders = 8
	}
	if o.Records <= 0 {
		o.Records = 10000
	}
	if o.BodyBytes <= 0 {
		o.BodyBytes = synth.MaxBodySize
	}
	if o.AuditEvery == 0 {
		o.AuditEvery = 4
	}
	if len(o.Encodings) == 0 {
		o.Encodings = []string{"identity", "gzip", "zstd"}
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Attempts <= 0 {
		o.Attempts = 50
	}
	if o.Auth == "" {
		o.Auth = "bearer"
	}
}

// body is one prepared POST.
type body struct {
	data     []byte // as sent
	encoding string
	auth     string
	raw      int // bytes before compression
	keys     []Key
}

// Plan holds the prepared bodies of every sender.
type Plan struct {
	opt     Options
	senders []*source
	Records int   // records to send (in prepared bodies, or planned when Lazy)
	Bytes   int64 // before compression (prepared bodies only)
	Wire    int64 // as sent (prepared bodies only)
	Prepare time.Duration
}

// Prepare generates every body (and the key of every record) ahead of the
// run, so that the run measures the receiver, not the generator. With
// Options.Lazy, bodies are made by each sender just before it sends them
// instead (for runs cut short on purpose, such as crash tests).
func Prepare(opt Options) (*Plan, error) {
	opt.defaults()
	start := time.Now()
	p := &Plan{opt: opt, senders: make([]*source, opt.Senders)}
	per := opt.Records / opt.Senders
	extra := opt.Records % opt.Senders
	for i := range opt.Senders {
		quota := per
		if i < extra {
			quota++
		}
		p.senders[i] = newSource(opt, i, quota)
		p.Records += quota
	}
	if opt.Lazy {
		return p, nil
	}
	var wg sync.WaitGroup
	errs := make([]error, opt.Senders)
	for i, src := range p.senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				b, ok, err := src.make()
				if err != nil {
					errs[i] = err
					return
				}
				if !ok {
					return
				}
				src.bodies = append(src.bodies, b)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, src := range p.senders {
		for _, b := range src.bodies {
			p.Bytes += int64(b.raw)
			p.Wire += int64(len(b.data))
		}
	}
	p.Prepare = time.Since(start)
	return p, nil
}

// source makes the bodies of one sender.
type source struct {
	opt    Options
	i      int
	quota  int
	made   int // records made so far
	n      int // bodies made so far
	g      *synth.Generator
	zw     *zstd.Encoder
	rd     *tailscale.Reader
	meta   *tailscale.RowMeta
	row    []byte
	bodies []body // prepared bodies (not Lazy)
	next   int    // next prepared body to send
}

func newSource(opt Options, i, quota int) *source {
	kind := synth.Network
	if opt.AuditEvery > 0 && i%opt.AuditEvery == opt.AuditEvery-1 {
		kind = synth.Audit
	}
	return &source{
		opt: opt, i: i, quota: quota,
		g:    synth.New(synth.Options{Kind: kind, Seed: opt.Seed*1000003 + uint64(i)}),
		rd:   tailscale.NewReader(nil, tailscale.ReaderOptions{}),
		meta: &tailscale.RowMeta{ParseTime: time.Unix(0, 0).UTC(), RowID: "x"},
	}
}

// get returns the sender's next body: a prepared one, or a new one.
func (s *source) get() (body, bool, error) {
	if !s.opt.Lazy {
		if s.next >= len(s.bodies) {
			return body{}, false, nil
		}
		s.next++
		return s.bodies[s.next-1], true, nil
	}
	return s.make()
}

// make generates the next body and the keys of its records.
func (s *source) make() (body, bool, error) {
	opt := s.opt
	if s.made >= s.quota {
		return body{}, false, nil
	}
	max := s.quota - s.made
	if opt.MaxRecordsPerBody > 0 && opt.MaxRecordsPerBody < max {
		max = opt.MaxRecordsPerBody
	}
	raw, n := s.g.AppendBody(nil, opt.BodyBytes, max)
	if n == 0 {
		return body{}, false, fmt.Errorf("sender %d: the generator made an empty body", s.i)
	}
	s.made += n
	b := body{raw: len(raw), encoding: opt.Encodings[s.n%len(opt.Encodings)]}
	switch opt.Auth {
	case "mix":
		b.auth = []string{"bearer", "basic", "splunk"}[(s.i+s.n)%3]
	default:
		b.auth = opt.Auth
	}
	s.n++
	s.rd.Reset(bytes.NewReader(raw))
	for s.rd.Next() {
		if err := s.rd.Err(); err != nil {
			return body{}, false, fmt.Errorf("sender %d: synthetic record is bad: %v", s.i, err)
		}
		s.row = s.rd.AppendRow(s.row[:0], s.meta)
		b.keys = append(b.keys, RowKey(s.row))
	}
	if err := s.rd.Fatal(); err != nil {
		return body{}, false, err
	}
	if len(b.keys) != n {
		return body{}, false, fmt.Errorf("sender %d: body holds %d records, generator said %d", s.i, len(b.keys), n)
	}
	switch b.encoding {
	case "identity", "":
		b.data = raw
	case "gzip":
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		w.Write(raw)
		w.Close()
		b.data = buf.Bytes()
	case "zstd":
		if s.zw == nil {
			var err error
			if s.zw, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1)); err != nil {
				return body{}, false, err
			}
		}
		b.data = s.zw.EncodeAll(raw, nil)
	default:
		return body{}, false, fmt.Errorf("unknown encoding %q", b.encoding)
	}
	return b, true, nil
}

// RowKey returns the identity of a row: a digest of its bytes without the
// values of p_parse_time and p_row_id. (A member's literal `"p_row_id":"`
// cannot occur inside a JSON string, whose quotes are escaped.)
func RowKey(row []byte) Key {
	h := sha256.New()
	rest := row
	for _, m := range [][]byte{[]byte(`"p_parse_time":"`), []byte(`"p_row_id":"`)} {
		i := bytes.Index(rest, m)
		if i < 0 {
			continue
		}
		i += len(m)
		j := bytes.IndexByte(rest[i:], '"')
		if j < 0 {
			break
		}
		h.Write(rest[:i])
		rest = rest[i+j:]
	}
	h.Write(bytes.TrimRight(rest, "\n"))
	var k Key
	copy(k[:], h.Sum(nil))
	return k
}

// Result is the outcome of a run.
type Result struct {
	Requests     int // HTTP requests, retries included
	Retries      int
	Bodies       int // bodies attempted
	AckedBodies  int
	Records      int // records in attempted bodies
	AckedRecords int
	AckedBytes   int64 // acknowledged body bytes before compression
	Elapsed      time.Duration
	Latencies    []time.Duration // of 2xx requests
	Statuses     map[int]int
	Errors       []string // the first few errors
	Acked        Multiset // records of 2xx bodies
	Attempted    Multiset // records of every body tried at least once
}

// RecordsPerSec returns acknowledged records per second of the run.
func (r *Result) RecordsPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.AckedRecords) / r.Elapsed.Seconds()
}

// MBPerSec returns acknowledged megabytes (before compression) per second.
func (r *Result) MBPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.AckedBytes) / 1e6 / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile (0-100) of the 2xx latencies.
func (r *Result) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	l := slices.Clone(r.Latencies)
	slices.Sort(l)
	i := int(float64(len(l))*p/100+0.5) - 1
	i = max(0, min(i, len(l)-1))
	return l[i]
}

// Summary is a one-line report.
func (r *Result) Summary() string {
	return fmt.Sprintf("%d records (%d bodies, %.1f MB) acknowledged in %v: %.0f records/s, %.1f MB/s; latency p50 %v, p99 %v, max %v; %d retries",
		r.AckedRecords, r.AckedBodies, float64(r.AckedBytes)/1e6, r.Elapsed.Round(time.Millisecond),
		r.RecordsPerSec(), r.MBPerSec(), r.Percentile(50).Round(time.Microsecond),
		r.Percentile(99).Round(time.Microsecond), r.Percentile(100).Round(time.Microsecond), r.Retries)
}

// Run sends every prepared body. It returns when all are sent (or given
// up on), or when ctx is done.
func (p *Plan) Run(ctx context.Context) *Result {
	opt := p.opt
	client := opt.Client
	if client == nil {
		client = &http.Client{
			Timeout: 2 * time.Minute,
			Transport: &http.Transport{
				Proxy:               nil,
				DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
				MaxIdleConns:        opt.Senders * 2,
				MaxIdleConnsPerHost: opt.Senders * 2,
				DisableCompression:  true,
				IdleConnTimeout:     30 * time.Second,
			},
		}
		defer client.CloseIdleConnections()
	}
	res := &Result{Statuses: map[int]int{}, Acked: Multiset{}, Attempted: Multiset{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	var errOnce sync.Once
	for _, src := range p.senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.runSender(ctx, client, src, res, &mu); err != nil {
				errOnce.Do(func() {
					mu.Lock()
					res.Errors = append(res.Errors, err.Error())
					mu.Unlock()
				})
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res
}

func (p *Plan) runSender(ctx context.Context, client *http.Client, src *source, res *Result, mu *sync.Mutex) error {
	opt := p.opt
	for {
		if ctx.Err() != nil {
			return nil
		}
		b, ok, err := src.get()
		if err != nil || !ok {
			return err
		}
		mu.Lock()
		res.Bodies++
		res.Records += len(b.keys)
		for _, k := range b.keys {
			res.Attempted[k]++
		}
		mu.Unlock()
		backoff := 10 * time.Millisecond
		for attempt := 1; ; attempt++ {
			t0 := time.Now()
			status, err := post(ctx, client, opt, b)
			lat := time.Since(t0)
			mu.Lock()
			res.Requests++
			if attempt > 1 {
				res.Retries++
			}
			if err == nil {
				res.Statuses[status]++
			}
			ok := err == nil && status/100 == 2
			if ok {
				res.AckedBodies++
				res.AckedRecords += len(b.keys)
				res.AckedBytes += int64(b.raw)
				res.Latencies = append(res.Latencies, lat)
				for _, k := range b.keys {
					res.Acked[k]++
				}
			} else if len(res.Errors) < 10 {
				if err != nil {
					res.Errors = append(res.Errors, err.Error())
				} else {
					res.Errors = append(res.Errors, fmt.Sprintf("HTTP %d", status))
				}
			}
			mu.Unlock()
			if ok && opt.OnAck != nil {
				opt.OnAck(len(b.keys))
			}
			if ok || ctx.Err() != nil {
				break
			}
			retryable := err != nil || status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests
			if !retryable || attempt >= opt.Attempts || (err != nil && opt.StopOnConnError) {
				if err != nil && opt.StopOnConnError {
					return nil
				}
				break
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 500*time.Millisecond)
		}
	}
}

func post(ctx context.Context, client *http.Client, opt Options, b body) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, opt.URL, bytes.NewReader(b.data))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if b.encoding != "identity" && b.encoding != "" {
		req.Header.Set("Content-Encoding", b.encoding)
	}
	switch b.auth {
	case "basic":
		req.SetBasicAuth("tailscale", opt.Token)
	case "splunk":
		req.Header.Set("Authorization", "Splunk "+opt.Token)
	default:
		req.Header.Set("Authorization", "Bearer "+opt.Token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Store is what a receiver's output directory holds.
type Store struct {
	Rows        Multiset
	RowIDs      int // distinct p_row_id values
	DupRowIDs   int // rows whose p_row_id was seen before
	DeadLetters int
	Files       int
	TornFiles   []string // files whose last line has no newline
	BadLines    []string // lines that are not JSON objects with p_row_id (first few)
}

// ReadStore reads every row file under dir: network/ and audit/ rows into
// Rows, deadletter/ lines into DeadLetters; .ndjson and .ndjson.gz alike.
func ReadStore(dir string) (*Store, error) {
	st := &Store{Rows: Multiset{}}
	ids := map[string]struct{}{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if !d.Type().IsRegular() || !strings.HasPrefix(name, "tailscale-") ||
			!(strings.HasSuffix(name, ".ndjson") || strings.HasSuffix(name, ".ndjson.gz")) {
			return nil
		}
		st.Files++
		rel, _ := filepath.Rel(dir, path)
		dead := strings.HasPrefix(filepath.ToSlash(rel), "deadletter/")
		return readRows(path, func(line []byte, complete bool) {
			if !complete {
				st.TornFiles = append(st.TornFiles, path)
				return
			}
			if dead {
				st.DeadLetters++
				return
			}
			id, ok := rowID(line)
			if !ok || line[0] != '{' {
				if len(st.BadLines) < 5 {
					st.BadLines = append(st.BadLines, path+": "+string(line[:min(len(line), 200)]))
				}
				return
			}
			if _, dup := ids[id]; dup {
				st.DupRowIDs++
			} else {
				ids[id] = struct{}{}
			}
			st.Rows[RowKey(line)]++
		})
	})
	st.RowIDs = len(ids)
	return st, err
}

func readRows(path string, fn func(line []byte, complete bool)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			complete := line[len(line)-1] == '\n'
			fn(bytes.TrimSuffix(line, []byte("\n")), complete)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
}

func rowID(line []byte) (string, bool) {
	m := []byte(`"p_row_id":"`)
	i := bytes.Index(line, m)
	if i < 0 {
		return "", false
	}
	i += len(m)
	j := bytes.IndexByte(line[i:], '"')
	if j < 0 {
		return "", false
	}
	return string(line[i : i+j]), true
}

// Verify checks a store against a run: every acknowledged record is stored
// at least as often as it was acknowledged, nothing is stored that was not
// sent (or more often than sent), no p_row_id repeats, no line is torn or
// malformed. With exact, every record must be stored exactly as often as it
// was acknowledged (a run without failures).
func Verify(res *Result, st *Store, exact bool) error {
	var errs []error
	missing, extra := 0, 0
	for k, n := range res.Acked {
		if st.Rows[k] < n {
			missing += n - st.Rows[k]
		}
	}
	for k, n := range st.Rows {
		if n > res.Attempted[k] {
			extra += n - res.Attempted[k]
		}
		if exact && n > res.Acked[k] {
			extra += n - res.Acked[k]
		}
	}
	if missing > 0 {
		errs = append(errs, fmt.Errorf("%d acknowledged records are missing from the output", missing))
	}
	if extra > 0 {
		errs = append(errs, fmt.Errorf("%d rows are stored more often than they were sent/acknowledged", extra))
	}
	if exact && st.Rows.Total() != res.AckedRecords {
		errs = append(errs, fmt.Errorf("%d rows stored, %d records acknowledged", st.Rows.Total(), res.AckedRecords))
	}
	if st.DupRowIDs > 0 {
		errs = append(errs, fmt.Errorf("%d rows repeat a p_row_id", st.DupRowIDs))
	}
	if len(st.TornFiles) > 0 {
		errs = append(errs, fmt.Errorf("torn last line in %v", st.TornFiles))
	}
	if len(st.BadLines) > 0 {
		errs = append(errs, fmt.Errorf("malformed rows: %q", st.BadLines))
	}
	return errors.Join(errs...)
}

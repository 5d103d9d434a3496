package serve

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"
)

// The kinds of output file.
const (
	KindNetwork    = "network"
	KindAudit      = "audit"
	KindDeadLetter = "deadletter"
)

var (
	// ErrSinkClosed is returned by Sink.Write after Close.
	ErrSinkClosed = errors.New("sink is closed")
	// errFileClosed makes a writer look its file up again (rotated or failed).
	errFileClosed = errors.New("output file was closed")
)

// SinkOptions configure a Sink.
type SinkOptions struct {
	// Dir is the root of the output tree; it is created if needed.
	Dir string
	// Host goes into every file name, so that receivers sharing Dir never
	// write the same file. It is sanitised with SanitizeHost.
	Host string
	// GzipClosed compresses files of past hours once they are closed.
	GzipClosed bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Logger gets warnings (slog.Default when nil).
	Logger *slog.Logger
	// Metrics, when not nil, get the sink's metrics.
	Metrics *Metrics
}

// Sink appends batches of rows to hourly files, durably.
type Sink struct {
	dir        string
	host       string
	gzipClosed bool
	now        func() time.Time
	log        *slog.Logger
	m          *Metrics
	lock       *os.File

	mu     sync.Mutex
	files  map[fileKey]*hourFile
	hour   time.Time // latest hour used; never goes backwards
	closed bool

	bg     sync.WaitGroup // closing and gzipping in the background
	loop   sync.WaitGroup // the rotation loop
	stop   chan struct{}
	failed atomic.Bool // the last write failed
}

type fileKey struct {
	kind string
	hour int64 // Unix hours
}

// Part is the data of one batch for one kind of file: whole lines, each
// ending with '\n'.
type Part struct {
	Kind string
	Data []byte
}

// SanitizeHost makes a host name safe for file names: letters, digits, '.',
// '_' and '-' are kept, anything else becomes '-'. An empty name becomes
// "localhost".
func SanitizeHost(h string) string {
	b := []byte(strings.TrimSpace(h))
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			b[i] = '-'
		}
	}
	s := strings.Trim(string(b), ".")
	if s == "" {
		return "localhost"
	}
	return s
}

// OpenSink opens the output tree: it takes the host's lock, repairs torn
// last lines of this host's files left by a crash, removes temporary files of
// interrupted compressions, and (with GzipClosed) compresses this host's
// files of past hours in the background.
func OpenSink(opt SinkOptions) (*Sink, error) {
	if opt.Dir == "" {
		return nil, errors.New("sink: no output directory")
	}
	s := &Sink{
		dir:        filepath.Clean(opt.Dir),
		host:       SanitizeHost(opt.Host),
		gzipClosed: opt.GzipClosed,
		now:        opt.Now,
		log:        opt.Logger,
		m:          opt.Metrics,
		files:      make(map[fileKey]*hourFile),
		stop:       make(chan struct{}),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.m == nil {
		s.m = NewMetrics()
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return nil, err
	}
	lock, err := lockFile(filepath.Join(s.dir, ".lock-"+s.host))
	if err != nil {
		return nil, err
	}
	s.lock = lock
	s.hour = s.now().UTC().Truncate(time.Hour)
	if err := s.recover(); err != nil {
		lock.Close()
		return nil, err
	}
	s.loop.Add(1)
	go s.rotateLoop()
	return s, nil
}

// Dir returns the root of the output tree.
func (s *Sink) Dir() string { return s.dir }

// Host returns the sanitised host name used in file names.
func (s *Sink) Host() string { return s.host }

// Path returns the file that kind's rows of the given hour go to.
func (s *Sink) Path(kind string, hour time.Time) string {
	h := hour.UTC()
	return filepath.Join(s.dir, kind, h.Format("2006"), h.Format("01"), h.Format("02"),
		"tailscale-"+kind+"-"+h.Format("2006010215")+"-"+s.host+".ndjson")
}

// Check returns nil when the sink can take writes: when the last write
// succeeded, or else when the current hour's network file can be opened
// (so that a health check sees a repaired output without waiting for a
// write that a load balancer would not send).
func (s *Sink) Check() error {
	if !s.failed.Load() {
		return nil
	}
	_, err := s.file(KindNetwork)
	return err
}

// Write appends each part to its file of the current hour, and returns when
// every part is durable (written and fsynced), or with the first error.
// Parts with no data are skipped. On error some parts may have been stored:
// the sender's retry then stores them again (at least once).
func (s *Sink) Write(parts ...Part) error {
	for _, p := range parts {
		if len(p.Data) == 0 {
			continue
		}
		if err := s.commit(p.Kind, p.Data); err != nil {
			s.failed.Store(true)
			return err
		}
	}
	s.failed.Store(false)
	return nil
}

func (s *Sink) commit(kind string, data []byte) error {
	for range 4 {
		hf, err := s.file(kind)
		if err != nil {
			s.m.sinkErrors.WithLabelValues(kind).Inc()
			return err
		}
		err = hf.append(data)
		if err == errFileClosed {
			continue // rotated or failed meanwhile: look it up again
		}
		return err
	}
	return errFileClosed
}

// file returns the open file for kind's rows now, opening it if needed.
func (s *Sink) file(kind string) (*hourFile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrSinkClosed
	}
	if h := s.now().UTC().Truncate(time.Hour); h.After(s.hour) {
		s.hour = h
		s.rotateLocked()
	}
	key := fileKey{kind, s.hour.Unix() / 3600}
	if hf := s.files[key]; hf != nil && !hf.dead.Load() {
		return hf, nil
	}
	path := s.Path(kind, s.hour)
	f, size, err := s.openAppend(path)
	if err != nil {
		return nil, err
	}
	hf := &hourFile{s: s, kind: kind, path: path, f: f, size: size}
	hf.cond.L = &hf.mu
	s.files[key] = hf
	return hf, nil
}

// Rotate closes the files of past hours (and compresses them with
// GzipClosed). It runs on its own every minute and on the first write of an
// hour; tests call it after moving the clock.
func (s *Sink) Rotate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if h := s.now().UTC().Truncate(time.Hour); h.After(s.hour) {
		s.hour = h
	}
	s.rotateLocked()
}

func (s *Sink) rotateLocked() {
	cur := s.hour.Unix() / 3600
	for key, hf := range s.files {
		if key.hour >= cur {
			continue
		}
		delete(s.files, key)
		s.bg.Add(1)
		go func() {
			defer s.bg.Done()
			if err := hf.close(); err != nil {
				s.log.Error("closing output file", "path", hf.path, "err", err)
				return
			}
			if s.gzipClosed {
				s.gzip(hf.path)
			}
		}()
	}
}

func (s *Sink) rotateLoop() {
	defer s.loop.Done()
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.Rotate()
		}
	}
}

// Close waits for writes in progress, fsyncs and closes every file, waits for
// background compressions, and releases the lock. Files of the current hour
// are left uncompressed (they are appended to again after a restart).
func (s *Sink) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	files := s.files
	s.files = nil
	close(s.stop)
	s.mu.Unlock()
	var first error
	for _, hf := range files {
		if err := hf.close(); err != nil && first == nil {
			first = err
		}
	}
	s.loop.Wait()
	s.bg.Wait()
	if err := s.lock.Close(); err != nil && first == nil {
		first = err
	}
	return first
}

// hourFile is one open output file. Writers append their batch to the
// current group; the first writer that finds no write in progress writes and
// fsyncs the whole group, and every writer of the group gets its result.
type hourFile struct {
	s    *Sink
	kind string
	path string
	dead atomic.Bool // closed after an error or rotation: look up again

	mu       sync.Mutex
	cond     sync.Cond
	f        *os.File // nil once closed
	size     int64    // bytes durably written and acknowledged
	cur      *group   // batches waiting for the next write
	spare    []byte
	flushing bool
	closed   bool
}

type group struct {
	buf     []byte
	batches int
	done    bool
	err     error
}

func (hf *hourFile) append(data []byte) error {
	hf.mu.Lock()
	defer hf.mu.Unlock()
	if hf.closed {
		return errFileClosed
	}
	g := hf.cur
	if g == nil {
		g = &group{buf: hf.spare[:0]}
		hf.spare = nil
		hf.cur = g
	}
	g.buf = append(g.buf, data...)
	g.batches++
	for !g.done {
		if hf.flushing {
			hf.cond.Wait()
			continue
		}
		// Lead: g is necessarily the current group.
		hf.cur = nil
		if hf.f == nil {
			g.err, g.done = errFileClosed, true
			hf.cond.Broadcast()
			break
		}
		hf.flushing = true
		hf.mu.Unlock()
		err := hf.flush(g.buf)
		hf.mu.Lock()
		hf.flushing = false
		g.err, g.done = err, true
		hf.s.m.sinkBatches.Observe(float64(g.batches))
		if err != nil {
			hf.closed = true
			hf.dead.Store(true)
		} else if cap(g.buf) <= 8<<20 {
			hf.spare = g.buf[:0]
		}
		hf.cond.Broadcast()
	}
	return g.err
}

// flush writes buf with one write and fsyncs. On failure it truncates the
// file back to its acknowledged size and closes it. The caller holds the
// flushing flag, which gives it hf.f and hf.size.
func (hf *hourFile) flush(buf []byte) error {
	start := time.Now()
	n, err := hf.f.Write(buf)
	if err == nil {
		err = datasync(hf.f)
	}
	hf.s.m.sinkLatency.WithLabelValues(hf.kind).Observe(time.Since(start).Seconds())
	if err == nil {
		hf.size += int64(n)
		hf.s.m.sinkBytes.WithLabelValues(hf.kind).Add(float64(n))
		return nil
	}
	hf.s.m.sinkErrors.WithLabelValues(hf.kind).Inc()
	hf.s.log.Error("writing output file", "path", hf.path, "err", err)
	if n > 0 {
		if terr := hf.f.Truncate(hf.size); terr != nil {
			// The torn tail is removed when the file is opened again.
			hf.s.log.Warn("truncating a failed write", "path", hf.path, "err", terr)
		}
	}
	hf.f.Close()
	hf.f = nil
	return err
}

// close waits for writes in progress and closes the file.
func (hf *hourFile) close() error {
	hf.mu.Lock()
	hf.closed = true
	hf.dead.Store(true)
	for hf.flushing || hf.cur != nil {
		hf.cond.Wait()
	}
	f := hf.f
	hf.f = nil
	hf.mu.Unlock()
	if f == nil {
		return nil
	}
	err := datasync(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// openAppend opens path for appending, creating it and its directories
// (made durable with fsyncs of the parents), and truncates a torn last line.
// It returns the file and its size.
func (s *Sink) openAppend(path string) (*os.File, int64, error) {
	dir := filepath.Dir(path)
	if err := s.mkdirAll(dir); err != nil {
		return nil, 0, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, 0, err
	}
	size, err := s.repairTail(f)
	if err == nil {
		err = syncDir(dir) // the file's directory entry, if just created
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, size, nil
}

// mkdirAll creates dir and its missing parents, fsyncing the parent of each
// one it creates.
func (s *Sink) mkdirAll(dir string) error {
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return nil
	}
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		missing = append(missing, d)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range missing {
		if err := syncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

// repairTail truncates what follows the last newline of a regular file: a
// row torn by a crash in the middle of a write, never acknowledged. It
// returns the file's size afterwards.
func (s *Sink) repairTail(f *os.File) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	size := st.Size()
	if !st.Mode().IsRegular() || size == 0 {
		return size, nil
	}
	keep, err := lastNewlineEnd(f, size)
	if err != nil || keep == size {
		return size, err
	}
	if err := f.Truncate(keep); err != nil {
		return 0, err
	}
	if err := datasync(f); err != nil {
		return 0, err
	}
	s.m.torn.Add(float64(size - keep))
	s.log.Warn("truncated a torn last line (an unacknowledged write cut short by a crash)",
		"path", f.Name(), "bytes", size-keep, "size", keep)
	return keep, nil
}

// lastNewlineEnd returns the offset just after the last '\n' of the first
// size bytes of f, or 0 if there is none.
func lastNewlineEnd(f *os.File, size int64) (int64, error) {
	buf := make([]byte, 64<<10)
	end := size
	for end > 0 {
		n := int64(len(buf))
		if n > end {
			n = end
		}
		if _, err := f.ReadAt(buf[:n], end-n); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return end - n + int64(i) + 1, nil
		}
		end -= n
	}
	return 0, nil
}

// syncDir fsyncs a directory, so that entries created in it survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	d.Close()
	if err != nil && runtime.GOOS == "windows" {
		return nil
	}
	return err
}

// recover repairs this host's files after a crash: truncates torn last
// lines, removes temporary files of interrupted compressions, and with
// GzipClosed compresses files of past hours.
func (s *Sink) recover() error {
	suffix := "-" + s.host + ".ndjson"
	current := map[string]bool{}
	for _, k := range []string{KindNetwork, KindAudit, KindDeadLetter} {
		current[s.Path(k, s.hour)] = true
	}
	var closed []string
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == s.dir {
				return err
			}
			s.log.Warn("scanning output directory", "path", path, "err", err)
			return nil
		}
		name := d.Name()
		if !d.Type().IsRegular() || !strings.HasPrefix(name, "tailscale-") {
			return nil
		}
		switch {
		case strings.HasSuffix(name, suffix+".gz.tmp"):
			if err := os.Remove(path); err != nil {
				s.log.Warn("removing an interrupted compression", "path", path, "err", err)
			}
		case strings.HasSuffix(name, suffix):
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				return err
			}
			_, err = s.repairTail(f)
			f.Close()
			if err != nil {
				return err
			}
			if !current[path] {
				closed = append(closed, path)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("recovering %s: %w", s.dir, err)
	}
	if s.gzipClosed && len(closed) > 0 {
		s.bg.Add(1)
		go func() {
			defer s.bg.Done()
			for _, p := range closed {
				select {
				case <-s.stop:
					return
				default:
				}
				s.gzip(p)
			}
		}()
	}
	return nil
}

// gzip compresses a closed file to path.gz and removes path. If path.gz
// exists already (the clock went back an hour, or a crash came between the
// rename and the removal), the new data is appended to it as another gzip
// member. Errors are logged; the uncompressed file is then kept.
func (s *Sink) gzip(path string) {
	if err := gzipFile(path); err != nil {
		s.log.Error("compressing a closed file (it is kept uncompressed)", "path", path, "err", err)
	}
}

func gzipFile(path string) error {
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	dst := path + ".gz"
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if out != nil {
			out.Close()
			os.Remove(tmp)
		}
	}()
	if old, err := os.Open(dst); err == nil {
		_, err = io.Copy(out, old)
		old.Close()
		if err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	zw, err := gzip.NewWriterLevel(out, gzip.DefaultCompression)
	if err != nil {
		return err
	}
	zw.Name = filepath.Base(path)
	if _, err := io.Copy(zw, src); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := out.Sync(); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		out = nil
		os.Remove(tmp)
		return err
	}
	out = nil
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	dir := filepath.Dir(path)
	if err := syncDir(dir); err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return err
	}
	return syncDir(dir)
}

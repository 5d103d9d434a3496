package serve

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/tslogs/tslogs/internal/safefs"
)

var (
	// ErrSinkClosed is returned by Sink.Commit after Close.
	ErrSinkClosed = errors.New("sink is closed")
)

// Defaults of SinkOptions.
const (
	DefaultFileMode    = safefs.DefaultFileMode
	DefaultDedupe      = 15 * time.Minute
	DefaultMaxBatchIDs = 100_000
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
	// FileMode is the mode of new files (DefaultFileMode, 0640, when 0);
	// directories get it with x added wherever r is (0750). The umask
	// applies.
	FileMode os.FileMode
	// Dedupe is how long the IDs of committed batches are remembered, so
	// that a batch committed again within that time is acknowledged without
	// being stored twice (DefaultDedupe when 0; negative: never). At most
	// MaxBatchIDs (DefaultMaxBatchIDs when 0) are remembered; the oldest go
	// first.
	Dedupe      time.Duration
	MaxBatchIDs int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Logger gets warnings (slog.Default when nil).
	Logger *slog.Logger
	// Metrics, when not nil, get the sink's metrics.
	Metrics *Metrics
	// Inject, for tests, is called before every open, write, fsync and
	// truncate of an output file (kind "network", "audit", "deadletter")
	// or of the journal ("journal"); an error it returns fails that
	// operation. It is the seam for faults the kernel cannot be made to
	// give on demand, such as EIO.
	Inject func(op, kind string) error
}

// BatchID identifies a batch by its content (the digest of the request
// body), so that a retried body is recognised.
type BatchID [32]byte

// IsZero reports whether the ID is unset.
func (id BatchID) IsZero() bool { return id == BatchID{} }

func (id BatchID) String() string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// Part is the data of a batch for one kind of file: for the Sink, whole
// lines, each ending with '\n'; for an object store, one object's content
// and its Key.
type Part struct {
	Kind string
	Data []byte
	// Key is where an object store puts the part, relative to its root
	// (p_log_type=…/dt=…/hour=…/NAME.parquet); the Sink has none.
	Key string
}

// Batch is what one request stores: its parts, and its ID (zero for none).
type Batch struct {
	ID    BatchID
	Parts []Part
	// Gone, when not nil, is closed once the sender has stopped waiting
	// for the reply (its connection closed): it will retry on its own. An
	// ObjectStore then leaves a failed batch's objects for the retry to
	// overwrite rather than delete what a retry elsewhere may have stored
	// meanwhile (see ObjectStore.Commit).
	Gone <-chan struct{}
}

func (b *Batch) empty() bool {
	for _, p := range b.Parts {
		if len(p.Data) > 0 {
			return false
		}
	}
	return true
}

// Store keeps acknowledged batches. The Sink (hourly NDJSON files) is one;
// other back ends implement the same contract.
type Store interface {
	// Commit makes every part of b durable, or none of them: after an
	// error no part of b is visible, then or after a crash. A batch whose
	// ID the store has committed before (and still remembers) is not
	// stored again, and Commit returns nil.
	Commit(b *Batch) error
	// Committed reports whether a batch with this ID has been committed
	// (and is still remembered).
	Committed(id BatchID) bool
	// Check returns nil when the store can take batches: its last commit
	// succeeded, or a test write has succeeded since.
	Check() error
	// Close commits the batches in progress and releases the store.
	Close() error
}

// Sink appends batches to hourly files, durably and all or nothing: a
// batch's parts go to the network, audit and dead-letter files of the
// hour, and the batch is committed by a line in the journal (see journal)
// written and fsynced after the files. Batches that arrive while a commit
// is in progress are committed together by the next one (group commit).
type Sink struct {
	d          *safefs.Dir
	dir, host  string
	gzipClosed bool
	now        func() time.Time
	log        *slog.Logger
	m          *Metrics
	inject     func(op, kind string) error
	lock       *os.File

	mu     sync.Mutex
	cond   sync.Cond
	busy   bool // the commit role is taken (a commit, rotation, probe or Close)
	queue  []*pending
	closed bool

	// Owned by the holder of the commit role.
	hour       time.Time           // latest hour used; never goes backwards, even across restarts
	files      map[string]*outFile // open files of the current hour, by kind
	sizes      map[string]int64    // committed size of each file not yet closed, by relative path
	j          *journal
	failedKind string // the file whose operation failed last, "" after a success

	ids    *batchIDs
	health health

	bg   sync.WaitGroup // closing and gzipping in the background
	loop sync.WaitGroup // the rotation loop
	stop chan struct{}
}

type outFile struct {
	rel  string
	f    *os.File
	hour time.Time
}

type pending struct {
	b    *Batch
	done bool
	err  error
}

// OpenSink opens the output tree: it takes the host's lock, reads the
// journal, rolls back what a crash left of unacknowledged batches (and
// truncates torn last lines of files the journal does not know), removes
// temporary files of interrupted compressions, and (with GzipClosed)
// compresses this host's files of past hours in the background. Only files
// whose names parse as this host's exactly are touched.
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
		inject:     opt.Inject,
		files:      make(map[string]*outFile),
		sizes:      make(map[string]int64),
		stop:       make(chan struct{}),
	}
	s.cond.L = &s.mu
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.m == nil {
		s.m = NewMetrics()
	}
	s.ids = newBatchIDs(opt.Dedupe, opt.MaxBatchIDs, s.now)
	mode := opt.FileMode.Perm()
	if mode == 0 {
		mode = DefaultFileMode
	}
	d, err := safefs.Open(s.dir, safefs.DirMode(mode), mode)
	if err != nil {
		return nil, err
	}
	s.d = d
	lock, err := lockFile(d, ".lock-"+s.host)
	if err != nil {
		d.Close()
		return nil, err
	}
	s.lock = lock
	if err := s.recover(); err != nil {
		lock.Close()
		d.Close()
		return nil, fmt.Errorf("recovering %s: %w", s.dir, err)
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
	return filepath.Join(s.dir, filepath.FromSlash(relPath(kind, hour, s.host)))
}

// fault is the test seam: the error SinkOptions.Inject gives for op on
// kind's file, or nil.
func (s *Sink) fault(op, kind string) error {
	if s.inject == nil {
		return nil
	}
	if err := s.inject(op, kind); err != nil {
		return &os.PathError{Op: op + " (injected)", Path: kind, Err: err}
	}
	return nil
}

// acquire takes the commit role, release gives it back.
func (s *Sink) acquire() {
	s.mu.Lock()
	for s.busy {
		s.cond.Wait()
	}
	s.busy = true
	s.mu.Unlock()
}

func (s *Sink) release() {
	s.mu.Lock()
	s.busy = false
	s.cond.Broadcast()
	s.mu.Unlock()
}

// Commit stores b all or nothing (see Store): it returns once every part of
// b is written and fsynced and the batch's journal line is on disk, or with
// an error after which no part of b is anywhere (the files were truncated
// back). Batches committed together share one outcome.
func (s *Sink) Commit(b *Batch) error {
	if b.empty() {
		return nil
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrSinkClosed
	}
	p := &pending{b: b}
	s.queue = append(s.queue, p)
	for !p.done && s.busy {
		s.cond.Wait()
	}
	if p.done {
		s.mu.Unlock()
		return p.err
	}
	// Lead the commit of every batch waiting.
	s.busy = true
	group := s.queue
	s.queue = nil
	s.mu.Unlock()
	s.commitGroup(group)
	s.release()
	return p.err
}

// Committed reports whether a batch with this ID was committed within the
// dedupe time.
func (s *Sink) Committed(id BatchID) bool { return s.ids.has(id) }

// written is a file a commit wrote to, and its committed size before.
type written struct {
	kind string
	of   *outFile
	pre  int64
	n    int64
}

// commitGroup commits the batches of group together and gives each its
// outcome. The caller holds the commit role.
func (s *Sink) commitGroup(group []*pending) {
	err := s.commitParts(group)
	s.mu.Lock()
	for _, p := range group {
		p.done, p.err = true, err
	}
	s.cond.Broadcast()
	s.mu.Unlock()
}

func (s *Sink) commitParts(group []*pending) error {
	start := time.Now()
	s.advanceHour()
	// Batches already committed (a retry whose first try was acknowledged
	// to nobody) are left out; they succeed.
	var ids []BatchID
	var data [len(kinds)][][]byte
	batches := 0
	seen := map[BatchID]bool{}
	for _, p := range group {
		id := p.b.ID
		if !id.IsZero() && (seen[id] || s.Committed(id)) {
			s.m.duplicates.Inc()
			continue
		}
		if !id.IsZero() {
			seen[id] = true
			ids = append(ids, id)
		}
		batches++
		for _, part := range p.b.Parts {
			for k, kind := range kinds {
				if part.Kind == kind && len(part.Data) > 0 {
					data[k] = append(data[k], part.Data)
				}
			}
		}
	}
	if batches == 0 {
		return nil
	}

	var done []written
	var err error
	for k, kind := range kinds {
		if len(data[k]) == 0 {
			continue
		}
		var of *outFile
		if of, err = s.file(kind); err != nil {
			s.failedKind = kind
			break
		}
		w := written{kind: kind, of: of, pre: s.sizes[of.rel]}
		done = append(done, w)
		for _, b := range data[k] {
			if err = s.fault("write", kind); err == nil {
				_, err = of.f.Write(b)
			}
			if err != nil {
				break
			}
			done[len(done)-1].n += int64(len(b))
		}
		if err != nil {
			s.failedKind = kind
			break
		}
	}
	if err == nil {
		err = s.syncAll(done)
	}
	var rec *journalRecord
	if err == nil {
		rec = &journalRecord{T: s.now().UnixNano(), Files: map[string]int64{}}
		for _, w := range done {
			rec.Files[w.of.rel] = w.pre + w.n
		}
		for _, id := range ids {
			rec.IDs = append(rec.IDs, id.String())
		}
		if err = s.j.append(rec); err != nil {
			s.failedKind = kindJournal
		}
	}
	if err != nil {
		s.m.sinkErrors.WithLabelValues(s.failedKind).Inc()
		s.log.Error("storing a batch failed; rolling it back", "file", s.failedKind, "err", err)
		s.rollback(done)
		s.health.set(err)
		return err
	}
	for _, w := range done {
		s.sizes[w.of.rel] = w.pre + w.n
		s.m.sinkBytes.WithLabelValues(w.kind).Add(float64(w.n))
	}
	s.ids.remember(ids, rec.T)
	s.failedKind = ""
	s.health.set(nil)
	s.m.sinkBatches.Observe(float64(batches))
	s.m.sinkLatency.Observe(time.Since(start).Seconds())
	if s.j.size-s.j.base > 4<<20 && s.j.size > 2*s.j.base {
		s.checkpoint()
	}
	return nil
}

// syncAll fsyncs the files written, in parallel.
func (s *Sink) syncAll(ws []written) error {
	errs := make([]error, len(ws))
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = s.fault("sync", w.kind); errs[i] == nil {
				errs[i] = safefs.Datasync(w.of.f)
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			s.failedKind = ws[i].kind
			return err
		}
	}
	return nil
}

// rollback truncates every file a failed commit wrote back to its committed
// size and closes it: the next commit opens it again, and opening truncates
// it to its committed size if the truncation here failed.
func (s *Sink) rollback(ws []written) {
	for _, w := range ws {
		if err := s.truncate(w.kind, w.of.f, w.pre); err != nil {
			s.log.Warn("truncating a failed write (done when the file is opened again)", "path", w.of.f.Name(), "err", err)
		}
		w.of.f.Close()
		delete(s.files, w.kind)
	}
}

func (s *Sink) truncate(kind string, f *os.File, size int64) error {
	if err := s.fault("truncate", kind); err != nil {
		return err
	}
	if err := f.Truncate(size); err != nil {
		return err
	}
	return safefs.Datasync(f)
}

// file returns kind's open file of the current hour, opening it if needed.
// A file the journal knows is truncated to its committed size (bytes after
// it are a batch never acknowledged); a new file is registered in the
// journal before anything is written to it, so that a crash during its
// first batch is rolled back too. The caller holds the commit role.
func (s *Sink) file(kind string) (*outFile, error) {
	if of := s.files[kind]; of != nil {
		return of, nil
	}
	rel := relPath(kind, s.hour, s.host)
	if err := s.fault("open", kind); err != nil {
		return nil, err
	}
	f, err := s.d.OpenFile(rel, os.O_RDWR|os.O_APPEND, true)
	if err != nil {
		return nil, err
	}
	size, known, err := s.reconcile(kind, rel, f)
	if err == nil && !known {
		err = s.j.append(&journalRecord{T: s.now().UnixNano(), Files: map[string]int64{rel: size}})
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	s.sizes[rel] = size
	of := &outFile{rel: rel, f: f, hour: s.hour}
	s.files[kind] = of
	return of, nil
}

// reconcile brings an opened file to its committed size: truncates bytes
// after the size the journal gives, or, for a file the journal does not
// know, a torn last line. It returns the size.
func (s *Sink) reconcile(kind, rel string, f *os.File) (size int64, known bool, err error) {
	st, err := f.Stat()
	if err != nil {
		return 0, false, err
	}
	if !st.Mode().IsRegular() {
		return 0, false, fmt.Errorf("%s is not a regular file", f.Name())
	}
	committed, known := s.sizes[rel]
	switch {
	case !known:
		size, err = s.repairTail(kind, f, st.Size())
		return size, false, err
	case st.Size() > committed:
		if err := s.truncate(kind, f, committed); err != nil {
			return 0, true, err
		}
		s.m.rolledBack.Add(float64(st.Size() - committed))
		s.log.Warn("rolled back the end of a file: a batch that was never acknowledged",
			"path", f.Name(), "bytes", st.Size()-committed, "size", committed)
	case st.Size() < committed:
		s.log.Error("file is shorter than its acknowledged size: data was lost outside tslogs serve",
			"path", f.Name(), "size", st.Size(), "acknowledged", committed)
		committed = st.Size()
	}
	return committed, true, nil
}

// repairTail truncates what follows the last newline of a file the journal
// does not know (one of an older version, or of a crash before its first
// journal line): a row torn by a crash in the middle of a write, never
// acknowledged. It returns the file's size afterwards.
func (s *Sink) repairTail(kind string, f *os.File, size int64) (int64, error) {
	if size == 0 {
		return 0, nil
	}
	keep, err := lastNewlineEnd(f, size)
	if err != nil || keep == size {
		return size, err
	}
	if err := s.truncate(kind, f, keep); err != nil {
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
		n := min(int64(len(buf)), end)
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

// advanceHour moves to the clock's hour if it is later (the hour never goes
// backwards), closing the files of past hours. The caller holds the commit
// role.
func (s *Sink) advanceHour() {
	h := s.now().UTC().Truncate(time.Hour)
	if !h.After(s.hour) {
		return
	}
	s.hour = h
	for kind, of := range s.files {
		if err := safefs.Datasync(of.f); err != nil {
			s.log.Error("closing output file", "path", of.f.Name(), "err", err)
		}
		of.f.Close()
		delete(s.files, kind)
	}
	s.closePast()
	s.checkpoint()
}

// closePast checks the files of past hours the journal still knows: each is
// brought to its committed size (it is complete, nothing is written to it
// any more), forgotten, and compressed with GzipClosed. A file that cannot
// be checked stays known, to be checked again at the next hour or start.
func (s *Sink) closePast() {
	var closed []string
	for rel := range s.sizes {
		n, ok := parseName(filepath.Base(rel))
		if !ok || !n.hour.Before(s.hour) {
			continue
		}
		if _, err := s.settle(n.kind, rel); err != nil {
			s.log.Error("checking a file of a past hour", "path", rel, "err", err)
			continue
		}
		delete(s.sizes, rel)
		closed = append(closed, rel)
	}
	s.compress(closed)
}

// settle brings a file that is not open to its committed size (see
// reconcile) and returns that size. It opens the file for writing only when
// something is to be truncated, so that a file made read-only or immutable
// after it was complete is no obstacle.
func (s *Sink) settle(kind, rel string) (int64, error) {
	f, err := s.d.OpenFile(rel, os.O_RDONLY, false)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	committed, known := s.sizes[rel]
	switch {
	case known && st.Size() <= committed:
		if st.Size() < committed {
			s.log.Error("file is shorter than its acknowledged size: data was lost outside tslogs serve",
				"path", f.Name(), "size", st.Size(), "acknowledged", committed)
		}
		return st.Size(), nil
	case !known:
		if keep, err := lastNewlineEnd(f, st.Size()); err != nil || keep == st.Size() {
			return st.Size(), err
		}
	}
	w, err := s.d.OpenFile(rel, os.O_RDWR, false)
	if err != nil {
		return 0, err
	}
	defer w.Close()
	size, _, err := s.reconcile(kind, rel, w)
	return size, err
}

// compress gzips the closed files rels in the background (with GzipClosed).
func (s *Sink) compress(rels []string) {
	if !s.gzipClosed || len(rels) == 0 {
		return
	}
	sort.Strings(rels)
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		for _, rel := range rels {
			select {
			case <-s.stop:
				return
			default:
			}
			if err := s.gzipFile(rel); err != nil {
				s.log.Error("compressing a closed file (it is kept uncompressed)", "path", rel, "err", err)
			}
		}
	}()
}

// checkpoint rewrites the journal with only what it must keep: the sizes
// of the files not yet closed and the batch IDs still remembered. The
// caller holds the commit role.
func (s *Sink) checkpoint() {
	now := s.now().UnixNano()
	recs := []*journalRecord{{T: now, Files: maps(s.sizes)}}
	var cur *journalRecord
	s.ids.each(func(e idEntry) {
		sec := e.t / 1e9 * 1e9
		if cur == nil || cur.T != sec {
			cur = &journalRecord{T: sec}
			recs = append(recs, cur)
		}
		cur.IDs = append(cur.IDs, e.id.String())
	})
	if err := s.j.checkpoint(recs); err != nil {
		s.log.Warn("rewriting the commit journal (it keeps growing until this works)", "err", err)
	}
}

func maps(m map[string]int64) map[string]int64 {
	c := make(map[string]int64, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// Rotate closes the files of past hours (and compresses them with
// GzipClosed). It runs on its own every minute and on the first commit of
// an hour; tests call it after moving the clock.
func (s *Sink) Rotate() {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return
	}
	s.acquire()
	defer s.release()
	s.advanceHour()
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

// Check returns nil when the sink can take writes: when its last commit
// succeeded, or else when a test of the failed file succeeds (at most one
// test a second). The test opens the current hour's file of the kind that
// failed (or appends an empty line to the journal), and writes and fsyncs
// 4 KiB to a new file beside it, which is then removed: a real write, so
// that a full disk, an unwritable or immutable file or directory, or an
// I/O error keeps failing it.
func (s *Sink) Check() error { return s.health.check(s.probe) }

func (s *Sink) probe() error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrSinkClosed
	}
	s.acquire()
	defer s.release()
	if !s.health.failed.Load() {
		return nil // a commit succeeded meanwhile
	}
	s.advanceHour()
	kind := s.failedKind
	if kind == kindJournal || kind == "" {
		if err := s.j.append(&journalRecord{T: s.now().UnixNano()}); err != nil {
			return err
		}
		return s.probeWrite(kindJournal, ".probe-"+s.host)
	}
	of, err := s.file(kind)
	if err != nil {
		return err
	}
	dir, _ := safefs.Split(of.rel)
	return s.probeWrite(kind, dir+"/.probe-"+s.host)
}

// probeWrite writes and fsyncs 4 KiB to a new file rel, then removes it.
func (s *Sink) probeWrite(kind, rel string) error {
	f, err := s.d.OpenFile(rel, os.O_WRONLY|os.O_TRUNC, true)
	if err != nil {
		return err
	}
	err = s.fault("write", kind)
	if err == nil {
		_, err = f.Write(make([]byte, 4096))
	}
	if err == nil {
		if err = s.fault("sync", kind); err == nil {
			err = safefs.Datasync(f)
		}
	}
	f.Close()
	if rerr := s.d.Remove(rel); err == nil {
		err = rerr
	}
	return err
}

// Close commits the batches waiting, fsyncs and closes every file, waits
// for background compressions, and releases the lock. Files of the current
// hour are left uncompressed (they are appended to again after a restart).
func (s *Sink) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.stop)
	s.mu.Unlock()
	s.loop.Wait()
	s.acquire()
	s.mu.Lock()
	group := s.queue
	s.queue = nil
	s.mu.Unlock()
	if len(group) > 0 {
		s.commitGroup(group)
	}
	var first error
	for _, of := range s.files {
		err := safefs.Datasync(of.f)
		if cerr := of.f.Close(); err == nil {
			err = cerr
		}
		if err != nil && first == nil {
			first = err
		}
	}
	s.files = nil
	if err := s.j.close(); err != nil && first == nil {
		first = err
	}
	s.release()
	s.bg.Wait()
	if err := s.lock.Close(); err != nil && first == nil {
		first = err
	}
	s.d.Close()
	return first
}

// recover reads the journal and repairs this host's files after a crash
// (see OpenSink), and sets the hour: the clock's, or the newest hour of this
// host's files if that is later (a clock set back across a restart never
// makes the receiver write to, or compress, a file it has compressed or
// may write to again).
func (s *Sink) recover() error {
	j, recs, err := s.openJournal()
	if err != nil {
		return err
	}
	s.j = j
	var ids []idEntry
	for _, r := range recs {
		for rel, size := range r.Files {
			s.sizes[rel] = size
		}
		for _, id := range r.IDs {
			var b BatchID
			if n, err := base64.RawURLEncoding.Decode(b[:], []byte(id)); err == nil && n == len(b) {
				ids = append(ids, idEntry{b, r.T})
			}
		}
	}
	s.ids.load(ids)

	s.hour = s.now().UTC().Truncate(time.Hour)
	type found struct {
		rel string
		n   outName
	}
	var plain []found
	err = filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == s.dir {
				return err
			}
			s.log.Warn("scanning output directory", "path", path, "err", err)
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		n, ok := parseName(d.Name())
		if !ok || n.host != s.host {
			return nil
		}
		rel, err := filepath.Rel(s.dir, path)
		if err != nil {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if n.hour.After(s.hour) {
			s.hour = n.hour
		}
		switch n.ext {
		case extTmp:
			if err := s.d.Remove(rel); err != nil {
				s.log.Warn("removing an interrupted compression", "path", path, "err", err)
			}
		case extPlain:
			plain = append(plain, found{rel, n})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if s.hour.After(s.now().UTC()) {
		s.log.Warn("the clock is behind this receiver's newest file: writing to that file's hour until the clock catches up",
			"hour", s.hour.Format(time.RFC3339))
	}
	var closed []string
	for _, p := range plain {
		size, err := s.settle(p.n.kind, p.rel)
		if err != nil {
			return err
		}
		if p.n.hour.Before(s.hour) {
			delete(s.sizes, p.rel)
			closed = append(closed, p.rel)
		} else {
			s.sizes[p.rel] = size
		}
	}
	// Files the journal knows that are gone (compressed, or removed by
	// hand) are forgotten.
	for rel := range s.sizes {
		if n, ok := parseName(filepath.Base(rel)); !ok || n.hour.Before(s.hour) {
			delete(s.sizes, rel)
		}
	}
	s.checkpoint()
	s.compress(closed)
	return nil
}

// gzipFile compresses the closed file rel to rel.gz and removes rel: the
// compressed data is written to rel.gz.tmp, fsynced and renamed. The gzip
// header's comment records the source's size and CRC-32, so that if a crash
// came between the rename and the removal, the next start removes the
// source instead of compressing it again. If rel.gz exists and is not the
// source's compressed copy, both are kept (and this is an error): nothing
// is ever compressed twice or lost.
func (s *Sink) gzipFile(rel string) error {
	src, err := s.d.OpenFile(rel, os.O_RDONLY, false)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	defer src.Close()
	crc := crc32.NewIEEE()
	size, err := io.Copy(crc, src)
	if err != nil {
		return err
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return err
	}
	base := filepath.Base(rel)
	mark := fmt.Sprintf("tslogs: %s, %d bytes, crc32 %08x", base, size, crc.Sum32())
	gzRel := rel[:len(rel)-len(extPlain)] + extGzip
	if old, err := s.d.OpenFile(gzRel, os.O_RDONLY, false); err == nil {
		zr, err := gzip.NewReader(old)
		same := err == nil && zr.Header.Comment == mark
		old.Close()
		if !same {
			return fmt.Errorf("%s exists and is not this file's compressed copy; keeping both", gzRel)
		}
		return s.removeSynced(rel)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	tmp := gzRel + ".tmp"
	out, err := s.d.OpenFile(tmp, os.O_WRONLY|os.O_TRUNC, true)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(out, gzip.DefaultCompression)
	zw.Name, zw.Comment = base, mark
	_, err = io.Copy(zw, src)
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = safefs.Datasync(out)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = s.d.Rename(tmp, gzRel)
	}
	if err != nil {
		s.d.Remove(tmp)
		return err
	}
	return s.removeSynced(rel)
}

func (s *Sink) removeSynced(rel string) error {
	if err := s.d.Remove(rel); err != nil {
		return err
	}
	dir, _ := safefs.Split(rel)
	return s.d.SyncDir(dir)
}

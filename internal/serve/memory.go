package serve

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// batchIDs remembers the IDs of committed batches, so that a batch
// committed again is recognised: each for the dedupe time (none when it is
// negative), at most max of them, the oldest forgotten first. Every Store
// of this package keeps one.
type batchIDs struct {
	mu     sync.Mutex
	dedupe time.Duration
	max    int
	now    func() time.Time
	ids    map[BatchID]int64 // committed batch IDs and when (Unix nanoseconds)
	q      []idEntry         // the same, oldest first
}

type idEntry struct {
	id BatchID
	t  int64
}

// newBatchIDs returns a memory of IDs; dedupe 0 and max ≤ 0 mean
// DefaultDedupe and DefaultMaxBatchIDs.
func newBatchIDs(dedupe time.Duration, max int, now func() time.Time) *batchIDs {
	if dedupe == 0 {
		dedupe = DefaultDedupe
	}
	if max <= 0 {
		max = DefaultMaxBatchIDs
	}
	return &batchIDs{dedupe: dedupe, max: max, now: now, ids: map[BatchID]int64{}}
}

// has reports whether id was committed within the dedupe time.
func (m *batchIDs) has(id BatchID) bool {
	if id.IsZero() || m.dedupe < 0 {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire()
	_, ok := m.ids[id]
	return ok
}

func (m *batchIDs) expire() {
	old := m.now().Add(-m.dedupe).UnixNano()
	n := 0
	for n < len(m.q) && (m.q[n].t < old || len(m.q)-n > m.max) {
		if m.ids[m.q[n].id] == m.q[n].t {
			delete(m.ids, m.q[n].id)
		}
		n++
	}
	if n > 0 {
		m.q = append(m.q[:0], m.q[n:]...)
	}
}

// remember records ids as committed at t (Unix nanoseconds).
func (m *batchIDs) remember(ids []BatchID, t int64) {
	if m.dedupe < 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		m.ids[id] = t
		m.q = append(m.q, idEntry{id, t})
	}
	m.expire()
}

// load records IDs read back at a start, in any order.
func (m *batchIDs) load(entries []idEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range entries {
		m.ids[e.id] = e.t
	}
	m.q = append(m.q, entries...)
	sort.SliceStable(m.q, func(i, k int) bool { return m.q[i].t < m.q[k].t })
	m.expire()
}

// each calls fn for every ID still remembered, oldest first.
func (m *batchIDs) each(fn func(idEntry)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire()
	for _, e := range m.q {
		fn(e)
	}
}

// health is a Store's Check: nil while the last commit succeeded; after a
// failed one, the result of a test write (probe), made at most once a
// second, until a test or a commit succeeds.
type health struct {
	failed atomic.Bool
	mu     sync.Mutex
	at     time.Time
	err    error
}

// set records a commit's outcome.
func (h *health) set(err error) { h.failed.Store(err != nil) }

func (h *health) check(probe func() error) error {
	if !h.failed.Load() {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if now := time.Now(); now.Sub(h.at) >= time.Second {
		h.at = now
		h.err = probe()
		if h.err == nil {
			h.failed.Store(false)
		}
	}
	return h.err
}

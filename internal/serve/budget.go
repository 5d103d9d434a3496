package serve

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// budget admits request bodies by the bytes they hold in memory: a request
// reserves the memory of its body buffer before reading into it, and is
// refused (503) when the reservation would pass the limit. Reservations are
// never waited for, so no request holds memory while waiting for more.
type budget struct {
	mu    sync.Mutex
	used  int64
	limit int64
	gauge prometheus.Gauge
}

func newBudget(limit int64, gauge prometheus.Gauge) *budget {
	return &budget{limit: limit, gauge: gauge}
}

// reserve takes n bytes, or reports false and takes nothing.
func (b *budget) reserve(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.limit {
		return false
	}
	b.used += n
	b.gauge.Set(float64(b.used))
	return true
}

// free gives back n bytes.
func (b *budget) free(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	b.gauge.Set(float64(b.used))
	b.mu.Unlock()
}

// batchClaims lets one request at a time work on a given body, so that a
// retry that arrives while the first try is still being stored waits for
// its outcome instead of storing the body a second time.
type batchClaims struct {
	mu sync.Mutex
	m  map[BatchID]chan struct{}
}

// claim waits until no other request holds id (or done is closed, then ok
// is false), then holds it until release is called.
func (c *batchClaims) claim(id BatchID, done <-chan struct{}) (release func(), ok bool) {
	for {
		c.mu.Lock()
		if c.m == nil {
			c.m = map[BatchID]chan struct{}{}
		}
		ch, busy := c.m[id]
		if !busy {
			ch = make(chan struct{})
			c.m[id] = ch
			c.mu.Unlock()
			return func() {
				c.mu.Lock()
				delete(c.m, id)
				c.mu.Unlock()
				close(ch)
			}, true
		}
		c.mu.Unlock()
		select {
		case <-ch:
		case <-done:
			return nil, false
		}
	}
}

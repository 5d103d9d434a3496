package ordered

import (
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type item struct {
	n, out int
}

// run produces the numbers 0..n-1 and squares them in Work, which takes a
// random moment so that items finish out of order.
func run(t *testing.T, jobs, inFlight, n int, produceErr error) ([]int, int, error) {
	t.Helper()
	var next, made, alive, maxAlive atomic.Int64
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	p := Start(Config[*item]{
		Jobs: jobs, InFlight: inFlight,
		New: func() *item { made.Add(1); return new(item) },
		Produce: func(it *item) (bool, error) {
			k := int(next.Add(1) - 1)
			if k == n {
				return false, produceErr
			}
			if a := alive.Add(1); a > maxAlive.Load() {
				maxAlive.Store(a)
			}
			it.n = k
			return true, nil
		},
		Work: func(_ int, it *item) {
			mu.Lock()
			d := time.Duration(rng.IntN(200)) * time.Microsecond
			mu.Unlock()
			time.Sleep(d)
			it.out = it.n * it.n
		},
	})
	defer p.Stop()
	var got []int
	for it, ok := p.Next(); ok; it, ok = p.Next() {
		got = append(got, it.out)
		alive.Add(-1)
		p.Release(it)
	}
	assert.LessOrEqual(t, made.Load(), int64(max(inFlight, jobs+1)), "items made")
	return got, int(maxAlive.Load()), p.Err()
}

func TestOrderKept(t *testing.T) {
	for _, c := range []struct{ jobs, inFlight int }{{1, 2}, {2, 3}, {4, 9}, {8, 4}} {
		got, maxAlive, err := run(t, c.jobs, c.inFlight, 500, nil)
		require.NoError(t, err)
		require.Len(t, got, 500)
		for i, v := range got {
			require.Equal(t, i*i, v, "item %d with %d jobs", i, c.jobs)
		}
		assert.LessOrEqual(t, maxAlive, max(c.inFlight, c.jobs+1), "items in flight")
	}
}

func TestProduceErrorAfterEarlierItems(t *testing.T) {
	boom := errors.New("boom")
	got, _, err := run(t, 3, 5, 40, boom)
	assert.ErrorIs(t, err, boom)
	assert.Len(t, got, 40, "every item made before the error is delivered")
}

// TestStopEarly: Stop ends a pipeline whose consumer stops reading, even
// with Produce blocked on its input.
func TestStopEarly(t *testing.T) {
	unblock := make(chan struct{})
	var produced atomic.Int64
	p := Start(Config[*item]{
		Jobs: 2, InFlight: 4,
		New: func() *item { return new(item) },
		Produce: func(it *item) (bool, error) {
			if produced.Add(1) > 6 {
				<-unblock // an input that never comes
				return false, nil
			}
			return true, nil
		},
		Work: func(int, *item) {},
	})
	it, ok := p.Next()
	require.True(t, ok)
	p.Release(it)
	done := make(chan struct{})
	go func() { p.Stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not return")
	}
	close(unblock)
}

// TestWorkRunsInParallel: with two jobs, the first two Work calls are
// running at the same time: each waits until the other has started.
func TestWorkRunsInParallel(t *testing.T) {
	var started sync.WaitGroup
	started.Add(2)
	var calls atomic.Int64
	var n atomic.Int64
	p := Start(Config[*item]{
		Jobs: 2, InFlight: 4,
		New:     func() *item { return new(item) },
		Produce: func(*item) (bool, error) { return n.Add(1) <= 20, nil },
		Work: func(int, *item) {
			if calls.Add(1) <= 2 {
				started.Done()
				started.Wait() // never returns unless the other call runs too
			}
		},
	})
	defer p.Stop()
	done := make(chan struct{})
	go func() {
		for it, ok := p.Next(); ok; it, ok = p.Next() {
			p.Release(it)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the first two Work calls did not run at the same time")
	}
}

// Package ordered runs work on items on several goroutines and hands the
// items back in the order they were made, with a bounded number of items in
// flight: the pattern of a parallel pipeline whose output must come out in
// input order (rows of records, in the order of the records).
//
//	p := ordered.Start(ordered.Config[*chunk]{Jobs: 4, InFlight: 10, New: newChunk, Produce: read, Work: decode})
//	defer p.Stop()
//	for c, ok := p.Next(); ok; c, ok = p.Next() {
//		write(c)
//		p.Release(c)
//	}
//	if err := p.Err(); err != nil { ... }
//
// Memory is bounded by InFlight items: Produce fills an item only when one
// is free, that is when fewer than InFlight items have been made and not yet
// released.
package ordered

import (
	"sync"
)

// Config describes a pipeline of items of type T.
type Config[T any] struct {
	// Jobs is the number of goroutines running Work (at least 1).
	Jobs int
	// InFlight bounds the items in existence (at least Jobs + 1): made by
	// Produce and not yet given back with Release.
	InFlight int
	// New makes an item, up to InFlight times; items are then reused.
	New func() T
	// Produce fills the item with the next piece of input, on a goroutine
	// of its own, in order. It returns false at the end of the input (the
	// item is then not used), and a non-nil error, reported by Err, to end
	// it early.
	Produce func(T) (bool, error)
	// Work processes an item on one of the Jobs goroutines, worker
	// (0 ≤ worker < Jobs): calls with the same worker run one after the
	// other, on the same goroutine.
	Work func(worker int, item T)
}

// A Pipeline runs a Config; see Start.
type Pipeline[T any] struct {
	cfg   Config[T]
	free  chan T
	made  int // items made by New (producer goroutine only)
	work  chan *slot[T]
	order chan *slot[T]
	stop  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup
	err   error // Produce's error, set before order is closed
}

type slot[T any] struct {
	item T
	done chan struct{}
}

// Start starts the producer and the workers.
func Start[T any](cfg Config[T]) *Pipeline[T] {
	cfg.Jobs = max(cfg.Jobs, 1)
	cfg.InFlight = max(cfg.InFlight, cfg.Jobs+1)
	p := &Pipeline[T]{
		cfg:   cfg,
		free:  make(chan T, cfg.InFlight),
		work:  make(chan *slot[T], cfg.InFlight),
		order: make(chan *slot[T], cfg.InFlight),
		stop:  make(chan struct{}),
	}
	p.wg.Add(cfg.Jobs)
	for w := range cfg.Jobs {
		go p.worker(w)
	}
	go p.produce()
	return p
}

func (p *Pipeline[T]) produce() {
	defer close(p.work)
	defer close(p.order)
	for {
		var it T
		if p.made < p.cfg.InFlight {
			select {
			case it = <-p.free:
			default:
				it = p.cfg.New()
				p.made++
			}
		} else {
			select {
			case it = <-p.free:
			case <-p.stop:
				return
			}
		}
		select {
		case <-p.stop:
			return
		default:
		}
		ok, err := p.cfg.Produce(it)
		if err != nil {
			p.err = err
			return
		}
		if !ok {
			return
		}
		s := &slot[T]{item: it, done: make(chan struct{})}
		// Both channels hold InFlight slots: as many as there are items.
		p.order <- s
		p.work <- s
	}
}

func (p *Pipeline[T]) worker(w int) {
	defer p.wg.Done()
	for {
		select {
		case <-p.stop:
			return
		case s, ok := <-p.work:
			if !ok {
				return
			}
			p.cfg.Work(w, s.item)
			close(s.done)
		}
	}
}

// Next returns the next item, in the order Produce made them, once Work
// is done with it, or false when there are no more (see Err). Give each item
// back with Release when done with it.
func (p *Pipeline[T]) Next() (T, bool) {
	s, ok := <-p.order
	if !ok {
		var zero T
		return zero, false
	}
	<-s.done
	return s.item, true
}

// Release gives an item returned by Next back for Produce to fill again.
func (p *Pipeline[T]) Release(it T) {
	p.free <- it // never blocks: at most InFlight items exist
}

// Err returns Produce's error, once Next has returned false.
func (p *Pipeline[T]) Err() error { return p.err }

// Stop ends the pipeline early (or after the end): Produce is not called
// again, and Work not for items not yet started; Next must not be called
// after it. It waits for the workers' Work calls in progress, not for a
// Produce call in progress (which may block on its input; it ends when
// that call returns). It may be called more than once.
func (p *Pipeline[T]) Stop() {
	p.once.Do(func() { close(p.stop) })
	p.wg.Wait()
}

package summary

import (
	"time"
)

// timeline holds traffic and audit counts per time bucket. Buckets start at
// multiples of width since the Unix epoch, so timelines of several workers
// line up; when there would be more than max buckets, width grows to the
// next of Widths.
type timeline struct {
	width   time.Duration
	max     int
	buckets map[int64]*bucket // by start / width
	none    bucket            // for records without a time
}

type bucket struct {
	sent            [Physical]int64 // virtual, subnet, exit: bytes sent, as reported
	direct, relayed int64           // physical bytes sent
	audit           map[string]int64
}

// Widths is the chain of bucket widths a timeline widens through, each a
// multiple of the one before, so timelines of different widths merge and
// every width reads as a round figure. A width off the chain doubles.
var Widths = []time.Duration{time.Second, 2 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute,
	5 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 7 * 24 * time.Hour, 28 * 24 * time.Hour}

// NextWidth returns the bucket width after w.
func NextWidth(w time.Duration) time.Duration {
	for i, c := range Widths[:len(Widths)-1] {
		if c == w {
			return Widths[i+1]
		}
	}
	return 2 * w
}

func newTimeline(width time.Duration, max int) timeline {
	return timeline{width: width, max: max, buckets: map[int64]*bucket{}}
}

func (b *bucket) add(k Kind, n int64) { b.sent[k] += n }
func (b *bucket) addDirect(n int64)   { b.direct += n }
func (b *bucket) addRelayed(n int64)  { b.relayed += n }

func (b *bucket) addAudit(actor string) {
	if b.audit == nil {
		b.audit = map[string]int64{}
	}
	b.audit[actor]++
}

func (b *bucket) merge(o *bucket) {
	for k := range b.sent {
		b.sent[k] += o.sent[k]
	}
	b.direct += o.direct
	b.relayed += o.relayed
	for actor, n := range o.audit {
		if b.audit == nil {
			b.audit = map[string]int64{}
		}
		b.audit[actor] += n
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// at returns the bucket of t.
func (tl *timeline) at(t time.Time) *bucket {
	if t.IsZero() {
		return &tl.none
	}
	slot := floorDiv(t.UnixNano(), int64(tl.width))
	if b := tl.buckets[slot]; b != nil {
		return b
	}
	if len(tl.buckets) >= tl.max {
		tl.widen(NextWidth(tl.width))
		slot = floorDiv(t.UnixNano(), int64(tl.width))
		if b := tl.buckets[slot]; b != nil {
			return b
		}
	}
	b := &bucket{}
	tl.buckets[slot] = b
	return b
}

// widen re-buckets the timeline to width w, a multiple of the current
// width, and keeps widening while there are max buckets or more.
func (tl *timeline) widen(w time.Duration) {
	for {
		f := int64(w / tl.width)
		if f > 1 {
			old := tl.buckets
			tl.buckets = make(map[int64]*bucket, len(old)/2+1)
			for slot, b := range old {
				ns := floorDiv(slot, f)
				if nb := tl.buckets[ns]; nb != nil {
					nb.merge(b)
				} else {
					tl.buckets[ns] = b
				}
			}
			tl.width = w
		}
		if len(tl.buckets) < tl.max {
			return
		}
		w = NextWidth(tl.width)
	}
}

func (tl *timeline) merge(o *timeline) {
	if o.width > tl.width {
		tl.widen(o.width)
	}
	f := int64(tl.width / o.width)
	for slot, b := range o.buckets {
		ns := floorDiv(slot, f)
		if nb := tl.buckets[ns]; nb != nil {
			nb.merge(b)
			continue
		}
		if len(tl.buckets) >= tl.max {
			tl.widen(NextWidth(tl.width))
			f = int64(tl.width / o.width)
			ns = floorDiv(slot, f)
			if nb := tl.buckets[ns]; nb != nil {
				nb.merge(b)
				continue
			}
		}
		nb := &bucket{}
		nb.merge(b)
		tl.buckets[ns] = nb
	}
	tl.none.merge(&o.none)
}

package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/syncbuf"
)

// A fake clock: the bar's rate is the bytes read over the time the clock
// says went by, from the first frame on.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestProgressRateFromFirstFrame(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 6, 3, 12, 0, 0, 0, time.UTC)}
	var out syncbuf.Buffer
	p := newProgressTo(&out, "flows.log", 100<<20, clock.now)

	// The first read comes at once and is large: no frame yet (a rate over
	// microseconds is the nonsense the bar used to show).
	clock.t = clock.t.Add(2 * time.Microsecond)
	p.add(1 << 20)
	assert.Empty(t, out.String(), "no frame in the first half second")

	// One second in, 10 MiB read: the first frame says 10 MiB/s.
	clock.t = clock.t.Add(time.Second - 2*time.Microsecond)
	p.add(9 << 20)
	first := out.String()
	require.NotEmpty(t, first)
	assert.Contains(t, first, "flows.log  10.0 MiB of 100.0 MiB  10.0 MiB/s  ~9s left")
	assert.NotRegexp(t, regexp.MustCompile(`[GT]iB/s`), first)

	// Within the redraw interval nothing more is drawn; after it, the rate
	// is still taken since the start: 30 MiB in 2 s.
	out.Reset()
	clock.t = clock.t.Add(100 * time.Millisecond)
	p.add(1 << 20)
	assert.Empty(t, out.String())
	clock.t = clock.t.Add(900 * time.Millisecond)
	p.add(19 << 20)
	assert.Contains(t, out.String(), "30.0 MiB of 100.0 MiB  15.0 MiB/s  ~5s left")

	// Unknown size: no total, no time left.
	out.Reset()
	q := newProgressTo(&out, "<stdin>", -1, clock.now)
	clock.t = clock.t.Add(2 * time.Second)
	q.add(4 << 20)
	assert.Contains(t, out.String(), "<stdin>  4.0 MiB  2.0 MiB/s")
	assert.False(t, strings.Contains(out.String(), "left"))
}

// parse keeps the bar off the terminal its rows go to: noProgress is not
// an *os.File, so newProgress draws nothing on it.
func TestNoProgressOnRowTerminal(t *testing.T) {
	assert.Nil(t, newProgress(noProgress{&bytes.Buffer{}}, "x", 1<<30))
	assert.Nil(t, newProgress(&bytes.Buffer{}, "x", 1<<30))
}

package stream

import (
	"bytes"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_THREAD, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestCPUThroughput(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var buf bytes.Buffer
	n := 0
	for buf.Len() < 8<<20 {
		buf.Write(envelope(n, 30))
		n++
	}
	in := buf.Bytes()
	for _, c := range []Compression{None, Gzip, Zstd} {
		data := compress(t, c, in)
		rd := bytes.NewReader(data)
		s := NewScanner(rd, Options{})
		best := time.Hour
		for range 15 {
			rd.Reset(data)
			s.Reset(rd)
			start := cpuTime()
			for s.Next() {
			}
			if d := cpuTime() - start; d < best {
				best = d
			}
		}
		t.Logf("%v: %.0f MB/s of CPU time", c, float64(len(in))/best.Seconds()/1e6)
	}
}

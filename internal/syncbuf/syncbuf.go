// Package syncbuf is a buffer that goroutines may write while a test reads
// it, shared by the tests of several packages.
package syncbuf

import (
	"bytes"
	"sync"
)

// Buffer is a bytes.Buffer that goroutines may write while a test
// reads it: a server's log, a progress bar drawn from a goroutine of its
// own.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Reset empties the buffer.
func (s *Buffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

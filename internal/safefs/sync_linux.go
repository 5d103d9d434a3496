//go:build linux

package safefs

import (
	"os"
	"syscall"
)

// Datasync flushes f's data, and the metadata needed to read it back (its
// size), to stable storage.
func Datasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			if err != nil {
				return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
			}
			return nil
		}
	}
}

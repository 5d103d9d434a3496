//go:build unix

package serve

import (
	"errors"
	"fmt"
	"github.com/tslogs/tslogs/internal/safefs"
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock on rel below OUT (created if
// needed), so that two receivers with the same host name never append to
// the same files. Closing the returned file releases the lock.
func lockFile(d *safefs.Dir, rel string) (*os.File, error) {
	f, err := d.OpenFile(rel, os.O_RDWR, true)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s is locked: another tslogs serve with the same host name writes to this directory (give each receiver its own --host)", f.Name())
		}
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return f, nil
}

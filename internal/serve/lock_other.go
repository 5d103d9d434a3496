//go:build !unix

package serve

import (
	"os"

	"github.com/tslogs/tslogs/internal/safefs"
)

// lockFile creates rel below OUT; advisory locking is not available on this
// system.
func lockFile(d *safefs.Dir, rel string) (*os.File, error) {
	return d.OpenFile(rel, os.O_RDWR, true)
}

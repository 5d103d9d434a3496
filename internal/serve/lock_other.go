//go:build !unix

package serve

import "os"

// lockFile creates rel below OUT; advisory locking is not available on this
// system.
func lockFile(d *outDir, rel string) (*os.File, error) {
	return d.openFile(rel, os.O_RDWR, true)
}

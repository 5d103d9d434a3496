//go:build !unix

package serve

import "os"

// lockFile creates path; advisory locking is not available on this system.
func lockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
}

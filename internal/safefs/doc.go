// Package safefs writes below an output directory the way tslogs' outputs
// must: no symbolic link inside it is ever followed (every path is opened
// one component at a time with O_NOFOLLOW on Unix, through an os.Root
// elsewhere), new files and directories get the modes the caller chose
// (0640 and 0750 by default in tslogs), and every new entry is made durable
// by fsyncing the directory that holds it. The receiver's hourly files
// (internal/serve) and local objects (internal/objstore) both use it.
package safefs

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

// Default modes of new files and directories.
const (
	DefaultFileMode os.FileMode = 0o640
	DefaultDirMode  os.FileMode = 0o750
)

// DirMode is the directory mode that goes with a file mode: x added wherever
// r is, so 0640 gives 0750.
func DirMode(file os.FileMode) os.FileMode {
	p := file.Perm()
	return p | (p&0o444)>>2
}

// Path returns the directory's path as given to Open.
func (d *Dir) Path() string { return d.path }

// tempName fills the '*' of pattern (or appends) with random digits.
func tempName(pattern string) string {
	r := strconv.FormatUint(rand.Uint64(), 36)
	if i := strings.LastIndexByte(pattern, '*'); i >= 0 {
		return pattern[:i] + r + pattern[i+1:]
	}
	return pattern + r
}

// CreateTemp creates a new file in the directory dirRel (made if missing),
// named by pattern with its last '*' replaced by random characters, open
// for writing, and returns it with its relative path. The directory is not
// fsynced: a temporary file need not survive a crash (Rename makes the
// final name durable).
func (d *Dir) CreateTemp(dirRel, pattern string) (*os.File, string, error) {
	dir, err := d.OpenDir(dirRel, true)
	if err != nil {
		return nil, "", err
	}
	defer dir.Close()
	for range 100 {
		name := tempName(pattern)
		rel := name
		if dirRel != "" && dirRel != "." {
			rel = dirRel + "/" + name
		}
		f, err := d.createIn(dir, name, rel)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, rel, err
	}
	return nil, "", d.pathErr("create", dirRel+"/"+pattern, fs.ErrExist)
}

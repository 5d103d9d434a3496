//go:build !unix

package safefs

import (
	"os"
	"path/filepath"
)

// Dir is an output directory. On this system paths are opened through an
// os.Root, which keeps every path inside it (symbolic links that stay
// inside are followed).
type Dir struct {
	root     *os.Root
	path     string
	dirMode  os.FileMode
	fileMode os.FileMode
}

// Open opens (creating it if needed) the directory path.
func Open(path string, dirMode, fileMode os.FileMode) (*Dir, error) {
	if err := os.MkdirAll(path, dirMode); err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(path)
	if err != nil {
		return nil, err
	}
	return &Dir{root: r, path: path, dirMode: dirMode, fileMode: fileMode}, nil
}

// Close releases the directory.
func (d *Dir) Close() error { return d.root.Close() }

// OpenDir opens the directory rel, creating it with create.
func (d *Dir) OpenDir(rel string, create bool) (*os.File, error) {
	rel = filepath.FromSlash(rel)
	if create {
		if err := d.root.MkdirAll(rel, d.dirMode); err != nil {
			return nil, err
		}
	}
	return d.root.Open(rel)
}

// Split returns rel's directory and base name.
func Split(rel string) (dir, base string) {
	return filepath.ToSlash(filepath.Dir(rel)), filepath.Base(rel)
}

// OpenFile opens the file rel with flag, creating it and its directories with create.
func (d *Dir) OpenFile(rel string, flag int, create bool) (*os.File, error) {
	if create {
		dir, _ := Split(rel)
		if err := d.root.MkdirAll(filepath.FromSlash(dir), d.dirMode); err != nil {
			return nil, err
		}
		flag |= os.O_CREATE
	}
	return d.root.OpenFile(filepath.FromSlash(rel), flag, d.fileMode)
}

// Remove removes the file rel.
func (d *Dir) Remove(rel string) error { return d.root.Remove(filepath.FromSlash(rel)) }

// Rename renames the file from to to.
func (d *Dir) Rename(from, to string) error {
	return d.root.Rename(filepath.FromSlash(from), filepath.FromSlash(to))
}

// SyncDir does nothing here.
func (d *Dir) SyncDir(rel string) error { return nil }

// createIn creates the new file rel (O_EXCL) with the file mode.
func (d *Dir) createIn(dir *os.File, name, rel string) (*os.File, error) {
	return d.root.OpenFile(filepath.FromSlash(rel), os.O_WRONLY|os.O_CREATE|os.O_EXCL, d.fileMode)
}

// pathErr names rel in an error.
func (d *Dir) pathErr(op, rel string, err error) error {
	return &os.PathError{Op: op, Path: filepath.Join(d.path, filepath.FromSlash(rel)), Err: err}
}

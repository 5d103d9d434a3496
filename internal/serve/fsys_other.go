//go:build !unix

package serve

import (
	"os"
	"path/filepath"
)

// outDir is the output directory. On this system paths are opened through
// an os.Root, which keeps every path inside OUT (symbolic links that stay
// inside are followed).
type outDir struct {
	root     *os.Root
	path     string
	dirMode  os.FileMode
	fileMode os.FileMode
}

func openOutDir(path string, dirMode, fileMode os.FileMode) (*outDir, error) {
	if err := os.MkdirAll(path, dirMode); err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(path)
	if err != nil {
		return nil, err
	}
	return &outDir{root: r, path: path, dirMode: dirMode, fileMode: fileMode}, nil
}

func (d *outDir) Close() error { return d.root.Close() }

func (d *outDir) openDir(rel string, create bool) (*os.File, error) {
	rel = filepath.FromSlash(rel)
	if create {
		if err := d.root.MkdirAll(rel, d.dirMode); err != nil {
			return nil, err
		}
	}
	return d.root.Open(rel)
}

func split(rel string) (dir, base string) {
	return filepath.ToSlash(filepath.Dir(rel)), filepath.Base(rel)
}

func (d *outDir) openFile(rel string, flag int, create bool) (*os.File, error) {
	if create {
		dir, _ := split(rel)
		if err := d.root.MkdirAll(filepath.FromSlash(dir), d.dirMode); err != nil {
			return nil, err
		}
		flag |= os.O_CREATE
	}
	return d.root.OpenFile(filepath.FromSlash(rel), flag, d.fileMode)
}

func (d *outDir) remove(rel string) error { return d.root.Remove(filepath.FromSlash(rel)) }

func (d *outDir) rename(from, to string) error {
	return d.root.Rename(filepath.FromSlash(from), filepath.FromSlash(to))
}

func (d *outDir) syncDir(rel string) error { return nil }

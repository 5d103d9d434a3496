//go:build unix

package safefs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Dir is an output directory, opened once. Every path below it is resolved
// one component at a time, relative to the directory above, with
// O_NOFOLLOW: no symbolic link inside it is ever followed, so a link
// planted there cannot make tslogs write (or truncate, or remove) anything
// elsewhere. Paths are relative and slash-separated.
type Dir struct {
	f        *os.File
	path     string
	dirMode  os.FileMode
	fileMode os.FileMode
}

// Open opens (creating it and its parents if needed, with dirMode) the
// directory path; files created below it get fileMode and directories
// dirMode, less the umask. path itself may be a symbolic link.
func Open(path string, dirMode, fileMode os.FileMode) (*Dir, error) {
	if err := os.MkdirAll(path, dirMode); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &Dir{f: f, path: path, dirMode: dirMode, fileMode: fileMode}, nil
}

// Close releases the directory.
func (d *Dir) Close() error { return d.f.Close() }

// pathErr names rel below the directory in an error, and explains ELOOP.
func (d *Dir) pathErr(op, rel string, err error) error {
	if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK) {
		err = fmt.Errorf("%w (it is a symbolic link: tslogs follows none inside its output directory)", err)
	}
	return &os.PathError{Op: op, Path: filepath.Join(d.path, filepath.FromSlash(rel)), Err: err}
}

// OpenDir opens the directory rel ("" or "." for the directory itself). With create,
// missing directories are made, and the directory above each is fsynced so
// that the new entry survives a crash.
func (d *Dir) OpenDir(rel string, create bool) (*os.File, error) {
	fd, err := unix.Dup(int(d.f.Fd()))
	if err != nil {
		return nil, d.pathErr("open", ".", err)
	}
	done := ""
	for _, c := range strings.Split(rel, "/") {
		if c == "" || c == "." {
			continue
		}
		if c == ".." {
			unix.Close(fd)
			return nil, d.pathErr("open", rel, errors.New("path leaves the output directory"))
		}
		done += c
		next, err := openatRetry(fd, c, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.ENOENT) && create {
			if err = unix.Mkdirat(fd, c, uint32(d.dirMode.Perm())); err == nil || errors.Is(err, unix.EEXIST) {
				if err = unix.Fsync(fd); err == nil {
					next, err = openatRetry(fd, c, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
				}
			}
		}
		unix.Close(fd)
		if err != nil {
			return nil, d.pathErr("open", done, err)
		}
		fd = next
		done += "/"
	}
	return os.NewFile(uintptr(fd), filepath.Join(d.path, filepath.FromSlash(rel))), nil
}

func openatRetry(dirfd int, name string, flag int, mode uint32) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, flag, mode)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// Split returns rel's directory and base name.
func Split(rel string) (dir, base string) {
	i := strings.LastIndexByte(rel, '/')
	if i < 0 {
		return ".", rel
	}
	return rel[:i], rel[i+1:]
}

// OpenFile opens the file rel with flag (os.O_*), with O_NOFOLLOW; with
// create, its directories are made as OpenDir does, and a new file gets
// the file mode (less the umask) and is made durable by fsyncing its
// directory.
func (d *Dir) OpenFile(rel string, flag int, create bool) (*os.File, error) {
	dirRel, base := Split(rel)
	dir, err := d.OpenDir(dirRel, create)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	fl := flag | unix.O_NOFOLLOW | unix.O_CLOEXEC
	if create {
		fl |= unix.O_CREAT
	}
	fd, err := openatRetry(int(dir.Fd()), base, fl, uint32(d.fileMode.Perm()))
	if err != nil {
		return nil, d.pathErr("open", rel, err)
	}
	f := os.NewFile(uintptr(fd), filepath.Join(d.path, filepath.FromSlash(rel)))
	if create {
		if err := dir.Sync(); err != nil {
			f.Close()
			return nil, d.pathErr("fsync", dirRel, err)
		}
	}
	return f, nil
}

// Remove removes the file rel (never a directory).
func (d *Dir) Remove(rel string) error {
	dirRel, base := Split(rel)
	dir, err := d.OpenDir(dirRel, false)
	if err != nil {
		return err
	}
	defer dir.Close()
	if err := unix.Unlinkat(int(dir.Fd()), base, 0); err != nil {
		return d.pathErr("remove", rel, err)
	}
	return nil
}

// Rename renames the file from to to, in the same directory, and fsyncs
// the directory.
func (d *Dir) Rename(from, to string) error {
	dirRel, a := Split(from)
	dirTo, b := Split(to)
	if dirRel != dirTo {
		return d.pathErr("rename", from, errors.New("rename across directories"))
	}
	dir, err := d.OpenDir(dirRel, false)
	if err != nil {
		return err
	}
	defer dir.Close()
	if err := unix.Renameat(int(dir.Fd()), a, int(dir.Fd()), b); err != nil {
		return d.pathErr("rename", from, err)
	}
	if err := dir.Sync(); err != nil {
		return d.pathErr("fsync", dirRel, err)
	}
	return nil
}

// SyncDir fsyncs the directory rel.
func (d *Dir) SyncDir(rel string) error {
	dir, err := d.OpenDir(rel, false)
	if err != nil {
		return err
	}
	defer dir.Close()
	if err := dir.Sync(); err != nil {
		return d.pathErr("fsync", rel, err)
	}
	return nil
}

// createIn creates the new file name in the open directory dir (O_EXCL,
// O_NOFOLLOW) with the file mode.
func (d *Dir) createIn(dir *os.File, name, rel string) (*os.File, error) {
	fd, err := openatRetry(int(dir.Fd()), name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(d.fileMode.Perm()))
	if err != nil {
		return nil, d.pathErr("create", rel, err)
	}
	return os.NewFile(uintptr(fd), filepath.Join(d.path, filepath.FromSlash(rel))), nil
}

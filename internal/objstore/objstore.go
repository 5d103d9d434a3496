// Package objstore reads and writes whole objects in a local directory or an
// S3-compatible bucket, with one rule for both: an object is only ever
// visible complete. A local object is written under a temporary name,
// fsynced, renamed and its directory fsynced; an S3 object is one PUT of its
// whole content (or a completed multipart upload), which S3 makes visible
// atomically and durably before answering.
//
// S3 is configured the standard way (aws-sdk-go-v2's config): the
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN variables,
// AWS_PROFILE and the shared config files, AWS_REGION, and AWS_ENDPOINT_URL
// (or AWS_ENDPOINT_URL_S3) for S3-compatible services (MinIO, R2, GCS
// interoperability, versitygw…), which get path-style addressing.
package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/tslogs/tslogs/internal/safefs"
)

// Info describes a stored object.
type Info struct {
	Key      string // relative to the store's root
	Size     int64
	Modified time.Time
	ETag     string // S3's ETag, or size and modification time for files
}

// Store is a directory or a bucket prefix holding objects.
type Store interface {
	// Put stores data as key, durably, replacing any object of that key.
	Put(ctx context.Context, key string, data []byte) error
	// Delete removes the object key, durably; a missing object is no
	// error.
	Delete(ctx context.Context, key string) error
	// PutFile stores the content of a local file as key, durably.
	PutFile(ctx context.Context, key, file string) error
	// List calls fn for each object whose key starts with prefix, in key
	// order.
	List(ctx context.Context, prefix string, fn func(Info) error) error
	// Open reads an object.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Create starts writing an object to a local temporary file, which
	// Pending.Commit makes the object key.
	Create(key string) (*Pending, error)
	// String is the store's URL: s3://bucket/prefix or a directory.
	String() string
}

// IsS3 reports whether target names an S3 location (s3://bucket/prefix).
func IsS3(target string) bool { return strings.HasPrefix(target, "s3://") }

// Open returns the store at target: s3://bucket[/prefix], or a directory
// (created when missing and create is set), whose new files get
// safefs.DefaultFileMode (0640) and directories 0750.
func Open(ctx context.Context, target string, create bool) (Store, error) {
	if IsS3(target) {
		return OpenS3(ctx, target)
	}
	if !create {
		st, err := os.Stat(target)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("%s is not a directory", target)
		}
	}
	return OpenDir(target, 0)
}

// Dir is a Store in a local directory: keys use '/' and become paths below
// it, opened with internal/safefs's rules (no symbolic link below the
// directory is followed; new files get the store's mode, directories the
// same with x wherever r is; new entries are made durable by fsyncing their
// directories).
type Dir struct {
	d *safefs.Dir
}

// OpenDir opens (creating it if missing) the directory root as a Store
// whose new files get mode (safefs.DefaultFileMode, 0640, when 0), less the
// umask. Close it when done.
func OpenDir(root string, mode os.FileMode) (*Dir, error) {
	if mode.Perm() == 0 {
		mode = safefs.DefaultFileMode
	}
	d, err := safefs.Open(filepath.Clean(root), safefs.DirMode(mode.Perm()), mode.Perm())
	if err != nil {
		return nil, err
	}
	return &Dir{d: d}, nil
}

func (d *Dir) String() string { return d.d.Path() }

// Close releases the directory.
func (d *Dir) Close() error { return d.d.Close() }

// rel checks key: a clean relative path of at least one component.
func (d *Dir) rel(key string) (string, error) {
	clean := path.Clean("/" + key)[1:]
	if clean == "" || clean != key {
		return "", fmt.Errorf("objstore: invalid key %q", key)
	}
	return key, nil
}

// Put writes data to a temporary file beside the object (a name starting
// with '.', which List skips), fsyncs it, renames it to the key and fsyncs
// the directory: the object is visible only complete, and durable once Put
// returns.
func (d *Dir) Put(ctx context.Context, key string, data []byte) error {
	return d.put(key, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// PutFile copies file to key (a rename would do when they share a file
// system, but the file may be elsewhere).
func (d *Dir) PutFile(ctx context.Context, key, file string) error {
	src, err := os.Open(file)
	if err != nil {
		return err
	}
	defer src.Close()
	return d.put(key, func(f *os.File) error {
		_, err := io.Copy(f, src)
		return err
	})
}

func (d *Dir) put(key string, write func(*os.File) error) error {
	p, err := d.Create(key)
	if err != nil {
		return err
	}
	if err := write(p.File); err != nil {
		p.Abort()
		return err
	}
	return p.Commit(context.Background())
}

// Delete removes the object key and fsyncs its directory; a key with no
// object is no error.
func (d *Dir) Delete(ctx context.Context, key string) error {
	rel, err := d.rel(key)
	if err != nil {
		return err
	}
	if err := d.d.Remove(rel); err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil // nothing there (a file where a directory would be holds no object below it)
		}
		return err
	}
	dir, _ := safefs.Split(rel)
	return d.d.SyncDir(dir)
}

// List walks the directory in key order, skipping temporary files (names
// starting with '.').
func (d *Dir) List(ctx context.Context, prefix string, fn func(Info) error) error {
	root := d.d.Path()
	// Start the walk at the deepest directory the prefix names.
	start := root
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = filepath.Join(root, filepath.FromSlash(prefix[:i]))
	}
	var infos []Info
	err := filepath.WalkDir(start, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if p == start && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if strings.HasPrefix(e.Name(), ".") && p != start {
			if e.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		st, err := e.Info()
		if err != nil {
			return err
		}
		infos = append(infos, Info{Key: key, Size: st.Size(), Modified: st.ModTime().UTC(),
			ETag: fmt.Sprintf("%d-%d", st.Size(), st.ModTime().UnixNano())})
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(infos, func(a, b Info) int { return strings.Compare(a.Key, b.Key) })
	for _, in := range infos {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(in); err != nil {
			return err
		}
	}
	return nil
}

// Open opens the file of key (following no symbolic link below the
// directory).
func (d *Dir) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	rel, err := d.rel(key)
	if err != nil {
		return nil, err
	}
	return d.d.OpenFile(rel, os.O_RDONLY, false)
}

// Pending is an object being written to a local temporary file. Commit
// makes it visible, whole and durable; Abort drops it.
type Pending struct {
	*os.File
	commit func(ctx context.Context) error
	abort  func()
	done   bool
}

// Commit fsyncs and closes the file and stores it as its object.
func (p *Pending) Commit(ctx context.Context) error {
	if p.done {
		return errors.New("objstore: object already committed or aborted")
	}
	p.done = true
	if err := safefs.Datasync(p.File); err != nil {
		p.Close()
		p.abort()
		return err
	}
	if err := p.Close(); err != nil {
		p.abort()
		return err
	}
	if err := p.commit(ctx); err != nil {
		p.abort()
		return err
	}
	return nil
}

// Abort drops the object.
func (p *Pending) Abort() {
	if p.done {
		return
	}
	p.done = true
	p.Close()
	p.abort()
}

// Create starts a new object in the directory of key under a temporary
// name (starting with '.'), renamed to key by Commit, which then fsyncs the
// directory.
func (d *Dir) Create(key string) (*Pending, error) {
	rel, err := d.rel(key)
	if err != nil {
		return nil, err
	}
	dir, base := safefs.Split(rel)
	f, tmp, err := d.d.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return nil, err
	}
	return &Pending{File: f,
		commit: func(context.Context) error { return d.d.Rename(tmp, rel) },
		abort:  func() { d.d.Remove(tmp) },
	}, nil
}

// Create starts a new object in a temporary file of s.Spool, uploaded by
// Commit and then removed. Once the upload has completed, Commit succeeds
// even if the file cannot be removed: the object is stored, and calling it
// failed would have the caller store it again.
func (s *S3) Create(key string) (*Pending, error) {
	f, err := os.CreateTemp(s.Spool, "tslogs-upload-*.tmp")
	if err != nil {
		return nil, err
	}
	name := f.Name()
	return &Pending{File: f,
		commit: func(ctx context.Context) error {
			if err := s.PutFile(ctx, key, name); err != nil {
				return err
			}
			os.Remove(name)
			return nil
		},
		abort: func() { os.Remove(name) },
	}, nil
}

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
	"runtime"
	"slices"
	"strings"
	"time"
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

// Open returns the store at target: s3://bucket[/prefix] or a directory
// (created when missing and create is set).
func Open(ctx context.Context, target string, create bool) (Store, error) {
	if IsS3(target) {
		return OpenS3(ctx, target)
	}
	if create {
		if err := os.MkdirAll(target, 0o755); err != nil {
			return nil, err
		}
	}
	st, err := os.Stat(target)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", target)
	}
	return &Dir{root: filepath.Clean(target)}, nil
}

// Dir is a Store in a local directory. Keys use '/' and become paths below
// it.
type Dir struct{ root string }

// NewDir returns the Store of directory root.
func NewDir(root string) *Dir { return &Dir{root: filepath.Clean(root)} }

func (d *Dir) String() string { return d.root }

func (d *Dir) path(key string) (string, error) {
	clean := path.Clean("/" + key)[1:]
	if clean == "" || clean != key {
		return "", fmt.Errorf("objstore: invalid key %q", key)
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// Put writes data to a temporary file beside the object, fsyncs it,
// renames it to the key and fsyncs the directory.
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
	p, err := d.path(key)
	if err != nil {
		return err
	}
	dir := filepath.Dir(p)
	if err := MkdirAll(dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(p)+".*.tmp")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return err
	}
	ok = true
	return SyncDir(dir)
}

// List walks the directory in key order, skipping temporary files (names
// starting with '.').
func (d *Dir) List(ctx context.Context, prefix string, fn func(Info) error) error {
	// Start the walk at the deepest directory the prefix names.
	start := d.root
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = filepath.Join(d.root, filepath.FromSlash(prefix[:i]))
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
		rel, err := filepath.Rel(d.root, p)
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

// Open opens the file of key.
func (d *Dir) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

// MkdirAll creates dir and its missing parents, fsyncing the parent of each
// one it creates so that they survive a crash.
func MkdirAll(dir string) error {
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return nil
	}
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		missing = append(missing, d)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range missing {
		if err := SyncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

// SyncDir fsyncs a directory, so that entries created in it survive a
// crash.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	d.Close()
	if err != nil && runtime.GOOS == "windows" {
		return nil
	}
	return err
}

// Pending is an object being written to a local temporary file. Commit
// makes it visible, whole and durable; Abort drops it.
type Pending struct {
	*os.File
	commit func(ctx context.Context, tmp string) error
	done   bool
}

// Commit closes the file and stores it as its object.
func (p *Pending) Commit(ctx context.Context) error {
	if p.done {
		return errors.New("objstore: object already committed or aborted")
	}
	p.done = true
	if err := p.Sync(); err != nil {
		p.Abort()
		return err
	}
	if err := p.Close(); err != nil {
		os.Remove(p.Name())
		return err
	}
	if err := p.commit(ctx, p.Name()); err != nil {
		os.Remove(p.Name())
		return err
	}
	return nil
}

// Abort drops the object.
func (p *Pending) Abort() {
	p.done = true
	p.Close()
	os.Remove(p.Name())
}

// Create starts a new object in the directory of key under a temporary
// name (starting with '.'), renamed to key by Commit.
func (d *Dir) Create(key string) (*Pending, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(p)
	if err := MkdirAll(dir); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(p)+".*.tmp")
	if err != nil {
		return nil, err
	}
	return &Pending{File: f, commit: func(ctx context.Context, tmp string) error {
		if err := os.Rename(tmp, p); err != nil {
			return err
		}
		return SyncDir(dir)
	}}, nil
}

// Create starts a new object in a temporary file of s.Spool, uploaded by
// Commit and then removed.
func (s *S3) Create(key string) (*Pending, error) {
	f, err := os.CreateTemp(s.Spool, "tslogs-upload-*.tmp")
	if err != nil {
		return nil, err
	}
	return &Pending{File: f, commit: func(ctx context.Context, tmp string) error {
		err := s.PutFile(ctx, key, tmp)
		if err == nil {
			err = os.Remove(tmp)
		}
		return err
	}}, nil
}

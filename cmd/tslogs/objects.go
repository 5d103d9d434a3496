package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tslogs/tslogs/internal/objstore"
)

// objectFlags are the flags of reading commands for s3:// inputs.
type objectFlags struct {
	since, until string
	state        string
	workers      int
	// inputs, when set, is called with the expanded inputs before the
	// first is read (not a flag).
	inputs func(*inputSet)
}

func (f *objectFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.since, "since", "", "s3:// inputs: only objects written at or after this time (RFC 3339, a date, or a duration before now such as 24h)")
	fs.StringVar(&f.until, "until", "", "s3:// inputs: only objects written before this time (same forms as --since)")
	fs.StringVar(&f.state, "state", "", "s3:// inputs: remember the objects read in this file and skip them on the next run (updated only when the run succeeds)")
	fs.IntVar(&f.workers, "s3-workers", 8, fmt.Sprintf("s3:// inputs: objects downloaded in parallel, 1 to %d (memory: up to N+1 objects of at most %d MiB are read ahead)", maxS3Workers, prefetchLimit>>20))
}

// maxS3Workers bounds --s3-workers, which bounds the objects read ahead
// into memory.
const maxS3Workers = 64

// check reports a flag value out of range.
func (f *objectFlags) check() error {
	if f.workers < 1 || f.workers > maxS3Workers {
		return fmt.Errorf("--s3-workers must be between 1 and %d, got %d", maxS3Workers, f.workers)
	}
	return nil
}

// parseWhen parses a --since/--until value: RFC 3339, a date (UTC), or a
// duration before now.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("%q: a duration before now must not be negative (24h means a day ago)", s)
		}
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time, a date (2006-01-02) or a duration (24h)", s)
}

// source is one input to read: a local file, standard input or an object.
type source struct {
	name string // as shown in messages: a path, <stdin> or s3://bucket/key
	open func(ctx context.Context) (io.ReadCloser, error)
	size int64 // -1 when unknown
	// For objects: the store, the key and ETag recorded in the state file.
	store objstore.Store
	key   string
	etag  string
}

// inputSet is the expanded list of inputs of a run and what it read.
type inputSet struct {
	sources []source
	flags   objectFlags
	state   map[string]string // object URL -> ETag, loaded from --state
	read    []source          // objects read completely this run
}

// expandInputs turns the command's arguments into sources: "-" is standard
// input, s3://bucket/prefix lists the objects under the prefix (filtered by
// --since/--until and --state), anything else is a local file.
func expandInputs(ctx context.Context, args []string, flags objectFlags) (*inputSet, error) {
	if len(args) == 0 {
		args = []string{"-"}
	}
	set := &inputSet{flags: flags, state: map[string]string{}}
	now := time.Now()
	since, err := parseWhen(flags.since, now)
	if err != nil {
		return nil, fmt.Errorf("--since: %w", err)
	}
	until, err := parseWhen(flags.until, now)
	if err != nil {
		return nil, fmt.Errorf("--until: %w", err)
	}
	if !since.IsZero() && !until.IsZero() && !since.Before(until) {
		return nil, fmt.Errorf("--since (%s) is not before --until (%s): no object could be selected",
			since.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339))
	}
	if flags.state != "" {
		if err := set.loadState(flags.state); err != nil {
			return nil, fmt.Errorf("--state: %w", err)
		}
	}
	if err := checkDistinctInputs(args); err != nil {
		return nil, err
	}
	for _, arg := range args {
		if !objstore.IsS3(arg) {
			name := arg
			set.sources = append(set.sources, source{name: name, size: -1, open: func(context.Context) (io.ReadCloser, error) {
				return os.Open(name)
			}})
			continue
		}
		bucket, prefix, err := objstore.ParseS3(arg)
		if err != nil {
			return nil, err
		}
		// The store is the bucket; the argument's path is a key prefix,
		// not necessarily ending at a '/'.
		st, err := objstore.OpenS3(ctx, "s3://"+bucket)
		if err != nil {
			return nil, err
		}
		n := 0
		err = st.List(ctx, prefix, func(in objstore.Info) error {
			if strings.HasSuffix(in.Key, "/") || in.Size == 0 {
				return nil // folder markers and empty objects
			}
			if !since.IsZero() && in.Modified.Before(since) || !until.IsZero() && !in.Modified.Before(until) {
				return nil
			}
			n++
			url := "s3://" + bucket + "/" + in.Key
			if etag, ok := set.state[url]; ok && etag == in.ETag {
				return nil
			}
			key := in.Key
			set.sources = append(set.sources, source{name: url, size: in.Size, store: st, key: key, etag: in.ETag,
				open: func(ctx context.Context) (io.ReadCloser, error) { return st.Open(ctx, key) }})
			return nil
		})
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, fmt.Errorf("%s: no objects", arg)
		}
	}
	return set, nil
}

// prefetchLimit is the largest object read ahead into memory; larger ones
// are streamed when their turn comes.
const prefetchLimit = 64 << 20

// each opens the sources in order and calls fn with each. Objects are
// downloaded ahead, up to --s3-workers at once, so that their latencies
// overlap while fn reads them one after the other.
func (s *inputSet) each(ctx context.Context, stdin io.Reader, fn func(src *source, r io.Reader, size int64) error) error {
	type fetched struct {
		data []byte
		err  error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ahead := make([]chan fetched, len(s.sources))
	workers := max(1, s.flags.workers)
	sem := make(chan struct{}, workers)
	next := 0
	// start launches the downloads of the next objects, keeping at most
	// workers of them ahead of the one being read.
	start := func(cur int) {
		for ; next < len(s.sources) && next <= cur+workers; next++ {
			src := &s.sources[next]
			if src.store == nil || src.size > prefetchLimit {
				continue
			}
			ch := make(chan fetched, 1)
			ahead[next] = ch
			go func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				rc, err := src.open(ctx)
				if err != nil {
					ch <- fetched{err: err}
					return
				}
				defer rc.Close()
				data, err := io.ReadAll(rc)
				ch <- fetched{data, err}
			}()
		}
	}
	for i := range s.sources {
		start(i)
		src := &s.sources[i]
		var r io.Reader
		var closer io.Closer
		size := src.size
		switch {
		case src.name == "-":
			src.name = "<stdin>"
			r = stdin
		case ahead[i] != nil:
			f := <-ahead[i]
			ahead[i] = nil
			if f.err != nil {
				return fmt.Errorf("%s: %w", src.name, f.err)
			}
			r = bytes.NewReader(f.data)
		default:
			rc, err := src.open(ctx)
			if err != nil {
				return err
			}
			r, closer = rc, rc
			if f, ok := rc.(*os.File); ok && size < 0 {
				if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
					size = st.Size()
				}
			}
		}
		err := fn(src, r, size)
		if closer != nil {
			closer.Close()
		}
		if err != nil {
			return err
		}
		if src.store != nil {
			s.read = append(s.read, *src)
		}
	}
	return nil
}

type stateLine struct {
	Object string `json:"object"`
	ETag   string `json:"etag"`
	Size   int64  `json:"size"`
	Read   string `json:"read"`
}

func (s *inputSet) loadState(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var l stateLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.Object == "" {
			return fmt.Errorf("%s:%d: not a state line {\"object\",\"etag\"}", path, line)
		}
		s.state[l.Object] = l.ETag
	}
	if err := sc.Err(); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return err // names the file already
		}
		return fmt.Errorf("%s: %w", path, err) // such as a line over 1 MiB
	}
	return nil
}

// saveState records the objects read, with those of earlier runs, in the
// --state file (replaced atomically). Call it once the run's output is
// complete.
func (s *inputSet) saveState() error {
	if s.flags.state == "" || len(s.read) == 0 {
		return nil
	}
	var buf bytes.Buffer
	if old, err := os.ReadFile(s.flags.state); err == nil {
		buf.Write(old)
		if buf.Len() > 0 && !bytes.HasSuffix(buf.Bytes(), []byte("\n")) {
			buf.WriteByte('\n')
		}
	}
	now := time.Now().UTC().Format(time.RFC3339)
	enc := json.NewEncoder(&buf)
	for _, src := range s.read {
		enc.Encode(stateLine{Object: src.name, ETag: src.etag, Size: src.size, Read: now})
	}
	// The state file's mode: 0600 if it is new (it lists what was read), its
	// own otherwise.
	mode := os.FileMode(0o600)
	if st, err := os.Stat(s.flags.state); err == nil {
		mode = st.Mode().Perm()
	}
	d, err := objstore.OpenDir(filepath.Dir(s.flags.state), mode)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Put(context.Background(), filepath.Base(s.flags.state), buf.Bytes())
}

// checkDistinctInputs refuses inputs that name the same records twice,
// whose rows would be written twice: one file under two names (or standard
// input twice), or S3 prefixes of one bucket of which one contains the
// other.
func checkDistinctInputs(args []string) error {
	type local struct {
		name string
		st   os.FileInfo
	}
	var files []local
	var prefixes [][3]string // bucket, prefix, argument
	stdin := false
	for _, arg := range args {
		switch {
		case arg == "-":
			if stdin {
				return errors.New("standard input (-) is named twice: its records would be read twice")
			}
			stdin = true
		case objstore.IsS3(arg):
			bucket, prefix, err := objstore.ParseS3(arg)
			if err != nil {
				return err
			}
			for _, p := range prefixes {
				if p[0] == bucket && (strings.HasPrefix(prefix, p[1]) || strings.HasPrefix(p[1], prefix)) {
					return fmt.Errorf("%s and %s name the same objects: their records would be read twice", p[2], arg)
				}
			}
			prefixes = append(prefixes, [3]string{bucket, prefix, arg})
		default:
			st, err := os.Stat(arg)
			if err != nil {
				continue // opening it says why
			}
			for _, f := range files {
				if os.SameFile(f.st, st) {
					return fmt.Errorf("%s and %s are the same file: its records would be read twice", f.name, arg)
				}
			}
			files = append(files, local{arg, st})
		}
	}
	return nil
}

// identity names the data of the inputs, for the names of the Parquet files
// parse writes from them: a hash of each input's name, size and ETag (S3
// objects) or absolute path, size and modification time (local files), in
// order. Reading the same unchanged inputs again gives the same name, so
// that a run repeated after a failure writes its files under the names the
// failed run used, replacing them, rather than beside them. ok is false when
// an input has no identity (standard input, or a file that cannot be
// stat'ed or is not a regular file).
func (s *inputSet) identity() (id string, ok bool) {
	h := sha256.New()
	for _, src := range s.sources {
		switch {
		case src.name == "-":
			return "", false
		case src.store != nil:
			fmt.Fprintf(h, "object %q %d %q\n", src.name, src.size, src.etag)
		default:
			abs, err := filepath.Abs(src.name)
			if err != nil {
				return "", false
			}
			st, err := os.Stat(abs)
			if err != nil || !st.Mode().IsRegular() {
				return "", false
			}
			fmt.Fprintf(h, "file %q %d %d\n", abs, st.Size(), st.ModTime().UnixNano())
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8]), true
}

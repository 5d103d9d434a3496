package objstore

import (
	"context"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openTestDir(t *testing.T) (*Dir, string) {
	t.Helper()
	root := t.TempDir()
	d, err := OpenDir(root, 0)
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	return d, root
}

func keys(t *testing.T, d *Dir, prefix string) []string {
	t.Helper()
	var out []string
	require.NoError(t, d.List(context.Background(), prefix, func(in Info) error {
		out = append(out, in.Key)
		return nil
	}))
	return out
}

func read(t *testing.T, d *Dir, key string) string {
	t.Helper()
	rc, err := d.Open(context.Background(), key)
	require.NoError(t, err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return string(b)
}

// TestDirObjectVisibleOnlyComplete: an object being written is a temporary
// file (a name starting with '.') that List, Open and readers' globs pass
// over; Commit renames it into place whole, Abort removes it, and Put
// replaces an existing object in one step.
func TestDirObjectVisibleOnlyComplete(t *testing.T) {
	ctx := context.Background()
	d, root := openTestDir(t)
	p, err := d.Create("p_log_type=X/dt=2026-06-03/hour=15/a.parquet")
	require.NoError(t, err)
	_, err = p.WriteString("half")
	require.NoError(t, err)
	assert.Empty(t, keys(t, d, ""), "nothing visible while it is written")
	_, err = d.Open(ctx, "p_log_type=X/dt=2026-06-03/hour=15/a.parquet")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	matches, _ := filepath.Glob(filepath.Join(root, "p_log_type=X/dt=2026-06-03/hour=15/*.parquet"))
	assert.Empty(t, matches, "a reader's *.parquet glob sees no partial file")

	_, err = p.WriteString(" and the rest")
	require.NoError(t, err)
	require.NoError(t, p.Commit(ctx))
	assert.Equal(t, []string{"p_log_type=X/dt=2026-06-03/hour=15/a.parquet"}, keys(t, d, ""))
	assert.Equal(t, "half and the rest", read(t, d, "p_log_type=X/dt=2026-06-03/hour=15/a.parquet"))
	assert.Error(t, p.Commit(ctx), "a second commit is refused")

	q, err := d.Create("p_log_type=X/b.parquet")
	require.NoError(t, err)
	_, err = q.WriteString("dropped")
	require.NoError(t, err)
	q.Abort()
	entries, err := os.ReadDir(filepath.Join(root, "p_log_type=X"))
	require.NoError(t, err)
	for _, e := range entries {
		assert.True(t, e.IsDir(), "no file left by Abort: %s", e.Name())
	}

	require.NoError(t, d.Put(ctx, "k", []byte("one")))
	require.NoError(t, d.Put(ctx, "k", []byte("two")))
	assert.Equal(t, "two", read(t, d, "k"))
	require.NoError(t, d.Delete(ctx, "k"))
	require.NoError(t, d.Delete(ctx, "k"), "deleting a missing object is no error")
	_, err = os.Stat(filepath.Join(root, "k"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

// TestDirModesAndLinks: objects get 0640 (or the store's mode) and
// directories 0750, less the umask; no symbolic link below the root is
// followed; keys that leave the root are refused.
func TestDirModesAndLinks(t *testing.T) {
	ctx := context.Background()
	d, root := openTestDir(t)
	require.NoError(t, d.Put(ctx, "a/b/c.ndjson", []byte("x\n")))
	for path, want := range map[string]fs.FileMode{"a": 0o750, "a/b": 0o750, "a/b/c.ndjson": 0o640} {
		st, err := os.Stat(filepath.Join(root, path))
		require.NoError(t, err)
		assert.Equal(t, want, st.Mode().Perm(), path)
	}
	d6, err := OpenDir(t.TempDir(), 0o600)
	require.NoError(t, err)
	defer d6.Close()
	require.NoError(t, d6.Put(ctx, "s/state", []byte("x")))
	st, err := os.Stat(filepath.Join(d6.String(), "s"))
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o700), st.Mode().Perm())

	outside := t.TempDir()
	require.NoError(t, os.Symlink(outside, filepath.Join(root, "link")))
	assert.Error(t, d.Put(ctx, "link/evil", []byte("x")), "a link inside the root is not followed")
	entries, _ := os.ReadDir(outside)
	assert.Empty(t, entries)
	for _, key := range []string{"../up", "a/../../up", "/abs", "", "a//b"} {
		assert.Error(t, d.Put(ctx, key, []byte("x")), "key %q", key)
	}
}

// TestDirPutSyncs checks, with strace, the system calls of one Put into a
// new directory: the data is written, fdatasynced, renamed into place, and
// the directory fsynced after the rename (and each new directory's parent
// after its mkdir), so an object that Put returned for survives a crash.
func TestDirPutSyncs(t *testing.T) {
	if os.Getenv("TSLOGS_PUT_HELPER") != "" {
		d, err := OpenDir(os.Getenv("TSLOGS_PUT_HELPER"), 0)
		if err != nil {
			os.Exit(3)
		}
		if err := d.Put(context.Background(), "newdir/obj.parquet", []byte("tslogs-object-content")); err != nil {
			os.Exit(4)
		}
		os.Exit(0)
	}
	if runtime.GOOS != "linux" {
		t.Skip("the system calls are Linux's")
	}
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed (.ci/run installs it: apt-get install strace)")
	}
	root := t.TempDir()
	trace := filepath.Join(t.TempDir(), "trace")
	cmd := exec.Command(strace, "-f", "-qq", "-s", "64", "-o", trace,
		"-e", "trace=mkdirat,openat,dup,dup2,dup3,fcntl,write,fdatasync,fsync,renameat,renameat2",
		os.Args[0], "-test.run=^TestDirPutSyncs$")
	cmd.Env = append(os.Environ(), "TSLOGS_PUT_HELPER="+root)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	data, err := os.ReadFile(trace)
	require.NoError(t, err)

	// The calls that matter, in order, with their file descriptors tied to
	// names.
	var seq []string
	fdName := map[string]string{}
	open := regexp.MustCompile(`openat\(\w+, "([^"]*)", [^)]*\)\s+=\s+(\d+)`)
	dup := regexp.MustCompile(`(?:dup|fcntl)\((\d+)[^)]*\)\s+=\s+(\d+)`)
	for _, line := range strings.Split(string(data), "\n") {
		if m := open.FindStringSubmatch(line); m != nil {
			fdName[m[2]] = filepath.Base(m[1])
			continue
		}
		if m := dup.FindStringSubmatch(line); m != nil {
			fdName[m[2]] = fdName[m[1]]
			continue
		}
		call, rest, ok := strings.Cut(line, "(")
		if !ok {
			continue
		}
		call = call[strings.LastIndexByte(call, ' ')+1:]
		fd := strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ')' || r == ' ' })[0]
		switch call {
		case "mkdirat":
			if strings.Contains(rest, `"newdir"`) {
				seq = append(seq, "mkdir newdir")
			}
		case "write":
			if strings.Contains(rest, "tslogs-object-content") {
				seq = append(seq, "write "+tmpName(fdName[fd]))
			}
		case "fdatasync", "fsync":
			seq = append(seq, "sync "+tmpName(fdName[fd]))
		case "renameat", "renameat2":
			if strings.Contains(rest, "obj.parquet") {
				seq = append(seq, "rename")
			}
		}
	}
	// Keep what follows the mkdir (the runtime's own calls come before).
	for i, s := range seq {
		if s == "mkdir newdir" {
			seq = seq[i:]
			break
		}
	}
	assert.Equal(t, []string{
		"mkdir newdir", "sync " + filepath.Base(root), // the new directory's entry in its parent
		"write TMP", "sync TMP", // the content, durable before it gets its name
		"rename", "sync newdir", // the name, durable before Put returns
	}, seq, "trace:\n%s", data)
}

// tmpName turns the random temporary name into TMP.
func tmpName(name string) string {
	if strings.HasPrefix(name, ".obj.parquet.") {
		return "TMP"
	}
	return name
}

func TestOpenTarget(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "new")
	_, err := Open(ctx, dir, false)
	assert.ErrorIs(t, err, fs.ErrNotExist, "not created without create")
	st, err := Open(ctx, dir, true)
	require.NoError(t, err)
	assert.IsType(t, &Dir{}, st)
	assert.True(t, IsS3("s3://b/p"))
	b, p, err := ParseS3("s3://bucket/some/prefix/")
	require.NoError(t, err)
	assert.Equal(t, "bucket", b)
	assert.Equal(t, "some/prefix/", p)
	_, _, err = ParseS3("s3:///nobucket")
	assert.Error(t, err)
}

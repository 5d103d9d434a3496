package cloudtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/objstore"
)

// TestObjstoreS3 checks internal/objstore's S3 store against versitygw:
// whole-object PUTs, listing by prefix in key order under the store's
// prefix, reads, deletes (of a missing key too), a file uploaded in one PUT
// and one uploaded in parts (larger than a part), and a Pending object
// that is visible only once committed, never when aborted.
func TestObjstoreS3(t *testing.T) {
	srv := startS3(t, "objtest")
	useS3(t, srv)
	ctx := context.Background()
	st, err := objstore.OpenS3(ctx, "s3://objtest/pre/fix")
	require.NoError(t, err)
	assert.Equal(t, "s3://objtest/pre/fix/", st.String())

	read := func(key string) []byte {
		rc, err := st.Open(ctx, key)
		require.NoError(t, err)
		defer rc.Close()
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		return b
	}
	list := func(prefix string) []string {
		var keys []string
		require.NoError(t, st.List(ctx, prefix, func(in objstore.Info) error {
			keys = append(keys, in.Key)
			assert.NotEmpty(t, in.ETag)
			assert.False(t, in.Modified.IsZero())
			return nil
		}))
		return keys
	}

	require.NoError(t, st.Put(ctx, "a/2.txt", []byte("two")))
	require.NoError(t, st.Put(ctx, "a/1.txt", []byte("one")))
	require.NoError(t, st.Put(ctx, "b/3.txt", []byte("three")))
	require.NoError(t, st.Put(ctx, "a/1.txt", []byte("one again")))
	assert.Equal(t, []string{"a/1.txt", "a/2.txt", "b/3.txt"}, list(""))
	assert.Equal(t, []string{"a/1.txt", "a/2.txt"}, list("a/"))
	assert.Equal(t, "one again", string(read("a/1.txt")))
	_, err = os.Stat(filepath.Join(srv.Root, "objtest", "pre", "fix", "a", "1.txt"))
	assert.NoError(t, err, "under the store's prefix")

	require.NoError(t, st.Delete(ctx, "a/2.txt"))
	require.NoError(t, st.Delete(ctx, "a/2.txt"), "deleting a missing object is no error")
	assert.Equal(t, []string{"a/1.txt", "b/3.txt"}, list(""))

	dir := t.TempDir()
	for name, size := range map[string]int{"small": 1 << 20, "parts": 17 << 20} {
		data := make([]byte, size)
		rand.Read(data)
		file := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(file, data, 0o600))
		require.NoError(t, st.PutFile(ctx, "files/"+name, file))
		assert.True(t, bytes.Equal(data, read("files/"+name)), "%s: content", name)
	}

	st.Spool = t.TempDir()
	p, err := st.Create("pending/x")
	require.NoError(t, err)
	_, err = p.WriteString("not yet")
	require.NoError(t, err)
	assert.Empty(t, list("pending/"), "nothing visible before Commit")
	require.NoError(t, p.Commit(ctx))
	assert.Equal(t, []string{"pending/x"}, list("pending/"))
	assert.Equal(t, "not yet", string(read("pending/x")))
	q, err := st.Create("pending/y")
	require.NoError(t, err)
	_, err = q.WriteString("dropped")
	require.NoError(t, err)
	q.Abort()
	assert.Equal(t, []string{"pending/x"}, list("pending/"))
	spool, err := os.ReadDir(st.Spool)
	require.NoError(t, err)
	assert.Empty(t, spool, "spool files removed after commit and abort")
}

// TestObjstoreS3SpoolNotRemovable: once an object's PUT has completed, its
// commit succeeds even if the local spool file cannot be removed (here a
// spool directory made append-only with chattr +a, which root cannot
// remove files from either): the object is stored, and reporting it as
// failed would have a rerun store it again.
func TestObjstoreS3SpoolNotRemovable(t *testing.T) {
	chattr, err := exec.LookPath("chattr")
	if err != nil {
		t.Skip("no chattr:", err)
	}
	srv := startS3(t, "spooltest")
	useS3(t, srv)
	ctx := context.Background()
	st, err := objstore.OpenS3(ctx, "s3://spooltest/")
	require.NoError(t, err)
	st.Spool = t.TempDir()
	p, err := st.Create("k")
	require.NoError(t, err)
	_, err = p.WriteString("stored")
	require.NoError(t, err)
	probe := filepath.Join(st.Spool, "probe")
	require.NoError(t, os.WriteFile(probe, nil, 0o600))
	if out, err := exec.Command(chattr, "+a", st.Spool).CombinedOutput(); err != nil {
		t.Skipf("chattr +a not supported here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command(chattr, "-a", st.Spool).Run() })
	if os.Remove(probe) == nil {
		t.Skip("files can still be removed from an append-only directory here")
	}

	require.NoError(t, p.Commit(ctx), "the object was stored")
	rc, err := st.Open(ctx, "k")
	require.NoError(t, err)
	b, err := io.ReadAll(rc)
	rc.Close()
	require.NoError(t, err)
	assert.Equal(t, "stored", string(b))
}

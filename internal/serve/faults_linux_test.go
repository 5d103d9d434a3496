//go:build linux

package serve

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Real faults for tests: a small tmpfs for a full disk, chattr +i for an
// immutable file. Both need root (CAP_SYS_ADMIN, CAP_LINUX_IMMUTABLE); the
// tests that use them are skipped, saying so, without it.

// mountTmpfs mounts a tmpfs of size bytes on dir until the test ends.
func mountTmpfs(t *testing.T, dir string, size int) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: a real full disk needs a tmpfs mounted by the test, which needs root")
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+strconv.Itoa(size)+",mode=0755"); err != nil {
		t.Skipf("skipped: cannot mount a tmpfs for a real full disk (%v)", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmounting the test tmpfs %s: %v", dir, err)
		}
	})
}

// fillUp fills the file system of dir and returns the file that fills it.
func fillUp(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	require.NoError(t, err)
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			require.ErrorIs(t, err, syscall.ENOSPC)
			break
		}
	}
	// Also the last partial blocks.
	for _, n := range []int{4096, 512, 1} {
		for {
			if _, err := f.Write(buf[:n]); err != nil {
				break
			}
		}
	}
	return p
}

// chattr sets (+i) or clears (-i) the immutable flag of path.
func chattr(t *testing.T, flag, path string) error {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: an immutable file (chattr +i) needs root")
	}
	bin, err := exec.LookPath("chattr")
	if err != nil {
		t.Skip("skipped: no chattr (e2fsprogs) for an immutable file")
	}
	out, err := exec.Command(bin, flag, path).CombinedOutput()
	if err != nil {
		return errors.New(string(out))
	}
	return nil
}

// TestSinkStartsWithImmutablePastFiles: files of past hours made immutable
// (archived) do not keep the receiver from starting: a file that needs no
// repair is only read.
func TestSinkStartsWithImmutablePastFiles(t *testing.T) {
	dir := t.TempDir()
	clock := newClock(testStart)
	s, _ := openTestSink(t, dir, clock, false)
	require.NoError(t, commit(s, Part{Kind: KindNetwork, Data: []byte("{\"a\":1}\n")}))
	require.NoError(t, s.Close())
	p := s.Path(KindNetwork, clock.hour())
	require.NoError(t, chattr(t, "+i", p))
	defer chattr(t, "-i", p)
	clock.add(time.Hour)
	s, _ = openTestSink(t, dir, clock, false)
	require.NoError(t, commit(s, Part{Kind: KindNetwork, Data: []byte("{\"a\":2}\n")}))
	require.NoError(t, s.Close())
	assert.Equal(t, []string{`{"a":1}`}, readLines(t, p))
	assert.Equal(t, []string{`{"a":2}`}, readLines(t, s.Path(KindNetwork, clock.hour())))
}

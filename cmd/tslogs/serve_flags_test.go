package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeRefusesBadLimits: values that used to be silently replaced by
// the default (--max-concurrent 0 or -1) are usage errors, as are the
// other limits' nonsense values.
func TestServeRefusesBadLimits(t *testing.T) {
	cases := [][]string{
		{"--max-concurrent", "0"},
		{"--max-concurrent", "-1"},
		{"--max-dead-letters", "0"},
		{"--max-inflight", "0"},
		{"--max-record", "-5"},
		{"--min-body-rate", "fast"},
		{"--read-timeout", "0s"},
		{"--drain-delay", "-1s"},
		{"--file-mode", "0400"},
		{"--file-mode", "rw"},
		// The token was generated before the certificate was found
		// missing, and the error did not say which flag.
		{"--tls-cert", "missing-cert.pem", "--tls-key", "missing-key.pem"},
		{"--tls-key", "missing-key.pem", "--tls-cert", os.DevNull},
		// "" listened on every interface, on a random port.
		{"--listen", ""},
		// A file: the error was about the token file in it.
		{"--out", os.DevNull},
		{"--out", os.DevNull, "--format", "parquet"},
	}
	for _, args := range cases {
		t.Run(args[0]+"="+args[1], func(t *testing.T) {
			// A context that ends: a receiver that (wrongly) starts stops
			// again, and the exit status tells.
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			var out, errb lockedBuffer
			dir := t.TempDir()
			code := serveMain(ctx, append([]string{"--listen", "127.0.0.1:0", "--out", dir}, args...), &out, &errb)
			assert.Equal(t, exitUsage, code, "stdout %q", out.String())
			assert.Contains(t, errb.String(), args[0])
			_, err := os.Stat(filepath.Join(dir, "token"))
			assert.True(t, os.IsNotExist(err), "no token generated for a receiver that does not run")
		})
	}
}

// TestServeNoTokenWhenListenFails: the generated token used to be printed
// (and stored) even when the listener then failed to bind.
func TestServeNoTokenWhenListenFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	dir := filepath.Join(t.TempDir(), "out")
	var out, errb lockedBuffer
	code := serveMain(context.Background(), []string{"--listen", ln.Addr().String(), "--out", dir}, &out, &errb)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errb.String(), "address already in use")
	assert.NotContains(t, out.String(), "Generated a token")
	_, err = os.Stat(filepath.Join(dir, "token"))
	assert.True(t, os.IsNotExist(err), "no token stored")
}

// TestServeTokenNotShown: a generated token that could not be printed
// (standard output on a full disk) is said so on standard error, with the
// file that holds it: it was "shown only this once" to no one.
func TestServeTokenNotShown(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full here:", err)
	}
	defer full.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the receiver stops as soon as it has started
	dir := t.TempDir()
	var errb lockedBuffer
	code := serveMain(ctx, []string{"--listen", "127.0.0.1:0", "--out", dir, "--drain-delay", "0"}, full, &errb)
	assert.Equal(t, exitOK, code, errb.String())
	assert.Contains(t, errb.String(), "the generated token could not be shown")
	assert.Contains(t, errb.String(), filepath.Join(dir, "token"))
	assert.Contains(t, errb.String(), "no space left on device")
}

package cloudtest

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The S3-compatible server of the tests is versitygw (Apache-2.0), a real
// S3 gateway over a POSIX directory: it checks SigV4 signatures, publishes
// objects atomically and lists like S3. make test-cloud installs it (go
// install github.com/versity/versitygw/cmd/versitygw@v1.8.0) and passes its
// path in TSLOGS_S3_SERVER.
const (
	s3Access = "tslogs-test-access"
	s3Secret = "tslogs-test-secret-0123456789"
)

// s3Server is a running versitygw on a free loopback port.
type s3Server struct {
	URL  string
	Root string // the directory holding the buckets
	addr string
	bin  string
	stop func() // kills the server and waits for it
}

// Env is the environment that points tslogs and the AWS SDK at the server.
func (s *s3Server) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + s3Access, "AWS_SECRET_ACCESS_KEY=" + s3Secret,
		"AWS_REGION=us-east-1", "AWS_ENDPOINT_URL=" + s.URL,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true",
	}
}

// startS3 starts versitygw with buckets as directories of a temporary root
// and stops it when the test ends. Without TSLOGS_S3_SERVER the test fails:
// run it through make test-cloud.
func startS3(t *testing.T, buckets ...string) *s3Server {
	t.Helper()
	bin := os.Getenv("TSLOGS_S3_SERVER")
	if bin == "" {
		t.Fatal("TSLOGS_S3_SERVER is not set: run make test-cloud, which installs versitygw")
	}
	s := &s3Server{Root: t.TempDir(), bin: bin}
	for _, b := range buckets {
		require.NoError(t, os.MkdirAll(filepath.Join(s.Root, b), 0o755))
	}
	// A free port: listen on :0, note the port, close. Another process may
	// take it in between; the start is then retried on another port.
	for attempt := 0; ; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		ln.Close()
		log, ok := s.start(t, addr)
		if ok {
			t.Cleanup(func() { s.Kill() })
			return s
		}
		if attempt == 3 {
			t.Fatalf("versitygw did not start: %s", log)
		}
	}
}

// start runs versitygw on addr and waits until it answers.
func (s *s3Server) start(t *testing.T, addr string) (string, bool) {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, s.bin, "--access", s3Access, "--secret", s3Secret,
		"--port", addr, "--quiet", "posix", s.Root)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	url := "http://" + addr
	up, exited := waitHTTP(url, done)
	if !up {
		cancel()
		if !exited {
			<-done
		}
		return log.String(), false
	}
	s.URL, s.addr = url, addr
	s.stop = func() {
		cancel() // SIGKILL
		<-done
	}
	return "", true
}

// Kill stops the server at once (SIGKILL), as a crash or an outage would.
func (s *s3Server) Kill() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

// Restart starts the server again on the same address and root.
func (s *s3Server) Restart(t *testing.T) {
	t.Helper()
	s.Kill()
	log, ok := s.start(t, s.addr)
	require.True(t, ok, "versitygw did not start again on %s: %s", s.addr, log)
}

// waitHTTP waits up to 10 s for the server to answer (any status), or for
// it to exit.
func waitHTTP(url string, done <-chan error) (up, exited bool) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return false, true
		default:
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return true, false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false, false
}

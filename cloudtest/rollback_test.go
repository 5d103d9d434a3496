package cloudtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/objstore"
	"github.com/tslogs/tslogs/internal/serve"
)

// listKeys lists every object of a bucket.
func listKeys(t *testing.T, bucket string) []string {
	t.Helper()
	ctx := context.Background()
	st, err := objstore.OpenS3(ctx, "s3://"+bucket)
	require.NoError(t, err)
	var keys []string
	require.NoError(t, st.List(ctx, "", func(in objstore.Info) error {
		keys = append(keys, in.Key)
		return nil
	}))
	slices.Sort(keys)
	return keys
}

// mixedBody is a body of network and audit records, as one log-stream
// POST: its objects go to two partitions.
func mixedBody(t *testing.T, dir string) ([]byte, int) {
	t.Helper()
	net := synth(t, dir, "net.log", "--log-type", "network", "--records", "20", "--seed", "31")
	aud := synth(t, dir, "audit.log", "--log-type", "audit", "--records", "10", "--seed", "32")
	a, err := os.ReadFile(net)
	require.NoError(t, err)
	b, err := os.ReadFile(aud)
	require.NoError(t, err)
	return append(a, b...), 30
}

func digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// post sends body to url with the token and returns the status.
func post(t *testing.T, url, token string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestS3FailedBatchLeavesNothing: tslogs serve --out s3:// answers 503 to
// a batch whose audit object the S3 server refuses (a real refusal: a
// regular file stands in versitygw's bucket directory where the audit
// partition's directory must go), and the bucket holds nothing of that
// batch afterwards: the network object, already stored, was deleted. Once
// the obstacle is gone, /healthz recovers and the retry stores both objects
// once.
func TestS3FailedBatchLeavesNothing(t *testing.T) {
	srv, dir, token, tokenFile := lake(t, "rollback-test-token-0123456789")
	blocker := filepath.Join(srv.Root, "lake", "tailscale", "p_log_type=Tailscale.Audit")
	require.NoError(t, os.MkdirAll(filepath.Dir(blocker), 0o755))
	require.NoError(t, os.WriteFile(blocker, []byte("in the way\n"), 0o644))
	before := listKeys(t, "lake")
	require.Equal(t, []string{"tailscale/p_log_type=Tailscale.Audit"}, before, "the obstacle is an object of its own")

	r := startReceiver(t, srv.Env(), "s3://lake/tailscale", tokenFile)
	body, n := mixedBody(t, dir)
	require.Equal(t, http.StatusServiceUnavailable, post(t, r.url, token, body))
	assert.Equal(t, before, listKeys(t, "lake"), "nothing of the failed batch is in the bucket")
	resp, err := http.Get(r.url + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)

	require.NoError(t, os.Remove(blocker))
	require.Eventually(t, func() bool {
		resp, err := http.Get(r.url + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 10*time.Second, 200*time.Millisecond, "health recovers once a test write succeeds")
	require.Equal(t, http.StatusOK, post(t, r.url, token, body))
	keys := listKeys(t, "lake")
	require.Len(t, keys, 2, "%v", keys)
	for _, k := range keys {
		assert.Equal(t, digest(body)+".parquet", path.Base(k))
	}
	local, _ := download(t, "lake", "tailscale")
	assert.Equal(t, map[string]int64{"Tailscale.Network": 20, "Tailscale.Audit": int64(n - 20)}, countRows(t, local))
}

// killingStore is an S3 store whose server is killed (SIGKILL) right
// after the first PUT of a batch completes; other PUTs wait until then, so
// that the batch is cut between two PUTs, as when the server (or the
// network to it) fails mid-batch.
type killingStore struct {
	objstore.Store
	srv    *s3Server
	once   sync.Once
	killed chan struct{}
	mu     sync.Mutex
	first  bool
}

func (k *killingStore) Put(ctx context.Context, key string, data []byte) error {
	k.mu.Lock()
	first := !k.first
	k.first = true
	k.mu.Unlock()
	if !first {
		<-k.killed
		return k.Store.Put(ctx, key, data)
	}
	err := k.Store.Put(ctx, key, data)
	k.once.Do(func() {
		k.srv.Kill()
		close(k.killed)
	})
	return err
}

// TestS3KilledMidBatch: the S3 server dies between a batch's two PUTs.
// The receiver answers 503 (the second PUT fails), and cannot delete the
// first object (its DELETE fails too): that object stays, as documented.
// The sender's retry, once the server is back, writes exactly the same
// keys, and every record is then in the bucket once.
func TestS3KilledMidBatch(t *testing.T) {
	srv := startS3(t, "lake")
	useS3(t, srv)
	dir := t.TempDir()
	st, err := objstore.OpenS3(context.Background(), "s3://lake/tailscale")
	require.NoError(t, err)
	ks := &killingStore{Store: st, srv: srv, killed: make(chan struct{})}
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return logs.Write(p)
	}), nil))
	token := "killed-test-token-0123456789"
	s, err := serve.New(serve.Config{Tokens: []string{token}, Host: "cloudtest", Objects: ks, Logger: logger, DrainDelay: -1})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	url := "http://" + ln.Addr().String()

	body, n := mixedBody(t, dir)
	require.Equal(t, http.StatusServiceUnavailable, post(t, url, token, body))
	logMu.Lock()
	assert.Contains(t, logs.String(), "deleting its objects failed too")
	logMu.Unlock()

	srv.Restart(t)
	left := listKeys(t, "lake")
	require.Len(t, left, 1, "the object stored before the server died stays: %v", left)
	assert.Equal(t, digest(body)+".parquet", path.Base(left[0]))

	require.Equal(t, http.StatusOK, post(t, url, token, body), "the sender's retry")
	keys := listKeys(t, "lake")
	require.Len(t, keys, 2, "%v", keys)
	assert.Contains(t, keys, left[0], "the retry rewrote the leftover's key")
	local, _ := download(t, "lake", "tailscale")
	assert.Equal(t, map[string]int64{"Tailscale.Network": 20, "Tailscale.Audit": int64(n - 20)}, countRows(t, local),
		"every record once")
	for _, k := range keys {
		assert.True(t, strings.HasPrefix(k, "tailscale/p_log_type="), k)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

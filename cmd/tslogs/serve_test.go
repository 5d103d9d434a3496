package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/serve/loadtest"
	"github.com/tslogs/tslogs/internal/synth"
)

// lockedBuffer is a goroutine-safe buffer.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var listeningRE = regexp.MustCompile(`Listening on (https?://[^ ]+)`)

func TestServeHelpAndUsage(t *testing.T) {
	var out, errb bytes.Buffer
	assert.Equal(t, exitOK, run([]string{"serve", "-h"}, &out, &errb))
	assert.Contains(t, errb.String(), "Usage: tslogs serve")
	assert.Contains(t, errb.String(), "Examples:")
	assert.Contains(t, errb.String(), "--tls-cert")

	for _, args := range [][]string{
		{"--nope"},
		{"--tls-cert", "c.pem"},
		{"--max-body", "lots"},
		{"extra-arg"},
		{"--token-file", filepath.Join(t.TempDir(), "missing")},
	} {
		errb.Reset()
		assert.Equal(t, exitUsage, serveMain(context.Background(), args, &out, &errb), "%v", args)
		assert.NotEmpty(t, errb.String())
	}
}

// TestServeInProcess runs the command with a generated token: it is printed
// once, stored with mode 0600 and reused; a Splunk-style post is stored;
// cancelling (as SIGTERM does) stops it cleanly.
func TestServeInProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	start := func() (stop func() int, url string, out *lockedBuffer) {
		ctx, cancel := context.WithCancel(context.Background())
		out, errb := &lockedBuffer{}, &lockedBuffer{}
		code := make(chan int, 1)
		go func() {
			code <- serveMain(ctx, []string{"--listen", "127.0.0.1:0", "--out", dir, "--host", "cli", "--drain-delay", "0s"}, out, errb)
		}()
		require.Eventually(t, func() bool { return listeningRE.MatchString(out.String()) }, 10*time.Second, 10*time.Millisecond,
			"stdout %q stderr %q", out.String(), errb.String())
		url = listeningRE.FindStringSubmatch(out.String())[1]
		return func() int { cancel(); return <-code }, url, out
	}

	stop, url, out := start()
	tokPath := filepath.Join(dir, "token")
	st, err := os.Stat(tokPath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	data, err := os.ReadFile(tokPath)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	token := lines[len(lines)-1]
	assert.Contains(t, out.String(), token, "printed once")

	body, n := synth.New(synth.Options{Kind: synth.Audit, Seed: 3}).AppendBody(nil, 0, 10)
	req, _ := http.NewRequest(http.MethodPost, url+"/services/collector/event", bytes.NewReader(body))
	req.SetBasicAuth("tailscale", token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	reply, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, `{"text":"Success","code":0}`, string(reply))
	assert.Equal(t, exitOK, stop())

	stop, _, out = start()
	assert.Contains(t, out.String(), "Using the token in")
	assert.NotContains(t, out.String(), token, "not printed again")
	assert.Equal(t, exitOK, stop())

	st2, err := loadtest.ReadStore(dir)
	require.NoError(t, err)
	assert.Equal(t, n, st2.Rows.Total())
}

// buildTslogs builds the command into a temporary directory.
func buildTslogs(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "tslogs")
	cmd := exec.Command(goBin, "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// proc is a running "tslogs serve" process.
type proc struct {
	cmd    *exec.Cmd
	url    string
	stderr *lockedBuffer
	done   chan error
}

func startProc(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, append([]string{"serve"}, args...)...), stderr: &lockedBuffer{}, done: make(chan error, 1)}
	p.cmd.Stderr = p.stderr
	stdout, err := p.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case p.url = <-urlc:
	case err := <-p.done:
		t.Fatalf("tslogs serve exited: %v\n%s", err, p.stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("tslogs serve did not start:\n%s", p.stderr.String())
	}
	return p
}

func (p *proc) wait(t *testing.T) error {
	select {
	case err := <-p.done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("tslogs serve did not exit")
		return nil
	}
}

// TestServeCrash is the crash test: a real "tslogs serve" process is
// SIGKILLed while senders post to it. Every record whose POST was answered
// 2xx must be on disk, nothing may be stored that was not sent, and a torn
// last line (simulated on top of the kill, since a kill rarely lands inside
// a write) must be truncated at the next start, after which the receiver
// works normally and stops cleanly on SIGTERM.
func TestServeCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t0 := time.Now()
	bin := buildTslogs(t)
	t.Logf("built in %v", time.Since(t0).Round(time.Millisecond))
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	tokFile := filepath.Join(dir, "token")
	const token = "crash-test-token-0123456789"
	require.NoError(t, os.WriteFile(tokFile, []byte(token+"\n"), 0o600))
	args := []string{"--listen", "127.0.0.1:0", "--out", out, "--token-file", tokFile, "--host", "crash", "--max-concurrent", "64"}

	p := startProc(t, bin, args...)
	var acked atomic.Int64
	killAt := int64(400)
	killed := make(chan struct{})
	plan, err := loadtest.Prepare(loadtest.Options{
		URL: p.url + "/", Token: token, Auth: "mix", Senders: 8, Records: 2400, MaxRecordsPerBody: 20, Seed: 11,
		Attempts: 3, StopOnConnError: true, Lazy: true,
		OnAck: func(n int) {
			if acked.Add(int64(n)) >= killAt {
				select {
				case <-killed:
				default:
					close(killed)
				}
			}
		},
	})
	require.NoError(t, err)
	t.Logf("prepared at %v", time.Since(t0).Round(time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	resc := make(chan *loadtest.Result, 1)
	go func() { resc <- plan.Run(ctx) }()
	select {
	case <-killed:
	case res := <-resc:
		t.Fatalf("load ended before the kill point: %d acknowledged, statuses %v, errors %q\nserver: %s",
			res.AckedRecords, res.Statuses, res.Errors, p.stderr.String())
	case <-ctx.Done():
		res := <-resc
		t.Fatalf("load did not reach the kill point: %d acknowledged, statuses %v, errors %q\nserver: %s",
			res.AckedRecords, res.Statuses, res.Errors, p.stderr.String())
	}
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	err = p.wait(t)
	require.Error(t, err, "killed")
	res1 := <-resc
	t.Logf("killed after %d acknowledged records (at %v); %d records in bodies attempted",
		res1.AckedRecords, time.Since(t0).Round(time.Millisecond), res1.Records)
	require.Less(t, res1.AckedRecords, plan.Records, "killed mid-load")

	st, err := loadtest.ReadStore(out)
	require.NoError(t, err)
	torn := st.TornFiles
	st.TornFiles = nil // a kill inside a write may leave one; the restart repairs it
	require.NoError(t, loadtest.Verify(res1, st, false), "after SIGKILL, before restart")
	t.Logf("on disk after the kill: %d rows (%d acknowledged), torn files: %v", st.Rows.Total(), res1.AckedRecords, torn)

	// Simulate a write torn by the crash at the end of the current file.
	files, err := filepath.Glob(filepath.Join(out, "network", "*", "*", "*", "tailscale-network-*-crash.ndjson"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	last := files[len(files)-1]
	f, err := os.OpenFile(last, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"time":"2026-06-03T12:00:00Z","event":{"nodeId":"nTORN`)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	t.Logf("restarting at %v", time.Since(t0).Round(time.Millisecond))
	p = startProc(t, bin, args...)
	// stderr is copied by another goroutine: it may lag behind stdout.
	assert.Eventually(t, func() bool { return strings.Contains(p.stderr.String(), "rolled back the end of a file") },
		5*time.Second, 10*time.Millisecond, "stderr: %s", p.stderr.String())
	plan2, err := loadtest.Prepare(loadtest.Options{
		URL: p.url + "/services/collector/event", Token: token, Auth: "basic", Senders: 4, Records: 400, MaxRecordsPerBody: 20, Seed: 12, Lazy: true,
	})
	require.NoError(t, err)
	res2 := plan2.Run(ctx)
	require.Equal(t, plan2.Records, res2.AckedRecords, "after the restart: %v", res2.Errors)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, p.wait(t), "clean exit on SIGTERM: %s", p.stderr.String())
	assert.Contains(t, p.stderr.String(), "stopped")

	st, err = loadtest.ReadStore(out)
	require.NoError(t, err)
	all := &loadtest.Result{Acked: loadtest.Multiset{}, Attempted: loadtest.Multiset{}}
	for _, r := range []*loadtest.Result{res1, res2} {
		for k, n := range r.Acked {
			all.Acked[k] += n
		}
		for k, n := range r.Attempted {
			all.Attempted[k] += n
		}
		all.AckedRecords += r.AckedRecords
	}
	require.NoError(t, loadtest.Verify(all, st, false), "after the restart")
	t.Logf("done at %v", time.Since(t0).Round(time.Millisecond))
	assert.Empty(t, st.TornFiles)
	assert.Zero(t, st.DupRowIDs)
}

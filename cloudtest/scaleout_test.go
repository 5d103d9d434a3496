package cloudtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// receiver is a tslogs serve process.
type receiver struct {
	url  string
	cmd  *exec.Cmd
	done chan error
}

var listenRE = regexp.MustCompile(`Listening on (http://[0-9.:]+)`)

// startReceiver starts tslogs serve on a free loopback port writing to
// out, and returns once it listens.
func startReceiver(t *testing.T, env []string, out, tokenFile string) *receiver {
	t.Helper()
	cmd := exec.Command(tslogsBin, "serve", "--listen", "127.0.0.1:0", "--out", out, "--token-file", tokenFile)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	r := &receiver{cmd: cmd, done: make(chan error, 1)}
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		r.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
	})
	timeout := time.After(20 * time.Second)
	for r.url == "" {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "tslogs serve exited: %s", stderr.String())
			if m := listenRE.FindStringSubmatch(l); m != nil {
				r.url = m[1]
			}
		case <-timeout:
			t.Fatalf("tslogs serve did not start: %s", stderr.String())
		}
	}
	go func() {
		for range lines {
		}
	}()
	return r
}

// TestScaleOutExactlyOnce runs three receivers on loopback writing Parquet
// to one bucket, posts batches from concurrent senders spread over them
// (each sender moving to another receiver when one fails), SIGKILLs one
// receiver mid-load, and checks that every acknowledged record is in the
// bucket exactly once and that nothing else is.
func TestScaleOutExactlyOnce(t *testing.T) {
	srv, dir, token, tokenFile := lake(t, "scale-out-test-token-0123456789")

	const senders, perSender, perBody = 6, 16, 30
	input := synth(t, dir, "flows.ndjson", "--log-type", "network", "--bare", "--seed", "21",
		"--records", fmt.Sprint(senders*perSender*perBody))
	data, err := os.ReadFile(input)
	require.NoError(t, err)
	lines := bytes.SplitAfter(data, []byte("\n"))
	var bodies [][]byte
	for i := 0; i+perBody <= len(lines); i += perBody {
		bodies = append(bodies, bytes.Join(lines[i:i+perBody], nil))
	}
	require.Len(t, bodies, senders*perSender)

	var recv []*receiver
	for range 3 {
		recv = append(recv, startReceiver(t, srv.Env(), "s3://lake/tailscale", tokenFile))
	}
	var (
		acked    atomic.Int64
		killOnce sync.Once
		killed   = make(chan struct{})
		ackedSet = make([]bool, len(bodies))
		wg       sync.WaitGroup
	)
	client := &http.Client{Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := s
			for b := s * perSender; b < (s+1)*perSender; b++ {
				for attempt := 0; ctx.Err() == nil; attempt++ {
					r := recv[next%len(recv)]
					next++
					req, _ := http.NewRequestWithContext(ctx, http.MethodPost, r.url+"/", bytes.NewReader(bodies[b]))
					req.Header.Set("Authorization", "Bearer "+token)
					resp, err := client.Do(req)
					if err == nil {
						resp.Body.Close()
					}
					if err == nil && resp.StatusCode == http.StatusOK {
						ackedSet[b] = true
						if acked.Add(1) == int64(len(bodies)/3) {
							killOnce.Do(func() {
								recv[1].cmd.Process.Signal(syscall.SIGKILL)
								close(killed)
							})
						}
						break
					}
					time.Sleep(time.Duration(min(attempt, 10)) * 20 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, ctx.Err(), "the load did not finish in time")
	<-killed
	select {
	case err := <-recv[1].done:
		require.Error(t, err, "the killed receiver exited cleanly")
	case <-time.After(10 * time.Second):
		t.Fatal("the killed receiver is still running")
	}

	// A sender's retry of a batch that was stored but not acknowledged
	// (what the kill can cause) goes to another receiver: it must not store
	// the batch again. Post two bodies again, each to both live receivers.
	for _, b := range bodies[:2] {
		for _, r := range []*receiver{recv[0], recv[2]} {
			req, _ := http.NewRequest(http.MethodPost, r.url+"/", bytes.NewReader(b))
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
		}
	}

	// Every body was acknowledged: the senders retry until it is.
	want := map[string]int{}
	for b, ok := range ackedSet {
		require.True(t, ok, "body %d was never acknowledged", b)
		for _, line := range bytes.Split(bytes.TrimSpace(bodies[b]), []byte("\n")) {
			want[recordKey(t, line)]++
		}
	}
	local, keys := download(t, "lake", "tailscale")
	t.Logf("%d bodies, %d records acknowledged by 3 receivers (one SIGKILLed after %d); %d objects in the bucket",
		len(bodies), len(want), len(bodies)/3, len(keys))
	rows, err := duck(t).Query(`SELECT event.nodeId, epoch_us(event.start), epoch_us(event."end"), epoch_us(event.logged)
		FROM read_parquet('` + local + `/**/*.parquet')`)
	require.NoError(t, err)
	got := map[string]int{}
	for rows.Next() {
		var node string
		var start, end, logged int64
		require.NoError(t, rows.Scan(&node, &start, &end, &logged))
		got[fmt.Sprintf("%s/%d/%d/%d", node, start, end, logged)]++
	}
	require.NoError(t, rows.Err())
	missing, dup, extra := 0, 0, 0
	for k, n := range want {
		switch g := got[k]; {
		case g < n:
			missing++
		case g > n:
			dup++
		}
	}
	for k := range got {
		if want[k] == 0 {
			extra++
		}
	}
	assert.Zero(t, missing, "acknowledged records missing from the bucket")
	assert.Zero(t, dup, "acknowledged records stored more than once")
	assert.Zero(t, extra, "records in the bucket that were never sent")
}

// recordKey identifies a bare network record: node, window and logged
// time, as microseconds.
func recordKey(t *testing.T, line []byte) string {
	var r struct {
		NodeID            string `json:"nodeId"`
		Start, End, Logge time.Time
	}
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(line, &raw))
	require.NoError(t, json.Unmarshal(raw["nodeId"], &r.NodeID))
	require.NoError(t, json.Unmarshal(raw["start"], &r.Start))
	require.NoError(t, json.Unmarshal(raw["end"], &r.End))
	require.NoError(t, json.Unmarshal(raw["logged"], &r.Logge))
	return fmt.Sprintf("%s/%d/%d/%d", r.NodeID, r.Start.UnixMicro(), r.End.UnixMicro(), r.Logge.UnixMicro())
}

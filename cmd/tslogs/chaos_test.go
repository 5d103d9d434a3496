package main

// The part of the chaos suite (make chaos) that needs the real binary:
// kill -9 and restart loops under concurrent senders, and the memory of
// hostile and maximum-size bodies measured as the process's peak RSS.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/serve"
	"github.com/tslogs/tslogs/internal/serve/loadtest"
	"github.com/tslogs/tslogs/internal/synth"
)

const chaosToken = "chaos-test-token-0123456789"

// chaosDir makes an output directory and a token file.
func chaosDir(t *testing.T) (out, tokFile string) {
	dir := t.TempDir()
	tokFile = filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(tokFile, []byte(chaosToken+"\n"), 0o600))
	return filepath.Join(dir, "out"), tokFile
}

var rolledBackRE = regexp.MustCompile(`rolled back the end of a file.* bytes=(\d+)`)

// TestChaosKillLoop: 8 senders post concurrently, retrying every failure
// (503 or a broken connection) with the same body until it is
// acknowledged, as Tailscale does, while the receiver is killed with
// SIGKILL and restarted, again and again. In the end every record is
// stored exactly once: none lost, none twice (a retry of a body whose reply
// the kill swallowed is recognised), no torn line.
func TestChaosKillLoop(t *testing.T) {
	loadtest.SkipUnlessChaos(t)
	out, tokFile := chaosDir(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	args := []string{"--listen", addr, "--out", out, "--token-file", tokFile, "--host", "chaos",
		"--drain-delay", "0s", "--log-requests"}
	p := startProc(t, cliBin, args...)

	plan, err := loadtest.Prepare(loadtest.Options{
		URL: p.url + "/", Token: chaosToken, Auth: "mix", Senders: 8, Records: 16000, MaxRecordsPerBody: 20, Seed: 21,
		Attempts: 1000,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	resc := make(chan *loadtest.Result, 1)
	go func() { resc <- plan.Run(ctx) }()

	const kills = 16
	rng := rand.New(rand.NewPCG(7, 8))
	var logs []string
	var restarts int
	for range kills {
		time.Sleep(time.Duration(100+rng.IntN(300)) * time.Millisecond)
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
		require.Error(t, p.wait(t), "killed")
		logs = append(logs, p.stderr.String())
		p = startProc(t, cliBin, args...)
		restarts++
	}
	res := <-resc
	require.NoError(t, ctx.Err(), "the senders finished")
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, p.wait(t), "clean exit on SIGTERM: %s", p.stderr.String())
	logs = append(logs, p.stderr.String())

	st, err := loadtest.ReadStore(out)
	require.NoError(t, err)
	require.Equal(t, plan.Records, res.AckedRecords, "every body acknowledged in the end: %v", res.Errors)
	require.NoError(t, loadtest.Verify(res, st, true), "exactly once")
	var rolledBack, dups int
	for _, l := range logs {
		for _, m := range rolledBackRE.FindAllStringSubmatch(l, -1) {
			n, _ := strconv.Atoi(m[1])
			rolledBack += n
		}
		dups += strings.Count(l, "duplicate=true")
	}
	t.Logf("chaos: kill -9 loop: %d kills and restarts, %d requests (%d retries), %d records acknowledged, %d rows on disk, 0 missing, %d stored twice, %d retries of a stored body recognised, %d bytes of unacknowledged batches rolled back at restarts",
		restarts, res.Requests, res.Retries, res.AckedRecords, st.Rows.Total(), st.Rows.Total()-res.AckedRecords, dups, rolledBack)
}

// peakRSS returns a process's peak resident set (VmHWM) in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

// hostileBodies returns bodies of at most max bytes meant to cost the
// receiver the most: memory (decoded traffic entries and nodes, tiny valid
// records whose rows are ten times larger), dead letters (floods of tiny
// bad records, invalid UTF-8, control bytes), nesting, and a gzip bomb.
func hostileBodies(t *testing.T, max, maxRecord int) map[string][]byte {
	fill := func(prefix, item, suffix string, size int) []byte {
		var b bytes.Buffer
		b.WriteString(prefix)
		for b.Len() < size-len(suffix)-len(item)-1 {
			b.WriteString(item)
			b.WriteByte(',')
		}
		b.WriteString(item)
		b.WriteString(suffix)
		return b.Bytes()
	}
	records := func(rec []byte) []byte {
		var b bytes.Buffer
		for b.Len()+len(rec) <= max {
			b.Write(rec)
		}
		return b.Bytes()
	}
	m := map[string][]byte{
		"traffic entries {}": records(fill(`{"nodeId":"n","virtualTraffic":[`, `{}`, `]}`, maxRecord-16)),
		"dstNodes {}":        records(fill(`{"nodeId":"n","dstNodes":[`, `{}`, `]}`, maxRecord-16)),
		"addresses":          records(fill(`{"nodeId":"n","srcNode":{"addresses":[`, `""`, `]}}`, maxRecord-16)),
		"tiny valid records": records([]byte(`{"nodeId":"n"}`)),
		"{} flood":           records([]byte(`{}`)),
		"deep nesting (128)": records([]byte(`{"time":1,"event":{"action":"a","origin":"o","actor":{"id":"u"},"target":{"id":"t"},"eventGroupID":"g","old":` +
			strings.Repeat("[", 126) + strings.Repeat("]", 126) + `}}`)),
		"too deep (200)":   records([]byte(strings.Repeat("[", 200) + strings.Repeat("]", 200))),
		"cut lines":        records([]byte(`{"time":1,"event":{"nodeId":"n","src":` + "\n")),
		"invalid UTF-8":    bytes.Repeat([]byte{0xff, 0xfe, '{', 0x80}, max/4),
		"control bytes":    bytes.Repeat([]byte{'{', 1, 2, 3, '"', '\\'}, max/6),
		"oversized record": records(fill(`{"nodeId":"`, strings.Repeat("a", 64), `"}`, maxRecord+1024)),
	}
	// A gzip bomb: 1 GiB of spaces in a few MiB.
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	chunk := bytes.Repeat([]byte{' '}, 1<<20)
	for range 1024 {
		zw.Write(chunk)
	}
	zw.Close()
	m["gzip bomb (1 GiB)"] = gz.Bytes()
	for name, b := range m {
		require.LessOrEqual(t, len(b), max, name)
	}
	return m
}

// memRun starts a receiver, posts n copies of body (made distinct, so that
// none is taken for a retry) at once, retrying 503s, and returns the
// statuses, the peak RSS and the dead-letter bytes.
func memRun(t *testing.T, body []byte, n int, enc string, args ...string) (statuses map[int]int, rss, dead int64) {
	out, tokFile := chaosDir(t)
	p := startProc(t, cliBin, append([]string{"--listen", "127.0.0.1:0", "--out", out, "--token-file", tokFile, "--host", "mem",
		"--drain-delay", "0s"}, args...)...)
	statuses = map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 2 * time.Minute}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := body
			if i > 0 && enc == "" {
				b = append(bytes.Clone(body), fmt.Sprintf("\n%d", i)...)
			}
			for try := 0; ; try++ {
				req, _ := http.NewRequest(http.MethodPost, p.url+"/", bytes.NewReader(b))
				req.Header.Set("Authorization", "Bearer "+chaosToken)
				if enc != "" {
					req.Header.Set("Content-Encoding", enc)
				}
				resp, err := client.Do(req)
				status := -1
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				if status != http.StatusServiceUnavailable || try > 600 {
					mu.Lock()
					statuses[status]++
					mu.Unlock()
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	rss = peakRSS(t, p.cmd.Process.Pid)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, p.wait(t))
	filepath.Walk(filepath.Join(out, "deadletter"), func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			dead += fi.Size()
		}
		return nil
	})
	return statuses, rss, dead
}

// TestChaosMemory measures the receiver's peak RSS (VmHWM) for one
// maximum-size body of each hostile kind, and for N concurrent maximum-size
// bodies of valid and of the worst content, and checks every peak against
// the bound serve.MemoryBound states for the limits in use; and the
// dead-letter bytes of each hostile request against theirs.
func TestChaosMemory(t *testing.T) {
	loadtest.SkipUnlessChaos(t)
	const slots = 2
	cfg := serve.Config{MaxConcurrent: slots}
	bound := serve.MemoryBound(cfg)
	// The bound is of the Go heap and runtime; the process also maps its
	// own code and data.
	const procSlack = 24 << 20
	maxBody, maxRecord := int(serve.DefaultMaxBodyBytes), int(serve.DefaultMaxRecordBytes)
	deadBound := int64(maxBody)*4/3 + int64(serve.DefaultMaxDeadLetters+1)*2600
	args := []string{"--max-concurrent", strconv.Itoa(slots)}
	t.Logf("chaos: memory bound with --max-concurrent %d and the other defaults: %d MiB; dead letters per request at most %d bytes",
		slots, bound>>20, deadBound)

	bodies := hostileBodies(t, maxBody, maxRecord)
	names := make([]string, 0, len(bodies))
	for name := range bodies {
		names = append(names, name)
	}
	worst, worstRSS := "", int64(0)
	for _, name := range names {
		enc := ""
		if strings.HasPrefix(name, "gzip") {
			enc = "gzip"
		}
		statuses, rss, dead := memRun(t, bodies[name], 1, enc, args...)
		t.Logf("chaos: one %d-byte body of %s: %v, peak RSS %d MiB, dead letters %d bytes", len(bodies[name]), name, statuses, rss>>20, dead)
		assert.LessOrEqual(t, rss, bound+procSlack, name)
		assert.LessOrEqual(t, dead, deadBound, name)
		assert.Equal(t, map[int]int{wantStatus(name): 1}, statuses, "%s: the answer", name)
		if rss > worstRSS {
			worst, worstRSS = name, rss
		}
	}

	valid, n := synth.New(synth.Options{Kind: synth.Network, Seed: 5}).AppendBody(nil, maxBody-64, 0)
	require.Positive(t, n)
	const N = 12
	for _, c := range []struct {
		name string
		body []byte
	}{{"valid network records", valid}, {worst, bodies[worst]}} {
		statuses, rss, _ := memRun(t, c.body, N, "", args...)
		t.Logf("chaos: %d concurrent %d-byte bodies of %s: %v, peak RSS %d MiB (bound %d MiB)", N, len(c.body), c.name, statuses, rss>>20, bound>>20)
		assert.LessOrEqual(t, rss, bound+procSlack, c.name)
		assert.Zero(t, statuses[-1]+statuses[http.StatusServiceUnavailable], "every body answered in the end")
		if c.name != "valid network records" {
			assert.Equal(t, N, statuses[wantStatus(c.name)], "%s: the answers", c.name)
		} else {
			assert.Equal(t, N, statuses[http.StatusOK], "%s: the answers", c.name)
		}
	}
}

// wantStatus is the answer to one body of a hostile kind: 413 when its rows
// or its decompressed size would pass the limits, else 200 (its bad records
// dead-lettered, its good ones stored). A record as large as the limit is
// a good record.
func wantStatus(kind string) int {
	switch kind {
	case "tiny valid records", "gzip bomb (1 GiB)":
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusOK
}

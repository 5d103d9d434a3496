package serve

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/serve/loadtest"
)

func TestAuthSchemesAccepted(t *testing.T) {
	ts := startServer(t, nil)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("anyuser:"+testToken))
	cases := []struct {
		path, auth, want string
	}{
		{"/", "Bearer " + testToken, `{"status":"ok"}`},
		{"/v1/ingest", "bearer  " + testToken, `{"status":"ok"}`},
		{"/services/collector/event", basic, `{"text":"Success","code":0}`},
		{"/services/collector/event", "Splunk " + testToken, `{"text":"Success","code":0}`},
		{"/services/collector", basic, `{"text":"Success","code":0}`},
		{"/services/collector/raw", "Splunk " + testToken, `{"text":"Success","code":0}`},
		{"/services/collector/event/1.0", "Bearer " + testToken, `{"text":"Success","code":0}`},
	}
	for i, c := range cases {
		body := networkBody(t, 5, uint64(i+1))
		code, reply, _ := ts.post(c.path, bytes.NewReader(body), "Authorization", c.auth)
		assert.Equal(t, http.StatusOK, code, "%s %s", c.path, c.auth[:6])
		assert.JSONEq(t, c.want, reply, c.path)
	}
	assert.Len(t, readLines(t, ts.path(KindNetwork)), 5*len(cases))
	assert.Nil(t, readLines(t, ts.path(KindDeadLetter)))
}

func TestAuthRejected(t *testing.T) {
	ts := startServer(t, nil)
	body := networkBody(t, 3, 1)
	basic := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }
	bad := []string{
		"",
		"Bearer",
		"Bearer ",
		"Bearer wrong",
		"Bearer " + testToken + "x",
		"Bearer " + testToken[:len(testToken)-1],
		"Token " + testToken,
		basic(testToken, ""),
		basic("user", "wrong"),
		"Basic !!!notbase64",
		"Splunk wrong",
		testToken,
	}
	for _, path := range []string{"/", "/services/collector/event"} {
		for _, auth := range bad {
			var hdr []string
			if auth != "" {
				hdr = []string{"Authorization", auth}
			}
			code, reply, h := ts.post(path, bytes.NewReader(body), hdr...)
			assert.Equal(t, http.StatusUnauthorized, code, "%s %q", path, auth)
			assert.NotContains(t, reply, testToken)
			if strings.HasPrefix(path, "/services") {
				var hec struct {
					Text string `json:"text"`
					Code int    `json:"code"`
				}
				require.NoError(t, json.Unmarshal([]byte(reply), &hec), reply)
				if auth == "" {
					assert.Equal(t, 2, hec.Code)
					assert.Equal(t, "Token is required", hec.Text)
				} else {
					assert.Equal(t, 4, hec.Code)
					assert.Equal(t, "Invalid token", hec.Text)
				}
			} else {
				// The same answer whatever was wrong.
				assert.JSONEq(t, `{"error":"unauthorized"}`, reply)
				assert.Equal(t, `Bearer realm="tslogs"`, h.Get("WWW-Authenticate"))
			}
		}
	}
	// Nothing written, not even a directory.
	for _, k := range []string{KindNetwork, KindAudit, KindDeadLetter} {
		_, err := os.Stat(filepath.Join(ts.dir, k))
		assert.True(t, os.IsNotExist(err), k)
	}
	assert.NotContains(t, ts.logs.String(), testToken)
}

func TestCompressedBodies(t *testing.T) {
	ts := startServer(t, nil)
	netN := func(seed uint64) []byte { return networkBody(t, 20, seed) }
	net := netN(2)
	audit := auditBody(t, 10, 3)
	auth := bearer(testToken)
	cases := []struct {
		name, enc string
		body      []byte
	}{
		{"gzip", "gzip", gzipBytes(t, netN(20))},
		{"x-gzip", "x-gzip", gzipBytes(t, netN(21))},
		{"zstd", "zstd", zstdBytes(t, netN(22))},
		{"identity", "identity", net},
		{"gzip detected without header", "", gzipBytes(t, netN(23))},
		{"zstd audit", "zstd", zstdBytes(t, audit)},
		{"gzip audit", "GZIP", gzipBytes(t, auditBody(t, 10, 30))},
	}
	for _, c := range cases {
		hdr := append([]string{}, auth...)
		if c.enc != "" {
			hdr = append(hdr, "Content-Encoding", c.enc)
		}
		code, reply, _ := ts.post("/", bytes.NewReader(c.body), hdr...)
		assert.Equal(t, http.StatusOK, code, "%s: %s", c.name, reply)
	}
	assert.Len(t, readLines(t, ts.path(KindNetwork)), 5*20)
	assert.Len(t, readLines(t, ts.path(KindAudit)), 2*10)

	code, _, _ := ts.post("/", bytes.NewReader(net), append(auth, "Content-Encoding", "br")...)
	assert.Equal(t, http.StatusUnsupportedMediaType, code)
	code, reply, _ := ts.post("/services/collector/event", bytes.NewReader(net), append(auth, "Content-Encoding", "gzip")...)
	assert.Equal(t, http.StatusBadRequest, code, "not gzip at all")
	assert.Contains(t, reply, `"code":6`)
	corrupt := gzipBytes(t, net)
	corrupt = corrupt[:len(corrupt)/2]
	code, _, _ = ts.post("/", bytes.NewReader(corrupt), append(auth, "Content-Encoding", "gzip")...)
	assert.Equal(t, http.StatusBadRequest, code, "truncated gzip")
	// Neither failure stored a row, even of the records before the damage.
	assert.Len(t, readLines(t, ts.path(KindNetwork)), 5*20)
}

func TestBodyTooLarge(t *testing.T) {
	const limit = 256 << 10
	ts := startServer(t, func(c *Config) { c.MaxBodyBytes = limit })
	auth := bearer(testToken)
	big := networkBody(t, 200, 4)
	require.Greater(t, len(big), limit)

	code, reply, _ := ts.post("/", bytes.NewReader(big), auth...)
	assert.Equal(t, http.StatusRequestEntityTooLarge, code, reply)
	// Chunked (no Content-Length): the limit applies while reading.
	code, _, _ = ts.post("/", io.MultiReader(bytes.NewReader(big)), auth...)
	assert.Equal(t, http.StatusRequestEntityTooLarge, code)
	// A gzip and a zstd bomb: 1 GiB of spaces, about 1 MiB compressed or
	// much less; refused after reading limit decompressed bytes.
	zeros := bytes.Repeat([]byte{' '}, 64<<20)
	var gz bytes.Buffer
	gzw := gzipBytes(t, zeros)
	for range 16 {
		gz.Write(gzw) // concatenated members: 1 GiB decompressed
	}
	start := time.Now()
	code, _, _ = ts.post("/", bytes.NewReader(gz.Bytes()), append(auth, "Content-Encoding", "gzip")...)
	assert.Equal(t, http.StatusRequestEntityTooLarge, code)
	code, reply, _ = ts.post("/services/collector/event", bytes.NewReader(zstdBytes(t, zeros)), append(auth, "Content-Encoding", "zstd")...)
	assert.Equal(t, http.StatusRequestEntityTooLarge, code)
	assert.Contains(t, reply, `"code":`)
	// Undeclared gzip is detected by the reader and bounded the same way.
	code, _, _ = ts.post("/", bytes.NewReader(gzw), auth...)
	assert.Equal(t, http.StatusRequestEntityTooLarge, code)
	assert.Less(t, time.Since(start), 20*time.Second)

	// Exactly at the limit is fine.
	small := networkBody(t, 30, 5)
	require.Less(t, len(small), limit)
	padded := append(append([]byte{}, small...), bytes.Repeat([]byte{'\n'}, limit-len(small))...)
	code, _, _ = ts.post("/", bytes.NewReader(padded), auth...)
	assert.Equal(t, http.StatusOK, code)
	assert.Len(t, readLines(t, ts.path(KindNetwork)), 30)
}

func TestDeadLetter(t *testing.T) {
	ts := startServer(t, nil)
	good := networkBody(t, 4, 6)
	var body bytes.Buffer
	body.Write(good)
	body.WriteString(`{"time":1780500887.356,"event":{"nodeId":5},"fields":{}}`)                       // wrong type
	body.WriteString("\xff\xfe garbage\x00")                                                           // not UTF-8
	body.Write(auditBody(t, 2, 7))                                                                     // audit among network
	body.WriteString(`{"time":"soon","event":{"action":"x"}}`)                                         // bad time
	body.WriteString(`{"time":1780500887,"event":{"nodeId":"n1","start":"2026-06-03T12:00:00Z","end"`) // truncated
	code, reply, _ := ts.post("/services/collector/event", bytes.NewReader(body.Bytes()), "Authorization", "Splunk "+testToken)
	require.Equal(t, http.StatusOK, code, reply)
	assert.JSONEq(t, `{"text":"Success","code":0}`, reply)

	assert.Len(t, readLines(t, ts.path(KindNetwork)), 4)
	assert.Len(t, readLines(t, ts.path(KindAudit)), 2)
	dead := readLines(t, ts.path(KindDeadLetter))
	require.Len(t, dead, 4)
	var sawBase64 bool
	for _, l := range dead {
		var d map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &d), l)
		for _, k := range []string{"time", "error", "record", "offset"} {
			assert.Contains(t, d, k, l)
		}
		assert.NotEmpty(t, d["error"])
		if raw, ok := d["raw_base64"].(string); ok {
			b, err := base64.StdEncoding.DecodeString(raw)
			require.NoError(t, err)
			assert.Contains(t, string(b), "\xff\xfe")
			sawBase64 = true
		} else {
			raw, _ := d["raw"].(string)
			assert.True(t, strings.HasPrefix(raw, "{"), l)
			// raw is the exact bytes at offset.
			off := int(d["offset"].(float64))
			assert.Equal(t, raw, string(body.Bytes()[off:off+len(raw)]))
		}
	}
	assert.True(t, sawBase64, "invalid UTF-8 goes to raw_base64")

	_, metrics := ts.get("/metrics")
	for _, m := range []string{
		`tslogs_records_total{log_type="network"} 4`,
		`tslogs_records_total{log_type="audit"} 2`,
		`tslogs_rejected_records_total{log_type="network"} 1`,
		`tslogs_rejected_records_total{log_type="audit"} 1`,
		`tslogs_rejected_records_total{log_type="unknown"} 2`,
	} {
		assert.True(t, strings.Contains(metrics, m), m)
	}
}

func TestEmptyBody(t *testing.T) {
	ts := startServer(t, nil)
	code, _, _ := ts.post("/", strings.NewReader(""), bearer(testToken)...)
	assert.Equal(t, http.StatusOK, code)
	code, reply, _ := ts.post("/services/collector/event", strings.NewReader(" \n"), bearer(testToken)...)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.JSONEq(t, `{"text":"No data","code":5}`, reply)
}

// TestSinkFailureParentIsFile makes the output unwritable in a way that
// holds for root too: the log type's directory is replaced by a regular
// file, so creating the hourly file's directories fails with ENOTDIR.
func TestSinkFailureParentIsFile(t *testing.T) {
	ts := startServer(t, nil)
	body := networkBody(t, 7, 8)
	blocker := filepath.Join(ts.dir, KindNetwork)
	require.NoError(t, os.WriteFile(blocker, []byte("not a directory"), 0o644))

	code, reply, h := ts.post("/", bytes.NewReader(body), bearer(testToken)...)
	assert.Equal(t, http.StatusServiceUnavailable, code, reply)
	assert.NotEmpty(t, h.Get("Retry-After"))
	code, reply, _ = ts.post("/services/collector/event", bytes.NewReader(body), "Authorization", "Splunk "+testToken)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.JSONEq(t, `{"text":"Server is busy","code":9}`, reply)
	code, _ = ts.get("/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, code)

	require.NoError(t, os.Remove(blocker))
	assert.Eventually(t, func() bool { c, _ := ts.get("/healthz"); return c == http.StatusOK },
		10*time.Second, 50*time.Millisecond, "healthy again before the next batch (a test write succeeds)")
	code, _, _ = ts.post("/", bytes.NewReader(body), bearer(testToken)...)
	assert.Equal(t, http.StatusOK, code)
	assert.Len(t, readLines(t, ts.path(KindNetwork)), 7, "the retried batch, once")
	code, _ = ts.get("/healthz")
	assert.Equal(t, http.StatusOK, code)
	_, m := ts.get("/metrics")
	assert.Contains(t, m, `tslogs_http_requests_total{code="503",endpoint="panther"} 1`)
	assert.Regexp(t, `tslogs_sink_errors_total\{file="network"\} [1-9]`, m)
}

// TestSinkFailureDiskFull makes writes fail with a real ENOSPC: OUT is a
// small tmpfs (mounted by the test, as root), filled up. The failed batch
// leaves no row behind, /healthz says 503 until space is freed, and the
// retried batch is then stored once.
func TestSinkFailureDiskFull(t *testing.T) {
	dir := t.TempDir()
	mountTmpfs(t, dir, 2<<20)
	ts := startServerIn(t, dir, nil)
	body := networkBody(t, 6, 9)
	code, _, _ := ts.post("/", bytes.NewReader(body), bearer(testToken)...)
	require.Equal(t, http.StatusOK, code)

	body2 := networkBody(t, 6, 10)
	filler := fillUp(t, dir)
	for range 2 {
		code, _, _ = ts.post("/", bytes.NewReader(body2), bearer(testToken)...)
		assert.Equal(t, http.StatusServiceUnavailable, code)
	}
	assert.Contains(t, ts.logs.String(), "no space left on device")
	code, _ = ts.get("/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Len(t, readLines(t, ts.path(KindNetwork)), 6, "nothing of the failed batches")

	require.NoError(t, os.Remove(filler))
	require.Eventually(t, func() bool { c, _ := ts.get("/healthz"); return c == http.StatusOK }, 10*time.Second, 50*time.Millisecond)
	code, _, _ = ts.post("/", bytes.NewReader(body2), bearer(testToken)...)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, 12, countRows(t, ts.dir, KindNetwork))
}

// TestInflightBytesLimit: admission is by the bytes bodies hold, not by
// the number of requests: while one body holds most of the budget, a body
// that does not fit gets an immediate 503 with Retry-After, a small one
// still fits, and the big one fits again once the first is done.
func TestInflightBytesLimit(t *testing.T) {
	const budget = 256 << 10
	ts := startServer(t, func(c *Config) { c.MaxInflightBytes = budget })
	big := networkBody(t, 40, 10)
	require.Greater(t, len(big), budget/2)
	require.Less(t, len(big), budget)
	pr, pw := io.Pipe()
	first := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, ts.url+"/", pr)
		req.ContentLength = int64(len(big))
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	_, err := pw.Write(big[:100])
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return strings.Contains(scrape(t, ts), fmt.Sprintf("tslogs_http_ingest_in_flight_bytes %d", len(big)+1))
	}, 5*time.Second, 10*time.Millisecond)
	second := networkBody(t, 50, 11)
	require.Greater(t, len(big)+len(second)+2, budget, "the second body must not fit beside the first")
	require.Less(t, len(second), budget)
	code, _, h := ts.post("/", bytes.NewReader(second), bearer(testToken)...)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, "1", h.Get("Retry-After"))
	// A small body still fits beside the first.
	small := networkBody(t, 3, 12)
	code, _, _ = ts.post("/", bytes.NewReader(small), bearer(testToken)...)
	assert.Equal(t, http.StatusOK, code)

	_, err = pw.Write(big[100:])
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	assert.Equal(t, http.StatusOK, <-first)
	code, _, _ = ts.post("/", bytes.NewReader(second), bearer(testToken)...)
	assert.Equal(t, http.StatusOK, code)
	assert.Len(t, readLines(t, ts.path(KindNetwork)), 40+3+50)
	assert.Contains(t, scrape(t, ts), `tslogs_http_ingest_refused_total{reason="memory"} 1`)
}

// TestGracefulShutdown stops the server while a request is in flight: for
// the drain delay the listener still accepts, and answers 503 to health
// checks and new batches; the request in flight completes (stored and
// answered 200); then Serve returns and connections are refused.
func TestGracefulShutdown(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.DrainDelay = 3 * time.Second })
	body := networkBody(t, 12, 11)
	pr, pw := io.Pipe()
	result := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, ts.url+"/", pr)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			result <- 0
			return
		}
		resp.Body.Close()
		result <- resp.StatusCode
	}()
	_, err := pw.Write(body[:100])
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return strings.Contains(scrape(t, ts), "tslogs_http_ingest_in_flight 1")
	}, 5*time.Second, 10*time.Millisecond)

	stopped := make(chan error, 1)
	go func() { stopped <- ts.stop() }()
	require.Eventually(t, func() bool { return ts.srv.isDraining() }, 5*time.Second, 5*time.Millisecond)
	// Still accepting, and saying it is leaving.
	code, text := ts.get("/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, "shutting down\n", text)
	code, _, h := ts.post("/", bytes.NewReader(networkBody(t, 2, 12)), bearer(testToken)...)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.NotEmpty(t, h.Get("Retry-After"))
	select {
	case <-stopped:
		t.Fatal("Serve returned with a request in flight")
	default:
	}

	_, err = pw.Write(body[100:])
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	assert.Equal(t, http.StatusOK, <-result)
	require.NoError(t, <-stopped)
	assert.Len(t, readLines(t, ts.path(KindNetwork)), 12)
	// Now connections are refused.
	_, err = net.DialTimeout("tcp", strings.TrimPrefix(ts.url, "http://"), time.Second)
	assert.Error(t, err)
}

func scrape(t *testing.T, ts *testServer) string {
	rec := &memWriter{h: http.Header{}}
	req, _ := http.NewRequest(http.MethodGet, "/metrics", nil)
	ts.srv.Handler().ServeHTTP(rec, req)
	return rec.b.String()
}

type memWriter struct {
	h    http.Header
	b    bytes.Buffer
	code int
}

func (m *memWriter) Header() http.Header         { return m.h }
func (m *memWriter) Write(p []byte) (int, error) { return m.b.Write(p) }
func (m *memWriter) WriteHeader(c int)           { m.code = c }

func TestRoutesAndMethods(t *testing.T) {
	ts := startServer(t, nil)
	code, body := ts.get("/healthz")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok\n", body)
	code, body = ts.get("/services/collector/health")
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"text":"HEC is healthy","code":17}`, body)
	code, _ = ts.get("/")
	assert.Equal(t, http.StatusMethodNotAllowed, code)
	code, body = ts.get("/services/collector/event")
	assert.Equal(t, http.StatusMethodNotAllowed, code)
	assert.Contains(t, body, `"code":`)
	code, _ = ts.get("/nope")
	assert.Equal(t, http.StatusNotFound, code)
	code, _, _ = ts.post("/metrics", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, code)

	ts.post("/", bytes.NewReader(networkBody(t, 3, 12)), bearer(testToken)...)
	code, m := ts.get("/metrics")
	assert.Equal(t, http.StatusOK, code)
	for _, name := range []string{
		`tslogs_http_requests_total{code="200",endpoint="panther"} 1`,
		`tslogs_http_requests_total{code="405",endpoint="panther"} 1`,
		`tslogs_http_requests_total{code="404",endpoint="other"} 1`,
		`tslogs_records_total{log_type="network"} 3`,
		"tslogs_received_bytes_total ",
		"tslogs_received_decompressed_bytes_total ",
		`tslogs_sink_commit_seconds_bucket{le=`,
		"tslogs_sink_commit_seconds_count 1",
		"tslogs_sink_batches_per_sync_count 1",
		"tslogs_http_ingest_in_flight_bytes 0",
		`tslogs_http_ingest_refused_total{reason="memory"} 0`,
		"tslogs_duplicate_batches_total 0",
		"tslogs_sink_rolled_back_bytes_total 0",
		`tslogs_sink_written_bytes_total{file="network"}`,
		"tslogs_sink_torn_bytes_truncated_total 0",
		"tslogs_http_request_duration_seconds_bucket",
		"go_goroutines",
	} {
		assert.True(t, strings.Contains(m, name), name)
	}
}

// TestTLS serves HTTPS from certificate files.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	ts := startServer(t, func(c *Config) { c.TLSCert, c.TLSKey = certFile, keyFile })
	require.True(t, ts.srv.TLS())
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	url := strings.Replace(ts.url, "http://", "https://", 1) + "/services/collector/event"
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(networkBody(t, 3, 13)))
	req.SetBasicAuth("tailscale", testToken)
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Len(t, readLines(t, ts.path(KindNetwork)), 3)

	_, err = New(Config{Tokens: []string{testToken}, OutDir: t.TempDir(), TLSCert: certFile})
	assert.Error(t, err, "a certificate without a key")
}

func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestConcurrentSendersExactlyOnce is a small load test that runs by
// default: concurrent senders, every encoding and auth scheme, then every
// row on disk is compared with the acknowledged records.
func TestConcurrentSendersExactlyOnce(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.Now = nil })
	plan, err := loadtest.Prepare(loadtest.Options{
		URL: ts.url + "/", Token: testToken, Auth: "mix",
		Senders: 8, Records: 800, MaxRecordsPerBody: 25, Seed: 5,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res := plan.Run(ctx)
	require.Equal(t, plan.Records, res.AckedRecords, "errors: %v", res.Errors)
	require.NoError(t, ts.stop())
	st, err := loadtest.ReadStore(ts.dir)
	require.NoError(t, err)
	require.NoError(t, loadtest.Verify(res, st, true))
	t.Log(res.Summary())
}

// TestLockOneReceiverPerHost refuses a second sink with the same host name
// on the same directory.
func TestLockOneReceiverPerHost(t *testing.T) {
	dir := t.TempDir()
	s1, err := OpenSink(SinkOptions{Dir: dir, Host: "a"})
	require.NoError(t, err)
	defer s1.Close()
	_, err = OpenSink(SinkOptions{Dir: dir, Host: "a"})
	assert.ErrorContains(t, err, "another tslogs serve")
	s2, err := OpenSink(SinkOptions{Dir: dir, Host: "b"})
	require.NoError(t, err)
	require.NoError(t, s2.Close())
}

func TestShutdownWhileSending(t *testing.T) {
	// Senders keep posting while the server stops: every 2xx is on disk.
	ts := startServer(t, func(c *Config) { c.Now = nil })
	acked := make(chan int, 1000)
	plan, err := loadtest.Prepare(loadtest.Options{
		URL: ts.url + "/", Token: testToken, Senders: 6, Records: 1800, MaxRecordsPerBody: 15, Seed: 9,
		Attempts: 1, StopOnConnError: true, Lazy: true,
		OnAck: func(n int) {
			select {
			case acked <- n:
			default:
			}
		},
	})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan *loadtest.Result, 1)
	go func() { done <- plan.Run(ctx) }()
	var res *loadtest.Result
	for range 10 {
		select {
		case <-acked:
		case res = <-done:
			t.Fatalf("the load ended before the shutdown: %v", res.Errors)
		case <-ctx.Done():
			t.Fatal("no acknowledgements")
		}
	}
	require.NoError(t, ts.stop())
	res = <-done
	st, err := loadtest.ReadStore(ts.dir)
	require.NoError(t, err)
	require.NoError(t, loadtest.Verify(res, st, false))
	assert.Less(t, res.AckedRecords, res.Records+1)
	t.Logf("%d of %d records acknowledged before the shutdown", res.AckedRecords, plan.Records)
}

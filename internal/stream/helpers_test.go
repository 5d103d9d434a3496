package stream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"

	stdgzip "compress/gzip"
)

// rec is one record as seen by a test.
type rec struct {
	N   int
	Off int64
	B   string
	Err string // RecordError message, "" for a good record
}

func good(n int, off int64, b string) rec { return rec{N: n, Off: off, B: b} }

// scanAll runs a Scanner over r and returns every record and the fatal error.
func scanAll(t testing.TB, r io.Reader, opt Options) ([]rec, error) {
	t.Helper()
	s := NewScanner(r, opt)
	return drain(t, s)
}

func drain(t testing.TB, s *Scanner) ([]rec, error) {
	t.Helper()
	var out []rec
	for s.Next() {
		r := rec{N: s.Record(), Off: s.Offset(), B: string(s.Bytes())}
		if err := s.Err(); err != nil {
			var re *RecordError
			require.ErrorAs(t, err, &re)
			require.Equal(t, s.Record(), re.Record)
			require.Equal(t, s.Offset(), re.Offset)
			r.Err = re.Msg
		}
		out = append(out, r)
	}
	return out, s.Fatal()
}

// goodRecords returns the records of recs, checking that all are good.
func goodRecords(t testing.TB, recs []rec) []string {
	t.Helper()
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		require.Empty(t, r.Err, "record %d at %d: %q", r.N, r.Off, r.B)
		out = append(out, r.B)
	}
	return out
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := stdgzip.NewWriter(&buf)
	_, err := w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func zstdBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	w, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	require.NoError(t, err)
	defer w.Close()
	return w.EncodeAll(b, nil)
}

func compress(t testing.TB, c Compression, b []byte) []byte {
	switch c {
	case Gzip:
		return gzipBytes(t, b)
	case Zstd:
		return zstdBytes(t, b)
	}
	return b
}

type traffic struct {
	Proto   int    `json:"proto,omitempty"`
	Src     string `json:"src,omitempty"`
	Dst     string `json:"dst,omitempty"`
	TxPkts  uint64 `json:"txPkts,omitempty"`
	TxBytes uint64 `json:"txBytes,omitempty"`
	RxPkts  uint64 `json:"rxPkts,omitempty"`
	RxBytes uint64 `json:"rxBytes,omitempty"`
}

// envelope returns a realistic log-stream envelope holding a network flow
// record with n virtual traffic entries (n=30 gives about 4 KB), with
// pseudo-random addresses and counters seeded by i.
func envelope(i, n int) []byte {
	type node struct {
		NodeID    string   `json:"nodeId"`
		Name      string   `json:"name"`
		Addresses []string `json:"addresses"`
		OS        string   `json:"os"`
		User      string   `json:"user,omitempty"`
		Tags      []string `json:"tags,omitempty"`
	}
	type event struct {
		NodeID   string    `json:"nodeId"`
		Start    string    `json:"start"`
		End      string    `json:"end"`
		SrcNode  node      `json:"srcNode"`
		Virtual  []traffic `json:"virtualTraffic,omitempty"`
		Physical []traffic `json:"physicalTraffic,omitempty"`
	}
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	id := func() string {
		const alnum = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789"
		b := make([]byte, 12)
		for k := range b {
			b[k] = alnum[rng.IntN(len(alnum))]
		}
		return "n" + string(b) + "CNTRL"
	}
	ns := rng.IntN(1e9)
	ev := event{
		NodeID:  id(),
		Start:   fmt.Sprintf("2026-06-03T14:%02d:%02d.%09dZ", i/60%60, i%60, ns),
		End:     fmt.Sprintf("2026-06-03T14:%02d:%02d.%09dZ", i/60%60, (i+5)%60, ns),
		SrcNode: node{NodeID: id(), Name: fmt.Sprintf("host-%d.tail1234.ts.net.", rng.IntN(500)), Addresses: []string{fmt.Sprintf("100.64.%d.%d", rng.IntN(256), rng.IntN(256)), fmt.Sprintf("fd7a:115c:a1e0::%x", rng.IntN(1<<16))}, OS: "linux", User: "alice@example.com"},
	}
	for range n {
		tr := traffic{Proto: []int{6, 17, 1}[rng.IntN(3)], Src: fmt.Sprintf("100.64.%d.%d:%d", rng.IntN(256), rng.IntN(256), rng.IntN(65536)), Dst: fmt.Sprintf("[fd7a:115c:a1e0::%x]:%d", rng.IntN(1<<16), rng.IntN(65536))}
		if rng.IntN(4) > 0 {
			tr.TxPkts, tr.TxBytes = uint64(rng.IntN(1000)+1), uint64(rng.IntN(1<<20))
		}
		if rng.IntN(4) > 0 {
			tr.RxPkts, tr.RxBytes = uint64(rng.IntN(1000)+1), uint64(rng.IntN(1<<20))
		}
		ev.Virtual = append(ev.Virtual, tr)
	}
	ev.Physical = []traffic{{Src: "100.64.0.1:0", Dst: "127.3.3.40:2", TxPkts: 5, TxBytes: 1500}}
	b, err := json.Marshal(map[string]any{
		"time":   json.Number(fmt.Sprintf("%d.%03d", 1780500887+i/10, rng.IntN(1000))),
		"event":  ev,
		"fields": map[string]string{"recorded": "2026-06-03T14:54:47.8Z"},
	})
	if err != nil {
		panic(err)
	}
	return b
}

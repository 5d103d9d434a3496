package pqfile

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/internal/objstore"
	"github.com/tslogs/tslogs/jlex"
	"github.com/tslogs/tslogs/tailscale"
)

// TestDatasetPartitionOfEachRow checks that the partition a Dataset
// remembers from the previous row is reused only for a row of the same log
// type and hour, across hour boundaries, back in time and before 1970.
func TestDatasetPartitionOfEachRow(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var d Dataset
	for _, row := range []struct {
		typ string
		t   time.Time
	}{
		{"Tailscale.Network", at("2026-06-03T15:00:00Z")},
		{"Tailscale.Network", at("2026-06-03T15:59:59.999999999Z")},
		{"Tailscale.Network", at("2026-06-03T16:00:00Z")},
		{"Tailscale.Network", at("2026-06-03T15:30:00Z")},
		{"Tailscale.Audit", at("2026-06-03T15:30:00Z")},
		{"Tailscale.Network", at("2026-06-03T17:30:00+02:00")},
		{"Tailscale.Network", at("1970-01-01T00:00:00Z")},
		{"Tailscale.Network", at("1969-12-31T23:59:59Z")},
		{"Tailscale.Network", at("1969-12-31T23:00:00Z")},
		{"Tailscale.Network", at("1969-12-31T22:59:59Z")},
	} {
		assert.Equal(t, PartitionDir(row.typ, row.t), d.partition(row.typ, row.t), "%s at %s", row.typ, row.t)
	}
}

// brokenS3 returns an S3 store whose endpoint is a loopback listener that
// closes every connection it accepts (so every request fails, after no
// more than one attempt), spooling to spool.
func brokenS3(t *testing.T, spool string) *objstore.S3 {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": "http://" + ln.Addr().String(), "AWS_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1",
		"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
	} {
		t.Setenv(k, v)
	}
	st, err := objstore.OpenS3(context.Background(), "s3://bucket/prefix")
	require.NoError(t, err)
	st.Spool = spool
	return st
}

// TestDatasetErrorsNameTheObject: when a file of a Dataset cannot be
// created, written or stored, the error names the object's key (not only
// a temporary file's name, which tells the user nothing), and no temporary
// file is left behind.
func TestDatasetErrorsNameTheObject(t *testing.T) {
	f, err := os.Open("../../testdata/sample/network.log")
	require.NoError(t, err)
	defer f.Close()
	r := tailscale.NewReader(f, tailscale.ReaderOptions{})
	require.True(t, r.Next())
	require.NoError(t, r.Err())
	meta := &jlex.RowMeta{ParseTime: parseTime}
	key := PartitionDir("Tailscale.Network", r.EventTime()) + "/W-00001.parquet"
	ctx := context.Background()

	t.Run("create fails", func(t *testing.T) {
		spool := filepath.Join(t.TempDir(), "missing")
		d := NewDataset(brokenS3(t, spool), DatasetOptions{Writer: "W"})
		err := d.Write(ctx, "Tailscale.Network", r.EventTime(), r, meta)
		require.Error(t, err)
		assert.Contains(t, err.Error(), key)
		assert.Contains(t, err.Error(), "no such file or directory")
	})
	t.Run("store fails", func(t *testing.T) {
		spool := t.TempDir()
		d := NewDataset(brokenS3(t, spool), DatasetOptions{Writer: "W"})
		require.NoError(t, d.Write(ctx, "Tailscale.Network", r.EventTime(), r, meta))
		err := d.Close(ctx)
		require.Error(t, err)
		assert.Contains(t, err.Error(), key)
		assert.Empty(t, d.Files())
		left, err := os.ReadDir(spool)
		require.NoError(t, err)
		assert.Empty(t, left, "the temporary file is removed")
	})
}

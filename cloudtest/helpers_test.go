package cloudtest

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/stretchr/testify/require"
)

// tslogs runs the tslogs binary and returns its standard output; it fails
// the test unless the exit status is want.
func tslogs(t *testing.T, env []string, want int, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tslogsBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	require.Equal(t, want, code, "tslogs %v: %s", args, stderr.String())
	return stdout.Bytes()
}

// synth writes a synthetic stream to a file of dir and returns its path.
func synth(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	tslogs(t, nil, 0, append([]string{"synth", "-o", path}, args...)...)
	return path
}

// duck opens an in-memory DuckDB database.
func duck(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

// lake starts an S3 server with the bucket "lake", points this process at
// it, and writes token to a token file in a temporary directory, which it
// returns with the file.
func lake(t *testing.T, token string) (srv *s3Server, dir, tok, tokenFile string) {
	t.Helper()
	srv = startS3(t, "lake")
	useS3(t, srv)
	dir = t.TempDir()
	tokenFile = filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(token+"\n"), 0o600))
	return srv, dir, token, tokenFile
}

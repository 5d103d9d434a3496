// Package cloudtest holds the tests of tslogs that need heavy real
// components: DuckDB (through cgo) reading the Parquet tslogs writes, and
// an S3-compatible server (versitygw) that tslogs reads from and writes to.
// It is a nested module so that neither cgo nor DuckDB reaches the tslogs
// module; make test-cloud runs it.
package cloudtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// tslogsBin is the tslogs binary built from this checkout for the tests.
var tslogsBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tslogs-cloudtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tslogsBin = filepath.Join(dir, "tslogs")
	build := exec.Command("go", "build", "-o", tslogsBin, "./cmd/tslogs")
	build.Dir = ".."
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building tslogs:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

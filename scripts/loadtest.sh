#!/bin/sh
# Load test of "tslogs serve": concurrent senders post synthetic batches to
# an in-process receiver on 127.0.0.1, then every row on disk is checked
# against the acknowledged records (exactly once, unique p_row_id).
# Reports records/s and p50/p99 latency. Extra arguments go to the program,
# e.g. scripts/loadtest.sh -records 100000 -senders 32
# (see go run ./cmd/tslogs/loadtest -h).
set -eu
cd "$(dirname "$0")/.."
exec go run ./cmd/tslogs/loadtest "$@"

#!/bin/sh
# Crash test of "tslogs serve": builds the binary, SIGKILLs it under load and
# checks that every acknowledged record is on disk and torn lines are
# repaired on restart. It also runs in "go test ./cmd/tslogs/" (not -short).
set -eu
cd "$(dirname "$0")/.."
exec go test -count=1 -run 'TestServeCrash' -v ./cmd/tslogs/ "$@"

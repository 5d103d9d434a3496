package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

const versionDesc = `Prints the version of tslogs, from the build information the Go toolchain
records in the binary: the module version (a release tag when installed with
go install ...@vX.Y.Z, "(devel)" for a build from a checkout), the commit and
its time when built from a git checkout (with "+dirty" for uncommitted
changes), and the Go version and platform.`

const versionExamples = `  tslogs version
  tslogs --version`

// versionString describes the running binary's build.
func versionString() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return fmt.Sprintf("tslogs (unknown version) %s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
	return formatVersion(bi)
}

// formatVersion describes a build.
func formatVersion(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, at string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "tslogs %s", v)
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += "+dirty"
		}
		fmt.Fprintf(&b, " (commit %s", rev)
		if at != "" {
			fmt.Fprintf(&b, ", %s", at)
		}
		b.WriteString(")")
	}
	fmt.Fprintf(&b, " %s %s/%s", bi.GoVersion, runtime.GOOS, runtime.GOARCH)
	return b.String()
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", "version", versionDesc, versionExamples, stderr)
	files, exit, ok := parseFlags(fs, args)
	if !ok {
		return exit
	}
	if len(files) > 0 {
		fmt.Fprintf(stderr, "tslogs version: unexpected argument %q\n", files[0])
		return exitUsage
	}
	if _, err := fmt.Fprintln(stdout, versionString()); err != nil {
		fmt.Fprintln(stderr, "tslogs version:", err)
		return exitUsage
	}
	return exitOK
}

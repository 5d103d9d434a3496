package main

import (
	"os/exec"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tslogs version reads the binary's build information: Go's version and
// platform always, and the commit when the toolchain stamped one (builds
// in a git checkout; not in a git worktree, which Go does not recognise).
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		res := cliRun(t, nil, args...)
		require.Equal(t, 0, res.code, res.stderr)
		line := strings.TrimSpace(res.stdout)
		assert.Regexp(t, `^tslogs (\(devel\)|v\d+\.\d+\.\d+\S*)( \(commit [0-9a-f]{12}(\+dirty)?, \S+\))? go1\.\d+\S* \S+/\S+$`, line, args)
		assert.True(t, strings.HasSuffix(line, " "+runtime.GOOS+"/"+runtime.GOARCH), line)
		m := regexp.MustCompile(`\(commit ([0-9a-f]{12})`).FindStringSubmatch(line)
		if m == nil {
			continue
		}
		head, err := exec.Command("git", "rev-parse", "HEAD").Output()
		require.NoError(t, err)
		assert.Equal(t, string(head[:12]), m[1], "the commit built")
	}
	res := cliRun(t, nil, "version", "extra")
	assert.Equal(t, 2, res.code)
}

func TestFormatVersion(t *testing.T) {
	platform := " " + runtime.GOOS + "/" + runtime.GOARCH
	for _, c := range []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"release", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}}, "tslogs v1.4.0 go1.26.8"},
		{"checkout", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "f77918bff9e138de9f51071e0058f6608887b6a9"}, {Key: "vcs.time", Value: "2026-06-03T12:00:00Z"},
			{Key: "vcs.modified", Value: "false"}}}, "tslogs (devel) (commit f77918bff9e1, 2026-06-03T12:00:00Z) go1.26.8"},
		{"dirty", debug.BuildInfo{GoVersion: "go1.26.8", Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "f77918bff9e138de9f51071e0058f6608887b6a9"}, {Key: "vcs.modified", Value: "true"}}},
			"tslogs (devel) (commit f77918bff9e1+dirty) go1.26.8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want+platform, formatVersion(&c.bi))
		})
	}
}

package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHelpNeverRecurses: help about help, and -h given twice, print the
// command list once and exit 0 (they used to recurse until the stack
// overflowed); help about an unknown command is a usage error.
func TestHelpNeverRecurses(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help help", []string{"help", "help"}, exitOK, "Commands:"},
		{"-h -h", []string{"-h", "-h"}, exitOK, "Commands:"},
		{"--help -help", []string{"--help", "-help"}, exitOK, "Commands:"},
		{"help -h", []string{"help", "-h"}, exitOK, "Commands:"},
		{"help validate", []string{"help", "validate"}, exitOK, "Usage: tslogs validate"},
		{"-h parse", []string{"-h", "parse"}, exitOK, "Usage: tslogs parse"},
		{"help nope", []string{"help", "nope"}, exitUsage, `unknown command "nope"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := cliRun(t, nil, c.args...)
			assert.Equal(t, c.code, res.code, res.stderr)
			assert.Contains(t, res.stdout+res.stderr, c.want)
			assert.NotContains(t, res.stderr, "goroutine", "no crash")
		})
	}
}

var (
	synopsisFlagRE = regexp.MustCompile(`--([a-z][a-z0-9-]*)`)
	usageLineRE    = regexp.MustCompile(`(?m)^Usage: tslogs .*$`)
)

// TestHelpAdvertisesOnlyAcceptedFlags: every --flag in a command's Usage
// line is one the command accepts (validate -h used to advertise
// --dead-letter, which validate refuses).
func TestHelpAdvertisesOnlyAcceptedFlags(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			res := cliRun(t, nil, c.name, "-h")
			require.Equal(t, exitOK, res.code)
			usage := usageLineRE.FindString(res.stderr)
			require.NotEmpty(t, usage, res.stderr)
			for _, m := range synopsisFlagRE.FindAllStringSubmatch(usage, -1) {
				assert.Contains(t, res.stderr, "\n  -"+m[1], "%s advertises --%s", c.name, m[1])
				// And the command really accepts it (with -h, so that
				// nothing runs): an unknown flag would be a usage error.
				res := cliRun(t, nil, c.name, "--"+m[1]+"=1", "-h")
				assert.NotContains(t, res.stderr, "flag provided but not defined", "%s --%s", c.name, m[1])
			}
		})
	}
	assert.True(t, strings.Contains(cliRun(t, nil, "parse", "-h").stderr, "--dead-letter"), "parse keeps it")
}

// Command tslogs reads Tailscale audit and network flow logs: it turns them
// into Panther-style rows, validates them, summarises them, generates
// realistic synthetic streams, and receives them from Tailscale's log
// streaming over HTTP.
//
// Run tslogs help for the commands.
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit codes shared by the commands.
const (
	exitOK       = 0 // every record parsed
	exitRejected = 1 // some records were rejected (every good one was still written)
	exitUsage    = 2 // bad usage, or an I/O error
)

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands []command

func init() {
	commands = []command{
		{"parse", "turn log records into Panther-style rows (NDJSON)", runParse},
		{"validate", "check log records and summarise what is wrong", runValidate},
		{"stats", "who talked to whom, how much, relayed or not; security-relevant changes", runStats},
		{"report", "write the summary as one self-contained HTML page with charts", runReport},
		{"synth", "generate realistic synthetic log-stream bodies", runSynth},
		{"serve", "receive Tailscale log streaming over HTTP(S) and store rows", runServe},
		{"version", "print the version of tslogs", runVersion},
	}
}

const mainUsage = `tslogs reads Tailscale configuration audit logs and network flow logs.

Usage:
  tslogs <command> [flags] [FILE...]

Commands:
%s
Input can be a log-stream POST body (envelopes with no separator), NDJSON,
a JSON array, or a REST API response; plain, gzip or zstd. FILE "-" or no
FILE reads standard input.

Run "tslogs <command> -h" for a command's flags and examples.
`

func usage(w io.Writer) error {
	list := ""
	for _, c := range commands {
		list += fmt.Sprintf("  %-9s %s\n", c.name, c.summary)
	}
	_, err := fmt.Fprintf(w, mainUsage, list)
	return err
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "--version", "-version", "-v":
		return runVersion(args[1:], stdout, stderr)
	}
	if isHelp(name) {
		// "tslogs help CMD" is "tslogs CMD -h"; "tslogs help", "tslogs -h"
		// and "tslogs help help" print the command list.
		if len(args) > 1 && !isHelp(args[1]) {
			if c := lookup(args[1]); c != nil {
				return c.run([]string{"-h"}, stdout, stderr)
			}
			return unknownCommand(args[1], stderr)
		}
		if err := usage(stdout); err != nil {
			fmt.Fprintln(stderr, "tslogs:", err)
			return exitUsage
		}
		return exitOK
	}
	if c := lookup(name); c != nil {
		return c.run(args[1:], stdout, stderr)
	}
	return unknownCommand(name, stderr)
}

func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
}

func lookup(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

func unknownCommand(name string, stderr io.Writer) int {
	fmt.Fprintf(stderr, "tslogs: unknown command %q\n\n", name)
	usage(stderr)
	return exitUsage
}

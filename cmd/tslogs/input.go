package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/tslogs/tslogs/tailscale"
	"golang.org/x/term"
)

// newFlagSet returns a flag set whose -h prints usage text and examples.
func newFlagSet(name, synopsis, description, examples string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: tslogs %s\n\n%s\n\nFlags:\n", synopsis, strings.TrimSpace(description))
		fs.PrintDefaults()
		if examples != "" {
			fmt.Fprintf(out, "\nExamples:\n%s\n", strings.TrimRight(examples, "\n"))
		}
	}
	return fs
}

// parseFlags is parseArgs for a command's run function. When ok is false
// the command is over, -h having printed its help or a bad flag having
// been reported by the flag set, and it returns exit.
func parseFlags(fs *flag.FlagSet, args []string) (files []string, exit int, ok bool) {
	files, help, err := parseArgs(fs, args)
	switch {
	case help:
		return nil, exitOK, false
	case err != nil:
		return nil, exitUsage, false
	}
	return files, exitOK, true
}

// parseArgs parses flags that may come before, between or after file
// arguments, and returns the files. help is true for -h.
func parseArgs(fs *flag.FlagSet, args []string) (files []string, help bool, err error) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, true, nil
			}
			return nil, false, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return files, false, nil
		}
		if i := len(args) - len(rest) - 1; i >= 0 && args[i] == "--" {
			// "--" ends the flags: everything after it is a file.
			return append(files, rest...), false, nil
		}
		files = append(files, rest[0])
		args = rest[1:]
	}
}

// progress shows a bar on stderr for long reads when stderr is a terminal.
type progress struct {
	bar  *progressbar.ProgressBar
	read int64
	next time.Time
}

// countingReader counts the (possibly compressed) bytes read from a file,
// which is what a progress bar over the file's size needs.
type countingReader struct {
	r io.Reader
	p *progress
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.add(int64(n))
	return n, err
}

func newProgress(stderr io.Writer, name string, size int64) *progress {
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) || os.Getenv("CI") != "" {
		return nil
	}
	return &progress{bar: progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(name),
		progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSpinnerType(14),
	)}
}

func (p *progress) wrap(r io.Reader) io.Reader {
	if p == nil {
		return r
	}
	return &countingReader{r: r, p: p}
}

func (p *progress) add(n int64) {
	p.read += n
	if now := time.Now(); now.After(p.next) {
		p.next = now.Add(100 * time.Millisecond)
		p.bar.Set64(p.read)
	}
}

func (p *progress) finish() {
	if p != nil {
		p.bar.Finish()
	}
}

// forEachRecord reads every input (files, standard input, s3:// objects) in
// turn with one reused Reader and calls fn for each record, good or bad. It
// returns the first I/O error, and the inputs, whose saveState the command
// calls once its output is complete.
func forEachRecord(files []string, rf *readerFlags, opt tailscale.ReaderOptions, stdin io.Reader, stderr io.Writer,
	fn func(name string, r *tailscale.Reader) error) (*inputSet, error) {
	ctx := context.Background()
	in, err := expandInputs(ctx, files, rf.obj)
	if err != nil {
		return nil, err
	}
	var r *tailscale.Reader
	return in, in.each(ctx, stdin, func(src *source, rd io.Reader, size int64) error {
		p := newProgress(stderr, src.name, size)
		defer p.finish()
		rd = p.wrap(rd)
		if r == nil {
			r = tailscale.NewReader(rd, opt)
		} else {
			r.Reset(rd)
		}
		for r.Next() {
			if err := fn(src.name, r); err != nil {
				return err
			}
		}
		if err := r.Fatal(); err != nil {
			return fmt.Errorf("%s: %w", src.name, err)
		}
		return nil
	})
}

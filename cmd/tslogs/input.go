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
// It draws nothing for the first half second (short reads show no bar), and
// computes the rate itself from the bytes read since it started, so the
// first frame's rate is already right (the bar library's own rate, taken
// over the few microseconds of the first read, is not).
type progress struct {
	bar   *progressbar.ProgressBar
	name  string
	size  int64 // -1 when unknown
	read  int64
	start time.Time
	next  time.Time // no frame before this
	now   func() time.Time
}

// progressDelay is how long a read goes before its bar appears, and
// progressEvery how often the bar is redrawn.
const (
	progressDelay = 500 * time.Millisecond
	progressEvery = 200 * time.Millisecond
)

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

// noProgress wraps a writer to keep progress bars off it: newProgress draws
// only on an *os.File terminal. parse uses it when its rows go to the same
// terminal, which a bar would write between.
type noProgress struct{ io.Writer }

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newProgress(stderr io.Writer, name string, size int64) *progress {
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) || os.Getenv("CI") != "" {
		return nil
	}
	return newProgressTo(stderr, name, size, time.Now)
}

// newProgressTo returns a progress drawing to w, for a read of size bytes
// (-1 when unknown), with the clock now.
func newProgressTo(w io.Writer, name string, size int64, now func() time.Time) *progress {
	start := now()
	return &progress{name: name, size: size, start: start, next: start.Add(progressDelay), now: now,
		bar: progressbar.NewOptions64(size,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(name),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionSetElapsedTime(false),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionSetWidth(30),
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
	now := p.now()
	if now.Before(p.next) {
		return
	}
	p.next = now.Add(progressEvery)
	p.bar.Describe(p.describe(now))
	p.bar.Set64(p.read)
}

// describe is the text beside the bar: the file, how much is read, the rate
// since the start and, for a file of known size, the time left at it.
func (p *progress) describe(now time.Time) string {
	el := now.Sub(p.start).Seconds()
	rate := float64(p.read) / el
	d := fmt.Sprintf("%s  %s", p.name, human(p.read))
	if p.size > 0 {
		d += " of " + human(p.size)
	}
	d += "  " + human(int64(rate)) + "/s"
	if p.size > p.read && rate > 0 {
		left := time.Duration(float64(p.size-p.read) / rate * float64(time.Second))
		d += fmt.Sprintf("  ~%s left", left.Round(time.Second))
	}
	return d
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
func forEachRecord(files []string, obj objectFlags, opt tailscale.ReaderOptions, stdin io.Reader, stderr io.Writer,
	fn func(name string, r *tailscale.Reader) error) (*inputSet, error) {
	var r *tailscale.Reader
	return forEachInput(files, obj, stdin, stderr, func(name string, src io.Reader) (error, error) {
		if r == nil {
			r = tailscale.NewReader(src, opt)
		} else {
			r.Reset(src)
		}
		for r.Next() {
			if err := fn(name, r); err != nil {
				return err, nil
			}
		}
		return nil, r.Fatal()
	})
}

// forEachInput opens every input in turn (files, s3:// objects, standard
// input when there are none) and hands it to read, with a progress bar when
// stderr is a terminal. read returns the error of what it does with the
// records, which ends the reading, and the input's fatal error (I/O,
// decompression), which ends it too, named after the input. It returns the
// inputs, whose saveState the command calls once its output is complete.
func forEachInput(files []string, obj objectFlags, stdin io.Reader, stderr io.Writer,
	read func(name string, src io.Reader) (err, fatal error)) (*inputSet, error) {
	ctx := context.Background()
	in, err := expandInputs(ctx, files, obj)
	if err != nil {
		return nil, err
	}
	if obj.inputs != nil {
		obj.inputs(in)
	}
	return in, in.each(ctx, stdin, func(src *source, rd io.Reader, size int64) error {
		p := newProgress(stderr, src.name, size)
		defer p.finish()
		err, fatal := read(src.name, p.wrap(rd))
		if err != nil {
			return err
		}
		if fatal != nil {
			return fmt.Errorf("%s: %w", src.name, fatal)
		}
		return nil
	})
}

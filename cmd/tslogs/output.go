package main

import (
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// outputFile is the -o output of a command: standard output, or a file
// written under a temporary name beside its final one (.NAME.RANDOM.tmp)
// and renamed to it by commit. A run that fails (abort) leaves no partial
// file under the final name, and an earlier file of that name intact. A
// name that exists and is not a regular file (a device such as /dev/stdout
// or /dev/null, a FIFO, a symbolic link) is written in place, as is a
// file in a directory where no other file can be created. A run
// interrupted by SIGINT or SIGTERM removes the temporary file and dies of
// the signal.
type outputFile struct {
	w    io.Writer
	f    *os.File       // nil for standard output
	name string         // the final name
	tmp  string         // the temporary name; "" when written in place
	sigc chan os.Signal // SIGINT and SIGTERM while the temporary file exists
	done chan struct{}  // closed by commit and abort
}

// createOutput returns the output name: stdout for "-", else a file.
func createOutput(name string, stdout io.Writer) (*outputFile, error) {
	if name == "-" {
		return &outputFile{w: stdout, name: "<stdout>"}, nil
	}
	inPlace := func() (*outputFile, error) {
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
		if err != nil {
			return nil, err
		}
		return &outputFile{w: f, f: f, name: name}, nil
	}
	st, err := os.Lstat(name)
	switch {
	case err == nil && st.IsDir():
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("is a directory")}
	case err == nil && !st.Mode().IsRegular():
		return inPlace()
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	// A new file gets the mode os.Create gives (0666 less the umask), a
	// replaced one keeps its own.
	replacing := err == nil
	mode := os.FileMode(0o666)
	if replacing {
		mode = st.Mode().Perm()
	}
	dir, base := filepath.Split(name)
	for range 10000 {
		tmp := filepath.Join(dir, "."+base+"."+strconv.FormatUint(rand.Uint64(), 36)+".tmp")
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if errors.Is(err, fs.ErrPermission) && replacing {
			// A writable file in a directory that is not: as before.
			return inPlace()
		}
		o := &outputFile{w: f, f: f, name: name, tmp: tmp}
		if err != nil {
			return nil, o.named(err)
		}
		o.removeOnSignal()
		if replacing {
			if err := f.Chmod(mode); err != nil { // the umask may have taken bits off
				o.abort()
				return nil, o.named(err)
			}
		}
		return o, nil
	}
	return nil, &fs.PathError{Op: "create", Path: name, Err: errors.New("no free temporary name beside it")}
}

// named replaces the temporary name in err by the final one: the user
// knows the file by its final name.
func (o *outputFile) named(err error) error {
	var pe *fs.PathError
	if o.tmp != "" && errors.As(err, &pe) && pe.Path == o.tmp {
		return &fs.PathError{Op: pe.Op, Path: o.name, Err: pe.Err}
	}
	return err
}

func (o *outputFile) Write(b []byte) (int, error) {
	n, err := o.w.Write(b)
	return n, o.named(err)
}

// commit closes the file and renames it to its final name. A failed close
// (a write the file system reports late) is an error like a failed write.
func (o *outputFile) commit() error {
	if o.f == nil {
		return nil
	}
	f := o.f
	o.f = nil
	defer o.stopSignals()
	if err := f.Close(); err != nil {
		if o.tmp != "" {
			os.Remove(o.tmp)
		}
		return o.named(err)
	}
	if o.tmp == "" {
		return nil
	}
	if err := os.Rename(o.tmp, o.name); err != nil {
		os.Remove(o.tmp)
		return err
	}
	return nil
}

// abort closes the file and removes it unless it was written in place.
// It does nothing after commit.
func (o *outputFile) abort() {
	if o.f == nil {
		return
	}
	o.f.Close()
	o.f = nil
	if o.tmp != "" {
		os.Remove(o.tmp)
	}
	o.stopSignals()
}

// removeOnSignal removes the temporary file if SIGINT or SIGTERM comes
// before commit or abort, then dies of the signal as it would have. (A
// signal ignored since the start, as by nohup, is left ignored.)
func (o *outputFile) removeOnSignal() {
	var sigs []os.Signal
	for _, s := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	if len(sigs) == 0 {
		return // (Notify with no signals would relay every one)
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, sigs...)
	o.done = make(chan struct{})
	o.sigc = c
	go func(tmp string, done <-chan struct{}) {
		select {
		case sig := <-c:
			os.Remove(tmp)
			signal.Reset(sigs...)
			if p, err := os.FindProcess(os.Getpid()); err == nil && p.Signal(sig) == nil {
				time.Sleep(time.Second) // the signal ends the process
			}
			os.Exit(exitUsage)
		case <-done:
		}
	}(o.tmp, o.done)
}

func (o *outputFile) stopSignals() {
	if o.done != nil {
		signal.Stop(o.sigc)
		close(o.done)
		o.done = nil
	}
}

// replaces reports whether f is the regular file that commit will
// replace. (A device written in place, such as the terminal behind
// /dev/stdout and /dev/stderr, may well be shared.)
func (o *outputFile) replaces(f *os.File) bool {
	if o.tmp == "" {
		return false
	}
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(o.name)
	return err == nil && os.SameFile(a, b)
}

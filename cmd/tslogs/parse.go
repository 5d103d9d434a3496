package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"

	"github.com/tslogs/tslogs/internal/deadletter"
	"github.com/tslogs/tslogs/internal/objstore"
	"github.com/tslogs/tslogs/internal/pqfile"
	"github.com/tslogs/tslogs/jlex"
	"github.com/tslogs/tslogs/tailscale"
)

// maxJobs bounds --jobs: far more goroutines than any machine has cores,
// and each holds chunks of input in memory (a billion asked for 8 GB at
// once and died).
const maxJobs = 1024

// readerFlags are the flags every reading command shares.
type readerFlags struct {
	logType       string
	maxRecordSize int
	jobs          int
	obj           objectFlags
}

// register adds the reader flags to fs.
func (f *readerFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.logType, "log-type", "auto", "log type of the records: auto (detect per record), audit or network")
	fs.IntVar(&f.maxRecordSize, "max-record-size", tailscale.DefaultMaxRecordSize, "largest record accepted, in bytes")
	fs.IntVar(&f.jobs, "jobs", runtime.GOMAXPROCS(0), "records decoded on this many cores at once, at most 1024 (output stays in input order; memory grows with it, see README)")
	f.obj.register(fs)
}

func (f *readerFlags) options() (tailscale.ReaderOptions, error) {
	t, err := tailscale.ParseLogType(f.logType)
	if err != nil {
		return tailscale.ReaderOptions{}, err
	}
	if f.maxRecordSize < 1 {
		return tailscale.ReaderOptions{}, fmt.Errorf("--max-record-size must be at least 1 byte, got %d (the default is %d)", f.maxRecordSize, tailscale.DefaultMaxRecordSize)
	}
	if f.jobs < 1 {
		return tailscale.ReaderOptions{}, fmt.Errorf("--jobs must be at least 1, got %d (the default is every core: %d)", f.jobs, runtime.GOMAXPROCS(0))
	}
	if f.jobs > maxJobs {
		return tailscale.ReaderOptions{}, fmt.Errorf("--jobs must be at most %d, got %d (the default is every core: %d; memory grows with each job, see README)", maxJobs, f.jobs, runtime.GOMAXPROCS(0))
	}
	if err := f.obj.check(); err != nil {
		return tailscale.ReaderOptions{}, err
	}
	return tailscale.ReaderOptions{LogType: t, MaxRecordSize: f.maxRecordSize}, nil
}

const parseDesc = `Reads Tailscale log records and writes one Panther-style row per good record
to standard output, as NDJSON: the record's fields under their JSON names,
timestamps as RFC 3339 UTC, srcIp/srcPort/dstIp/dstPort beside src/dst (right
for IPv6 too), and p_log_type, p_event_time, p_parse_time, p_row_id and the
p_any_ip_addresses, p_any_emails and p_any_actor_ids indicator arrays.

Unless --enrich=false, rows also carry p_enrichment, shaped as Panther's
lookup-table matches, under "tailscale_nodes": for event.nodeId and each of
p_any_ip_addresses that names a node, that node's nodeId, name, addresses,
os, user and tags, as the records' srcNode/dstNodes described it (learned
across the input, so records of older clients, which omit them, resolve
too).

Each rejected record gets a one-line reason on standard error and, with
--dead-letter, a JSON line {"error","file","record","offset","raw"} in that
file ("raw_base64" instead of "raw" when the bytes are not UTF-8).

With --format parquet, rows go to Parquet files under --out (a directory or
s3://bucket/prefix) in Hive-style partitions by log type and event hour:

  OUT/p_log_type=Tailscale.Network/dt=2026-06-03/hour=15/WRITER-00001.parquet

(zstd pages, one column per field, objects as groups, arrays as lists,
timestamps as UTC microseconds, p_enrichment as JSON text). A file appears
only once complete. WRITER is a hash of the inputs (path, size and
modification time of files; URL, size and ETag of objects; random for
standard input): run again on the same inputs after a failure, parse
replaces the files the failed run completed rather than adding copies.

Inputs may be s3://bucket/prefix: every object under the prefix is read
(plain, gzip or zstd), several downloaded at once; --since/--until select
objects by the time they were written and --state remembers what was read.
S3 is configured the standard way (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_REGION, AWS_PROFILE, and AWS_ENDPOINT_URL for S3-compatible services).

Exit status: 0 when every record parsed, 1 when some were rejected (every
good one is still written), 2 on bad usage or an I/O error.`

const parseExamples = `  tslogs parse testdata/sample/network.log
  tslogs parse -o rows.ndjson testdata/sample/*.log
  tslogs parse --log-type audit --dead-letter bad.ndjson audit-*.json.gz
  curl -s ... | tslogs parse - | jq 'select(.p_log_type == "Tailscale.Network")'
  tslogs parse --format parquet --out flows/ export/*.ndjson.gz
  tslogs parse --format parquet --out s3://lake/tailscale s3://exports/tailscale/network/ --since 24h --state seen.jsonl`

func runParse(args []string, stdout, stderr io.Writer) int {
	return parseOrValidate("parse", args, os.Stdin, stdout, stderr)
}

const validateDesc = `Reads Tailscale log records like "tslogs parse" but writes no rows: it prints
a summary of how many records were read, how many were valid, and the
invalid ones grouped by reason, with the first example of each.

Exit status: 0 when every record is valid, 1 when some are invalid, 2 on bad
usage or an I/O error.`

const validateExamples = `  tslogs validate testdata/sample/*.log
  tslogs validate --log-type network export.ndjson.zst`

func runValidate(args []string, stdout, stderr io.Writer) int {
	return parseOrValidate("validate", args, os.Stdin, stdout, stderr)
}

// newRowMeta returns row metadata with a random row-ID prefix, so IDs are
// unique across runs and hosts.
func newRowMeta() *jlex.RowMeta {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &jlex.RowMeta{RowIDPrefix: hex.EncodeToString(b[:]) + "-"}
}

func parseOrValidate(cmd string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var rf readerFlags
	var deadLetter, format, outDir, rowGroup string
	synopsis := cmd + " [--log-type auto|audit|network] [--max-record-size N] [--jobs N] [FILE|s3://...]"
	if cmd == "parse" {
		synopsis = cmd + " [--log-type auto|audit|network] [--jobs N] [--dead-letter FILE] [-o FILE | --format parquet --out DIR|s3://...] [FILE|s3://...]"
	}
	var fs = newFlagSet(cmd, synopsis,
		map[string]string{"parse": parseDesc, "validate": validateDesc}[cmd],
		map[string]string{"parse": parseExamples, "validate": validateExamples}[cmd], stderr)
	rf.register(fs)
	var outFile string
	enrich := true
	if cmd == "parse" {
		fs.StringVar(&deadLetter, "dead-letter", "", "append rejected records to this file as JSON lines")
		fs.StringVar(&outFile, "o", "", `write the rows to this file instead of standard output ("-"), whole or not at all (under a temporary name, renamed once every row is written)`)
		fs.BoolVar(&enrich, "enrich", true, "add p_enrichment: the nodes (name, user, tags, OS) that the rows' addresses and node IDs resolve to, learned from the records' srcNode/dstNodes")
		fs.StringVar(&format, "format", "ndjson", "ndjson (rows on standard output or -o) or parquet (files under --out)")
		fs.StringVar(&outDir, "out", "", "with --format parquet: the directory or s3://bucket/prefix of the partitioned files")
		fs.StringVar(&rowGroup, "row-group-size", "64MiB", "with --format parquet: size at which a row group is flushed (memory per open file)")
	}
	files, exit, ok := parseFlags(fs, args)
	if !ok {
		return exit
	}
	opt, err := rf.options()
	if err != nil {
		fmt.Fprintln(stderr, "tslogs "+cmd+":", err)
		return exitUsage
	}
	if cmd == "parse" && enrich {
		opt.Nodes = tailscale.NewNodeDirectory(0)
	}
	ctx := context.Background()
	var ds *pqfile.Dataset
	switch {
	case format == "parquet" && outDir == "":
		fmt.Fprintln(stderr, "tslogs parse: --format parquet needs --out DIR or --out s3://bucket/prefix")
		return exitUsage
	case format == "parquet" && outFile != "":
		fmt.Fprintln(stderr, "tslogs parse: -o is for NDJSON rows; Parquet files go under --out")
		return exitUsage
	case format == "parquet":
		size, err := parseSize(rowGroup)
		if err != nil || size <= 0 {
			fmt.Fprintf(stderr, "tslogs parse: --row-group-size: invalid size %q\n", rowGroup)
			return exitUsage
		}
		store, err := objstore.Open(ctx, outDir, true)
		if err != nil {
			fmt.Fprintln(stderr, "tslogs parse: --out:", err)
			return exitUsage
		}
		ds = pqfile.NewDataset(store, pqfile.DatasetOptions{Options: pqfile.Options{RowGroupBytes: size}})
		defer ds.Abort()
		// Files named after the inputs' data: a run repeated after a
		// failure replaces the files the failed run completed.
		rf.obj.inputs = func(in *inputSet) {
			if id, ok := in.identity(); ok {
				ds.SetWriter(id)
			}
		}
	case cmd == "parse" && format != "ndjson":
		fmt.Fprintf(stderr, "tslogs parse: --format: %q is neither ndjson nor parquet\n", format)
		return exitUsage
	case outDir != "":
		fmt.Fprintln(stderr, "tslogs parse: --out goes with --format parquet (NDJSON rows go to standard output or -o)")
		return exitUsage
	}
	// Rows written to the terminal the progress bar would draw on: no bar.
	progressTo := stderr
	if (outFile == "" || outFile == "-") && cmd == "parse" && ds == nil && isTerminal(stdout) {
		progressTo = noProgress{stderr}
	}
	// -o: renamed into place at the end only if every row was written.
	var rowsFile *outputFile
	if outFile != "" {
		rowsFile, err = createOutput(outFile, stdout)
		if err != nil {
			fmt.Fprintln(stderr, "tslogs "+cmd+":", err)
			return exitUsage
		}
		defer rowsFile.abort()
		stdout = rowsFile
	}

	out := bufio.NewWriterSize(stdout, 256<<10)
	var dl *bufio.Writer
	// The dead-letter file is closed at the end, where a failed close (a
	// write the file system reports late) is an error like a failed write.
	var dlFile *os.File
	defer func() {
		if dlFile != nil {
			dlFile.Close()
		}
	}()
	if deadLetter != "" {
		f, err := os.OpenFile(deadLetter, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintln(stderr, "tslogs "+cmd+":", err)
			return exitUsage
		}
		dlFile = f
		dl = bufio.NewWriter(f)
		if isInput(f, files, stdin) {
			fmt.Fprintf(stderr, "tslogs %s: --dead-letter %s is also an input: its dead letters would be read back as bad records\n", cmd, deadLetter)
			return exitUsage
		}
		if rowsFile != nil && rowsFile.replaces(f) {
			fmt.Fprintln(stderr, "tslogs "+cmd+": -o and --dead-letter name the same file:", outFile)
			return exitUsage
		}
	}
	errs := bufio.NewWriter(stderr)
	defer errs.Flush()

	meta := newRowMeta()
	var line []byte
	sum := newSummary()
	// bad handles a rejected record, good a row (parse) or a valid record.
	bad := func(name string, rerr error, record int, offset int64, raw []byte) error {
		sum.bad(name, rerr)
		if cmd == "parse" {
			fmt.Fprintf(errs, "tslogs parse: %s: %v\n", name, rerr)
			if dl != nil {
				line = appendDeadLetter(line[:0], name, record, offset, raw, rerr)
				if _, err := dl.Write(line); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// Rows are written into the output's buffer (AvailableBuffer), with
	// room for most rows made first: Write then has nothing to copy. (A
	// flush error stays with out, for the next Write.)
	rowBuf := func() []byte {
		if out.Available() < 64<<10 {
			_ = out.Flush()
		}
		return out.AvailableBuffer()
	}
	good := func(typ tailscale.LogType, row []byte) error {
		sum.good(typ)
		if row == nil {
			return nil
		}
		_, err := out.Write(append(row, '\n'))
		return err
	}
	var in *inputSet
	// Parquet files are written from the decoded records on one goroutine:
	// --format parquet reads on one core.
	if rf.jobs > 1 && ds == nil {
		in, err = parseParallel(files, rf.obj, opt, rf.jobs, stdin, progressTo, cmd == "parse", dl != nil, meta, rowBuf, bad, good)
	} else {
		in, err = forEachRecord(files, rf.obj, opt, stdin, progressTo, func(name string, r *tailscale.Reader) error {
			if rerr := r.Err(); rerr != nil {
				return bad(name, rerr, r.Record(), r.Offset(), r.Raw())
			}
			if ds != nil {
				sum.good(r.LogType())
				meta.ParseTime = now().UTC()
				return ds.Write(ctx, r.LogType().PantherName(), r.EventTime(), r, meta)
			}
			if cmd != "parse" {
				return good(r.LogType(), nil)
			}
			meta.ParseTime = now().UTC()
			return good(r.LogType(), r.AppendRow(rowBuf(), meta))
		})
	}
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if dl != nil {
		if ferr := dl.Flush(); err == nil {
			err = ferr
		}
	}
	if dlFile != nil {
		if ferr := dlFile.Close(); err == nil {
			err = ferr
		}
		dlFile = nil
	}
	if rowsFile != nil && err == nil {
		err = rowsFile.commit()
	}
	if ds != nil && err == nil {
		err = ds.Close(ctx)
		if err == nil {
			files := "files"
			if len(ds.Files()) == 1 {
				files = "file"
			}
			fmt.Fprintf(errs, "tslogs parse: wrote %d rows to %d Parquet %s under %s\n", sum.valid, len(ds.Files()), files, outDir)
		}
	}
	if err == nil && in != nil {
		err = in.saveState()
	}
	if cmd == "validate" {
		// Printed piecemeal: the buffer keeps the first write error.
		w := bufio.NewWriter(stdout)
		sum.print(w)
		if ferr := w.Flush(); err == nil {
			err = ferr
		}
	}
	if err != nil {
		fmt.Fprintln(errs, "tslogs "+cmd+":", err)
		return exitUsage
	}
	if sum.invalid > 0 {
		return exitRejected
	}
	return exitOK
}

// isInput reports whether f, a regular file, is one of the local inputs: a
// file argument, or the file standard input reads ("-", or no arguments).
// (Devices such as /dev/null may well be both.)
func isInput(f *os.File, files []string, stdin io.Reader) bool {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return false
	}
	readsStdin := len(files) == 0
	for _, name := range files {
		switch {
		case name == "-":
			readsStdin = true
		case !objstore.IsS3(name):
			if in, err := os.Stat(name); err == nil && os.SameFile(st, in) {
				return true
			}
		}
	}
	if sf, ok := stdin.(*os.File); ok && readsStdin {
		if in, err := sf.Stat(); err == nil && os.SameFile(st, in) {
			return true
		}
	}
	return false
}

// appendDeadLetter appends one dead-letter JSON line for a rejected record.
func appendDeadLetter(dst []byte, file string, record int, offset int64, raw []byte, err error) []byte {
	dst = append(dst, '{')
	dst = jlex.AppendKey(dst, `"error":`)
	dst = jlex.AppendString(dst, err.Error())
	dst = jlex.AppendKey(dst, `"file":`)
	dst = jlex.AppendString(dst, file)
	dst = jlex.AppendKey(dst, `"record":`)
	dst = strconv.AppendInt(dst, int64(record), 10)
	dst = jlex.AppendKey(dst, `"offset":`)
	dst = strconv.AppendInt(dst, offset, 10)
	dst = deadletter.AppendRawMember(dst, raw)
	return append(dst, '}', '\n')
}

// summary counts records for validate.
type summary struct {
	records, valid, invalid int
	byType                  map[tailscale.LogType]int
	reasons                 map[string]*reason
}

type reason struct {
	count   int
	example string
}

func newSummary() *summary {
	return &summary{byType: map[tailscale.LogType]int{}, reasons: map[string]*reason{}}
}

func (s *summary) good(t tailscale.LogType) {
	s.records++
	s.valid++
	s.byType[t]++
}

var (
	indexRE  = regexp.MustCompile(`\[\d+\]`)
	numberRE = regexp.MustCompile(`\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?`)
	quotedRE = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
)

// reasonKey groups errors that differ only in record, offset, index or
// value: "event.virtualTraffic[].txBytes: number N out of range for int64".
func reasonKey(err error) string {
	var re *tailscale.RecordError
	if errors.As(err, &re) {
		err = re.Err
	}
	var de *tailscale.Error
	if errors.As(err, &de) {
		msg := quotedRE.ReplaceAllString(de.Msg, `"…"`)
		msg = numberRE.ReplaceAllString(msg, "N")
		path := indexRE.ReplaceAllString(de.Path, "[]")
		if path == "" {
			return msg
		}
		return path + ": " + msg
	}
	return numberRE.ReplaceAllString(err.Error(), "N")
}

func (s *summary) bad(file string, err error) {
	s.records++
	s.invalid++
	k := reasonKey(err)
	if r, ok := s.reasons[k]; ok {
		r.count++
		return
	}
	s.reasons[k] = &reason{count: 1, example: file + ": " + err.Error()}
}

func (s *summary) print(w io.Writer) {
	fmt.Fprintf(w, "records: %d\nvalid:   %d", s.records, s.valid)
	if s.valid > 0 {
		fmt.Fprintf(w, " (audit %d, network %d)", s.byType[tailscale.LogTypeAudit], s.byType[tailscale.LogTypeNetwork])
	}
	fmt.Fprintf(w, "\ninvalid: %d\n", s.invalid)
	keys := make([]string, 0, len(s.reasons))
	for k := range s.reasons {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := s.reasons[keys[i]], s.reasons[keys[j]]
		if a.count != b.count {
			return a.count > b.count
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		r := s.reasons[k]
		fmt.Fprintf(w, "  %6d  %s\n          e.g. %s\n", r.count, k, r.example)
	}
}

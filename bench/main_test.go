package bench

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tslogs/tslogs/bench/corpus"
)

var regen = flag.Bool("regen", false, "write the corpora again even when they are current")

// corpusDir is where the corpora are written (gitignored).
var corpusDir = filepath.Join("testdata", "corpus")

// loaded is one corpus in memory, split into records.
type loaded struct {
	corpus.Corpus
	data    []byte
	records [][]byte
}

var corpora []loaded

func TestMain(m *testing.M) {
	flag.Parse()
	// benchreport writes the corpora once and sets BENCH_CORPUS_READY for
	// its runs, so that they do not build the CLI again from a tree that may
	// be changing under them.
	if os.Getenv("BENCH_CORPUS_READY") == "" {
		if err := corpus.Ensure(corpusDir, *regen, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
	for _, c := range corpus.All {
		data, err := os.ReadFile(filepath.Join(corpusDir, c.File()))
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		l := loaded{Corpus: c, data: data}
		for rec, rest := corpus.Split(data); rec != nil; rec, rest = corpus.Split(rest) {
			l.records = append(l.records, rec)
		}
		if len(l.records) == 0 || !c.Stream && len(l.records) != 1 {
			fmt.Fprintf(os.Stderr, "bench: %s: %d records\n", c.File(), len(l.records))
			os.Exit(1)
		}
		corpora = append(corpora, l)
	}
	os.Exit(m.Run())
}

// Package corpus makes the benchmark corpora in testdata/corpus/ of the
// bench module: realistic network flow records of a simulated tailnet, made
// with Tailscale's own types and marshalling (Tailnet), and synthetic logs
// written by the tslogs CLI (tslogs synth) with fixed seeds. The files are
// not committed; Ensure writes them on demand and again whenever the CLI
// binary or the Tailnet generator's output changes.
package corpus

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Kind is the log type of a corpus.
type Kind string

// The log types.
const (
	Network Kind = "network"
	Audit   Kind = "audit"
)

// A Corpus is one generated input.
type Corpus struct {
	Name string // benchmark name part, e.g. "net30"
	Kind Kind
	// Stream corpora hold many records (log-stream bodies: envelopes
	// concatenated with no separator); the others hold exactly one.
	Stream bool
	// PreSplit stream corpora are benchmarked record by record from
	// memory, already split: what is timed is decoding alone. The others
	// are split inside the timed loop.
	PreSplit bool
	// Bench is false for corpora used only by the equality test.
	Bench bool
	Desc  string   // for the report
	Args  []string // tslogs synth arguments after --log-type
	// Tailnet, when set, makes the corpus instead of tslogs synth.
	Tailnet *Tailnet
}

// File is the corpus' file name in the corpus directory.
func (c Corpus) File() string { return c.Name + ".json" }

// All lists the corpora, in report order: first the realistic distinct
// records, then tslogs synth's single records (each decoded over and over,
// so that tslogs' tables of recent hosts stay warm) and streams.
var All = []Corpus{
	{Name: "tailnet-small", Kind: Network, Stream: true, PreSplit: true, Bench: true,
		Desc:    "2,000 distinct realistic network records of 1–30 traffic entries",
		Tailnet: &Tailnet{Seed: 1, Nodes: 3000, Records: 2000, MinEntries: 1, MaxEntries: 30}},
	{Name: "tailnet-mix", Kind: Network, Stream: true, PreSplit: true, Bench: true,
		Desc:    "200 distinct realistic network records of 1–1,500 traffic entries (log-uniform)",
		Tailnet: &Tailnet{Seed: 2, Nodes: 3000, Records: 200, MinEntries: 1, MaxEntries: 1500}},
	{Name: "tailnet-large", Kind: Network, Stream: true, PreSplit: true, Bench: true,
		Desc:    "20 distinct realistic network records of 500–1,500 traffic entries",
		Tailnet: &Tailnet{Seed: 3, Nodes: 3000, Records: 20, MinEntries: 500, MaxEntries: 1500}},
	{Name: "net30", Kind: Network, Bench: true, Desc: "network record, 30 traffic entries (typical)",
		Args: []string{"--records", "1", "--seed", "1", "--entries", "30"}},
	{Name: "net1", Kind: Network, Bench: true, Desc: "network record, 1 traffic entry",
		Args: []string{"--records", "1", "--seed", "1", "--entries", "1"}},
	{Name: "net1500", Kind: Network, Bench: true, Desc: "network record, 1,500 traffic entries (the largest tslogs synth writes)",
		Args: []string{"--records", "1", "--seed", "1", "--entries", "1500"}},
	{Name: "audit", Kind: Audit, Bench: true, Desc: "audit record",
		Args: []string{"--records", "1", "--seed", "3"}},
	{Name: "stream", Kind: Network, Stream: true, Bench: true, Desc: "network log stream, ≥ 100 MB, realistic mix of record sizes",
		Args: []string{"--size", "100MB", "--seed", "1"}},
	{Name: "auditmix", Kind: Audit, Stream: true, Desc: "2,000 audit records (equality test only)",
		Args: []string{"--records", "2000", "--seed", "2"}},
	{Name: "netmix", Kind: Network, Stream: true, Desc: "2,000 network records (equality test only)",
		Args: []string{"--records", "2000", "--seed", "4"}},
}

// Command returns the tslogs command line that writes c to stdout, or
// the Tailnet that makes it.
func (c Corpus) Command() string {
	if c.Tailnet != nil {
		return c.Tailnet.String()
	}
	return "tslogs synth --log-type " + string(c.Kind) + " " + strings.Join(c.Args, " ")
}

const manifestName = "MANIFEST"

// Ensure makes sure dir holds every corpus, written by the current tslogs
// CLI: it builds the CLI from the module graph of the bench module (the
// current directory must be inside it) and regenerates all corpora when the
// binary or the corpus list changed since they were written, or when force
// is set. Progress goes to log.
func Ensure(dir string, force bool, log io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	bin, err := filepath.Abs(filepath.Join(dir, ".bin", "tslogs"))
	if err != nil {
		return err
	}
	build := exec.Command("go", "build", "-o", bin, "github.com/tslogs/tslogs/cmd/tslogs")
	build.Stdout, build.Stderr = log, log
	if err := build.Run(); err != nil {
		return fmt.Errorf("building tslogs: %w", err)
	}
	made := map[string][]byte{}
	for _, c := range All {
		if c.Tailnet != nil {
			made[c.Name] = c.Tailnet.Generate()
		}
	}
	want, err := manifest(bin, made)
	if err != nil {
		return err
	}
	have, _ := os.ReadFile(filepath.Join(dir, manifestName))
	if !force && bytes.Equal(have, want) {
		return nil
	}
	os.Remove(filepath.Join(dir, manifestName))
	for _, c := range All {
		fmt.Fprintf(log, "corpus: %s > %s\n", c.Command(), c.File())
		if c.Tailnet != nil {
			if err := os.WriteFile(filepath.Join(dir, c.File()), made[c.Name], 0o644); err != nil {
				return err
			}
			continue
		}
		args := append([]string{"synth", "--log-type", string(c.Kind), "-o", filepath.Join(dir, c.File())}, c.Args...)
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w", c.Command(), err)
		}
	}
	return os.WriteFile(filepath.Join(dir, manifestName), want, 0o644)
}

// manifest identifies the corpora's contents: the CLI binary's hash, the
// commands and the hashes of the Tailnet corpora made (cheap to make again).
func manifest(bin string, made map[string][]byte) ([]byte, error) {
	f, err := os.Open(bin)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "tslogs %s\n", hex.EncodeToString(h.Sum(nil)))
	for _, c := range All {
		fmt.Fprintf(&b, "%s: %s", c.File(), c.Command())
		if c.Tailnet != nil {
			fmt.Fprintf(&b, " sha256:%x", sha256.Sum256(made[c.Name]))
		}
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

// Split returns the next record of a log stream (envelopes concatenated with
// no separator, or separated by whitespace) and the rest: a simple splitter
// that counts braces outside strings, as a program without tslogs would
// write. It checks nothing else. It returns nil at the end of data.
func Split(data []byte) (rec, rest []byte) {
	i := 0
	for i < len(data) && data[i] != '{' {
		i++
	}
	start, depth, inStr := i, 0, false
	for ; i < len(data); i++ {
		c := data[i]
		if inStr {
			switch c {
			case '\\':
				i++
			case '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return data[start : i+1], data[i+1:]
			}
		}
	}
	return nil, nil
}

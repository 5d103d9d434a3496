// Command decodeloop decodes every record of a corpus, already split, with
// one decoder, a number of passes, and prints the throughput: corpus bytes
// per second of wall time and of the process' CPU time. It is the loop
// behind deterministic instruction counts (valgrind's callgrind, which
// counts only what main.measured runs) and quick A/B timings of two builds,
// without the testing package around it.
//
// Run it from the bench module, on a corpus that go test wrote into
// testdata/corpus/ (go test -run TestSameValues writes them):
//
//	go build -o /tmp/decodeloop ./cmd/decodeloop
//	/tmp/decodeloop -dec tslogs -n 20 testdata/corpus/tailnet-mix.json
//
//	GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 GOGC=off \
//	valgrind --tool=callgrind --branch-sim=yes --toggle-collect=main.measured \
//	    /tmp/decodeloop -dec tslogs -n 1 testdata/corpus/tailnet-mix.json
//
// callgrind's total Ir over the corpus size is the instructions per byte
// the decoder spends; Bcm+Bim are its (simulated) mispredicted branches.
// Every decoder first decodes every record once, outside what is
// measured, so that reused values, pooled lexers and their memos are warm.
//
// Decoders (-dec): tslogs (tailscale.Network.Decode), goccy and
// encoding-json into the bench module's string mirror, goccy-netlogtype,
// encoding-json-netlogtype and jsonexp-netlogtype into Tailscale's own
// types. -fresh decodes each record into a new value instead of one reused
// value.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"syscall"
	"time"

	jsonexp "github.com/go-json-experiment/json"
	gojson "github.com/goccy/go-json"

	"github.com/tslogs/tslogs/bench/corpus"
	"github.com/tslogs/tslogs/bench/mirror"
	"github.com/tslogs/tslogs/tailscale"
)

// A decoder decodes one record, into a reused value or a new one.
type decoder func(rec []byte, fresh bool) error

// resetter is a mirror type, reset before it is decoded into again.
type resetter[T any] interface {
	*T
	Reset()
}

func peer[T any, PT resetter[T]](unmarshal func([]byte, any) error) decoder {
	x := new(T)
	return func(rec []byte, fresh bool) error {
		if fresh {
			return unmarshal(rec, new(T))
		}
		PT(x).Reset()
		return unmarshal(rec, x)
	}
}

var decoders = map[string]func() decoder{
	"tslogs": func() decoder {
		x := new(tailscale.Network)
		return func(rec []byte, fresh bool) error {
			if fresh {
				return new(tailscale.Network).Decode(rec)
			}
			return x.Decode(rec)
		}
	},
	"goccy":                    func() decoder { return peer[mirror.Network](gojson.Unmarshal) },
	"encoding-json":            func() decoder { return peer[mirror.Network](json.Unmarshal) },
	"goccy-netlogtype":         func() decoder { return peer[mirror.Netlog](gojson.Unmarshal) },
	"encoding-json-netlogtype": func() decoder { return peer[mirror.Netlog](json.Unmarshal) },
	"jsonexp-netlogtype": func() decoder {
		return peer[mirror.Netlog](func(b []byte, v any) error { return jsonexp.Unmarshal(b, v) })
	},
}

// measured is what callgrind counts (--toggle-collect=main.measured).
//
//go:noinline
func measured(dec decoder, recs [][]byte, passes int, fresh bool) error {
	return loop(dec, recs, passes, fresh)
}

// loop decodes every record passes times.
//
//go:noinline
func loop(dec decoder, recs [][]byte, passes int, fresh bool) error {
	for range passes {
		for _, r := range recs {
			if err := dec(r, fresh); err != nil {
				return err
			}
		}
	}
	return nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	name := flag.String("dec", "tslogs", "decoder")
	passes := flag.Int("n", 1, "measured passes over the corpus")
	fresh := flag.Bool("fresh", false, "decode each record into a new value")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the measured passes to this file")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: decodeloop [flags] corpus.json\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	mk, ok := decoders[*name]
	if flag.NArg() != 1 || !ok {
		flag.Usage()
		os.Exit(2)
	}
	data, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var recs [][]byte
	for rec, rest := corpus.Split(data); rec != nil; rec, rest = corpus.Split(rest) {
		recs = append(recs, rec)
	}
	dec := mk()
	if err := loop(dec, recs, 1, *fresh); err != nil { // warm up, not measured
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	cpu0, t0 := cpuTime(), time.Now()
	if err := measured(dec, recs, *passes, *fresh); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	wall, cpu := time.Since(t0), cpuTime()-cpu0
	mb := float64(len(data)) * float64(*passes) / 1e6
	fmt.Printf("%s %d records %.1f MB/s %.1f cpu-MB/s\n", *name, len(recs)*(*passes), mb/wall.Seconds(), mb/cpu.Seconds())
}

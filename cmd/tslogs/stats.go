package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tslogs/tslogs/tailscale"
)

const statsDesc = `Reads Tailscale log records and prints a summary: records per log type and
the time span they cover; for network logs, bytes and packets by traffic kind
and by protocol, the top talkers (source IP to destination IP:port, by bytes
in both directions) and the top nodes; for audit logs, the top actions,
actors, origins and targets. Invalid records are counted and skipped.`

const statsExamples = `  tslogs stats testdata/sample/network.log
  tslogs stats --top 20 flows-*.log.gz
  tslogs stats --json audit.log | jq .audit.actions`

// counter counts bytes and packets.
type counter struct {
	Bytes   int64 `json:"bytes"`
	Packets int64 `json:"packets"`
	Entries int64 `json:"entries"`
}

func (c *counter) add(t *tailscale.NetworkTraffic) {
	c.Bytes += t.TxBytes + t.RxBytes
	c.Packets += t.TxPkts + t.RxPkts
	c.Entries++
}

type talkerKey struct {
	src, dst netip.Addr
	port     int32
	proto    int16
	hasProto bool
}

type nodeKey struct{ id, name string }

type stats struct {
	Records  int            `json:"records"`
	Invalid  int            `json:"invalid"`
	ByType   map[string]int `json:"byLogType"`
	First    time.Time      `json:"first,omitzero"`
	Last     time.Time      `json:"last,omitzero"`
	Network  *networkStats  `json:"network,omitempty"`
	Audit    *auditStats    `json:"audit,omitempty"`
	talkers  map[talkerKey]*counter
	nodes    map[nodeKey]*counter
	actions  map[string]int
	actors   map[string]int
	origins  map[string]int
	targets  map[string]int
	topLimit int
}

type networkStats struct {
	ByKind   map[string]*counter `json:"byTrafficKind"`
	ByProto  map[string]*counter `json:"byProtocol"`
	Talkers  []talker            `json:"topTalkers"`
	TopNodes []node              `json:"topNodes"`
}

type talker struct {
	Src   string `json:"src"`
	Dst   string `json:"dst"`
	Proto string `json:"proto"`
	counter
}

type node struct {
	NodeID string `json:"nodeId"`
	Name   string `json:"name,omitempty"`
	counter
}

type auditStats struct {
	Actions []count `json:"actions"`
	Actors  []count `json:"actors"`
	Origins []count `json:"origins"`
	Targets []count `json:"targets"`
}

type count struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

var protoNames = map[int16]string{1: "icmp", 2: "igmp", 6: "tcp", 17: "udp", 47: "gre", 50: "esp", 51: "ah", 58: "ipv6-icmp", 99: "tsmp", 132: "sctp", 255: "fragment"}

func protoName(p int16, has bool) string {
	if !has {
		return "none"
	}
	if n, ok := protoNames[p]; ok {
		return n
	}
	return strconv.Itoa(int(p))
}

func runStats(args []string, stdout, stderr io.Writer) int {
	var rf readerFlags
	fs := newFlagSet("stats", "stats [--json] [--top N] [--log-type auto|audit|network] [FILE...]", statsDesc, statsExamples, stderr)
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	top := fs.Int("top", 10, "how many entries the top lists show")
	rf.register(fs)
	files, exit, ok := parseFlags(fs, args)
	if !ok {
		return exit
	}
	opt, err := rf.options()
	if err != nil || *top < 1 {
		if err == nil {
			err = fmt.Errorf("--top must be at least 1")
		}
		fmt.Fprintln(stderr, "tslogs stats:", err)
		return exitUsage
	}
	s := &stats{ByType: map[string]int{}, talkers: map[talkerKey]*counter{}, nodes: map[nodeKey]*counter{},
		actions: map[string]int{}, actors: map[string]int{}, origins: map[string]int{}, targets: map[string]int{}, topLimit: *top}
	in, err := forEachRecord(files, &rf, opt, os.Stdin, stderr, func(name string, r *tailscale.Reader) error {
		s.Records++
		if r.Err() != nil {
			s.Invalid++
			return nil
		}
		s.ByType[r.LogType().PantherName()]++
		if t := r.EventTime(); !t.IsZero() {
			if s.First.IsZero() || t.Before(s.First) {
				s.First = t
			}
			if t.After(s.Last) {
				s.Last = t
			}
		}
		switch r.LogType() {
		case tailscale.LogTypeNetwork:
			s.addNetwork(r.Network())
		case tailscale.LogTypeAudit:
			s.addAudit(r.Audit())
		}
		return nil
	})
	if err == nil {
		err = in.saveState()
	}
	if err != nil {
		fmt.Fprintln(stderr, "tslogs stats:", err)
		return exitUsage
	}
	s.finish()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			fmt.Fprintln(stderr, "tslogs stats:", err)
			return exitUsage
		}
		return exitOK
	}
	s.print(stdout)
	return exitOK
}

func (s *stats) addNetwork(n *tailscale.Network) {
	if s.Network == nil {
		s.Network = &networkStats{ByKind: map[string]*counter{}, ByProto: map[string]*counter{}}
	}
	ev := &n.Event
	nk := nodeKey{id: ev.NodeID}
	if ev.HasSrcNode() {
		nk.name = ev.SrcNode.Name
	}
	nc := s.nodes[nk]
	if nc == nil {
		nk.id, nk.name = strings.Clone(nk.id), strings.Clone(nk.name)
		nc = &counter{}
		s.nodes[nk] = nc
	}
	kinds := []struct {
		name string
		ts   []tailscale.NetworkTraffic
	}{{"virtual", ev.VirtualTraffic}, {"subnet", ev.SubnetTraffic}, {"exit", ev.ExitTraffic}, {"physical", ev.PhysicalTraffic}}
	for _, k := range kinds {
		kc := s.Network.ByKind[k.name]
		if kc == nil {
			kc = &counter{}
			s.Network.ByKind[k.name] = kc
		}
		for i := range k.ts {
			t := &k.ts[i]
			kc.add(t)
			pn := protoName(t.Proto, t.HasProto())
			pc := s.Network.ByProto[pn]
			if pc == nil {
				pc = &counter{}
				s.Network.ByProto[pn] = pc
			}
			pc.add(t)
			nc.add(t)
			if k.name == "physical" {
				continue // physical paths are not conversations between addresses
			}
			tk := talkerKey{src: t.SrcIP, dst: t.DstIP, port: t.DstPort, proto: t.Proto, hasProto: t.HasProto()}
			tc := s.talkers[tk]
			if tc == nil {
				tc = &counter{}
				s.talkers[tk] = tc
			}
			tc.add(t)
		}
	}
}

func (s *stats) addAudit(a *tailscale.Audit) {
	if s.Audit == nil {
		s.Audit = &auditStats{}
	}
	ev := &a.Event
	s.actions[strings.Clone(ev.Action)]++
	actor := ev.Actor.LoginName
	if actor == "" {
		actor = ev.Actor.DisplayName
	}
	if actor == "" {
		actor = ev.Actor.ID
	}
	s.actors[strings.Clone(actor)]++
	s.origins[strings.Clone(ev.Origin)]++
	target := ev.Target.Type
	if ev.Target.Name != "" {
		target += " " + ev.Target.Name
	} else if ev.Target.ID != "" {
		target += " " + ev.Target.ID
	}
	s.targets[strings.Clone(target)]++
}

func topCounts(m map[string]int, n int) []count {
	out := make([]count, 0, len(m))
	for k, v := range m {
		out = append(out, count{Name: k, Count: v})
	}
	slices.SortFunc(out, func(a, b count) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name))
	})
	return out[:min(n, len(out))]
}

func addrOrDash(a netip.Addr) string {
	if !a.IsValid() {
		return "-"
	}
	return a.String()
}

func (s *stats) finish() {
	if s.Network != nil {
		for k, c := range s.talkers {
			dst := addrOrDash(k.dst)
			if k.dst.IsValid() {
				dst = netip.AddrPortFrom(k.dst, uint16(k.port)).String()
			}
			s.Network.Talkers = append(s.Network.Talkers, talker{Src: addrOrDash(k.src), Dst: dst,
				Proto: protoName(k.proto, k.hasProto), counter: *c})
		}
		slices.SortFunc(s.Network.Talkers, func(a, b talker) int {
			return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), cmp.Compare(a.Src, b.Src), cmp.Compare(a.Dst, b.Dst))
		})
		s.Network.Talkers = s.Network.Talkers[:min(s.topLimit, len(s.Network.Talkers))]
		for k, c := range s.nodes {
			s.Network.TopNodes = append(s.Network.TopNodes, node{NodeID: k.id, Name: k.name, counter: *c})
		}
		slices.SortFunc(s.Network.TopNodes, func(a, b node) int {
			return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), cmp.Compare(a.NodeID, b.NodeID))
		})
		s.Network.TopNodes = s.Network.TopNodes[:min(s.topLimit, len(s.Network.TopNodes))]
	}
	if s.Audit != nil {
		s.Audit.Actions = topCounts(s.actions, s.topLimit)
		s.Audit.Actors = topCounts(s.actors, s.topLimit)
		s.Audit.Origins = topCounts(s.origins, s.topLimit)
		s.Audit.Targets = topCounts(s.targets, s.topLimit)
	}
}

// human formats a byte count: 1.5 MiB.
func human(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func (s *stats) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "records\t%d\t(invalid %d)\n", s.Records, s.Invalid)
	for _, t := range []string{"Tailscale.Audit", "Tailscale.Network"} {
		if s.ByType[t] > 0 {
			fmt.Fprintf(tw, "  %s\t%d\n", t, s.ByType[t])
		}
	}
	if !s.First.IsZero() {
		fmt.Fprintf(tw, "time span\t%s … %s\t(%s)\n", s.First.Format(time.RFC3339), s.Last.Format(time.RFC3339), s.Last.Sub(s.First).Round(time.Second))
	}
	tw.Flush()
	if n := s.Network; n != nil {
		fmt.Fprintln(w, "\nNetwork traffic by kind")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "kind\tentries\tbytes\tpackets\t")
		for _, k := range []string{"virtual", "subnet", "exit", "physical"} {
			if c := n.ByKind[k]; c != nil && c.Entries > 0 {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t\n", k, c.Entries, human(c.Bytes), c.Packets)
			}
		}
		tw.Flush()
		fmt.Fprintln(w, "\nBy protocol")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "proto\tentries\tbytes\tpackets\t")
		protos := make([]string, 0, len(n.ByProto))
		for p := range n.ByProto {
			protos = append(protos, p)
		}
		slices.SortFunc(protos, func(a, b string) int {
			return cmp.Or(cmp.Compare(n.ByProto[b].Bytes, n.ByProto[a].Bytes), cmp.Compare(a, b))
		})
		for _, p := range protos {
			c := n.ByProto[p]
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t\n", p, c.Entries, human(c.Bytes), c.Packets)
		}
		tw.Flush()
		fmt.Fprintf(w, "\nTop talkers (virtual, subnet and exit traffic, by bytes)\n")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, t := range n.Talkers {
			fmt.Fprintf(tw, "  %s\t→ %s\t%s\t%s\t%d pkts\n", t.Src, t.Dst, t.Proto, human(t.Bytes), t.Packets)
		}
		tw.Flush()
		fmt.Fprintf(w, "\nTop nodes (by bytes logged)\n")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, nd := range n.TopNodes {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%d pkts\n", nd.NodeID, nd.Name, human(nd.Bytes), nd.Packets)
		}
		tw.Flush()
	}
	if a := s.Audit; a != nil {
		for _, sec := range []struct {
			title string
			list  []count
		}{{"Top actions", a.Actions}, {"Top actors", a.Actors}, {"Top origins", a.Origins}, {"Top targets", a.Targets}} {
			fmt.Fprintf(w, "\n%s\n", sec.title)
			tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			for _, c := range sec.list {
				fmt.Fprintf(tw, "  %d\t%s\n", c.Count, c.Name)
			}
			tw.Flush()
		}
	}
}

// Package report writes a summary of Tailscale logs as one self-contained
// HTML page: charts drawn as inline SVG, styles and a small script inline,
// nothing fetched from the network. The page shows traffic over time per
// kind (inside the tunnel, and on the wire, direct or relayed), the top
// talkers, pairs and services, audit events over time by actor, the
// security-relevant changes, and where the two ends of a connection
// disagreed. It reads well without its script; the script adds tooltips
// that read the charts and sortable tables.
package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"

	summ "github.com/tslogs/tslogs/internal/summary"
)

//go:embed report.html.tmpl
var pageTemplate string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"bytes": func(n int64) string { return summ.HumanBytes(float64(n)) },
	"count": summ.FormatCount,
	"pct":   func(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) },
	"time":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") },
	"clock": func(t time.Time) string { return t.UTC().Format("Jan 2 15:04:05") },
	"minus": func(a, b int) int { return a - b },
	"plural": func(n int64, one, many string) string {
		if n == 1 {
			return summ.FormatCount(n) + " " + one
		}
		return summ.FormatCount(n) + " " + many
	},
	"lower": strings.ToLower,
}).Parse(pageTemplate))

// Options are what the page says about itself.
type Options struct {
	Title     string    // default "Tailscale logs"
	Generated time.Time // when the report was made (default now)
	Inputs    []string  // the files read, shown in the header
}

// Colors of the traffic kinds and of sent and received bytes.
const (
	colorVirtual  = "#6366f1"
	colorSubnet   = "#06b6d4"
	colorExit     = "#f59e0b"
	colorDirect   = "#22c55e"
	colorRelayed  = "#ef4444"
	colorSent     = "#6366f1"
	colorReceived = "#a5b4fc"
)

var actorColors = []string{"#6366f1", "#f59e0b", "#10b981", "#ef4444", "#06b6d4", "#8b5cf6", "#ec4899", "#84cc16"}

const colorOther = "#9ca3af"

// view is what the template renders.
type view struct {
	Title      string
	Generated  time.Time
	Inputs     string
	S          *summ.Summary
	Kinds      map[string]*summ.KindTotal
	HighCount  int
	Tunnel     template.HTML
	Wire       template.HTML
	TrafficLeg []series
	WireLeg    []series
	Talkers    template.HTML
	Pairs      template.HTML
	Services   template.HTML
	Regions    template.HTML
	Audit      template.HTML
	AuditLeg   []series
	Bucket     string
	AuditStep  string
	JSON       template.JS
}

// Write renders s as an HTML page to w. s should have a Timeline (see
// summary.SummaryOptions) for the charts over time.
func Write(w io.Writer, s *summ.Summary, opt Options) error {
	if opt.Title == "" {
		opt.Title = "Tailscale logs"
	}
	if opt.Generated.IsZero() {
		opt.Generated = time.Now()
	}
	v := &view{Title: opt.Title, Generated: opt.Generated, Inputs: strings.Join(opt.Inputs, ", "), S: s, Kinds: map[string]*summ.KindTotal{}}
	if s.Network != nil {
		for i := range s.Network.Kinds {
			v.Kinds[s.Network.Kinds[i].Kind] = &s.Network.Kinds[i]
		}
		v.networkCharts(s)
	}
	if s.Audit != nil {
		for _, f := range s.Audit.Findings {
			if f.Severity == "High" || f.Severity == "Critical" {
				v.HighCount++
			}
		}
	}
	if s.Timeline != nil {
		v.auditChart(s.Timeline)
	}
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	v.JSON = template.JS(data) // json.Marshal escapes <, > and &
	return page.Execute(w, v)
}

// maxPoints and maxColumns bound what the time charts draw.
const (
	maxPoints  = 240
	maxColumns = 60
)

// rebucket groups buckets of width step, starting at the given times, into
// contiguous buckets of a multiple of step, at most limit of them, zeros
// included. It returns the new starts, width, and for each input index the
// output index.
func rebucket(starts []time.Time, step time.Duration, limit int) ([]time.Time, time.Duration, []int) {
	if len(starts) == 0 {
		return nil, step, nil
	}
	from, to := starts[0], starts[len(starts)-1]
	// The narrowest width of the summary's chain (multiples of each other)
	// that needs at most limit buckets.
	width := step
	for int(to.Sub(from)/width)+2 > limit {
		width = summ.NextWidth(width)
	}
	first := from.Truncate(width)
	n := int(to.Sub(first)/width) + 1
	out := make([]time.Time, n)
	for i := range out {
		out[i] = first.Add(time.Duration(i) * width)
	}
	idx := make([]int, len(starts))
	for i, t := range starts {
		idx[i] = int(t.Sub(first) / width)
	}
	return out, width, idx
}

func (v *view) networkCharts(s *summ.Summary) {
	n := s.Network
	if tl := s.Timeline; tl != nil && len(tl.Traffic) > 0 {
		starts := make([]time.Time, len(tl.Traffic))
		for i, p := range tl.Traffic {
			starts[i] = p.Start
		}
		xs, width, idx := rebucket(starts, tl.TrafficBucket, maxPoints)
		v.Bucket = durLabel(width)
		tunnel := []series{{Name: "virtual", Color: colorVirtual}, {Name: "subnet", Color: colorSubnet}, {Name: "exit", Color: colorExit}}
		wire := []series{{Name: "direct", Color: colorDirect}, {Name: "relayed (DERP)", Color: colorRelayed}}
		for i := range tunnel {
			tunnel[i].Values = make([]float64, len(xs))
		}
		for i := range wire {
			wire[i].Values = make([]float64, len(xs))
		}
		for i, p := range tl.Traffic {
			j := idx[i]
			tunnel[0].Values[j] += float64(p.Virtual)
			tunnel[1].Values[j] += float64(p.Subnet)
			tunnel[2].Values[j] += float64(p.Exit)
			wire[0].Values[j] += float64(p.Direct)
			wire[1].Values[j] += float64(p.Relayed)
		}
		v.Tunnel = areaChart("chart-tunnel", xs, width, tunnel)
		v.Wire = areaChart("chart-wire", xs, width, wire)
		v.TrafficLeg, v.WireLeg = tunnel, wire
	}
	var talkers []bar
	for _, t := range n.Talkers {
		talkers = append(talkers, bar{Label: t.Label, Parts: []float64{float64(t.Sent), float64(t.Received)},
			Note: summ.HumanBytes(float64(t.Bytes))})
	}
	v.Talkers = barChart("chart-talkers", talkers, []series{{Name: "sent", Color: colorSent}, {Name: "received", Color: colorReceived}}, 220)
	var pairs []bar
	for _, p := range n.Pairs {
		// Short names here; the full labels are in the tooltip.
		pairs = append(pairs, bar{Label: shortLabel(p.A) + " ⇄ " + shortLabel(p.B), Parts: []float64{float64(p.AToB), float64(p.BToA)},
			Note: summ.HumanBytes(float64(p.Bytes)), Tip: p.A.Label + " ⇄ " + p.B.Label})
	}
	v.Pairs = barChart("chart-pairs", pairs, []series{{Name: "→", Color: colorSent}, {Name: "←", Color: colorReceived}}, 250)
	var services []bar
	for _, sv := range n.Services {
		label := fmt.Sprintf("%s/%d", sv.Proto, sv.Port)
		if sv.Name != "" {
			label += " " + sv.Name
		}
		services = append(services, bar{Label: label, Parts: []float64{float64(sv.Bytes)}, Note: summ.HumanBytes(float64(sv.Bytes))})
	}
	v.Services = barChart("chart-services", services, []series{{Name: "bytes", Color: colorVirtual}}, 180)
	var regions []bar
	for i, r := range n.Physical.Regions {
		if i == 10 {
			break
		}
		regions = append(regions, bar{Label: fmt.Sprintf("DERP region %d", r.Region), Parts: []float64{float64(r.SentBytes)},
			Note: summ.HumanBytes(float64(r.SentBytes))})
	}
	v.Regions = barChart("chart-regions", regions, []series{{Name: "relayed", Color: colorRelayed}}, 180)
}

// shortLabel is an endpoint's node name without its user or tags, or its
// label.
func shortLabel(ep summ.Endpoint) string {
	if ep.NodeID != "" {
		if name, _, ok := strings.Cut(ep.Label, " ("); ok {
			return name
		}
	}
	return ep.Label
}

// maxActors is how many actors the audit chart tells apart.
const maxActors = 7

func (v *view) auditChart(tl *summ.Timeline) {
	if len(tl.Audit) == 0 {
		return
	}
	actors := tl.Actors
	other := false
	if len(actors) > maxActors {
		actors, other = actors[:maxActors], true
	}
	layers := make([]series, 0, len(actors)+1)
	for i, a := range actors {
		layers = append(layers, series{Name: a, Color: actorColors[i%len(actorColors)]})
	}
	if other {
		layers = append(layers, series{Name: "others", Color: colorOther})
	}
	starts := make([]time.Time, len(tl.Audit))
	for i, p := range tl.Audit {
		starts[i] = p.Start
	}
	xs, width, idx := rebucket(starts, tl.AuditBucket, maxColumns)
	cols := make([]column, len(xs))
	for i := range cols {
		cols[i] = column{Start: xs[i], Counts: make([]float64, len(layers))}
	}
	for i, p := range tl.Audit {
		for actor, n := range p.Counts {
			k := slices.Index(actors, actor)
			if k < 0 {
				k = len(layers) - 1
			}
			cols[idx[i]].Counts[k] += float64(n)
		}
	}
	v.Audit = columnChart("chart-audit", cols, width, layers)
	v.AuditLeg = layers
	v.AuditStep = durLabel(width)
}

// durLabel names a bucket width: "second", "minute", "10 s", "5 min".
func durLabel(d time.Duration) string {
	switch d {
	case time.Second:
		return "second"
	case time.Minute:
		return "minute"
	case time.Hour:
		return "hour"
	case 24 * time.Hour:
		return "day"
	case 7 * 24 * time.Hour:
		return "week"
	}
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d min", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return d.String()
}

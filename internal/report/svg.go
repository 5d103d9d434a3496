package report

import (
	"fmt"

	summ "github.com/tslogs/tslogs/internal/summary"
	"html"
	"html/template"
	"math"
	"strings"
	"time"
)

// This file draws the charts as SVG, in Go: the report needs no script to
// show them, and nothing is fetched from anywhere.

// svg accumulates SVG markup; text is escaped by the methods that take it.
type svg struct{ b strings.Builder }

func (s *svg) f(format string, a ...any) { fmt.Fprintf(&s.b, format, a...) }

func (s *svg) text(x, y float64, class, anchor, text string) {
	s.f(`<text x="%.1f" y="%.1f" class="%s" text-anchor="%s">%s</text>`, x, y, class, anchor, html.EscapeString(text))
}

// empty ends a chart that has nothing to draw with a note at x, y.
func (s *svg) empty(x, y float64, note string) template.HTML {
	s.text(x, y, "empty", "middle", note)
	s.f(`</svg>`)
	return s.html()
}

func (s *svg) html() template.HTML { return template.HTML(s.b.String()) } // #nosec: built from escaped parts

// series is one stacked layer of a chart.
type series struct {
	Name   string
	Color  string
	Values []float64
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	exp := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*exp >= v {
			return m * exp
		}
	}
	return 10 * exp
}

// niceBytesCeil rounds a byte count up to 1, 2 or 5 times a power of 1024
// times a power of ten below 1024, so the axis reads in round units.
func niceBytesCeil(v float64) float64 {
	unit := 1.0
	for v/unit >= 1024 {
		unit *= 1024
	}
	return niceCeil(v/unit) * unit
}

var tickSteps = []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour}

// timeTicks returns about n round instants between from and to.
func timeTicks(from, to time.Time, n int) []time.Time {
	span := to.Sub(from)
	step := tickSteps[len(tickSteps)-1]
	for _, s := range tickSteps {
		if span/s <= time.Duration(n) {
			step = s
			break
		}
	}
	var out []time.Time
	for t := from.Truncate(step); !t.After(to); t = t.Add(step) {
		if !t.Before(from) {
			out = append(out, t)
		}
	}
	return out
}

func tickLabel(t time.Time, span time.Duration) string {
	t = t.UTC()
	switch {
	case span > 48*time.Hour:
		return t.Format("Jan 2 15:04")
	case span > 2*time.Minute:
		return t.Format("15:04")
	}
	return t.Format("15:04:05")
}

const (
	chartW   = 560.0
	chartH   = 220.0
	padLeft  = 64.0
	padRight = 12.0
	padTop   = 12.0
	padBot   = 28.0
)

// axes draws the grid, the value labels (top is the value at the top) and
// the time ticks of a chart from from to to, and returns the functions that
// place an instant and a value.
func (s *svg) axes(from, to time.Time, top float64, label func(float64) string) (x func(time.Time) float64, y func(float64) float64) {
	span := to.Sub(from)
	x = func(t time.Time) float64 {
		return padLeft + (chartW-padLeft-padRight)*float64(t.Sub(from))/float64(span)
	}
	y = func(v float64) float64 { return chartH - padBot - (chartH-padTop-padBot)*v/top }
	for k := 0; k <= 4; k++ {
		v := top * float64(k) / 4
		s.f(`<line class="grid" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, padLeft, chartW-padRight, y(v), y(v))
		s.text(padLeft-6, y(v)+4, "axis", "end", label(v))
	}
	for _, t := range timeTicks(from, to, 6) {
		s.f(`<line class="tick" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, x(t), x(t), chartH-padBot, chartH-padBot+4)
		s.text(x(t), chartH-padBot+16, "axis", "middle", tickLabel(t, span))
	}
	return x, y
}

// areaChart draws stacked series over time, as a rate (bytes per second
// of each bucket of width step).
func areaChart(id string, starts []time.Time, step time.Duration, layers []series) template.HTML {
	var s svg
	s.f(`<svg id="%s" class="chart time" viewBox="0 0 %.0f %.0f" role="img" data-step="%d">`, id, chartW, chartH, step.Milliseconds())
	if len(starts) == 0 {
		return s.empty(chartW/2, chartH/2, "no traffic")
	}
	secs := step.Seconds()
	// Stack the layers; the top of the stack sets the scale.
	n := len(starts)
	tops := make([][]float64, len(layers))
	maxV := 0.0
	for i := range layers {
		tops[i] = make([]float64, n)
		for j := range n {
			v := layers[i].Values[j] / secs
			if i > 0 {
				v += tops[i-1][j]
			}
			tops[i][j] = v
			maxV = max(maxV, v)
		}
	}
	x, y := s.axes(starts[0], starts[n-1].Add(step), niceBytesCeil(maxV), humanRate)
	// Layers, top first so lower ones paint over nothing.
	for i := len(layers) - 1; i >= 0; i-- {
		var d strings.Builder
		for j := range n {
			// Each bucket is a flat step from its start to its end.
			t0, t1 := starts[j], starts[j].Add(step)
			cmd := "L"
			if j == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%.1f,%.1f L%.1f,%.1f ", cmd, x(t0), y(tops[i][j]), x(t1), y(tops[i][j]))
		}
		for j := n - 1; j >= 0; j-- {
			base := 0.0
			if i > 0 {
				base = tops[i-1][j]
			}
			t0, t1 := starts[j], starts[j].Add(step)
			fmt.Fprintf(&d, "L%.1f,%.1f L%.1f,%.1f ", x(t1), y(base), x(t0), y(base))
		}
		s.f(`<path class="layer" d="%sZ" fill="%s"><title>%s</title></path>`, d.String(), layers[i].Color, html.EscapeString(layers[i].Name))
	}
	s.f(`<line class="axisline" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, padLeft, chartW-padRight, chartH-padBot, chartH-padBot)
	// Hover targets, one per bucket, with the figures for the script and
	// for the browser's own tooltip.
	for j := range n {
		var tip strings.Builder
		tip.WriteString(starts[j].UTC().Format("2006-01-02 15:04:05"))
		vals := make([]string, len(layers))
		for i := range layers {
			fmt.Fprintf(&tip, "\n%s: %s", layers[i].Name, summ.HumanBytes(layers[i].Values[j]))
			vals[i] = fmt.Sprintf("%.0f", layers[i].Values[j])
		}
		s.f(`<rect class="hover" x="%.1f" y="%.1f" width="%.1f" height="%.1f" data-t="%s" data-v="%s"><title>%s</title></rect>`,
			x(starts[j]), padTop, max(1, x(starts[j].Add(step))-x(starts[j])), chartH-padTop-padBot,
			starts[j].UTC().Format(time.RFC3339), strings.Join(vals, ","), html.EscapeString(tip.String()))
	}
	s.f(`</svg>`)
	return s.html()
}

// column is one bucket of a stacked column chart.
type column struct {
	Start  time.Time
	Counts []float64 // per series
}

// columnChart draws stacked columns over time (audit events per actor).
func columnChart(id string, cols []column, step time.Duration, layers []series) template.HTML {
	var s svg
	s.f(`<svg id="%s" class="chart columns" viewBox="0 0 %.0f %.0f" role="img">`, id, chartW, chartH)
	if len(cols) == 0 {
		return s.empty(chartW/2, chartH/2, "no audit events")
	}
	maxV := 0.0
	for _, c := range cols {
		maxV = max(maxV, sum(c.Counts))
	}
	x, y := s.axes(cols[0].Start, cols[len(cols)-1].Start.Add(step), niceCeil(maxV), trimFloat)
	for _, c := range cols {
		x0, x1 := x(c.Start), x(c.Start.Add(step))
		w := max(1, (x1-x0)*0.8)
		base := 0.0
		for i, v := range c.Counts {
			if v == 0 {
				continue
			}
			s.f(`<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>`,
				x0+(x1-x0)*0.1, y(base+v), w, y(base)-y(base+v), layers[i].Color,
				html.EscapeString(c.Start.UTC().Format("15:04:05")), html.EscapeString(layers[i].Name), trimFloat(v))
			base += v
		}
	}
	s.f(`<line class="axisline" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, padLeft, chartW-padRight, chartH-padBot, chartH-padBot)
	s.f(`</svg>`)
	return s.html()
}

// bar is one row of a horizontal bar chart: a label and stacked parts.
type bar struct {
	Label string
	Parts []float64
	Note  string // shown after the bar
	Tip   string // the tooltip's label, when not Label
}

// barChart draws horizontal stacked bars, longest first as given, with
// labelW of the width for the labels.
func barChart(id string, bars []bar, layers []series, labelW float64) template.HTML {
	const (
		w     = 560.0
		rowH  = 22.0
		noteW = 80.0
	)
	maxChars := int(labelW / 6.8)
	h := rowH*float64(len(bars)) + 8
	var s svg
	s.f(`<svg id="%s" class="chart bars" viewBox="0 0 %.0f %.0f" role="img">`, id, w, max(h, 40))
	if len(bars) == 0 {
		return s.empty(w/2, 24, "nothing to show")
	}
	maxV := 0.0
	for _, b := range bars {
		maxV = max(maxV, sum(b.Parts))
	}
	if maxV == 0 {
		maxV = 1
	}
	scale := (w - labelW - noteW - 8) / maxV
	for r, b := range bars {
		y := 4 + rowH*float64(r)
		label := b.Label
		if len([]rune(label)) > maxChars {
			label = string([]rune(label)[:maxChars-1]) + "…"
		}
		tip := b.Tip
		if tip == "" {
			tip = b.Label
		}
		s.f(`<g class="row"><title>%s</title>`, html.EscapeString(tip+": "+b.Note))
		s.text(labelW-8, y+rowH*0.68, "label", "end", label)
		x := labelW
		for i, v := range b.Parts {
			if v <= 0 {
				continue
			}
			s.f(`<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, y+3, max(v*scale, 0.5), rowH-6, layers[i].Color)
			x += v * scale
		}
		s.text(x+6, y+rowH*0.68, "note", "start", b.Note)
		s.f(`</g>`)
	}
	s.f(`</svg>`)
	return s.html()
}

// sum adds up the parts of one stacked bar.
func sum(vs []float64) float64 {
	t := 0.0
	for _, v := range vs {
		t += v
	}
	return t
}

func trimFloat(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func humanRate(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 10:
		return fmt.Sprintf("%.3g B/s", v)
	}
	return strings.Replace(summ.HumanBytes(v), ".0 ", " ", 1) + "/s"
}

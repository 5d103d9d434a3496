package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"slices"

	"github.com/tslogs/tslogs/bench/corpus"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// chart draws a horizontal bar chart of the MB/s of every decoder on one
// corpus: a bar per destination with its 95% interval as a whisker, the
// decoders by speed, the floors last. A floor far faster than every decoder
// (bytes.Count) is cut at the right edge and marked so.
func chart(res results, corpusName string, ci corpusStat) ([]byte, error) {
	rs := rows(res, corpusName)
	if len(rs) == 0 {
		return nil, fmt.Errorf("no results for corpus %s", corpusName)
	}
	regular, err := face(goregular.TTF, 15)
	if err != nil {
		return nil, err
	}
	bold, err := face(gobold.TTF, 15)
	if err != nil {
		return nil, err
	}
	title, err := face(gobold.TTF, 19)
	if err != nil {
		return nil, err
	}
	small, err := face(goregular.TTF, 13)
	if err != nil {
		return nil, err
	}

	// Group the rows by decoder, keeping their order.
	type group struct {
		dec  string
		bars []row
	}
	var groups []group
	for _, r := range rs {
		if n := len(groups); n > 0 && groups[n-1].dec == r.dec {
			groups[n-1].bars = append(groups[n-1].bars, r)
		} else {
			groups = append(groups, group{r.dec, []row{r}})
		}
	}
	// Scale to the fastest decoder or validating floor, with room; bars
	// beyond it are cut.
	var top float64
	for _, r := range rs {
		v := r.m["MB/s"].Hi
		if math.IsInf(v, 0) || math.IsNaN(v) {
			v = r.m["MB/s"].Center
		}
		if r.dec != "bytes-count" && r.dec != "split" {
			top = math.Max(top, v)
		}
	}
	top = niceCeil(top * 1.08)

	const (
		width    = 1200
		left     = 330 // labels
		right    = 150 // values
		barH     = 18
		barGap   = 3
		groupGap = 14
		headerH  = 92
		footerH  = 74
	)
	plotW := width - left - right
	height := headerH + footerH
	for _, g := range groups {
		height += len(g.bars)*(barH+barGap) + groupGap - barGap
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)

	ink := color.RGBA{0x22, 0x22, 0x22, 0xff}
	grey := color.RGBA{0x77, 0x77, 0x77, 0xff}
	grid := color.RGBA{0xe4, 0xe4, 0xe4, 0xff}
	colors := map[string]color.RGBA{
		"fresh":        {0x9e, 0xc5, 0xe8, 0xff},
		"reuse":        {0x2b, 0x6c, 0xb0, 0xff},
		"tslogs-fresh": {0xf6, 0xb2, 0x6b, 0xff},
		"tslogs-reuse": {0xdd, 0x6b, 0x20, 0xff},
		"none":         {0xb8, 0xb8, 0xb8, 0xff},
	}

	text(img, title, 20, 30, ink, fmt.Sprintf("Decoding %d distinct Tailscale network flow records (%s, %s)", ci.Records, size(float64(ci.Bytes)), ci.Name))
	n := 0
	if s := rs[0].m["MB/s"].sample; s != nil {
		n = len(s.Values)
	}
	text(img, regular, 20, 54, grey, fmt.Sprintf("MB/s, higher is better: median of %d runs, whisker = 95%% confidence interval. Typed structs for every decoder.", n))
	// Legend.
	lx := 20
	for _, l := range []struct{ c, s string }{
		{"tslogs-reuse", "tslogs, reused destination"}, {"tslogs-fresh", "tslogs, fresh destination"},
		{"reuse", "peer, reused destination"}, {"fresh", "peer, fresh destination"}, {"none", "floor (no decoding)"},
	} {
		fill(img, lx, 68, lx+14, 82, colors[l.c])
		lx += 20
		lx += text(img, small, lx, 80, ink, l.s) + 22
	}

	// Grid and axis.
	plotTop, plotBottom := headerH, height-footerH+6
	step := niceStep(top)
	for v := 0.0; v <= top+step/2; v += step {
		x := left + int(v/top*float64(plotW))
		fill(img, x, plotTop, x+1, plotBottom, grid)
		s := fmt.Sprintf("%.0f", v)
		w := measure(small, s)
		text(img, small, x-w/2, plotBottom+16, grey, s)
	}
	text(img, small, left+plotW/2-40, plotBottom+34, grey, "MB/s")

	y := headerH
	for _, g := range groups {
		info := decoderInfos[g.dec]
		lf := regular
		if g.dec == "tslogs-decode" || g.dec == "tslogs-unmarshal" {
			lf = bold
		}
		gh := len(g.bars)*(barH+barGap) - barGap
		lw := measure(lf, label(g.dec, corpus.Network))
		text(img, lf, left-12-lw, y+gh/2+5, ink, label(g.dec, corpus.Network))
		for _, r := range g.bars {
			s := r.m["MB/s"]
			c := colors[r.dest]
			if !info.floor && (g.dec == "tslogs-decode" || g.dec == "tslogs-unmarshal" || g.dec == "tslogs-reader") {
				c = colors["tslogs-"+r.dest]
			}
			cut := s.Center > top
			w := int(math.Min(s.Center, top) / top * float64(plotW))
			fill(img, left, y, left+w, y+barH, c)
			if cut {
				// A break mark: two white slashes near the end.
				for i := 0; i < barH; i++ {
					for _, off := range []int{40, 48} {
						x := left + w - off + i/3
						fill(img, x, y+i, x+3, y+i+1, color.RGBA{0xff, 0xff, 0xff, 0xff})
					}
				}
			}
			if !cut && s.sample != nil && len(s.sample.Values) > 1 && !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) {
				x0 := left + int(s.Lo/top*float64(plotW))
				x1 := left + int(math.Min(s.Hi, top)/top*float64(plotW))
				mid := y + barH/2
				fill(img, x0, mid, x1+1, mid+1, ink)
				fill(img, x0, mid-4, x0+1, mid+5, ink)
				fill(img, x1, mid-4, x1+1, mid+5, ink)
			}
			vs := mbs(s.Center)
			if r.dest != "none" {
				vs += "  " + r.dest
			}
			tx := left + w + 8
			if !cut && s.sample != nil {
				tx = max(tx, left+int(math.Min(s.Hi, top)/top*float64(plotW))+8)
			}
			text(img, small, tx, y+barH-4, ink, vs)
			y += barH + barGap
		}
		y += groupGap - barGap
	}
	text(img, small, 20, height-14, grey, "tslogs also splits addresses into netip.Addr and ports and parses the unix time exactly; the peers decode into plain mirror structs, or into netlogtype's types where named. See docs/benchmarks.md.")

	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func face(ttf []byte, size float64) (font.Face, error) {
	f, err := opentype.Parse(ttf)
	if err != nil {
		return nil, err
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
}

// text draws s with its baseline at y and returns its width.
func text(img draw.Image, f font.Face, x, y int, c color.Color, s string) int {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: f, Dot: fixed.P(x, y)}
	d.DrawString(s)
	return d.Dot.X.Round() - x
}

func measure(f font.Face, s string) int {
	return font.MeasureString(f, s).Round()
}

func fill(img draw.Image, x0, y0, x1, y1 int, c color.Color) {
	draw.Draw(img, image.Rect(x0, y0, x1, y1), image.NewUniform(c), image.Point{}, draw.Src)
}

// niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// niceStep returns a grid step giving 4 to 10 lines up to top.
func niceStep(top float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(top)))
	steps := []float64{p / 10, p / 5, p / 4, p / 2, p, 2 * p, 5 * p}
	i := slices.IndexFunc(steps, func(s float64) bool { return top/s <= 10 })
	if i < 0 {
		return p
	}
	return steps[i]
}

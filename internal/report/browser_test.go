package report

// The report rendered by a real browser: Debian's chromium, headless. The
// tests run when TSLOGS_BROWSER_TEST is set (make test-browser, which CI
// runs, sets it), and then fail if chromium is missing; otherwise they
// skip, so go test ./... stays quick.

import (
	"bytes"
	"flag"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var screenshotTo = flag.String("screenshot", "", "also write the sample report's screenshot to this PNG file (docs/report.png)")

// chromium returns the browser's path, or skips.
func chromium(t *testing.T) string {
	t.Helper()
	if os.Getenv("TSLOGS_BROWSER_TEST") == "" {
		t.Skip("browser tests run with TSLOGS_BROWSER_TEST=1 (make test-browser)")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("TSLOGS_BROWSER_TEST is set but chromium is not installed (apt-get install chromium)")
	return ""
}

// browse runs headless chromium on a file with extra arguments and returns
// its standard output. The flags keep it off the network: no background
// requests, no updates, no sync, a fresh profile.
func browse(t *testing.T, bin, file string, args ...string) []byte {
	t.Helper()
	profile := t.TempDir()
	all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--user-data-dir=" + profile, "--hide-scrollbars"}, args...)
	all = append(all, "file://"+file)
	cmd := exec.Command(bin, all...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	require.NoError(t, cmd.Start())
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "chromium: %s", errb.String())
	case <-time.After(90 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("chromium did not finish: %s", errb.String())
	}
	return out.Bytes()
}

var (
	readyRe  = regexp.MustCompile(`<body[^>]*\bdata-ready="1"`)
	errorsRe = regexp.MustCompile(`<html[^>]*\bdata-errors="(\d+)"`)
)

// pageState loads a page and returns whether its script finished and how
// many script errors it collected.
func pageState(t *testing.T, bin, file string) (ready bool, errs string) {
	dom := browse(t, bin, file, "--dump-dom")
	require.NotEmpty(t, dom)
	if m := errorsRe.FindSubmatch(dom); m != nil {
		errs = string(m[1])
	}
	return readyRe.Match(dom), errs
}

func TestBrowserRendersReport(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	html := sampleHTML(t)
	require.NoError(t, os.WriteFile(page, html, 0o644))

	// Its script runs to the end without an error.
	ready, errs := pageState(t, bin, page)
	assert.True(t, ready, "the page's script finished (body data-ready)")
	assert.Empty(t, errs, "script errors")

	// It draws: a screenshot is far from blank and shows the charts'
	// colours.
	shot := filepath.Join(dir, "report.png")
	browse(t, bin, page, "--window-size=1280,2300", "--screenshot="+shot)
	f, err := os.Open(shot)
	require.NoError(t, err)
	img, err := png.Decode(f)
	f.Close()
	require.NoError(t, err)
	b := img.Bounds()
	assert.Equal(t, 1280, b.Dx())
	distinct := map[color.RGBA]bool{}
	near := map[string]int{}
	want := map[string]color.RGBA{"virtual": hexColor(colorVirtual), "direct": hexColor(colorDirect), "relayed": hexColor(colorRelayed), "received": hexColor(colorReceived)}
	ink := 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			distinct[c] = true
			if c != (color.RGBA{0xf6, 0xf7, 0xfb, 0xff}) && c != (color.RGBA{0xff, 0xff, 0xff, 0xff}) {
				ink++
			}
			for name, w := range want {
				if close(c, w) {
					near[name]++
				}
			}
		}
	}
	total := (b.Dx() / 2) * (b.Dy() / 2)
	t.Logf("screenshot %dx%d: %d distinct colours, %.1f%% not background, chart colours %v", b.Dx(), b.Dy(), len(distinct), 100*float64(ink)/float64(total), near)
	assert.Greater(t, len(distinct), 200, "a page with text and charts has many colours")
	assert.Greater(t, ink, total/10, "at least a tenth of the page is drawn")
	for name := range want {
		assert.Greater(t, near[name], 200, "the %s series is drawn", name)
	}
	if *screenshotTo != "" {
		data, err := os.ReadFile(shot)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(*screenshotTo, data, 0o644))
	}
}

// The check above can fail: the same page with a script error, or with its
// script cut short, is caught.
func TestBrowserCatchesScriptErrors(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	html := string(sampleHTML(t))
	for name, broken := range map[string]string{
		"throws":       strings.Replace(html, `"use strict";`, `"use strict"; undefinedFunction();`, 1),
		"syntax error": strings.Replace(html, `"use strict";`, `"use strict"; var = ;`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			require.NotEqual(t, html, broken)
			page := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".html")
			require.NoError(t, os.WriteFile(page, []byte(broken), 0o644))
			ready, errs := pageState(t, bin, page)
			assert.False(t, ready)
			assert.Equal(t, "1", errs)
		})
	}
}

func hexColor(s string) color.RGBA {
	var c color.RGBA
	c.A = 0xff
	for i, p := range []*uint8{&c.R, &c.G, &c.B} {
		var v uint8
		for _, h := range s[1+2*i : 3+2*i] {
			v <<= 4
			switch {
			case h >= '0' && h <= '9':
				v |= uint8(h - '0')
			default:
				v |= uint8(h-'a') + 10
			}
		}
		*p = v
	}
	return c
}

// close reports whether c is within a few levels of w (series are drawn
// at 90% opacity on white).
func close(c, w color.RGBA) bool {
	d := func(a, b uint8) int {
		if a > b {
			return int(a - b)
		}
		return int(b - a)
	}
	return d(c.R, w.R) < 30 && d(c.G, w.G) < 30 && d(c.B, w.B) < 30
}

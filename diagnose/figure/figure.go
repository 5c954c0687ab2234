// Package figure draws the pictures of package diagnose with
// gonum.org/v1/plot: the Q-Q plot of a cascade's rescaled gaps against the
// unit exponential, and the picture of one cascade with its fitted model,
// forecast and predictions. It is kept apart from package diagnose so that
// the programs that do not draw (the stream's roles) do not link the
// plotting, font and PDF packages.
package figure

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/hawkes-toolkit/hawkes/diagnose"
	"github.com/hawkes-toolkit/hawkes/internal/atomicfile"
)

// Sizes of the figures.
const (
	QQSize       = 5 * vg.Inch // the Q-Q plot is square
	CascadeWidth = 9 * vg.Inch
	CascadeHigh  = 5.5 * vg.Inch
)

// maxPoints is the most points a curve or a Q-Q plot draws: longer series are
// thinned to evenly spaced entries, keeping both ends.
const maxPoints = 2000

// Okabe–Ito colours, distinguishable with the common colour-vision
// deficiencies (as in evaluate/boxplot).
var (
	blue       = color.NRGBA{0x00, 0x72, 0xB2, 0xff}
	orange     = color.NRGBA{0xE6, 0x9F, 0x00, 0xff}
	vermillion = color.NRGBA{0xD5, 0x5E, 0x00, 0xff}
	grey       = color.NRGBA{0x77, 0x77, 0x77, 0xff}
)

// Formats lists the image formats, chosen by a file's extension.
var Formats = []string{"png", "svg"}

// Format returns the image format of path from its extension, "png" or
// "svg" in any case.
func Format(path string) (string, error) {
	f := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	if !slices.Contains(Formats, f) {
		return "", fmt.Errorf("figure %s: unknown extension %q: want .png or .svg", path, filepath.Ext(path))
	}
	return f, nil
}

// Write draws p on a w by h canvas in format "png" or "svg" and writes it to out.
func Write(out io.Writer, p *plot.Plot, w, h vg.Length, format string) error {
	if !slices.Contains(Formats, format) {
		return fmt.Errorf("unknown figure format %q: want png or svg", format)
	}
	c, err := draw.NewFormattedCanvas(w, h, format)
	if err != nil {
		return fmt.Errorf("render figure: %w", err)
	}
	m := vg.Points(6)
	p.Draw(draw.Crop(draw.New(c), m, -m, m, -m))
	_, err = c.WriteTo(out)
	return err
}

// Save draws p on a w by h canvas and writes it to path with
// atomicfile.Write, in the format of its extension (Format).
func Save(path string, p *plot.Plot, w, h vg.Length) error {
	format, err := Format(path)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(out io.Writer) error { return Write(out, p, w, h, format) })
}

// QQ returns the Q-Q plot of the rescaled gaps against the unit exponential:
// the sorted gaps against the exponential quantiles -log(1 - (i-1/2)/n), the
// diagonal, and the band inside which the empirical CDF stays when the KS
// test does not reject at 5 %. The title gives the id, the number of gaps,
// the KS distance and its p-value. It fails when there are no gaps.
func QQ(id string, gaps []float64) (*plot.Plot, error) {
	n := len(gaps)
	if n == 0 {
		return nil, fmt.Errorf("cascade %s: no rescaled gaps to plot", id)
	}
	d, pv := diagnose.KSExponential(gaps)
	s := slices.Clone(gaps)
	slices.Sort(s)
	pts := make(plotter.XYs, 0, min(n, maxPoints))
	for _, i := range thin(n) {
		pts = append(pts, plotter.XY{X: -math.Log1p(-(float64(i) + 0.5) / float64(n)), Y: s[i]})
	}
	top := math.Max(pts[len(pts)-1].X, pts[len(pts)-1].Y) * 1.05

	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: %d rescaled gaps, KS D = %.3g, p = %.3g", id, n, d, pv)
	p.X.Label.Text = "Exp(1) quantile"
	p.Y.Label.Text = "rescaled gap"
	p.Add(plotter.NewGrid())
	// The 5 % band: F(y) within d95 of F(x), in quantiles.
	d95 := critical(n)
	var lo, hi plotter.XYs
	for i := 0; i <= 400; i++ {
		u := float64(i) / 400 * (1 - 1e-9)
		x := -math.Log1p(-u)
		if x > top {
			break
		}
		if u+d95 < 1 {
			hi = append(hi, plotter.XY{X: x, Y: math.Min(-math.Log1p(-(u + d95)), top)})
		}
		if u-d95 > 0 {
			lo = append(lo, plotter.XY{X: x, Y: -math.Log1p(-(u - d95))})
		}
	}
	band := draw.LineStyle{Color: grey, Width: vg.Points(0.8), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}
	for _, b := range []plotter.XYs{lo, hi} {
		if len(b) < 2 {
			continue
		}
		l, err := plotter.NewLine(b)
		if err != nil {
			return nil, err
		}
		l.LineStyle = band
		p.Add(l)
	}
	diag, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: top, Y: top}})
	if err != nil {
		return nil, err
	}
	diag.LineStyle = draw.LineStyle{Color: color.Black, Width: vg.Points(0.8)}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: blue, Radius: vg.Points(1.6), Shape: draw.CircleGlyph{}}
	p.Add(diag, sc)
	p.X.Min, p.Y.Min, p.X.Max, p.Y.Max = 0, 0, top, top
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(6), -vg.Points(6)
	p.Legend.Add("gaps", sc)
	p.Legend.Add("y = x", diag)
	if len(hi) >= 2 {
		l, _ := plotter.NewLine(hi)
		l.LineStyle = band
		p.Legend.Add("KS 5 % band", l)
	}
	return p, nil
}

// critical returns the KS distance whose p-value is 0.05 for n observations,
// by bisection on diagnose.KolmogorovPValue.
func critical(n int) float64 {
	lo, hi := 0.0, 1.0
	for range 60 {
		mid := (lo + hi) / 2
		if diagnose.KolmogorovPValue(n, mid) > 0.05 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// thin returns the indices of at most maxPoints evenly spaced entries of a
// series of n, first and last included.
func thin(n int) []int {
	if n <= maxPoints {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	idx := make([]int, maxPoints)
	for i := range idx {
		idx[i] = int(math.Round(float64(i) * float64(n-1) / float64(maxPoints-1)))
	}
	return idx
}

// Cascade returns the picture of one cascade on logarithmic axes: its
// cumulative number of events against time (events at 0 drawn at
// diagnose.MinTime), the window, the fitted model's expected count inside the
// window and its forecast after it, the model's predicted final size, a
// trained model's prediction and interval when pic.Learned is set, and the
// true final size.
func Cascade(pic *diagnose.Picture) (*plot.Plot, error) {
	if len(pic.Times) == 0 {
		return nil, fmt.Errorf("cascade %s: no events to plot", pic.ID)
	}
	p := plot.New()
	n := 0
	for n < len(pic.Times) && pic.Times[n] <= pic.Window {
		n++
	}
	p.Title.Text = fmt.Sprintf("cascade %s: %d events in the first %s s (fit %s), %d in all", pic.ID, n, num(pic.Window), pic.Status, pic.Size())
	p.X.Label.Text = "seconds after the original tweet (log scale)"
	p.Y.Label.Text = "events so far (log scale)"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	p.Add(plotter.NewGrid())

	// Observed cumulative count, a step at each distinct time, or where
	// there are too many for that, at the times of a logarithmic grid.
	last := pic.Times[len(pic.Times)-1]
	xMax := math.Max(math.Max(last, diagnose.MinTime), pic.Window) * 1.5
	if k := len(pic.ForecastT); k > 0 {
		xMax = math.Max(xMax, pic.ForecastT[k-1])
	}
	steps := observedSteps(pic.Times, xMax)
	obs, err := plotter.NewLine(steps)
	if err != nil {
		return nil, err
	}
	obs.LineStyle = draw.LineStyle{Color: color.Black, Width: vg.Points(1.2)}
	yMin, yMax := steps[0].Y, float64(pic.Size())

	add := func(xs, ys []float64, style draw.LineStyle, name string) error {
		if len(xs) < 2 {
			return nil
		}
		pts := make(plotter.XYs, len(xs))
		for i := range xs {
			pts[i] = plotter.XY{X: xs[i], Y: math.Max(ys[i], 0.5)}
			yMax = math.Max(yMax, pts[i].Y)
			yMin = math.Min(yMin, pts[i].Y)
		}
		l, err := plotter.NewLine(thinXY(pts))
		if err != nil {
			return err
		}
		l.LineStyle = style
		p.Add(l)
		p.Legend.Add(name, l)
		return nil
	}
	hline := func(y float64, style draw.LineStyle, name string) error {
		return add([]float64{diagnose.MinTime, xMax}, []float64{y, y}, style, name)
	}
	dashed := []vg.Length{vg.Points(5), vg.Points(3)}
	dotted := []vg.Length{vg.Points(1.5), vg.Points(2)}

	// The learned interval, drawn first as a band under the lines.
	if l := pic.Learned; l != nil && l.Interval && l.Hi > l.Lo && l.Lo > 0 {
		band, err := plotter.NewPolygon(plotter.XYs{{X: pic.Window, Y: l.Lo}, {X: xMax, Y: l.Lo}, {X: xMax, Y: l.Hi}, {X: pic.Window, Y: l.Hi}})
		if err != nil {
			return nil, err
		}
		band.Color = color.NRGBA{orange.R, orange.G, orange.B, 0x40}
		band.LineStyle.Width = 0
		p.Add(band)
		p.Legend.Add(fmt.Sprintf("learned interval [%s, %s]", num(math.Round(l.Lo)), num(math.Round(l.Hi))), band)
		yMin, yMax = math.Min(yMin, l.Lo), math.Max(yMax, l.Hi)
	}
	p.Add(obs)
	p.Legend.Add("observed events", obs)
	win, err := plotter.NewLine(plotter.XYs{{X: pic.Window, Y: 0.5}, {X: pic.Window, Y: 1e300}})
	if err != nil {
		return nil, err
	}
	win.LineStyle = draw.LineStyle{Color: grey, Width: vg.Points(1), Dashes: dashed}
	p.Add(win)
	p.Legend.Add("window T = "+num(pic.Window)+" s", win)
	if err := add(pic.ModelT, pic.ModelN, draw.LineStyle{Color: blue, Width: vg.Points(1.5)}, "fitted model: expected count"); err != nil {
		return nil, err
	}
	if err := add(pic.ForecastT, pic.ForecastN, draw.LineStyle{Color: blue, Width: vg.Points(1.5), Dashes: dashed}, "model forecast"); err != nil {
		return nil, err
	}
	if pic.HasNHat {
		if err := hline(pic.NHat, draw.LineStyle{Color: blue, Width: vg.Points(1), Dashes: dotted}, "model prediction "+num(math.Round(pic.NHat))); err != nil {
			return nil, err
		}
	}
	if l := pic.Learned; l != nil {
		if err := hline(l.NHat, draw.LineStyle{Color: vermillion, Width: vg.Points(1.2), Dashes: dotted}, fmt.Sprintf("learned prediction %s (%s)", num(math.Round(l.NHat)), l.Source)); err != nil {
			return nil, err
		}
	}
	if err := hline(float64(pic.Size()), draw.LineStyle{Color: color.Black, Width: vg.Points(0.8), Dashes: dotted}, "true final size "+strconv.Itoa(pic.Size())); err != nil {
		return nil, err
	}
	p.X.Min, p.X.Max = diagnose.MinTime, xMax
	// Room above the data for the legend, which takes about the top
	// third of the axis.
	p.Y.Min = math.Max(0.5, yMin/1.5)
	p.Y.Max = yMax * math.Pow(yMax/p.Y.Min, 0.5)
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = vg.Points(6)
	return p, nil
}

// observedSteps returns the cumulative count of the events at times as a
// staircase from diagnose.MinTime to xMax: a step at each distinct time,
// or, beyond maxPoints/2 distinct times, at the times of a grid of
// maxPoints/2 times evenly spaced in log (the count at each grid time is
// exact; steps within one grid cell are merged).
func observedSteps(times []float64, xMax float64) plotter.XYs {
	var at []float64 // the times of the steps
	for i, t := range times {
		if i == 0 || t != times[i-1] {
			at = append(at, math.Max(t, diagnose.MinTime))
		}
	}
	if len(at) > maxPoints/2 {
		at = at[:0]
		lo, hi := math.Log(diagnose.MinTime), math.Log(xMax)
		for k := range maxPoints / 2 {
			at = append(at, math.Exp(lo+(hi-lo)*float64(k)/float64(maxPoints/2-1)))
		}
	}
	var steps plotter.XYs
	j := 0
	for _, t := range at {
		for j < len(times) && math.Max(times[j], diagnose.MinTime) <= t {
			j++
		}
		if len(steps) > 0 && float64(j) == steps[len(steps)-1].Y {
			continue
		}
		if len(steps) > 0 {
			steps = append(steps, plotter.XY{X: t, Y: steps[len(steps)-1].Y})
		}
		steps = append(steps, plotter.XY{X: t, Y: float64(j)})
	}
	return append(steps, plotter.XY{X: xMax, Y: float64(len(times))})
}

// thinXY keeps at most maxPoints points of pts, evenly spaced, both ends
// included.
func thinXY(pts plotter.XYs) plotter.XYs {
	idx := thin(len(pts))
	if len(idx) == len(pts) {
		return pts
	}
	out := make(plotter.XYs, len(idx))
	for i, j := range idx {
		out[i] = pts[j]
	}
	return out
}

// num formats a number in its shortest exact form.
func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

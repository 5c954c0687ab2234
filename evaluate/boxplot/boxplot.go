// Package boxplot draws an evaluate.Report as box plots of the absolute
// relative error, one group per popularity decile and one box per method
// (gonum.org/v1/plot). It is kept apart from package evaluate so that the
// programs that only score predictions (the stream's roles) do not link the
// plotting, font and PDF packages.
package boxplot

import (
	"cmp"
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

	"github.com/hawkes-toolkit/hawkes/evaluate"
	"github.com/hawkes-toolkit/hawkes/internal/atomicfile"
)

// Size of the figure written by Save and Write.
const (
	Width  = 11 * vg.Inch
	Height = 6 * vg.Inch
)

// Floor is the smallest ARE drawn: the y axis is logarithmic, so
// smaller errors (an exact prediction has ARE 0) are drawn at Floor and
// the axis label says so.
const Floor = 1e-3

// methodColors is the Okabe–Ito palette, distinguishable with the common
// colour-vision deficiencies; methods beyond its length reuse it.
var methodColors = []color.NRGBA{
	{0x00, 0x72, 0xB2, 0xff}, // blue
	{0xE6, 0x9F, 0x00, 0xff}, // orange
	{0x00, 0x9E, 0x73, 0xff}, // bluish green
	{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
	{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	{0xF0, 0xE4, 0x42, 0xff}, // yellow
}

// Format returns the format of Write that the extension of path picks:
// "png" for .png, "svg" for .svg, in any case.
func Format(path string) (string, error) {
	format := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	if format != "png" && format != "svg" {
		return "", fmt.Errorf("boxplot: plot %s: unknown extension %q: want .png or .svg", path, filepath.Ext(path))
	}
	return format, nil
}

// Save draws the report as box plots (see New) and saves it to path with
// atomicfile.Write; the extension .png or .svg picks the format (Format).
func Save(r *evaluate.Report, path string) error {
	format, err := Format(path)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		return Write(r, w, format)
	})
}

// Write draws the report as box plots (see New) of Width by
// Height and writes it to w in format "png" or "svg".
func Write(r *evaluate.Report, w io.Writer, format string) error {
	if format != "png" && format != "svg" {
		return fmt.Errorf("boxplot: unknown plot format %q: want png or svg", format)
	}
	p, err := New(r)
	if err != nil {
		return err
	}
	c, err := draw.NewFormattedCanvas(Width, Height, format)
	if err != nil {
		return fmt.Errorf("boxplot: render plot: %w", err)
	}
	m := vg.Points(6) // margin around the figure
	p.Draw(draw.Crop(draw.New(c), m, -m, m, -m))
	_, err = c.WriteTo(w)
	return err
}

// New returns the report drawn as box plots of the ARE: one group per
// popularity decile, labelled with its range of true sizes, and in each
// group one box per method, side by side in report order, in distinct
// colours named in the legend. Each box spans the lower to the upper
// quartile (Tukey's hinges) with a black line at the decile's median ARE as
// in the report; the whiskers reach the furthest errors within 1.5
// interquartile ranges of the box, the errors beyond are drawn as points,
// and a black diamond marks the decile's mean ARE.
//
// The y axis is logarithmic, because errors commonly span 1e-3 to 1e3, and
// the box statistics are taken on log10(ARE): the hinges are the same
// order statistics as on the raw errors (or the geometric rather than
// arithmetic mean of two of them), while the 1.5 IQR fences are measured in
// decades, so a long upper tail is not flagged wholesale as outliers. AREs
// below Floor are drawn at Floor, which the axis label then says;
// nothing is clipped at the top. The title gives each method's overall
// mean ARE, lowest first.
func New(r *evaluate.Report) (*plot.Plot, error) {
	if r == nil || len(r.Methods) == 0 {
		return nil, fmt.Errorf("boxplot: nothing to plot")
	}
	m := len(r.Methods)
	g := &groupedBoxes{
		methods:   m,
		groupFrac: 0.82,
		yMin:      math.Inf(1),
		yMax:      math.Inf(-1),
	}
	clamped := false
	logv := func(v float64) float64 {
		if v < Floor {
			clamped = true
			v = Floor
		}
		return math.Log10(v)
	}
	for k, d := range r.Deciles {
		for j, mr := range r.Methods {
			vals := make(plotter.Values, len(d.Index))
			for i, c := range d.Index {
				vals[i] = logv(mr.ARE[c])
			}
			loc := float64(k) + (float64(j)-float64(m-1)/2)*g.groupFrac/float64(m)
			b, err := plotter.NewBoxPlot(vg.Points(10), loc, vals)
			if err != nil {
				return nil, fmt.Errorf("boxplot: box for %s, decile %d: %w", mr.Name, k+1, err)
			}
			col := methodColors[j%len(methodColors)]
			b.Median = logv(mr.Deciles[k].MedianARE)
			b.FillColor = fade(col)
			b.BoxStyle = draw.LineStyle{Color: col, Width: vg.Points(1)}
			b.MedianStyle = draw.LineStyle{Color: color.Black, Width: vg.Points(1.5)}
			b.WhiskerStyle = draw.LineStyle{Color: col, Width: vg.Points(1)}
			b.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(1.6), Shape: draw.CircleGlyph{}}
			mean := logv(mr.Deciles[k].MeanARE)
			g.boxes = append(g.boxes, b)
			g.means = append(g.means, mean)
			g.yMin = min(g.yMin, b.Min, mean)
			g.yMax = max(g.yMax, b.Max, mean)
		}
	}

	p := plot.New()
	p.Title.Text = plotTitle(r)
	p.Title.Padding = vg.Points(6)
	p.Add(plotter.NewGrid())
	p.Add(g)
	p.X.Min, p.X.Max = -0.5, evaluate.NumDeciles-0.5
	p.X.Label.Text = "true final size N, by popularity decile"
	ticks := make(plot.ConstantTicks, evaluate.NumDeciles)
	for k, d := range r.Deciles {
		ticks[k] = plot.Tick{Value: float64(k), Label: num(d.Lo) + "–" + num(d.Hi)}
	}
	p.X.Tick.Marker = ticks

	// Whole decades around the data, plus room above them for the legend,
	// which takes about a sixth of the axis height.
	lo, hi := math.Floor(g.yMin), math.Ceil(g.yMax)
	p.Y.Min, p.Y.Max = lo, hi+max(1, 0.2*(hi-lo))
	p.Y.Tick.Marker = decadeTicks{}
	p.Y.Label.Text = "absolute relative error (log scale)"
	if clamped {
		p.Y.Label.Text += fmt.Sprintf("; values < %s shown at %s", num(Floor), num(Floor))
	}

	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(6)
	p.Legend.YOffs = -vg.Points(2)
	for j, mr := range r.Methods {
		col := methodColors[j%len(methodColors)]
		p.Legend.Add(mr.Name, swatch{fill: fade(col), line: col})
	}
	p.Legend.Add("mean ARE", glyphThumb(meanMark()))
	return p, nil
}

// plotTitle returns "ARE per popularity decile, T = 3600 s (mean ARE: a 0.28,
// b 0.51)", methods by increasing mean ARE, ties by name.
func plotTitle(r *evaluate.Report) string {
	ms := slices.Clone(r.Methods)
	slices.SortStableFunc(ms, func(a, b evaluate.MethodReport) int {
		if c := cmp.Compare(a.Overall.MeanARE, b.Overall.MeanARE); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Name + " " + strconv.FormatFloat(m.Overall.MeanARE, 'f', 2, 64)
	}
	return fmt.Sprintf("ARE per popularity decile, T = %s s (mean ARE: %s)", num(r.Window), strings.Join(parts, ", "))
}

// fade returns c at 30% opacity, for box fills.
func fade(c color.NRGBA) color.NRGBA {
	c.A = 0x4d
	return c
}

// groupedBoxes draws the box plots side by side, sizing the boxes from the
// space between deciles on the canvas, and marks each box's mean.
type groupedBoxes struct {
	boxes      []*plotter.BoxPlot // decile-major, then method
	means      []float64          // log10 of each box's mean ARE
	methods    int
	groupFrac  float64 // share of a decile's width used by its boxes
	yMin, yMax float64
}

func (g *groupedBoxes) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	slot := (trX(1) - trX(0)) * vg.Length(g.groupFrac) / vg.Length(g.methods)
	mark := meanMark()
	for i, b := range g.boxes {
		b.Width = slot * 0.8
		b.CapWidth = b.Width / 2
		b.Plot(c, plt)
		c.DrawGlyph(mark, vg.Point{X: trX(b.Location), Y: trY(g.means[i])})
	}
}

func (g *groupedBoxes) DataRange() (xmin, xmax, ymin, ymax float64) {
	return -0.5, evaluate.NumDeciles - 0.5, g.yMin, g.yMax
}

// meanMark is the glyph of a mean: a black diamond with a white edge.
func meanMark() draw.GlyphStyle {
	return draw.GlyphStyle{Color: color.Black, Radius: vg.Points(3.2), Shape: diamondGlyph{}}
}

// diamondGlyph draws a filled diamond with a thin white edge, so that it
// stands out on a box or on a median line.
type diamondGlyph struct{}

func (diamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Line(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r, Y: pt.Y})
	p.Close()
	c.SetColor(sty.Color)
	c.Fill(p)
	c.SetLineStyle(draw.LineStyle{Color: color.White, Width: vg.Points(0.6)})
	c.Stroke(p)
}

// swatch is a legend thumbnail: a filled, outlined rectangle.
type swatch struct {
	fill, line color.Color
}

func (s swatch) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{
		{X: c.Min.X, Y: c.Min.Y},
		{X: c.Min.X, Y: c.Max.Y},
		{X: c.Max.X, Y: c.Max.Y},
		{X: c.Max.X, Y: c.Min.Y},
		{X: c.Min.X, Y: c.Min.Y},
	}
	c.FillPolygon(s.fill, pts)
	c.StrokeLines(draw.LineStyle{Color: s.line, Width: vg.Points(1)}, pts)
}

// glyphThumb is a legend thumbnail showing one glyph.
type glyphThumb draw.GlyphStyle

func (g glyphThumb) Thumbnail(c *draw.Canvas) {
	c.DrawGlyph(draw.GlyphStyle(g), c.Center())
}

// decadeTicks marks whole powers of ten on a log10 axis, labelled with
// their values (0.01, 1, 100), and 2..9 times them as minor ticks.
type decadeTicks struct{}

func (decadeTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for k := math.Floor(min); k <= math.Ceil(max); k++ {
		if k >= min && k <= max {
			ticks = append(ticks, plot.Tick{Value: k, Label: num(math.Pow10(int(k)))})
		}
		for f := 2.0; f < 10; f++ {
			if v := k + math.Log10(f); v >= min && v <= max {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	return ticks
}

// num formats a number in its shortest exact form, as the report's tables do.
func num(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}

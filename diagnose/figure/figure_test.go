package figure

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/hawkes-toolkit/hawkes/diagnose"
	"github.com/hawkes-toolkit/hawkes/internal/golden"
)

// qqGaps are 60 gaps: the first 40 spread like Exp(1), then 20 twice too
// long, a model that misses a slow tail.
func qqGaps() []float64 {
	g := make([]float64, 60)
	for i := range g {
		g[i] = float64(i%20+1) / 10
		if i >= 40 {
			g[i] *= 2
		}
	}
	return g
}

// picture is a hand-made cascade picture with round numbers: 12 events in
// a 600 s window, 40 in all, the model's curves given at a few times, and
// a learned prediction with its interval.
func picture() *diagnose.Picture {
	times := []float64{0, 0, 5, 12, 30, 30, 31, 80, 150, 300, 420, 600}
	for t := 900.0; len(times) < 40; t *= 1.25 {
		times = append(times, t)
	}
	return &diagnose.Picture{
		ID: "demo", Window: 600, Times: times, Status: "ok",
		ModelT:    []float64{1, 10, 100, 300, 600},
		ModelN:    []float64{2, 3.5, 7, 9.5, 12},
		ForecastT: []float64{600, 1000, 3000, 10000, 100000, 1000000},
		ForecastN: []float64{12, 15, 21, 26, 29, 30},
		NHat:      30, HasNHat: true,
		Learned: &diagnose.Learned{NHat: 38, Lo: 25, Hi: 60, Interval: true, Source: "forest"},
	}
}

func TestGolden(t *testing.T) {
	qq, err := QQ("demo", qqGaps())
	if err != nil {
		t.Fatal(err)
	}
	pic, err := Cascade(picture())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		p    *plot.Plot
		w, h vg.Length
	}{{"qq", qq, QQSize, QQSize}, {"cascade", pic, CascadeWidth, CascadeHigh}} {
		for _, format := range Formats {
			t.Run(tc.name+"."+format, func(t *testing.T) {
				var b bytes.Buffer
				if err := Write(&b, tc.p, tc.w, tc.h, format); err != nil {
					t.Fatal(err)
				}
				golden.CheckImage(t, filepath.Join("testdata", tc.name+"."+format), format, b.Bytes())
			})
		}
	}
}

func TestQQTitleAndErrors(t *testing.T) {
	qq, err := QQ("demo", qqGaps())
	if err != nil {
		t.Fatal(err)
	}
	d, p := diagnose.KSExponential(qqGaps())
	want := fmt.Sprintf("demo: 60 rescaled gaps, KS D = %.3g, p = %.3g", d, p)
	if qq.Title.Text != want {
		t.Errorf("title %q, want %q", qq.Title.Text, want)
	}
	if _, err := QQ("x", nil); err == nil {
		t.Error("QQ of no gaps: no error")
	}
	if _, err := Cascade(&diagnose.Picture{ID: "x"}); err == nil {
		t.Error("Cascade of no events: no error")
	}
}

// TestCritical checks the 5 % critical distance against Miller's (1956)
// table: 0.40925 for n = 10.
func TestCritical(t *testing.T) {
	if d := critical(10); d < 0.4088 || d > 0.4097 {
		t.Errorf("critical(10) = %g, want 0.40925 +- 5e-4", d)
	}
}

func TestSave(t *testing.T) {
	qq, err := QQ("demo", qqGaps())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"a.png", "b.SVG"} {
		path := filepath.Join(dir, name)
		if err := Save(path, qq, QQSize, QQSize); err != nil {
			t.Errorf("Save(%s): %v", name, err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
			t.Errorf("Save(%s) wrote no image: %v", name, err)
		}
	}
	for _, name := range []string{"c.pdf", "d"} {
		path := filepath.Join(dir, name)
		if err := Save(path, qq, QQSize, QQSize); err == nil {
			t.Errorf("Save(%s): no error", name)
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("Save(%s) created a file", name)
		}
	}
}

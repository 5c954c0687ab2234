package boxplot

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/hawkes-toolkit/hawkes/evaluate"
	"github.com/hawkes-toolkit/hawkes/internal/golden"
)

// syntheticReport returns the report of testdata/report.csv: 60 cascades
// with integer sizes from 50 to about 5000, some tied, and four methods whose
// predictions are the true size times a factor drawn from a short list (the
// report of package evaluate's golden tests), so every ARE is exact
// arithmetic and the golden images do not depend on the platform's libm.
func syntheticReport(t testing.TB) *evaluate.Report {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "report.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	parse := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var sizes []float64
	methods := make([]evaluate.Method, len(recs[0])-1)
	for j := range methods {
		methods[j].Name = recs[0][j+1]
	}
	for _, rec := range recs[1:] {
		sizes = append(sizes, parse(rec[0]))
		for j := range methods {
			methods[j].Pred = append(methods[j].Pred, parse(rec[j+1]))
		}
	}
	r, err := evaluate.NewReport(3600, sizes, methods)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// imagesEqual reports whether two PNG or SVG images are the same, as
// gonum.org/v1/plot/cmpimg.Equal does with a zero delta: PNGs pixel by pixel
// after decoding, SVGs byte for byte. It stands in for cmpimg, which imports
// rsc.io/pdf, a module go.mod does not list yet; once it does
// (rsc.io/pdf v0.1.1 // indirect), call cmpimg.Equal instead.
func imagesEqual(format string, a, b []byte) (bool, error) {
	switch format {
	case "svg":
		return bytes.Equal(a, b), nil
	case "png":
		ia, err := png.Decode(bytes.NewReader(a))
		if err != nil {
			return false, err
		}
		ib, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			return false, err
		}
		return samePixels(ia, ib), nil
	}
	return false, fmt.Errorf("unknown image format %q", format)
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}

func TestPlotGolden(t *testing.T) {
	r := syntheticReport(t)
	for _, format := range []string{"png", "svg"} {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(r, &b, format); err != nil {
				t.Fatal(err)
			}
			golden.CheckFunc(t, filepath.Join("testdata", "boxplot."+format), b.Bytes(), func(got, want []byte) (bool, error) {
				return imagesEqual(format, got, want)
			})
		})
	}
}

func TestPlotFile(t *testing.T) {
	r := syntheticReport(t)
	dir := t.TempDir()
	for _, name := range []string{"a.png", "b.SVG"} {
		path := filepath.Join(dir, name)
		if err := Save(r, path); err != nil {
			t.Errorf("Save(%s): %v", name, err)
			continue
		}
		if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
			t.Errorf("Save(%s) wrote no image: %v", name, err)
		}
	}
	for _, name := range []string{"c.pdf", "d", "e.png.txt"} {
		path := filepath.Join(dir, name)
		if err := Save(r, path); err == nil {
			t.Errorf("Save(%s): no error", name)
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("Save(%s) created a file", name)
		}
	}
	if err := Write(r, new(bytes.Buffer), "pdf"); err == nil {
		t.Error("Write(pdf): no error")
	}
}

func TestPlotTitle(t *testing.T) {
	r := syntheticReport(t)
	want := "ARE per popularity decile, T = 3600 s (mean ARE: forest 0.20, seismic 0.51, loglinear 0.68, hawkes 27.76)"
	if got := plotTitle(r); got != want {
		t.Errorf("title %q, want %q", got, want)
	}
}

package boxplot

import (
	"bytes"
	"encoding/csv"
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

func TestPlotGolden(t *testing.T) {
	r := syntheticReport(t)
	for _, format := range []string{"png", "svg"} {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(r, &b, format); err != nil {
				t.Fatal(err)
			}
			golden.CheckImage(t, filepath.Join("testdata", "boxplot."+format), format, b.Bytes())
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

package diagnose

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"testing"

	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/internal/golden"
)

// results are two hand-made results: a power-law fit with a test, and a
// failed fit.
func results() []Result {
	return []Result{
		{
			Fit:  fit.Result{N: 5, Status: fit.StatusOK, LogLik: -10, NStar: 0.5, Params: fit.Params{Kappa: 1, Beta: 0.5, C: 10, Theta: 0.5}, Rate: 0.05},
			Exp:  fit.ExponentialFit{Kernel: fit.Kernel{Exponential: true, NStar: 0.4, Beta: 0.5, Rate: 0.1}, LogLik: -12, N: 5, OK: true},
			Gaps: []float64{0.5, 1.25, 2, 0.25}, KS: 0.25, P: 0.75,
		},
		{Fit: fit.Result{N: 1, Status: fit.StatusFailed, Reason: "no event"}, KS: math.NaN(), P: math.NaN()},
	}
}

func TestWriterGolden(t *testing.T) {
	for _, tc := range []struct {
		format, file string
		gaps         bool
	}{
		{FormatTable, "out.txt", false},
		{FormatCSV, "out.csv", false},
		{FormatJSONL, "out.jsonl", false},
		{FormatJSONL, "gaps.jsonl", true},
	} {
		var b bytes.Buffer
		w, err := NewWriter(&b, tc.format)
		if err != nil {
			t.Fatal(err)
		}
		w.Gaps = tc.gaps
		rs := results()
		for i, id := range []string{"a", "b"} {
			if err := w.Write(id, &rs[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if tc.format == FormatJSONL {
			for _, line := range bytes.Split(bytes.TrimSpace(b.Bytes()), []byte("\n")) {
				if !json.Valid(line) {
					t.Errorf("%s: invalid JSON %s", tc.file, line)
				}
			}
		}
		golden.Check(t, filepath.Join("testdata", tc.file), b.Bytes())
	}
	if _, err := NewWriter(&bytes.Buffer{}, "xml"); err == nil {
		t.Error("NewWriter(xml): no error")
	}
}

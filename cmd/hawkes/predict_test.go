package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
	"github.com/hawkes-toolkit/hawkes/pipeline"
	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/train"
)

func TestPredictFlags(t *testing.T) {
	defaults := PredictOptions{DataDir: "d", Windows: []float64{600}, Models: map[float64]string{600: "m.hkrf"},
		Format: fit.FormatCSV, Workers: runtime.NumCPU(), Starts: fit.DefaultStarts, Seed: 1}
	with := func(edit func(o *PredictOptions)) PredictOptions {
		o := defaults
		edit(&o)
		return o
	}
	two := func(o *PredictOptions) {
		o.Windows, o.Models = []float64{600, 3600}, map[float64]string{600: "a", 3600: "b=c"}
	}
	tests := []flagCase[PredictOptions]{
		{"minimal", []string{"--data", "d", "--window", "600", "--model", "m.hkrf"}, defaults, ""},
		{"window=file", []string{"--data", "d", "--window", "600", "--model", "600=m.hkrf"}, defaults, ""},
		{"two windows", []string{"--data", "d", "--window", "600,3600", "--model", "3600=b=c,600=a"}, with(two), ""},
		{"all flags", []string{"--data=d", "--window=600", "--model=m.hkrf", "--format", "jsonl", "--workers", "1",
			"--starts", "3", "--seed", "9", "--limit", "4", "-q"}, with(func(o *PredictOptions) {
			o.Format, o.Workers, o.Starts, o.Seed, o.Limit, o.Quiet = fit.FormatJSONL, 1, 3, 9, 4, true
		}), ""},
		{"no data", []string{"--window", "600", "--model", "m"}, PredictOptions{}, "--data not set"},
		{"no window", []string{"--data", "d", "--model", "m"}, PredictOptions{}, "--window not set"},
		{"no model", []string{"--data", "d", "--window", "600"}, PredictOptions{}, "--model not set"},
		{"empty model", []string{"--data", "d", "--window", "600", "--model", ""}, PredictOptions{}, "--model is empty"},
		{"one file for two windows", []string{"--data", "d", "--window", "600,3600", "--model", "m"}, PredictOptions{}, "give T=FILE for each"},
		{"window without model", []string{"--data", "d", "--window", "600,3600", "--model", "600=a"}, PredictOptions{}, "no model for window 3600"},
		{"model without window", []string{"--data", "d", "--window", "600", "--model", "600=a,60=b"}, PredictOptions{}, "which --window does not list"},
		{"pair without file", []string{"--data", "d", "--window", "600", "--model", "600="}, PredictOptions{}, "want T=FILE"},
		{"pair without window", []string{"--data", "d", "--window", "600", "--model", "600=a,b"}, PredictOptions{}, "want T=FILE"},
		{"bad window in pair", []string{"--data", "d", "--window", "600", "--model", "ten=a"}, PredictOptions{}, "is not a positive number"},
		{"window twice in model", []string{"--data", "d", "--window", "600", "--model", "600=a,600=b"}, PredictOptions{}, "given twice"},
		{"window twice", []string{"--data", "d", "--window", "600,600", "--model", "600=a"}, PredictOptions{}, "lists 600 twice"},
		{"zero window", []string{"--data", "d", "--window", "0", "--model", "m"}, PredictOptions{}, "invalid window 0"},
		{"zero workers", []string{"--data", "d", "--window", "600", "--model", "m", "--workers", "0"}, PredictOptions{}, "workers = 0, want >= 1"},
		{"zero starts", []string{"--data", "d", "--window", "600", "--model", "m", "--starts", "0"}, PredictOptions{}, "starts = 0, want >= 1"},
		{"negative limit", []string{"--data", "d", "--window", "600", "--model", "m", "--limit", "-1"}, PredictOptions{}, "limit = -1"},
		{"bad format", []string{"--data", "d", "--window", "600", "--model", "m", "--format", "xml"}, PredictOptions{}, "unknown output format \"xml\""},
		{"positional argument", []string{"--data", "d", "--window", "600", "--model", "m", "x"}, PredictOptions{}, "takes no arguments"},
	}
	testFlags(t, "predict", newPredictCmd, tests)
}

// parseCSV parses CSV text into records.
func parseCSV(t *testing.T, s string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	return recs
}

// TestPredictEndToEnd trains models on smh_cascades (20 cascades, fitted in
// a fraction of a second) at two windows, predicts both with hawkes
// predict, and checks every row against predict.Apply on the rows of
// pipeline.Rows, the path of hawkes evaluate --model; then the refusals.
func TestPredictEndToEnd(t *testing.T) {
	dir := shared.Path(t, "smh_cascades")
	ctx := context.Background()
	tmp := t.TempDir()
	models := map[float64]string{}
	for _, T := range []float64{600, 3600} {
		path := filepath.Join(tmp, "m"+formatSeconds(T)+".hkrf")
		code, _, stderr := runArgv(t, ctx, "train", "--data", dir, "--window", formatSeconds(T), "--model", path, "--trees", "30", "--workers", "2", "--no-cache")
		if code != exitOK {
			t.Fatalf("train: exit code %d, stderr %q", code, stderr)
		}
		models[T] = path
	}
	code, stdout, stderr := runArgv(t, ctx, "predict", "--data", dir, "--window", "3600,600",
		"--model", "600="+models[600]+",3600="+models[3600], "--workers", "2")
	if code != exitOK || !strings.HasPrefix(stderr, "predict: 40 rows (20 cascades on 3600, 600 s; forest 40) in ") {
		t.Fatalf("predict: exit code %d, stderr %q", code, stderr)
	}
	recs := parseCSV(t, stdout)
	if got := strings.Join(recs[0], ","); got != "id,window,n,size,nhat,lo,hi,source,status" {
		t.Fatalf("header %q", got)
	}
	if len(recs) != 41 {
		t.Fatalf("%d rows, want 40", len(recs)-1)
	}
	cascades, err := data.LoadDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	for k, T := range []float64{3600, 600} {
		m, err := loadModel(models[T], T)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := pipeline.Rows(ctx, cascades, T, fit.BatchOptions{Options: fit.Options{Seed: 1}, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		for i := range rows {
			rec := recs[1+k*len(rows)+i]
			want := predict.Apply(m, &rows[i], nil)
			nhat, err := strconv.ParseFloat(rec[4], 64)
			if err != nil || rec[0] != rows[i].ID || rec[1] != formatSeconds(T) || rec[2] != strconv.Itoa(rows[i].N) ||
				rec[3] != strconv.Itoa(rows[i].Size) || nhat != want.NHat || !want.Interval ||
				rec[5] != strconv.FormatFloat(want.Lo, 'g', -1, 64) || rec[6] != strconv.FormatFloat(want.Hi, 'g', -1, 64) ||
				rec[7] != string(want.Source) || rec[8] != string(rows[i].Status) {
				t.Errorf("row %v, want %s on %v: %+v, status %s", rec, rows[i].ID, T, want, rows[i].Status)
			}
		}
	}

	// A model of another window, or of another feature set, or not a model
	// at all, is bad input naming the file.
	m, err := loadModel(models[600], 600)
	if err != nil {
		t.Fatal(err)
	}
	m.Features = append(features.Names()[1:], "k")
	other := filepath.Join(tmp, "other.hkrf")
	writeTestModel(t, other, m)
	junk := filepath.Join(tmp, "junk.hkrf")
	if err := os.WriteFile(junk, []byte("HKRF junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		window, model, want string
	}{
		{"3600", models[600], "trained for window 600 s, not 3600 s"},
		{"600", other, "trained on features"},
		{"600", junk, "read model " + junk},
	} {
		code, stdout, stderr := runArgv(t, ctx, "predict", "--data", dir, "--window", tt.window, "--model", tt.model)
		if code != exitBadInput || stdout != "" || !strings.Contains(stderr, tt.model) || !strings.Contains(stderr, tt.want) {
			t.Errorf("--window %s --model %s: exit code %d, stdout %q, stderr %q", tt.window, tt.model, code, stdout, stderr)
		}
	}
}

// writeTestModel writes m to path.
func writeTestModel(t *testing.T, path string, m *train.Model) {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/evaluate"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
	"github.com/hawkes-toolkit/hawkes/pipeline"
	"github.com/hawkes-toolkit/hawkes/predict"
)

func TestEvaluateFlags(t *testing.T) {
	defaults := EvaluateOptions{DataDir: "d", Window: 600, CV: 5, Format: evaluate.Table, Seed: 1, Workers: runtime.NumCPU(), Cache: testCacheDir}
	with := func(edit func(o *EvaluateOptions)) EvaluateOptions {
		o := defaults
		edit(&o)
		return o
	}
	tests := []flagCase[EvaluateOptions]{
		{"cache dir", []string{"--data", "d", "--window", "600", "--cache-dir", "/tmp/c"}, with(func(o *EvaluateOptions) { o.Cache = "/tmp/c" }), ""},
		{"no cache", []string{"--data", "d", "--window", "600", "--no-cache"}, with(func(o *EvaluateOptions) { o.Cache = "" }), ""},
		{"minimal", []string{"--data", "d", "--window", "600"}, defaults, ""},
		{"cv", []string{"--data", "d", "--window", "600", "--cv", "10"}, with(func(o *EvaluateOptions) { o.CV = 10 }), ""},
		{"model", []string{"--data", "d", "--window", "600", "--model", "m.hkrf"}, with(func(o *EvaluateOptions) { o.Model, o.CV = "m.hkrf", 0 }), ""},
		{"bare plot", []string{"--data", "d", "--window", "600", "--plot"}, with(func(o *EvaluateOptions) { o.Plot = plotDefault }), ""},
		{"plot png", []string{"--data", "d", "--window", "600", "--plot=a.png"}, with(func(o *EvaluateOptions) { o.Plot = "a.png" }), ""},
		{"plot svg", []string{"--data", "d", "--window", "600", "--plot=x/A.SVG"}, with(func(o *EvaluateOptions) { o.Plot = "x/A.SVG" }), ""},
		{"all flags", []string{"--data=d", "--window=3600", "--cv=3", "--format", "json", "--seed", "9", "--workers", "1", "-q"},
			with(func(o *EvaluateOptions) {
				o.Window, o.CV, o.Format, o.Seed, o.Workers, o.Quiet = 3600, 3, evaluate.JSON, 9, 1, true
			}), ""},
		{"csv", []string{"--data", "d", "--window", "600", "--format", "csv"}, with(func(o *EvaluateOptions) { o.Format = evaluate.CSV }), ""},
		{"no data", []string{"--window", "600"}, EvaluateOptions{}, "--data not set"},
		{"no window", []string{"--data", "d"}, EvaluateOptions{}, "--window not set"},
		{"zero window", []string{"--data", "d", "--window", "0"}, EvaluateOptions{}, "invalid window 0:"},
		{"NaN window", []string{"--data", "d", "--window", "NaN"}, EvaluateOptions{}, "invalid window NaN:"},
		{"model and cv", []string{"--data", "d", "--window", "600", "--model", "m", "--cv", "5"}, EvaluateOptions{}, "cannot be used together"},
		{"one fold", []string{"--data", "d", "--window", "600", "--cv", "1"}, EvaluateOptions{}, "folds = 1, want >= 2"},
		{"zero workers", []string{"--data", "d", "--window", "600", "--workers", "0"}, EvaluateOptions{}, "workers = 0, want >= 1"},
		{"bad format", []string{"--data", "d", "--window", "600", "--format", "xml"}, EvaluateOptions{}, `unknown format "xml"`},
		{"bad plot", []string{"--data", "d", "--window", "600", "--plot=a.pdf"}, EvaluateOptions{}, `unknown extension ".pdf": want .png or .svg`},
		{"positional argument", []string{"--data", "d", "--window", "600", "extra"}, EvaluateOptions{}, "takes no arguments"},
	}
	testFlags(t, "evaluate", newEvaluateCmd, tests)
}

func TestEvaluateSummary(t *testing.T) {
	s := pipeline.Stats{Cascades: 508, Folds: 5, Target: predict.TargetLogRatio,
		Fallbacks: map[string]int{"hawkes": 120, "forest": 0, "seismic": 3, "loglinear": 0}}
	want := "evaluate: 508 cascades, 5 folds, forest target log_ratio; loglinear fallbacks: hawkes 120, forest 0, seismic 3"
	if got := evaluateSummary(s); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestTrainEvaluateEndToEnd trains a model on smh_cascades (20 cascades,
// fitted in a fraction of a second), scores it with evaluate --model, and
// cross-validates with a bare --plot; it checks the shape of the outputs and
// that the same seed gives the same report (the numbers are tested in
// package pipeline).
func TestTrainEvaluateEndToEnd(t *testing.T) {
	ctx := context.Background()
	dir := shared.Path(t, "smh_cascades")
	tmp := t.TempDir()
	model := filepath.Join(tmp, "m.hkrf")

	code, stdout, stderr := runArgv(t, ctx, "train", "--data", dir, "--window", "600", "--model", model, "--trees", "50", "--workers", "2")
	if code != exitOK || stdout != "" || !strings.HasPrefix(stderr, "train: model of 50 trees") || !strings.Contains(stderr, "bytes\n") {
		t.Fatalf("train: exit code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if st, err := os.Stat(model); err != nil || st.Size() == 0 || st.Size() > 1<<20 {
		t.Fatalf("model file: %v, %v", st, err)
	}

	code, stdout, stderr = runArgv(t, ctx, "evaluate", "--data", dir, "--window", "600", "--model", model, "--format", "json", "--workers", "2")
	if code != exitOK {
		t.Fatalf("evaluate --model: exit code %d, stderr %q", code, stderr)
	}
	var rep struct {
		Window   float64
		Cascades int
		Methods  map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || rep.Cascades != 20 || len(rep.Methods) != 4 {
		t.Errorf("evaluate --model: report %+v, %v\n%s", rep, err, stdout)
	}
	if !strings.Contains(stderr, "evaluate: 20 cascades, model, forest target log_ratio; loglinear fallbacks: hawkes ") {
		t.Errorf("evaluate --model: stderr %q", stderr)
	}

	boost := filepath.Join(tmp, "b.hkrf")
	code, stdout, stderr = runArgv(t, ctx, "train", "--data", dir, "--window", "600", "--model", boost, "--learner", "boost", "--workers", "2")
	if code != exitOK || stdout != "" || !strings.HasPrefix(stderr, "train: boosted model of ") {
		t.Fatalf("train --learner boost: exit code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, stderr = runArgv(t, ctx, "evaluate", "--data", dir, "--window", "600", "--model", boost, "--format", "json", "--workers", "2")
	rep.Methods = nil
	if err := json.Unmarshal([]byte(stdout), &rep); code != exitOK || err != nil || len(rep.Methods) != 4 || rep.Methods["boost"] == nil || rep.Methods["forest"] != nil {
		t.Errorf("evaluate --model boosted: exit code %d, report %+v, %v\n%s", code, rep, err, stderr)
	}

	code, _, stderr = runArgv(t, ctx, "evaluate", "--data", dir, "--window", "3600", "--model", model)
	if code != exitBadInput || !strings.Contains(stderr, "trained for window 600 s, not 3600 s") || !strings.Contains(stderr, model) {
		t.Errorf("window mismatch: exit code %d, stderr %q", code, stderr)
	}

	t.Chdir(tmp)
	argv := []string{"evaluate", "--data", dir, "--window", "600", "--cv", "4", "--format", "csv", "--workers", "2", "--seed", "4"}
	code, first, stderr := runArgv(t, ctx, append(argv, "--plot")...)
	if code != exitOK || !strings.HasPrefix(first, "window,method,decile,") || !strings.Contains(stderr, "4 folds") ||
		!strings.Contains(stderr, "plot written to are-600s.png") {
		t.Fatalf("evaluate --cv --plot: exit code %d, stderr %q\n%s", code, stderr, first)
	}
	if st, err := os.Stat(filepath.Join(tmp, "are-600s.png")); err != nil || st.Size() == 0 {
		t.Errorf("plot: %v", err)
	}
	code, again, _ := runArgv(t, ctx, append(argv, "-q")...)
	if code != exitOK || again != first {
		t.Errorf("same seed, different report:\n%s\n%s", first, again)
	}
}

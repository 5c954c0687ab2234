package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
	"github.com/hawkes-toolkit/hawkes/train"
)

func TestTrainFlags(t *testing.T) {
	defaults := TrainOptions{DataDir: "d", Window: 600, Model: "m", Learner: "forest", Trees: train.DefaultTrees, MinLeaf: train.DefaultMinLeaf, Seed: 1, Workers: runtime.NumCPU(), Cache: testCacheDir}
	with := func(edit func(o *TrainOptions)) TrainOptions {
		o := defaults
		edit(&o)
		return o
	}
	tests := []flagCase[TrainOptions]{
		{"minimal", []string{"--data", "d", "--window", "600", "--model", "m"}, defaults, ""},
		{"features", []string{"--features", "f.csv", "-m", "m"}, with(func(o *TrainOptions) { o.DataDir, o.Features, o.Window = "", "f.csv", 0 }), ""},
		{"features and window", []string{"--features", "f.csv", "--window", "3600", "-m", "m"}, with(func(o *TrainOptions) { o.DataDir, o.Features, o.Window = "", "f.csv", 3600 }), ""},
		{"all flags", []string{"--data=d", "--window=600", "--model=m", "--trees", "50", "--max-depth", "8", "--min-leaf", "10", "--seed", "3", "--cv", "5", "--workers", "1"},
			with(func(o *TrainOptions) {
				o.Trees, o.MaxDepth, o.MinLeaf, o.Seed, o.CV, o.Workers = 50, 8, 10, 3, 5, 1
			}), ""},
		{"boost", []string{"--data", "d", "--window", "600", "--model", "m", "--learner", "boost"}, with(func(o *TrainOptions) { o.Learner = "boost" }), ""},
		{"unknown learner", []string{"--data", "d", "--window", "600", "--model", "m", "--learner", "svm"}, TrainOptions{}, `unknown learner "svm" (want forest or boost)`},
		{"no input", []string{"--window", "600", "--model", "m"}, TrainOptions{}, "one of --data or --features is required"},
		{"both inputs", []string{"--data", "d", "--features", "f", "--window", "600", "--model", "m"}, TrainOptions{}, "cannot be used together"},
		{"data without window", []string{"--data", "d", "--model", "m"}, TrainOptions{}, "--window not set"},
		{"zero window", []string{"--data", "d", "--window", "0", "--model", "m"}, TrainOptions{}, "invalid window 0:"},
		{"infinite window", []string{"--features", "f", "--window", "+Inf", "--model", "m"}, TrainOptions{}, "invalid window +Inf:"},
		{"no model", []string{"--data", "d", "--window", "600"}, TrainOptions{}, "--model not set"},
		{"zero trees", []string{"--data", "d", "--window", "600", "-m", "m", "--trees", "0"}, TrainOptions{}, "trees = 0, want >= 1"},
		{"negative depth", []string{"--data", "d", "--window", "600", "-m", "m", "--max-depth", "-1"}, TrainOptions{}, "max depth = -1, want >= 0"},
		{"zero min leaf", []string{"--data", "d", "--window", "600", "-m", "m", "--min-leaf", "0"}, TrainOptions{}, "min leaf = 0, want >= 1"},
		{"one fold", []string{"--data", "d", "--window", "600", "-m", "m", "--cv", "1"}, TrainOptions{}, "folds = 1, want >= 2"},
		{"zero workers", []string{"--data", "d", "--window", "600", "-m", "m", "--workers", "0"}, TrainOptions{}, "workers = 0, want >= 1"},
		{"positional argument", []string{"--data", "d", "--window", "600", "-m", "m", "x"}, TrainOptions{}, "takes no arguments"},
	}
	testFlags(t, "train", newTrainCmd, tests)
}

// TestTrainFromFeatures trains from a features file with two windows, which
// needs --window, and checks that --cv writes a table without seismic.
func TestTrainFromFeatures(t *testing.T) {
	ctx := context.Background()
	dir := shared.Path(t, "smh_cascades")
	tmp := t.TempDir()
	feats := filepath.Join(tmp, "f.csv")
	if code, _, stderr := runArgv(t, ctx, "features", "--data", dir, "--window", "600,3600", "--out", feats, "-q", "--workers", "2"); code != exitOK {
		t.Fatalf("features: exit code %d, stderr %q", code, stderr)
	}
	model := filepath.Join(tmp, "m.hkrf")
	code, _, stderr := runArgv(t, ctx, "train", "--features", feats, "--model", model)
	if code != exitError || !strings.Contains(stderr, "hold 2 windows") {
		t.Errorf("two windows without --window: exit code %d, stderr %q", code, stderr)
	}
	code, stdout, stderr := runArgv(t, ctx, "train", "--features", feats, "--window", "3600", "--model", model, "--trees", "20", "--cv", "4", "--workers", "2")
	if code != exitOK || !strings.Contains(stderr, "window 3600s, target log_ratio") || !strings.Contains(stderr, "4 folds") {
		t.Fatalf("train --cv: exit code %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "forest") || strings.Contains(stdout, "seismic") {
		t.Errorf("train --cv table:\n%s", stdout)
	}
	m, err := loadModel(model, 3600)
	if err != nil {
		t.Fatal(err)
	}
	if m.Window != 3600 || m.TrainedOn != 20 || len(m.Forest.Trees) != 20 || m.Created.IsZero() || m.LogLinear == nil {
		t.Errorf("model window %v, trained on %d, %d trees, created %v", m.Window, m.TrainedOn, len(m.Forest.Trees), m.Created)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 2 {
		t.Errorf("%d files in the output folder, want 2 (no temporary file left)", len(ents))
	}
}

// TestTrainImportance checks the table of --importance: one row per
// feature under its header, most important first.
func TestTrainImportance(t *testing.T) {
	dir := shared.Path(t, "smh_cascades")
	model := filepath.Join(t.TempDir(), "m.hkrf")
	code, stdout, stderr := runArgv(t, context.Background(), "train", "--data", dir, "--window", "600", "--model", model,
		"--trees", "20", "--workers", "2", "--cv", "4", "--importance", "--no-cache")
	if code != exitOK {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	_, table, ok := strings.Cut(stdout, "mean ARE rise")
	if !ok {
		t.Fatalf("no importance table in\n%s", stdout)
	}
	lines := strings.Split(strings.TrimSpace(table), "\n")[1:]
	if len(lines) != features.NumFeatures {
		t.Fatalf("%d rows, want %d:\n%s", len(lines), features.NumFeatures, table)
	}
	prev := math.Inf(1)
	for _, line := range lines {
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[1], 64)
		if len(f) != 3 || err != nil || v > prev {
			t.Errorf("row %q", line)
		}
		prev = v
	}
}

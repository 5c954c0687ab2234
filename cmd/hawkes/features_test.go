package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/sim"
)

func TestFeaturesFlags(t *testing.T) {
	defaults := FeaturesOptions{DataDir: "d", Windows: []float64{600}, Workers: runtime.NumCPU(), Starts: 8, Seed: 1}
	with := func(edit func(o *FeaturesOptions)) FeaturesOptions {
		o := defaults
		edit(&o)
		return o
	}
	tests := []flagCase[FeaturesOptions]{
		{"minimal", []string{"--data", "d", "--window", "600"}, defaults, ""},
		{"two windows", []string{"--data", "d", "--window", "600,3600.5"}, with(func(o *FeaturesOptions) { o.Windows = []float64{600, 3600.5} }), ""},
		{"repeated window", []string{"--data", "d", "--window", "3600", "--window", "600"}, with(func(o *FeaturesOptions) { o.Windows = []float64{3600, 600} }), ""},
		{"all flags", []string{"--data=d", "--window=600,3600", "--out", "f.csv", "--workers", "3", "--starts", "2", "--seed", "42", "--limit", "40", "--quiet"},
			with(func(o *FeaturesOptions) {
				o.Windows, o.Out, o.Workers, o.Starts, o.Seed, o.Limit, o.Quiet = []float64{600, 3600}, "f.csv", 3, 2, 42, 40, true
			}), ""},
		{"short flags", []string{"--data", "d", "--window", "600", "-q", "-o", "x"}, with(func(o *FeaturesOptions) { o.Quiet, o.Out = true, "x" }), ""},
		{"no data", []string{"--window", "600"}, FeaturesOptions{}, "--data not set"},
		{"no window", []string{"--data", "d"}, FeaturesOptions{}, "--window not set"},
		{"empty window", []string{"--data", "d", "--window", ""}, FeaturesOptions{}, `invalid argument ""`},
		{"zero window", []string{"--data", "d", "--window", "600,0"}, FeaturesOptions{}, "invalid window 0:"},
		{"negative window", []string{"--data", "d", "--window", "-1"}, FeaturesOptions{}, "invalid window -1:"},
		{"NaN window", []string{"--data", "d", "--window", "NaN"}, FeaturesOptions{}, "invalid window NaN:"},
		{"infinite window", []string{"--data", "d", "--window", "600,+Inf"}, FeaturesOptions{}, "invalid window +Inf:"},
		{"window not a number", []string{"--data", "d", "--window", "1h"}, FeaturesOptions{}, `invalid argument "1h"`},
		{"zero workers", []string{"--data", "d", "--window", "600", "--workers", "0"}, FeaturesOptions{}, "workers = 0, want >= 1"},
		{"zero starts", []string{"--data", "d", "--window", "600", "--starts", "0"}, FeaturesOptions{}, "starts = 0, want >= 1"},
		{"negative limit", []string{"--data", "d", "--window", "600", "--limit", "-2"}, FeaturesOptions{}, "limit = -2, want >= 0"},
		{"unknown flag", []string{"--data", "d", "--window", "600", "--format", "csv"}, FeaturesOptions{}, "unknown flag: --format"},
		{"positional argument", []string{"--data", "d", "--window", "600", "extra"}, FeaturesOptions{}, "takes no arguments"},
	}
	testFlags(t, "features", newFeaturesCmd, tests)
}

func TestFeaturesSummary(t *testing.T) {
	s := fit.Summary{Cascades: 40, ByStatus: map[fit.Status]int{
		fit.StatusOK: 25, fit.StatusSupercritical: 10, fit.StatusUnbounded: 3, fit.StatusFailed: 2,
	}}
	got := featuresSummary(s, 2, 1234*time.Millisecond)
	want := "features: 40 rows on 2 windows (ok 25, supercritical 10, unbounded 3, failed 2) in 1.2s"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestFeaturesEndToEnd simulates a small data set with sim.Dataset, runs
// hawkes features on two windows and checks the shape of the output; the
// numbers are tested in package features.
func TestFeaturesEndToEnd(t *testing.T) {
	ctx := context.Background()
	const n = 5
	// kappa such that n* = 0.7 with beta = 0.4, c = 30, theta = 1 (SPEC
	// section 2: n* = kappa (alpha-1)/(alpha-beta-1)/(theta c^theta)).
	p := fit.Params{Beta: 0.4, C: 30, Theta: 1}
	p.Kappa = 0.7 * (fit.Alpha - p.Beta - 1) * p.Theta * p.C / (fit.Alpha - 1)
	cascades, _, err := sim.Dataset(ctx, n, sim.Config{Params: p, Horizon: 86400, MaxEvents: 2000, WholeSeconds: true}, 3)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "sim")
	if err := data.WriteDir(dir, cascades); err != nil {
		t.Fatal(err)
	}

	argv := []string{"features", "--data", dir, "--window", "600,3600", "--workers", "2", "--starts", "2", "--seed", "5"}
	code, stdout, stderr := runArgv(t, ctx, argv...)
	if code != exitOK {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	if !strings.HasPrefix(stderr, "features: 10 rows on 2 windows (ok ") || !strings.HasSuffix(stderr, "s\n") {
		t.Errorf("summary %q", stderr)
	}
	rows, err := features.Read(strings.NewReader(stdout))
	if err != nil {
		t.Fatalf("the output does not read back: %v\n%s", err, stdout)
	}
	if len(rows) != 2*n {
		t.Fatalf("%d rows, want %d", len(rows), 2*n)
	}
	for i, r := range rows {
		c := &cascades[i%n]
		T := []float64{600, 3600}[i/n]
		if r.ID != c.ID || float64(r.Window) != T || r.N != c.Window(T) || r.Size != c.Len() {
			t.Errorf("row %d = %+v, want cascade %s on %v", i, r, c.ID, T)
		}
	}
	if strings.Contains(strings.ToLower(stdout), "nan") || strings.Contains(strings.ToLower(stdout), "inf") {
		t.Errorf("non-finite field in\n%s", stdout)
	}

	// --out writes the same bytes to a file, and only the file.
	out := filepath.Join(t.TempDir(), "features.csv")
	code, again, stderr := runArgv(t, ctx, append(argv, "--out", out, "-q")...)
	if code != exitOK || again != "" || stderr != "" {
		t.Fatalf("--out: exit code %d, stdout %q, stderr %q", code, again, stderr)
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != stdout {
		t.Errorf("--out file differs from standard output (err %v)", err)
	}

	// An interrupted run leaves no file behind, not even the temporary one.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	outDir := t.TempDir()
	code, _, _ = runArgv(t, cctx, append(argv, "--out", filepath.Join(outDir, "x.csv"), "-q")...)
	if code != exitInterrupted {
		t.Errorf("interrupted run: exit code %d, want %d", code, exitInterrupted)
	}
	if ents, _ := os.ReadDir(outDir); len(ents) != 0 {
		t.Errorf("interrupted run left %d files in the output folder", len(ents))
	}
}

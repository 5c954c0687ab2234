package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/diagnose"
)

func TestDiagnoseFlags(t *testing.T) {
	defaults := DiagnoseOptions{DataDir: "d", Window: 600, Format: "table", PlotFormat: "png", Tick: 1, Workers: runtime.NumCPU(), Starts: 8, Seed: 1}
	with := func(edit func(o *DiagnoseOptions)) DiagnoseOptions {
		o := defaults
		edit(&o)
		return o
	}
	tests := []flagCase[DiagnoseOptions]{
		{"minimal", []string{"--data", "d", "--window", "600"}, defaults, ""},
		{"all flags", []string{"--data=d", "--window=3600", "--id", "a", "--id", "b,c", "--format", "jsonl", "--gaps", "--plot", "qq", "--plot-format", "svg", "--tick", "0", "--workers", "3", "--starts", "2", "--seed", "9", "-q"},
			with(func(o *DiagnoseOptions) {
				o.Gaps = true
				o.Window, o.IDs, o.Format, o.PlotDir, o.PlotFormat, o.Tick, o.Workers, o.Starts, o.Seed, o.Quiet = 3600, []string{"a", "b,c"}, "jsonl", "qq", "svg", 0, 3, 2, 9, true
			}), ""},
		{"no data", []string{"--window", "600"}, DiagnoseOptions{}, "--data not set"},
		{"no window", []string{"--data", "d"}, DiagnoseOptions{}, "--window not set"},
		{"negative window", []string{"--data", "d", "--window", "-5"}, DiagnoseOptions{}, "invalid window -5:"},
		{"bad format", []string{"--data", "d", "--window", "6", "--format", "xml"}, DiagnoseOptions{}, `unknown output format "xml"`},
		{"bad plot format", []string{"--data", "d", "--window", "6", "--plot-format", "pdf"}, DiagnoseOptions{}, `--plot-format "pdf": want png or svg`},
		{"gaps in a table", []string{"--data", "d", "--window", "6", "--gaps"}, DiagnoseOptions{}, "--gaps needs --format jsonl, not table"},
		{"negative tick", []string{"--data", "d", "--window", "6", "--tick", "-1"}, DiagnoseOptions{}, "tick = -1, want a finite number of seconds >= 0"},
		{"zero workers", []string{"--data", "d", "--window", "6", "--workers", "0"}, DiagnoseOptions{}, "workers = 0, want >= 1"},
		{"zero starts", []string{"--data", "d", "--window", "6", "--starts", "0"}, DiagnoseOptions{}, "starts = 0, want >= 1"},
		{"positional argument", []string{"--data", "d", "--window", "6", "x"}, DiagnoseOptions{}, "takes no arguments"},
	}
	testFlags(t, "diagnose", newDiagnoseCmd, tests)
}

func TestPlotFlags(t *testing.T) {
	defaults := PlotOptions{DataDir: "d", ID: "7", Window: 600, Out: "cascade.png", Starts: 8, Seed: 1}
	tests := []flagCase[PlotOptions]{
		{"minimal", []string{"--data", "d", "--id", "7", "--window", "600"}, defaults, ""},
		{"all flags", []string{"--data", "d", "--id", "7", "--window", "600", "--model", "m.hkrf", "--out", "x.SVG", "--starts", "3", "--seed", "4"},
			PlotOptions{DataDir: "d", ID: "7", Window: 600, Model: "m.hkrf", Out: "x.SVG", Starts: 3, Seed: 4}, ""},
		{"no id", []string{"--data", "d", "--window", "600"}, PlotOptions{}, "--id not set"},
		{"no window", []string{"--data", "d", "--id", "7"}, PlotOptions{}, "--window not set"},
		{"bad extension", []string{"--data", "d", "--id", "7", "--window", "6", "--out", "x.pdf"}, PlotOptions{}, `unknown extension ".pdf"`},
	}
	testFlags(t, "plot", newPlotCmd, tests)
}

// TestDiagnoseAndPlotEndToEnd simulates a small data set and runs hawkes
// diagnose and hawkes plot on it: the rows, the summary, the plot files and
// the exit codes of an unknown id and a missing plot folder.
func TestDiagnoseAndPlotEndToEnd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sim")
	ctx := context.Background()
	code, _, stderr := runArgv(t, ctx, "simulate", "--out", dir, "--cascades", "4", "--seed", "3",
		"--nstar", "0.7", "--beta", "0.4", "--c", "30", "--theta", "1", "--horizon", "86400", "--max-events", "2000", "--whole-seconds")
	if code != exitOK {
		t.Fatalf("simulate: exit code %d, stderr %q", code, stderr)
	}
	plots := filepath.Join(t.TempDir(), "qq")
	if err := os.Mkdir(plots, 0o777); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runArgv(t, ctx, "diagnose", "--data", dir, "--window", "86400", "--format", "jsonl", "--gaps", "--starts", "2", "--workers", "2", "--plot", plots, "--plot-format", "svg")
	if code != exitOK {
		t.Fatalf("diagnose: exit code %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	tested := 0
	if len(lines) != 4 {
		t.Fatalf("diagnose wrote %d rows, want 4:\n%s", len(lines), stdout)
	}
	for i, line := range lines {
		var row map[string]any
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("row %d %q: %v", i+1, line, err)
		}
		if len(row) != len(diagnose.Columns())+1 || row["id"] != "sim-"+strconv.Itoa(i+1) {
			t.Errorf("row %d %q: want the %d columns of cascade sim-%d", i+1, line, len(diagnose.Columns()), i+1)
		}
		// A cascade has a test, and then a Q-Q plot, unless its fit failed.
		_, err := os.Stat(filepath.Join(plots, "qq-sim-"+strconv.Itoa(i+1)+".svg"))
		switch p, ok := row["ks_p"].(float64); {
		case ok && (p < 0 || p > 1):
			t.Errorf("row %d: ks_p %v, want a p-value", i+1, p)
		case ok && err != nil:
			t.Errorf("no Q-Q plot of sim-%d: %v", i+1, err)
		case ok && len(row["rescaled_gaps"].([]any)) != int(row["gaps"].(float64)):
			t.Errorf("row %d: %d rescaled gaps, want %v", i+1, len(row["rescaled_gaps"].([]any)), row["gaps"])
		case !ok && (row["status"] != "failed" || err == nil):
			t.Errorf("row %d %q: no test, and status %v or a plot (%v)", i+1, line, row["status"], err)
		case ok:
			tested++
		}
	}
	if tested < 2 {
		t.Errorf("%d cascades tested, want at least 2", tested)
	}
	if !strings.HasPrefix(stderr, "diagnose (T = 86400 s): 4 cascades, "+strconv.Itoa(tested)+" tested: the KS test rejects the model at 5% on ") {
		t.Errorf("summary %q", stderr)
	}

	out := filepath.Join(t.TempDir(), "c.png")
	code, _, stderr = runArgv(t, ctx, "plot", "--data", dir, "--id", "sim-2", "--window", "3600", "--out", out)
	if code != exitOK {
		t.Fatalf("plot: exit code %d, stderr %q", code, stderr)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		t.Errorf("plot wrote no image: %v", err)
	}
	// With a trained model, the picture names its prediction (SVG keeps
	// the legend as text).
	model := filepath.Join(t.TempDir(), "m.hkrf")
	if code, _, stderr := runArgv(t, ctx, "train", "--data", dir, "--window", "3600", "--model", model); code != exitOK {
		t.Fatalf("train: exit code %d, stderr %q", code, stderr)
	}
	svg := filepath.Join(t.TempDir(), "c.svg")
	code, _, stderr = runArgv(t, ctx, "plot", "--data", dir, "--id", "sim-2", "--window", "3600", "--model", model, "--out", svg)
	if code != exitOK {
		t.Fatalf("plot --model: exit code %d, stderr %q", code, stderr)
	}
	if b, err := os.ReadFile(svg); err != nil || !strings.Contains(string(b), "learned prediction") {
		t.Errorf("plot --model: no learned prediction in the picture (%v)", err)
	}
	// A model for another window does not apply: bad input, before the fit.
	code, _, stderr = runArgv(t, ctx, "plot", "--data", dir, "--id", "sim-2", "--window", "600", "--model", model, "--out", svg)
	if code != exitBadInput {
		t.Errorf("plot with a model of another window: exit %d, want %d; stderr %q", code, exitBadInput, stderr)
	}

	// A plot folder that does not exist is an output that cannot be written.
	code, _, stderr = runArgv(t, ctx, "diagnose", "--data", dir, "--window", "600", "--id", "sim-1", "--plot", filepath.Join(plots, "missing"))
	if code != exitOutput {
		t.Errorf("missing plot folder: exit %d, want %d; stderr %q", code, exitOutput, stderr)
	}
}

// Hostile: hawkes diagnose or hawkes plot with an --id naming no cascade of the data set -> exit 3 (bad input) naming the id, no row or image written
func TestDiagnoseUnknownID(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sim")
	ctx := context.Background()
	if code, _, stderr := runArgv(t, ctx, "simulate", "--out", dir, "--cascades", "2", "--horizon", "600"); code != exitOK {
		t.Fatalf("simulate: exit code %d, stderr %q", code, stderr)
	}
	out := filepath.Join(t.TempDir(), "c.png")
	for _, argv := range [][]string{
		{"diagnose", "--data", dir, "--window", "600", "--id", "sim-1", "--id", "nope"},
		{"plot", "--data", dir, "--window", "600", "--id", "nope", "--out", out},
	} {
		code, stdout, stderr := runArgv(t, ctx, argv...)
		if code != exitBadInput || stdout != "" || !strings.Contains(stderr, `no cascade with id "nope"`) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", argv[0], code, stdout, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("plot wrote an image")
	}
}

// TestPlotName checks that plot file names stay inside the folder and
// distinct.
func TestPlotName(t *testing.T) {
	for _, tc := range []struct {
		id   string
		i    int
		want string
	}{
		{"123", 0, "qq-123"},
		{"SMH-cascade-0", 4, "qq-SMH-cascade-0"},
		{"../etc/passwd", 2, "qq-.._etc_passwd-3"},
		{"a b", 0, "qq-a_b-1"},
		{"", 9, "qq--10"},
		{".hidden", 1, "qq-.hidden-2"},
	} {
		if got := plotName(tc.id, tc.i); got != tc.want {
			t.Errorf("plotName(%q, %d) = %q, want %q", tc.id, tc.i, got, tc.want)
		}
	}
}

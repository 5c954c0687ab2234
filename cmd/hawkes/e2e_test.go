package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/sim"
)

// runArgv runs the whole hawkes command line in-process.
func runArgv(t *testing.T, ctx context.Context, argv ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, out, errOut := testStreams()
	code = run(ctx, argv, ios)
	return code, out.String(), errOut.String()
}

// TestEndToEnd simulates a small data set, fits it with the hawkes command
// line and checks the shape of the output, not the statistics (those are
// tested in package fit).
func TestEndToEnd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sim")
	ctx := context.Background()
	const n = 6
	code, _, stderr := runArgv(t, ctx, "simulate", "--out", dir, "--cascades", strconv.Itoa(n), "--seed", "3",
		"--nstar", "0.7", "--beta", "0.4", "--c", "30", "--theta", "1", "--horizon", "86400", "--max-events", "2000", "--whole-seconds")
	if code != exitOK {
		t.Fatalf("simulate: exit code %d, stderr %q", code, stderr)
	}
	if !strings.HasPrefix(stderr, "simulate: 6 cascades, ") {
		t.Errorf("simulate summary %q", stderr)
	}
	cascades, err := data.LoadDir(ctx, dir)
	if err != nil {
		t.Fatalf("load the simulated data set: %v", err)
	}
	if len(cascades) != n {
		t.Fatalf("simulated %d cascades, want %d", len(cascades), n)
	}
	params := readCSV(t, filepath.Join(dir, "params.csv"))
	if strings.Join(params[0], ",") != strings.Join(sim.ParamsColumns(), ",") || len(params) != n+1 {
		t.Errorf("params.csv: header %q and %d rows, want %q and %d", params[0], len(params)-1, sim.ParamsColumns(), n)
	}
	for i, row := range params[1:] {
		nstar, err := strconv.ParseFloat(row[5], 64)
		// Every cascade was drawn with n* = 0.7.
		if row[0] != cascades[i].ID || err != nil || nstar < 0.7-1e-9 || nstar > 0.7+1e-9 {
			t.Errorf("params.csv row %d = %q, want id %s and nstar 0.7", i+1, row, cascades[i].ID)
		}
	}

	argv := []string{"fit", "--data", dir, "--window", "600", "--workers", "2", "--starts", "2", "--seed", "5"}
	code, stdout, stderr := runArgv(t, ctx, argv...)
	if code != exitOK {
		t.Fatalf("fit: exit code %d, stderr %q", code, stderr)
	}
	if !strings.HasPrefix(stderr, "fit: 6 cascades (ok ") || !strings.HasSuffix(stderr, " likelihood evaluations per cascade\n") {
		t.Errorf("fit summary %q", stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatalf("fit output is not CSV: %v\n%s", err, stdout)
	}
	if strings.Join(recs[0], ",") != "id,n,size,kappa,beta,c,theta,nstar,a1,nhat,loglik,status" {
		t.Errorf("header %q", recs[0])
	}
	if len(recs) != n+1 {
		t.Fatalf("%d rows, want %d", len(recs)-1, n)
	}
	for i, row := range recs[1:] {
		c := &cascades[i]
		if row[0] != c.ID || row[1] != strconv.Itoa(c.Window(600)) || row[2] != strconv.Itoa(c.Len()) {
			t.Errorf("row %d = %q, want id %s, n %d, size %d", i+1, row, c.ID, c.Window(600), c.Len())
		}
		for _, f := range row[3:11] {
			if strings.Contains(strings.ToLower(f), "nan") || strings.Contains(strings.ToLower(f), "inf") {
				t.Errorf("row %d has a non-finite field: %q", i+1, row)
			}
		}
	}

	// The same seed gives the same output; JSONL has the same rows.
	if code, again, _ := runArgv(t, ctx, append(argv, "-q")...); code != exitOK || again != stdout {
		t.Errorf("a second run with the same seed differs (exit code %d)", code)
	}
	code, jsonl, stderr := runArgv(t, ctx, append(argv, "--format", "jsonl", "--limit", "2", "-q")...)
	if code != exitOK || stderr != "" {
		t.Fatalf("fit --format jsonl: exit code %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(jsonl, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("--limit 2 gave %d lines", len(lines))
	}
	for i, line := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("line %d is not JSON: %v", i+1, err)
		}
		if obj["id"] != recs[i+1][0] || obj["status"] != recs[i+1][11] {
			t.Errorf("JSONL line %d %q does not match CSV row %q", i+1, line, recs[i+1])
		}
	}

	// Magnitudes resampled from the simulated data set itself.
	code, _, stderr = runArgv(t, ctx, "simulate", "--out", filepath.Join(t.TempDir(), "real"), "--cascades", "2",
		"--mags", filepath.Join(dir, "data.csv"), "--max-events", "2000", "--horizon", "3600", "-q")
	if code != exitOK || stderr != "" {
		t.Errorf("simulate --mags: exit code %d, stderr %q", code, stderr)
	}
}

// TestBadInputExitCode checks that a malformed data set exits with 3 and
// names the file.
func TestBadInputExitCode(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "data.csv"), "time,magnitude\n0,10\nsoon,3\n")
	writeFile(t, filepath.Join(dir, "index.csv"), "id,start_ind,end_ind\na,1,2\n")
	code, stdout, stderr := runArgv(t, context.Background(), "fit", "--data", dir, "--window", "60")
	if code != exitBadInput {
		t.Errorf("exit code %d, want %d (stderr %q)", code, exitBadInput, stderr)
	}
	if stdout != "" || !strings.Contains(stderr, "data.csv") || strings.Contains(stderr, "Usage:") {
		t.Errorf("stdout %q, stderr %q: want no output, the file named and no usage", stdout, stderr)
	}
}

// TestInterruptedExitCode runs fit with a context that is already done, as
// after Ctrl-C: the exit code is 130 and the output is whole lines.
func TestInterruptedExitCode(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "data.csv"), "time,magnitude\n0,10\n5,3\n0,4\n")
	writeFile(t, filepath.Join(dir, "index.csv"), "id,start_ind,end_ind\na,1,2\nb,3,3\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code, stdout, stderr := runArgv(t, ctx, "fit", "--data", dir, "--window", "60")
	if code != exitInterrupted {
		t.Errorf("exit code %d, want %d (stderr %q)", code, exitInterrupted, stderr)
	}
	if stdout != "" && !strings.HasSuffix(stdout, "\n") {
		t.Errorf("stdout %q does not end a line", stdout)
	}
	if !strings.HasSuffix(stderr, "hawkes: interrupted\n") {
		t.Errorf("stderr %q", stderr)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

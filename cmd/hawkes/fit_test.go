package main

import (
	"runtime"
	"testing"
	"time"

	"github.com/hawkes-toolkit/hawkes/fit"
)

func TestFitFlags(t *testing.T) {
	defaults := FitOptions{DataDir: "d", Window: 600, Workers: runtime.NumCPU(), Starts: 8, Seed: 1, Format: "csv"}
	with := func(edit func(o *FitOptions)) FitOptions {
		o := defaults
		edit(&o)
		return o
	}
	tests := []flagCase[FitOptions]{
		{"minimal", []string{"--data", "d", "--window", "600"}, defaults, ""},
		{"all flags", []string{"--data=d", "--window=3600.5", "--workers", "3", "--starts", "2", "--seed", "42", "--format", "jsonl", "--limit", "40", "--quiet"},
			with(func(o *FitOptions) {
				o.Window, o.Workers, o.Starts, o.Seed, o.Format, o.Limit, o.Quiet = 3600.5, 3, 2, 42, "jsonl", 40, true
			}), ""},
		{"short quiet", []string{"--data", "d", "--window", "600", "-q"}, with(func(o *FitOptions) { o.Quiet = true }), ""},
		{"exact", []string{"--data", "d", "--window", "600", "--exact"}, with(func(o *FitOptions) { o.Exact = true }), ""},
		{"no data", []string{"--window", "600"}, FitOptions{}, "--data not set"},
		{"no window", []string{"--data", "d"}, FitOptions{}, "--window not set"},
		{"zero window", []string{"--data", "d", "--window", "0"}, FitOptions{}, "invalid window 0:"},
		{"negative window", []string{"--data", "d", "--window", "-1"}, FitOptions{}, "invalid window -1:"},
		{"NaN window", []string{"--data", "d", "--window", "NaN"}, FitOptions{}, "invalid window NaN:"},
		{"infinite window", []string{"--data", "d", "--window", "+Inf"}, FitOptions{}, "invalid window +Inf:"},
		{"window not a number", []string{"--data", "d", "--window", "1h"}, FitOptions{}, `invalid argument "1h"`},
		{"zero workers", []string{"--data", "d", "--window", "600", "--workers", "0"}, FitOptions{}, "workers = 0, want >= 1"},
		{"zero starts", []string{"--data", "d", "--window", "600", "--starts", "0"}, FitOptions{}, "starts = 0, want >= 1"},
		{"negative seed", []string{"--data", "d", "--window", "600", "--seed", "-1"}, FitOptions{}, `invalid argument "-1"`},
		{"negative limit", []string{"--data", "d", "--window", "600", "--limit", "-2"}, FitOptions{}, "limit = -2, want >= 0"},
		{"bad format", []string{"--data", "d", "--window", "600", "--format", "xml"}, FitOptions{}, `unknown output format "xml" (want csv or jsonl)`},
		{"unknown flag", []string{"--data", "d", "--window", "600", "--windw", "3"}, FitOptions{}, "unknown flag: --windw"},
		{"positional argument", []string{"--data", "d", "--window", "600", "extra"}, FitOptions{}, "takes no arguments"},
	}
	testFlags(t, "fit", newFitCmd, tests)
}

func TestFitSummary(t *testing.T) {
	s := fit.Summary{Cascades: 508, ByStatus: map[fit.Status]int{
		fit.StatusOK: 250, fit.StatusSupercritical: 200, fit.StatusUnbounded: 50, fit.StatusFailed: 8,
	}, Evals: []int{500, 300, 412, 9000}}
	got := fitSummary(s, 12345*time.Millisecond)
	want := "fit: 508 cascades (ok 250, supercritical 200, unbounded 50, failed 8) in 12.3s; median 456 likelihood evaluations per cascade"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// Statuses with no cascade are printed as 0, even with a nil map.
	got = fitSummary(fit.Summary{}, 0)
	want = "fit: 0 cascades (ok 0, supercritical 0, unbounded 0, failed 0) in 0.0s; median 0 likelihood evaluations per cascade"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

package main

import (
	"math"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/sim"
)

func TestSimulateFlags(t *testing.T) {
	defaults := SimulateOptions{
		Out: "o", Cascades: 100, Seed: 1,
		NStar: defaultNStar, Beta: defaultBeta, C: defaultC, Theta: defaultTheta,
		Horizon: sim.DefaultHorizon, MaxEvents: sim.DefaultMaxEvents,
	}
	with := func(edit func(o *SimulateOptions)) SimulateOptions {
		o := defaults
		edit(&o)
		return o
	}
	tests := []struct {
		name    string
		argv    []string
		want    SimulateOptions
		wantErr string // substring of the usage error; "" for success
	}{
		{"defaults", []string{"--out", "o"}, defaults, ""},
		{"fixed parameters", []string{"--out", "o", "--cascades", "7", "--seed", "9", "--nstar", "0.5", "--beta", "0", "--c", "10", "--theta", "2",
			"--mags", "real", "--horizon", "3600", "--max-events", "500", "--whole-seconds", "-q"},
			with(func(o *SimulateOptions) {
				o.Cascades, o.Seed, o.NStar, o.Beta, o.C, o.Theta = 7, 9, 0.5, 0, 10, 2
				o.Mags, o.Horizon, o.MaxEvents, o.WholeSeconds, o.Quiet = "real", 3600, 500, true, true
			}), ""},
		{"random", []string{"--out", "o", "--random", "--cascades", "3"}, with(func(o *SimulateOptions) { o.Random, o.Cascades = true, 3 }), ""},
		{"first mag", []string{"--out", "o", "--first-mag", "1e5"}, with(func(o *SimulateOptions) { o.FirstMag = 1e5 }), ""},
		{"negative first mag", []string{"--out", "o", "--first-mag", "-3"}, SimulateOptions{}, "first magnitude = -3, want finite and >= 0"},
		// n* = 0.01 * 1.016 / 0.516 / (1 * 10^1) from SPEC section 2.
		{"kappa", []string{"--out", "o", "--kappa", "0.01", "--beta", "0.5", "--c", "10", "--theta", "1"},
			with(func(o *SimulateOptions) {
				o.Kappa, o.Beta, o.C, o.Theta = 0.01, 0.5, 10, 1
				o.NStar = 0.01 * 1.016 / 0.516 / 10
			}), ""},
		{"no out", []string{"--cascades", "3"}, SimulateOptions{}, "--out not set"},
		{"zero cascades", []string{"--out", "o", "--cascades", "0"}, SimulateOptions{}, "--cascades must be at least 1"},
		{"nstar and kappa", []string{"--out", "o", "--nstar", "0.5", "--kappa", "1"}, SimulateOptions{}, "--nstar and --kappa cannot be used together"},
		{"random and beta", []string{"--out", "o", "--random", "--beta", "0.5"}, SimulateOptions{}, "--random and --beta cannot be used together"},
		{"random and kappa", []string{"--out", "o", "--random", "--kappa", "0.5"}, SimulateOptions{}, "--random and --kappa cannot be used together"},
		{"supercritical nstar", []string{"--out", "o", "--nstar", "1"}, SimulateOptions{}, "nstar = 1, want 0 < nstar < 1"},
		{"zero nstar", []string{"--out", "o", "--nstar", "0"}, SimulateOptions{}, "nstar = 0, want 0 < nstar < 1"},
		{"supercritical kappa", []string{"--out", "o", "--kappa", "100"}, SimulateOptions{}, "is not subcritical, want n* < 1"},
		{"negative kappa", []string{"--out", "o", "--kappa", "-1"}, SimulateOptions{}, "kappa = -1, want finite and > 0"},
		{"beta too large", []string{"--out", "o", "--beta", "1.016"}, SimulateOptions{}, "beta = 1.016, want beta < alpha-1 = 1.016"},
		{"negative beta", []string{"--out", "o", "--beta", "-0.1"}, SimulateOptions{}, "beta = -0.1, want finite and >= 0"},
		{"zero c", []string{"--out", "o", "--c", "0"}, SimulateOptions{}, "c = 0, want finite and > 0"},
		{"NaN theta", []string{"--out", "o", "--theta", "NaN"}, SimulateOptions{}, "theta = NaN, want finite and > 0"},
		{"zero horizon", []string{"--out", "o", "--horizon", "0"}, SimulateOptions{}, "horizon = 0, want > 0"},
		{"zero max events", []string{"--out", "o", "--max-events", "0"}, SimulateOptions{}, "max events = 0, want >= 1"},
		{"bad cascades", []string{"--out", "o", "--cascades", "many"}, SimulateOptions{}, `invalid argument "many"`},
		{"positional argument", []string{"--out", "o", "x"}, SimulateOptions{}, "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseFlags(t, "simulate", newSimulateCmd, tt.argv, tt.wantErr)
			if got == nil {
				return
			}
			// NStar derived from --kappa is compared with a tolerance; every
			// other field is copied from the command line and must be exact.
			if math.Abs(got.NStar-tt.want.NStar) > 1e-12*tt.want.NStar {
				t.Errorf("nstar %v, want %v", got.NStar, tt.want.NStar)
			}
			got.NStar = tt.want.NStar
			if *got != tt.want {
				t.Errorf("options\n got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestSimulateSummary(t *testing.T) {
	cs := []data.Cascade{
		{Times: make([]float64, 4)},
		{Times: make([]float64, 1)},
		{Times: make([]float64, 10)},
		{Times: make([]float64, 2)},
	}
	got := simulateSummary("out", cs, 0)
	want := "simulate: 4 cascades, 17 events, size min 1 / median 3 / max 10, in out"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got = simulateSummary("out", cs[:3], 2)
	want = "simulate: 3 cascades, 15 events, size min 1 / median 4 / max 10, 2 cascades redrawn above --max-events, in out"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

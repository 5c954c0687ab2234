package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/internal/atomicfile"
	"github.com/hawkes-toolkit/hawkes/sim"
)

// SimulateOptions are the options of hawkes simulate.
type SimulateOptions struct {
	IO *ioStreams

	Out      string // output directory
	Cascades int    // number of cascades, >= 1
	Seed     uint64

	// Random draws each cascade's parameters from sim.DefaultRanges;
	// otherwise every cascade has the parameters below.
	Random bool
	// NStar is the branching factor; Kappa, when not 0, is given instead
	// and NStar is then unused.
	NStar, Kappa   float64
	Beta, C, Theta float64

	Mags         string  // data set whose magnitudes are resampled; "" for the power law
	Horizon      float64 // seconds, > 0
	MaxEvents    int     // largest cascade, >= 1
	FirstMag     float64 // magnitude of every original tweet; 0 draws it
	WholeSeconds bool
	Quiet        bool
}

// Defaults of the fixed parameters of hawkes simulate.
const (
	defaultNStar = 0.8
	defaultBeta  = 0.5
	defaultC     = 60
	defaultTheta = 0.8
)

// newSimulateCmd returns the simulate command. It only parses and checks the
// flags and then calls runF, or runSimulate when runF is nil.
func newSimulateCmd(ios *ioStreams, runF func(context.Context, *SimulateOptions) error) *cobra.Command {
	opts := &SimulateOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "simulate --out DIR [flags]",
		Short: "Simulate a data set of cascades from the model",
		Long: `Simulate cascades of the marked Hawkes model and write them to --out in the
two-file layout (data.csv and index.csv) that hawkes fit reads, with
params.csv beside them: id,kappa,beta,c,theta,nstar, the true parameters of
each cascade, to check what a fit recovers. A summary goes to standard error.

Every cascade has the parameters given by --nstar (or --kappa), --beta, --c
and --theta, or, with --random, draws its own from
` + randomRanges() + `.
Magnitudes follow the power law P(m) = (alpha-1) m^-alpha, m >= 1,
alpha = 2.016, or with --mags are drawn from the magnitudes of a real data
set. n* is always computed under the power law, which is what hawkes fit
assumes: with --mags, the realised mean number of children differs, and with
real follower counts it is usually larger.

A cascade runs until --horizon or until it dies out; one that exceeds
--max-events is drawn again, so the data set is conditioned on smaller sizes.
The same --seed gives the same files.

The three files are written together: first in a temporary directory (beside
DIR when DIR does not exist yet, inside it otherwise), then moved into DIR,
so that a failed or interrupted run leaves DIR as it was and DIR never holds
files of two runs. Other files in DIR are left alone.`,
		Example: `  # 100 cascades with n* = 0.8, beta = 0.5, c = 60 s, theta = 0.8
  hawkes simulate --out /tmp/sim

  # Cascades of a few hundred events: original tweets by an account with
  # 100 000 followers, parameters drawn per cascade
  hawkes simulate --out /tmp/sim --random --first-mag 100000 --whole-seconds

  # 500 cascades with random parameters, whole-second times like the real data
  hawkes simulate --out /tmp/sim --cascades 500 --random --whole-seconds --seed 7

  # kappa given directly instead of n*, a one-day horizon
  hawkes simulate --out /tmp/sim --kappa 12 --beta 0.4 --c 30 --theta 1 --horizon 86400

  # Real follower counts; they excite more than the power law's, so keep n* low
  hawkes simulate --out /tmp/sim --nstar 0.3 --beta 0.2 --mags ../shared/data/smh_cascades`,
		Args: noArgs,
		RunE: runE(opts, func(cmd *cobra.Command, _ []string) error { return checkSimulateFlags(cmd, opts) }, runF, runSimulate),
	}
	f := cmd.Flags()
	f.StringVar(&opts.Out, "out", "", "output `DIR`, created if needed (required)")
	f.IntVar(&opts.Cascades, "cascades", 100, "number of cascades `N`")
	f.Uint64Var(&opts.Seed, "seed", 1, "random seed: the same seed gives the same files")
	f.BoolVar(&opts.Random, "random", false, "draw each cascade's parameters at random (excludes --nstar, --kappa, --beta, --c, --theta)")
	f.Float64Var(&opts.NStar, "nstar", defaultNStar, "branching factor n*, in (0, 1)")
	f.Float64Var(&opts.Kappa, "kappa", 0, "kappa, > 0, instead of --nstar")
	f.Float64Var(&opts.Beta, "beta", defaultBeta, "influence exponent of the magnitudes, in [0, alpha-1)")
	f.Float64Var(&opts.C, "c", defaultC, "time shift of the kernel in seconds, > 0")
	f.Float64Var(&opts.Theta, "theta", defaultTheta, "power-law decay of the kernel, > 0")
	f.StringVar(&opts.Mags, "mags", "", "draw magnitudes from the data set in `FILE_OR_DIR`: a directory, its data.csv or index.csv, or a single-cascade CSV file")
	f.Float64Var(&opts.Horizon, "horizon", sim.DefaultHorizon, "observation horizon in `SECONDS`")
	f.IntVar(&opts.MaxEvents, "max-events", sim.DefaultMaxEvents, "largest cascade `N`; a larger one is drawn again")
	f.Float64Var(&opts.FirstMag, "first-mag", 0, "follower count `M` of every original tweet (0: drawn like the others); a popular account gives cascades of hundreds of events")
	f.BoolVar(&opts.WholeSeconds, "whole-seconds", false, "floor times to whole seconds, as in the real data (creates ties)")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no summary on standard error")
	return cmd
}

// randomRanges describes sim.DefaultRanges for the help text.
func randomRanges() string {
	r := sim.DefaultRanges()
	return fmt.Sprintf("n* in [%g, %g], beta in [%g, %g], c in [%g, %g] s and theta in [%g, %g]",
		r.NStar[0], r.NStar[1], r.Beta[0], r.Beta[1], r.C[0], r.C[1], r.Theta[0], r.Theta[1])
}

// checkSimulateFlags checks the flags of simulate: those required or
// exclusive, then the values with the rules of package sim (through
// simulateConfig), whose errors become usage errors. With --kappa it sets
// opts.NStar to the branching factor it gives.
func checkSimulateFlags(cmd *cobra.Command, opts *SimulateOptions) error {
	f := cmd.Flags()
	switch {
	case opts.Out == "":
		return flagErrorf("required flag --out not set")
	case opts.Cascades < 1:
		// sim.Dataset draws no cascade for 0; a data set on disk needs one.
		return flagErrorf("--cascades must be at least 1, got %d", opts.Cascades)
	case f.Changed("nstar") && f.Changed("kappa"):
		return flagErrorf("--nstar and --kappa cannot be used together")
	}
	if opts.Random {
		for _, name := range []string{"nstar", "kappa", "beta", "c", "theta"} {
			if f.Changed(name) {
				return flagErrorf("--random and --%s cannot be used together", name)
			}
		}
	} else if f.Changed("kappa") {
		opts.NStar = fit.Params{Kappa: opts.Kappa, Beta: opts.Beta, C: opts.C, Theta: opts.Theta}.NStar()
	}
	if _, err := simulateConfig(opts); err != nil {
		return &flagError{err}
	}
	return nil
}

// simulateConfig returns the configuration of sim.Dataset, with the
// parameters of every cascade from --kappa or --nstar (sim.ParamsFor) unless
// --random, checked by sim.Config.Validate. Mags is left to runSimulate.
func simulateConfig(opts *SimulateOptions) (sim.Config, error) {
	cfg := sim.Config{
		Horizon:      opts.Horizon,
		MaxEvents:    opts.MaxEvents,
		FirstMag:     opts.FirstMag,
		WholeSeconds: opts.WholeSeconds,
		Mags:         sim.PowerLaw(fit.Alpha),
	}
	switch {
	case opts.Random:
		r := sim.DefaultRanges()
		cfg.Random = &r
	case opts.Kappa != 0:
		cfg.Params = fit.Params{Kappa: opts.Kappa, Beta: opts.Beta, C: opts.C, Theta: opts.Theta}
	default:
		p, err := sim.ParamsFor(opts.NStar, opts.Beta, opts.C, opts.Theta)
		if err != nil {
			return cfg, err
		}
		cfg.Params = p
	}
	return cfg, cfg.Validate()
}

// runSimulate draws the data set with sim.Dataset and writes it to opts.Out.
func runSimulate(ctx context.Context, opts *SimulateOptions) error {
	if err := atomicfile.CheckDir(opts.Out, simulatedFiles); err != nil {
		return err
	}
	cfg, err := simulateConfig(opts)
	if err != nil {
		return err
	}
	if opts.Mags != "" {
		mags, err := loadMags(ctx, opts.Mags)
		if err != nil {
			return err
		}
		cfg.Mags = sim.Empirical(mags)
	}
	redraws := 0
	cfg.OnRedraw = func(string, fit.Params) { redraws++ }

	cascades, params, err := sim.Dataset(ctx, opts.Cascades, cfg, opts.Seed)
	if err != nil {
		return err
	}
	if err := writeSimulated(opts.Out, cascades, params); err != nil {
		return err
	}
	if !opts.Quiet {
		fmt.Fprintln(opts.IO.ErrOut, simulateSummary(opts.Out, cascades, redraws))
	}
	return nil
}

// loadMags returns every magnitude of the data set at path: a directory with
// data.csv and index.csv, one of those two files, or a single-cascade file.
func loadMags(ctx context.Context, path string) ([]float64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("--mags: %w", err)
	}
	var cascades []data.Cascade
	switch base := filepath.Base(path); {
	case st.IsDir():
		cascades, err = data.LoadDir(ctx, path)
	case base == "data.csv" || base == "index.csv":
		cascades, err = data.LoadDir(ctx, filepath.Dir(path))
	default:
		var c data.Cascade
		c, err = data.ReadSingle(path)
		cascades = []data.Cascade{c}
	}
	if err != nil {
		return nil, err
	}
	var mags []float64
	for i := range cascades {
		mags = append(mags, cascades[i].Mags...)
	}
	if len(mags) == 0 {
		return nil, fmt.Errorf("--mags %s: the data set has no events", path)
	}
	return mags, nil
}

// simulatedFiles are the files hawkes simulate writes in --out, in the order
// of writeSimulated's writers.
var simulatedFiles = []string{"data.csv", "index.csv", "params.csv"}

// writeSimulated writes the cascades with data.Write and their parameters
// with sim.WriteParams as the files simulatedFiles in dir. They are written
// together with atomicfile.WriteDir, so that dir never holds files of two
// runs.
func writeSimulated(dir string, cascades []data.Cascade, params []fit.Params) error {
	ids := make([]string, len(cascades))
	for i := range cascades {
		ids[i] = cascades[i].ID
	}
	return atomicfile.WriteDir(dir, simulatedFiles, func(ws []io.Writer) error {
		if err := data.Write(ws[0], ws[1], cascades); err != nil {
			return err
		}
		return sim.WriteParams(ws[2], ids, params)
	})
}

// simulateSummary formats the summary of a simulate run, for example
// "simulate: 100 cascades, 5230 events, size min 1 / median 12 / max 950, in /tmp/sim".
func simulateSummary(dir string, cascades []data.Cascade, redraws int) string {
	sizes := make([]int, len(cascades))
	events := 0
	for i := range cascades {
		sizes[i] = cascades[i].Len()
		events += sizes[i]
	}
	slices.Sort(sizes)
	s := fmt.Sprintf("simulate: %d cascades, %d events", len(cascades), events)
	if n := len(sizes); n > 0 {
		median := float64(sizes[(n-1)/2]+sizes[n/2]) / 2
		s += fmt.Sprintf(", size min %d / median %g / max %d", sizes[0], median, sizes[n-1])
	}
	if redraws > 0 {
		s += fmt.Sprintf(", %d cascades redrawn above --max-events", redraws)
	}
	return s + ", in " + dir
}

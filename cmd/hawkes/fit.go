package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/fit"
)

// FitOptions are the options of hawkes fit.
type FitOptions struct {
	IO *ioStreams

	DataDir string  // data set directory (data.csv and index.csv)
	Window  float64 // observation window T in seconds, > 0
	Workers int     // cascades fitted at once, >= 1
	Starts  int     // starting points per fit, >= 1
	Seed    uint64  // seed of the starting points
	Format  string  // fit.FormatCSV or fit.FormatJSONL
	Limit   int     // fit only the first Limit cascades when > 0
	Quiet   bool    // no progress bar and no summary line
	Exact   bool    // exact O(n^2) likelihood instead of the fast O(n) one
}

// newFitCmd returns the fit command. It only parses and checks the flags and
// then calls runF, or runFit when runF is nil.
func newFitCmd(ios *ioStreams, runF func(context.Context, *FitOptions) error) *cobra.Command {
	opts := &FitOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "fit --data DIR --window SECONDS [flags]",
		Short: "Fit every cascade of a data set on its first seconds and predict its final size",
		Long: `Fit the marked Hawkes model by maximum likelihood to the events of each
cascade observed up to --window seconds after the original tweet, and predict
its final size. One row per cascade is written to standard output, in the
order of the index; a summary line is written to standard error at the end.

Columns (CSV header; JSONL uses the same keys, in this order, with "log_kappa"
and "rate" before "status" and "reason" and "evals" after it; evals counts the
fit's likelihood evaluations, and the summary line gives their median):
  id      cascade id
  n       events observed up to the window
  size    final size of the cascade (events in the data set)
  kappa, beta, c, theta   fitted kernel kappa m^beta (c+tau)^-(1+theta)
  nstar   branching factor n*
  a1      expected direct children after the window of the observed events
  nhat    predicted final size n + a1/(1-n*)
  loglik  maximised log-likelihood
  status  ok             a subcritical optimum
          supercritical  the optimum has n* >= 1: no prediction (nhat empty;
                         kappa, c, theta too if it reached the exponential
                         limit)
          unbounded      no finite optimum; the likelihood rises towards an
                         exponential kernel (kappa, c, theta empty)
          failed         no fit (kappa to loglik empty; JSONL gives a reason)
A field that does not apply is empty in CSV and null in JSONL, never NaN.
Floats are written with the fewest digits that read back exactly.

Rows are written whole as they are fitted: after Ctrl-C the output holds
complete rows for the cascades fitted so far.`,
		Example: `  # Fit the first hour of every cascade, 8 cascades at once
  hawkes fit --data ../shared/data/smh_cascades --window 3600 --workers 8 > fits.csv

  # The same with the exact O(n^2) likelihood, the reference for the fast one
  hawkes fit --data ../shared/data/smh_cascades --window 3600 --exact > fits-exact.csv

  # The first 40 cascades on 10 minutes, as JSON lines, without the summary
  hawkes fit --data ../shared/data/seismic_subset --window 600 --limit 40 --format jsonl --quiet`,
		Args: noArgs,
		RunE: runE(opts, func(cmd *cobra.Command, _ []string) error { return opts.validate(cmd.Flags()) }, runF, runFit),
	}
	f := cmd.Flags()
	f.StringVar(&opts.DataDir, "data", "", "data set `DIR` holding data.csv and index.csv (required)")
	f.Float64Var(&opts.Window, "window", 0, "observation window in `SECONDS` after the original tweet (required, > 0)")
	f.IntVar(&opts.Workers, "workers", runtime.NumCPU(), "cascades fitted at once, one per CPU by default")
	f.IntVar(&opts.Starts, "starts", fit.DefaultStarts, "random starting points per fit; the best optimum is kept")
	f.Uint64Var(&opts.Seed, "seed", 1, "seed of the starting points: the same seed gives the same output")
	f.StringVar(&opts.Format, "format", fit.FormatCSV, "output format: csv or jsonl")
	f.IntVar(&opts.Limit, "limit", 0, "fit only the first `K` cascades (0: all)")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no progress bar and no summary line on standard error")
	f.BoolVar(&opts.Exact, "exact", false, "evaluate the likelihood exactly, O(n^2) per evaluation (the reference; slow on large cascades)")
	return cmd
}

// validate checks the flags: those required, then the values with the rules
// of package fit, whose errors become usage errors.
func (opts *FitOptions) validate(f *pflag.FlagSet) error {
	switch {
	case opts.DataDir == "":
		return flagErrorf("required flag --data not set")
	case !f.Changed("window"):
		return flagErrorf("required flag --window not set")
	}
	if err := fit.CheckWindow(opts.Window); err != nil {
		return &flagError{err}
	}
	if err := opts.batchOptions().Validate(); err != nil {
		return &flagError{err}
	}
	// fit.NewWriter is where the formats are known.
	if _, err := fit.NewWriter(io.Discard, opts.Format); err != nil {
		return &flagError{err}
	}
	return nil
}

// batchOptions returns the options of fit.Batch.
func (opts *FitOptions) batchOptions() fit.BatchOptions {
	return fit.BatchOptions{
		Options: fit.Options{Starts: opts.Starts, Seed: opts.Seed, Exact: opts.Exact},
		Workers: opts.Workers,
		Limit:   opts.Limit,
	}
}

// runFit loads the data set, fits every cascade with fit.Batch and writes the
// results as they come.
func runFit(ctx context.Context, opts *FitOptions) error {
	cascades, err := data.LoadDir(ctx, opts.DataDir)
	if err != nil {
		return err
	}
	out, err := fit.NewWriter(opts.IO.Out, opts.Format)
	if err != nil {
		return err
	}
	bopts := opts.batchOptions()
	var bar *progressbar.ProgressBar
	if opts.IO.ErrTTY && !opts.Quiet {
		bopts.Progress = func(done, total int) {
			if bar == nil {
				bar = newProgressBar(opts, total)
			}
			_ = bar.Set(done) // a progress bar that cannot be drawn is no reason to stop
		}
	}

	start := time.Now()
	sum, err := fit.Batch(ctx, cascades, opts.Window, bopts, func(c *data.Cascade, r fit.Result) error {
		return out.Write(c.ID, c.Len(), r)
	})
	elapsed := time.Since(start)
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if bar != nil {
		_ = bar.Clear()
	}
	if !opts.Quiet && (err == nil || sum.Cascades > 0) {
		fmt.Fprintln(opts.IO.ErrOut, fitSummary(sum, elapsed))
	}
	return err
}

func newProgressBar(opts *FitOptions, total int) *progressbar.ProgressBar {
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(opts.IO.ErrOut),
		progressbar.OptionSetDescription("fit"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
	)
}

// fitSummary formats the summary line of a fit run, for example
// "fit: 508 cascades (ok 250, supercritical 200, unbounded 50, failed 8) in
// 12.3s; median 412 likelihood evaluations per cascade".
func fitSummary(s fit.Summary, elapsed time.Duration) string {
	return fmt.Sprintf("fit: %d cascades (%s %d, %s %d, %s %d, %s %d) in %.1fs; median %g likelihood evaluations per cascade",
		s.Cascades,
		fit.StatusOK, s.ByStatus[fit.StatusOK],
		fit.StatusSupercritical, s.ByStatus[fit.StatusSupercritical],
		fit.StatusUnbounded, s.ByStatus[fit.StatusUnbounded],
		fit.StatusFailed, s.ByStatus[fit.StatusFailed],
		elapsed.Seconds(), s.MedianEvals())
}

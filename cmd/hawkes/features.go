package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/internal/atomicfile"
)

// FeaturesOptions are the options of hawkes features.
type FeaturesOptions struct {
	IO *ioStreams

	DataDir string    // data set directory (data.csv and index.csv)
	Windows []float64 // observation windows T in seconds, each > 0
	Out     string    // output file; standard output when empty
	Workers int       // cascades fitted at once, >= 1
	Starts  int       // starting points per fit, >= 1
	Seed    uint64    // seed of the starting points
	Limit   int       // only the first Limit cascades when > 0
	Quiet   bool      // no summary line
}

// newFeaturesCmd returns the features command. It only parses and checks
// the flags and then calls runF, or runFeatures when runF is nil.
func newFeaturesCmd(ios *ioStreams, runF func(context.Context, *FeaturesOptions) error) *cobra.Command {
	opts := &FeaturesOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "features --data DIR --window SECONDS[,SECONDS...] [flags]",
		Short: "Compute the features and the target of the random forest for every cascade",
		Long: `Fit the marked Hawkes model to every cascade of a data set on each observation
window and write one CSV row per cascade and window: the features of the
random forest and its target. Windows come in the order given and, within a
window, cascades in the order of the index. Every cascade gets a row, failed
fits included. A summary line is written to standard error at the end.

Columns:
  id, window, status      cascade id, window T in seconds, status of the fit
                          (ok, supercritical, unbounded or failed, as in
                          hawkes fit)
  n, size                 events observed up to T, final size N
  c, theta, a1, nstar     the prototype's features (see hawkes fit)
  beta, rate              kernel exponent of the magnitudes, theta/c
  loglik_per_event        maximised log-likelihood divided by n
  log_n                   log n
  growth                  fraction of the n observed events in (0.8T, T]
  log_poster_followers    log(1 + followers) of the original poster
  log_followers_sum, log_followers_max
                          log(1 + x) of the sum and the largest of the
                          followers of those who retweeted up to T
  followers_top_share     the largest's share of that sum (0 when it is 0)
  nhat                    model-only prediction n + a1/(1-n*)
  w                       target w = (N-n)(1-n*)/a1, only for ok and
                          unbounded fits with a1 > 0 and n* < 1
A field that does not apply is empty, never NaN. Floats are written with the
fewest digits that read back exactly.

With --out the rows go to a temporary file beside FILE, renamed to FILE at
the end: a failed or interrupted run leaves FILE as it was. FILE must not be
a directory.`,
		Example: `  # Features on the first 10 minutes and the first hour, 8 cascades at once
  hawkes features --data ../shared/data/smh_cascades --window 600,3600 --workers 8 --out features.csv

  # The first 40 cascades on one hour, to standard output, without the summary
  hawkes features --data ../shared/data/seismic_subset --window 3600 --limit 40 --quiet`,
		Args: noArgs,
		RunE: runE(opts, func(cmd *cobra.Command, _ []string) error { return opts.validate(cmd.Flags()) }, runF, runFeatures),
	}
	f := cmd.Flags()
	f.StringVar(&opts.DataDir, "data", "", "data set `DIR` holding data.csv and index.csv (required)")
	f.Float64SliceVar(&opts.Windows, "window", nil, "observation windows in `SECONDS` after the original tweet, comma-separated (required, each > 0)")
	f.Lookup("window").DefValue = "" // no "(default [])" in the help
	f.StringVarP(&opts.Out, "out", "o", "", "write the CSV to `FILE` instead of standard output")
	f.IntVar(&opts.Workers, "workers", runtime.NumCPU(), "cascades fitted at once, one per CPU by default")
	f.IntVar(&opts.Starts, "starts", fit.DefaultStarts, "random starting points per fit; the best optimum is kept")
	f.Uint64Var(&opts.Seed, "seed", 1, "seed of the starting points: the same seed gives the same output")
	f.IntVar(&opts.Limit, "limit", 0, "only the first `K` cascades (0: all)")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no summary line on standard error")
	return cmd
}

// validate checks the flags: those required, then the values with the rules
// of package fit, whose errors become usage errors.
func (opts *FeaturesOptions) validate(f *pflag.FlagSet) error {
	switch {
	case opts.DataDir == "":
		return flagErrorf("required flag --data not set")
	case !f.Changed("window") || len(opts.Windows) == 0:
		return flagErrorf("required flag --window not set")
	}
	for _, T := range opts.Windows {
		if err := fit.CheckWindow(T); err != nil {
			return &flagError{err}
		}
	}
	if err := opts.batchOptions().Validate(); err != nil {
		return &flagError{err}
	}
	return nil
}

// batchOptions returns the options of the fits.
func (opts *FeaturesOptions) batchOptions() fit.BatchOptions {
	return fit.BatchOptions{
		Options: fit.Options{Starts: opts.Starts, Seed: opts.Seed},
		Workers: opts.Workers,
		Limit:   opts.Limit,
	}
}

// runFeatures loads the data set, computes the rows with features.Compute and
// writes them as they come, to standard output or through atomicfile.Write
// to opts.Out.
func runFeatures(ctx context.Context, opts *FeaturesOptions) error {
	if opts.Out != "" {
		if err := atomicfile.Check(opts.Out); err != nil {
			return err
		}
	}
	cascades, err := data.LoadDir(ctx, opts.DataDir)
	if err != nil {
		return err
	}
	if opts.Out == "" {
		return writeFeatures(ctx, opts, cascades, opts.IO.Out)
	}
	return atomicfile.Write(opts.Out, func(w io.Writer) error {
		return writeFeatures(ctx, opts, cascades, w)
	})
}

// writeFeatures computes the rows of cascades and writes them to dst, then
// the summary line.
func writeFeatures(ctx context.Context, opts *FeaturesOptions, cascades []data.Cascade, dst io.Writer) error {
	out := features.NewWriter(dst)
	bopts := opts.batchOptions()
	sum := fit.Summary{ByStatus: map[fit.Status]int{}}
	start := time.Now()
	err := features.Compute(ctx, cascades, opts.Windows, bopts, func(r features.Row) error {
		if err := out.Write(r); err != nil {
			return err
		}
		sum.Cascades++
		sum.ByStatus[r.Status]++
		return nil
	})
	elapsed := time.Since(start)
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if !opts.Quiet && (err == nil || sum.Cascades > 0) {
		fmt.Fprintln(opts.IO.ErrOut, featuresSummary(sum, len(opts.Windows), elapsed))
	}
	return err
}

// featuresSummary formats the summary line of a features run, for example
// "features: 40 rows on 2 windows (ok 25, supercritical 10, unbounded 3, failed 2) in 1.2s".
func featuresSummary(s fit.Summary, windows int, elapsed time.Duration) string {
	return fmt.Sprintf("features: %d rows on %d windows (%s %d, %s %d, %s %d, %s %d) in %.1fs",
		s.Cascades, windows,
		fit.StatusOK, s.ByStatus[fit.StatusOK],
		fit.StatusSupercritical, s.ByStatus[fit.StatusSupercritical],
		fit.StatusUnbounded, s.ByStatus[fit.StatusUnbounded],
		fit.StatusFailed, s.ByStatus[fit.StatusFailed],
		elapsed.Seconds())
}
